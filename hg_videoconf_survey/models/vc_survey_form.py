import base64
import binascii
import dataclasses
import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import file_open

from . import form_core

# an XLSForm of a survey is a few dozen kB; refuse anything far bigger
# before decoding or parsing it
MAX_XLSFORM_BYTES = 2 * 1024 * 1024
# fields that make up the definition: frozen once a dispatched round uses it
DEFINITION_FIELDS = {
    "code",
    "version",
    "title",
    "audience",
    "issued_with",
    "guidance",
    "form_type",
    "summary_kind",
    "definition",
    "xlsform_file",
    "xlsform_filename",
}


# fields mirrored in the definition: {field: FormDefinition attribute}
HEADING_FIELDS = {
    "code": "code",
    "version": "version",
    "title": "title",
    "audience": "audience",
    "issued_with": "issued_with",
    "guidance": "guidance",
    "form_type": "form_type",
    "summary_kind": "summary",
}


class VcSurveyForm(models.Model):
    """A version of a survey form (phiếu khảo sát), imported from XLSForm.

    The questions live in one validated JSON document (``definition``,
    written by the core's ``definition_to_dict``): see
    docs/adr/0001-form-versions-as-data.md.
    """

    _name = "vc.survey.form"
    _description = "Survey Form Version"
    _order = "code, version desc, id desc"

    name = fields.Char(required=True)
    code = fields.Char(
        required=True, help="The XLSForm form_id: the same for every version."
    )
    version = fields.Char(required=True)
    audience = fields.Char(help='The "dành cho …" line.')
    title = fields.Char()
    issued_with = fields.Char(string="Issued with")
    guidance = fields.Text(help="Part A, one item per line.")
    form_type = fields.Char(
        help='Free text; "district" and "center" are the 2017 forms.'
    )
    summary_kind = fields.Selection(
        [("2017", "2017 summary (hand-written)"), ("generic", "Generic summary")],
        required=True,
        default="generic",
    )
    active = fields.Boolean(default=True)
    definition = fields.Json(readonly=True, copy=True)
    xlsform_file = fields.Binary(string="XLSForm", attachment=True, readonly=True)
    xlsform_filename = fields.Char(readonly=True)
    question_count = fields.Integer(compute="_compute_question_count", store=True)
    round_line_ids = fields.One2many("vc.survey.round.line", "form_id")
    state = fields.Selection(
        [("open", "Editable"), ("frozen", "Frozen")],
        compute="_compute_state",
        help="A version used by a dispatched round is frozen.",
    )

    _sql_constraints = [
        (
            "code_version_uniq",
            "unique(code, version)",
            "A form version with this code and version already exists.",
        ),
    ]

    @api.depends("definition")
    def _compute_question_count(self):
        for rec in self:
            rec.question_count = (
                len(rec.get_definition().questions()) if rec.definition else 0
            )

    def _compute_state(self):
        frozen = self._frozen_ids()
        for rec in self:
            rec.state = "frozen" if rec.id in frozen else "open"

    def _frozen_ids(self):
        ids = [i for i in self.ids if i]
        if not ids:
            return set()
        # the query reads the rounds' states: pending writes first
        self.env["vc.survey.round"].flush_model(["state"])
        self.env["vc.survey.round.line"].flush_model(["form_id", "round_id"])
        self.env.cr.execute(
            """SELECT DISTINCT l.form_id FROM vc_survey_round_line l
               JOIN vc_survey_round r ON r.id = l.round_id
               WHERE l.form_id = ANY(%s) AND r.state != 'draft'""",
            [ids],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            set(vals) & {"definition", "xlsform_file"} for vals in vals_list
        ):
            raise AccessError(
                _("A form version's questions come from an XLSForm import only.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(vals) & {"definition", "xlsform_file"}:
            raise AccessError(
                _("A form version's questions come from an XLSForm import only.")
            )
        if set(vals) & DEFINITION_FIELDS:
            frozen = self.browse(self._frozen_ids())
            if frozen:
                raise UserError(
                    _(
                        "The form version %(name)s is used by a dispatched round: "
                        "it cannot be changed. Duplicate it as a new version.",
                        name=frozen[0].display_name,
                    )
                )
        texts = {f: vals[f] for f in HEADING_FIELDS if f in vals}
        if texts and "definition" not in vals:
            # the texts are those of the definition: keep both equal
            self.check_access("write")
            for rec in self:
                rec.sudo().write(dict(vals, definition=rec._definition_with(texts)))
            return True
        return super().write(vals)

    def _definition_with(self, texts):
        form = self.get_definition()
        changes = {}
        for field, value in texts.items():
            attribute = HEADING_FIELDS[field]
            if attribute == "guidance":
                value = tuple(line for line in (value or "").splitlines() if line)
            else:
                value = value or ""
            if hasattr(form, attribute):
                changes[attribute] = value
        return form_core.definition_to_dict(dataclasses.replace(form, **changes))

    def unlink(self):
        used = self.filtered(lambda f: f.round_line_ids.sudo())
        if used:
            raise UserError(
                _(
                    "The form version %(name)s is used by a survey round: it "
                    "cannot be deleted (archive it instead).",
                    name=used[0].display_name,
                )
            )
        return super().unlink()

    @api.depends("name", "version")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = f"{rec.name or ''} ({rec.version or ''})"

    # ------------------------------------------------------------------
    # the definition
    # ------------------------------------------------------------------
    def get_definition(self):
        """The core's FormDefinition of this version (cached per write)."""
        self.ensure_one()
        return form_core.definition_from_dict(
            self.definition, key=(self.env.cr.dbname, self.id, str(self.write_date))
        )

    @api.model
    def _vals_from_definition(self, form):
        guidance = getattr(form, "guidance", ()) or ()
        return {
            "name": getattr(form, "name", "") or form.title or form.form_type,
            "code": getattr(form, "code", "") or form.form_type,
            "version": form.version,
            "title": form.title,
            "audience": form.audience,
            "issued_with": form.issued_with,
            "guidance": "\n".join(guidance),
            "form_type": form.form_type,
            "summary_kind": getattr(form, "summary", None)
            or ("2017" if form.version == "2017" else "generic"),
            "definition": form_core.definition_to_dict(form),
        }

    @api.model
    def _create_from_xlsform(self, data, filename, extra=None):
        """Read, check and store an XLSForm (no access check here)."""
        error_class = form_core.xlsform_error_class()
        try:
            form = form_core.read_xlsform(data, filename)
        except error_class as exc:
            raise UserError(self._format_problems(exc.problems)) from None
        vals = self._vals_from_definition(form)
        duplicate = self.with_context(active_test=False).search_count(
            [("code", "=", vals["code"]), ("version", "=", vals["version"])]
        )
        if duplicate:
            raise UserError(
                _(
                    "The workbook cannot be imported:\n• settings: a form version "
                    "%(code)s %(version)s already exists; change form_id or "
                    "version.",
                    code=vals["code"],
                    version=vals["version"],
                )
            )
        vals.update(
            xlsform_file=base64.b64encode(data), xlsform_filename=filename or False
        )
        vals.update(extra or {})
        # checked above (officer or administrator); the definition itself is
        # written only here, by the importer
        return self.sudo().create(vals).sudo(False)

    @api.model
    def _format_problems(self, problems):
        lang = self.env.lang or self.env.user.lang or ""
        lines = []
        for p in problems:
            where = "/".join(
                str(part)
                for part in (p.sheet, p.row, p.column)
                if part not in (None, "")
            )
            message = (
                p.message
                if lang.startswith("vi")
                else (getattr(p, "message_en", "") or p.message)
            )
            lines.append(f"• {where}: {message}" if where else f"• {message}")
        return _("The workbook cannot be imported:") + "\n" + "\n".join(lines)

    @api.model
    def _check_form_manager(self):
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("hg_videoconf_survey.group_department_officer")
            or user.has_group("base.group_system")
        ):
            raise AccessError(
                _("Only a Department officer or an administrator can import forms.")
            )

    @api.model
    def import_xlsform(self, file_b64, filename=""):
        """Import an XLSForm workbook (base64) as a new form version.

        Returns the new version's id, or raises one UserError listing every
        problem of the workbook; nothing is created then.
        """
        self._check_form_manager()
        filename = str(filename or "")
        if not isinstance(file_b64, str | bytes) or not file_b64:
            raise UserError(_("Choose an XLSForm workbook (.xlsx) to import."))
        # base64 is 4/3 of the bytes: refuse before decoding
        if len(file_b64) > MAX_XLSFORM_BYTES * 4 // 3 + 4:
            raise UserError(
                _(
                    "The workbook is too large (more than %(size)s MB).",
                    size=MAX_XLSFORM_BYTES // (1024 * 1024),
                )
            )
        try:
            data = base64.b64decode(file_b64, validate=True)
        except (binascii.Error, ValueError):
            raise UserError(_("The file is not valid base64 data.")) from None
        if not filename.lower().endswith(".xlsx") and filename:
            raise UserError(_("An XLSForm is an .xlsx workbook."))
        record = self._create_from_xlsform(data, filename)
        return record.id

    @api.model
    def export_xlsform(self, form_id):
        """The XLSForm workbook of a version, base64-encoded."""
        record = self.browse(int(form_id)).exists()
        if not record:
            raise UserError(_("This form version does not exist."))
        record.check_access("read")
        data = form_core.write_xlsform(record.get_definition())
        return base64.b64encode(data).decode()

    def action_export_xlsform(self):
        self.ensure_one()
        data = self.export_xlsform(self.id)
        safe = re.sub(r"[^\w.-]+", "_", f"{self.code}_{self.version}")
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{safe}.xlsx",
                    "datas": data,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/vnd.openxmlformats-officedocument"
                    ".spreadsheetml.sheet",
                }
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def action_new_version(self):
        """Duplicate as a new (editable) version; the old one stays frozen."""
        self.ensure_one()
        self._check_form_manager()
        version = self._next_version()
        form = dataclasses.replace(self.get_definition(), version=version)
        new = (
            self.sudo()
            .copy(
                {
                    "version": version,
                    "definition": form_core.definition_to_dict(form),
                    "xlsform_file": False,
                    "xlsform_filename": False,
                }
            )
            .sudo(False)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
            "target": "current",
        }

    def _next_version(self):
        existing = set(
            self.with_context(active_test=False)
            .search([("code", "=", self.code)])
            .mapped("version")
        )
        base = self.version or "1"
        if base.isdigit():
            candidate = str(int(base) + 1)
            while candidate in existing:
                candidate = str(int(candidate) + 1)
            return candidate
        n = 2
        while f"{base}.{n}" in existing:
            n += 1
        return f"{base}.{n}"

    # ------------------------------------------------------------------
    # the shipped 2017 forms and the demo
    # ------------------------------------------------------------------
    @api.model
    def _load_xlsform_file(self, path, xmlid):
        """Import a workbook shipped in the addon (``path`` inside the addons
        path) once, under ``xmlid`` of this module."""
        module = "hg_videoconf_survey"
        if self.env.ref(f"{module}.{xmlid}", raise_if_not_found=False):
            return True
        with file_open(path, "rb") as handle:
            data = handle.read()
        record = self.sudo()._create_from_xlsform(data, path.rsplit("/", 1)[-1])
        self.env["ir.model.data"].sudo().create(
            {
                "module": module,
                "name": xmlid,
                "model": self._name,
                "res_id": record.id,
                "noupdate": True,
            }
        )
        return True

    @api.model
    def _load_builtin_forms(self):
        """Create the two 2017 versions (once), through the XLSForm importer
        when the core ships their workbooks."""
        IrData = self.env["ir.model.data"].sudo()
        module = "hg_videoconf_survey"
        for xmlid, (_file, form_type) in form_core.BUILTIN_FORMS.items():
            if self.env.ref(f"{module}.{xmlid}", raise_if_not_found=False):
                continue
            data, filename = form_core.builtin_file(xmlid)
            extra = {"summary_kind": "2017", "form_type": form_type}
            if data is not None and form_core.has_xlsform():
                record = self.sudo()._create_from_xlsform(data, filename, extra)
            else:
                vals = self._vals_from_definition(form_core.builtin_form(form_type))
                vals.update(extra, code=f"vc_2017_{form_type}")
                record = self.sudo().create(vals)
            IrData.create(
                {
                    "module": module,
                    "name": xmlid,
                    "model": self._name,
                    "res_id": record.id,
                    "noupdate": True,
                }
            )
        return True
