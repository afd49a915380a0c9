"""Offline replies: the unit's Excel workbook, its import, replies by e-mail,
the signed scan and the raw export (issue 13).

The core does the work (``vcsurvey.workbook``, ``vcsurvey.rawexport``);
this module feeds it records and writes what it returns through the
answers API (``get_answers`` / ``set_answers``).  See
docs/adr/0003-offline-workbooks.md.
"""

import base64
import hashlib
import hmac
import io
import logging
import zipfile

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize, email_split

from vcsurvey import rawexport, workbook
from vcsurvey.cli import slug

_logger = logging.getLogger(__name__)

DEPARTMENT_GROUPS = (
    "hg_videoconf_survey.group_department_officer",
    "hg_videoconf_survey.group_department_leader",
)
SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg"}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# base64 grows data by 4/3: refuse larger uploads before decoding them
MAX_B64_CHARS = workbook.MAX_FILE_BYTES * 4 // 3 + 4


def workbook_key(env):
    """The ``_meta`` checksum key: derived from the database secret, so that
    the secret itself never leaves the server."""
    secret = env["ir.config_parameter"].sudo().get_param("database.secret") or ""
    return hmac.new(secret.encode(), b"vc_survey_workbook", hashlib.sha256).hexdigest()


def _files(msg_dict):
    """(name, bytes) of an incoming mail's attachments."""
    return [
        (att.fname or "file", att.content)
        for att in msg_dict.get("attachments") or []
        if isinstance(att.content, bytes)
    ]


def _workbooks(msg_dict):
    """The attachments that look like workbooks (by name or first bytes)."""
    return [
        (name, data)
        for name, data in _files(msg_dict)
        if name.lower().endswith(WORKBOOK_SUFFIXES)
        or data.startswith((b"PK\x03\x04", workbook.OLE_MAGIC))
    ]


def is_department(env):
    return env.su or any(env.user.has_group(g) for g in DEPARTMENT_GROUPS)


def _same(left, right):
    """Answers equal for an import: blank, [] and None are one thing."""

    def norm(value):
        if isinstance(value, str):
            value = value.strip()
        if isinstance(value, list):
            value = [
                {k: norm(v) for k, v in row.items() if norm(v) is not None}
                if isinstance(row, dict)
                else norm(row)
                for row in value
            ]
        if value in ("", [], None):
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    keys = set(left) | set(right)
    return all(norm(left.get(k)) == norm(right.get(k)) for k in keys)


class VcSurveySubmission(models.Model):
    _inherit = "vc.survey.submission"

    signed_scan = fields.Binary(
        string="Signed scan",
        attachment=True,
        copy=False,
        help="The signed and stamped paper form, scanned (PDF or JPEG, at most "
        "10 MB).",
    )
    signed_scan_filename = fields.Char(string="Signed scan file name", copy=False)
    has_signed_scan = fields.Boolean(
        compute="_compute_has_signed_scan", store=True, string="Signed scan attached"
    )
    workbook_file = fields.Binary(
        string="Excel form",
        compute="_compute_workbook_file",
        help="The unit's fillable workbook, made when downloaded.",
    )
    workbook_filename = fields.Char(
        string="Excel form file name", compute="_compute_workbook_filename"
    )
    offline_reply_ids = fields.One2many(
        "vc.survey.offline.reply", "submission_id", string="Replies by e-mail"
    )

    @api.depends("signed_scan")
    def _compute_has_signed_scan(self):
        for sub in self:
            sub.has_signed_scan = bool(sub.signed_scan)

    def _compute_workbook_file(self):
        for sub in self:
            sub.workbook_file = base64.b64encode(sub._build_workbook())

    @api.depends("unit_id.name", "round_id.year")
    def _compute_workbook_filename(self):
        for sub in self:
            sub.workbook_filename = (
                f"phieu-{slug(sub.unit_id.name or '')}-{sub.round_id.year or ''}.xlsx"
            )

    # ------------------------------------------------------------------
    # CRUD: the signed scan is checked by its first bytes
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_scan(vals.get("signed_scan"))
        return super().create(vals_list)

    def write(self, vals):
        if "has_signed_scan" in vals and not self.env.su:
            raise AccessError(_("Whether a signed scan is attached follows the file."))
        if "signed_scan" in vals or "signed_scan_filename" in vals:
            self._check_scan(vals.get("signed_scan"))
            for sub in self:
                if sub.round_id.state == "archived" and not self.env.su:
                    raise UserError(
                        _(
                            "The survey round %(round)s is archived: its "
                            "submissions are read-only.",
                            round=sub.round_id.name,
                        )
                    )
        return super().write(vals)

    @api.model
    def _mail_fields(self):
        # the signed scan comes after the sign-off: not frozen with the answers
        return super()._mail_fields() | {"signed_scan_filename", "has_signed_scan"}

    @api.model
    def _check_scan(self, value):
        if not value:
            return
        try:
            data = base64.b64decode(value, validate=False)
        except (ValueError, TypeError):
            raise ValidationError(_("The signed scan is not a valid file.")) from None
        if len(data) > SCAN_MAX_BYTES:
            raise ValidationError(
                _(
                    "The signed scan is larger than 10 MB: scan it at a lower "
                    "resolution."
                )
            )
        if not any(data.startswith(magic) for magic in SCAN_TYPES):
            raise ValidationError(
                _("The signed scan must be a PDF or a JPEG image (checked by content).")
            )

    # ------------------------------------------------------------------
    # the workbook
    # ------------------------------------------------------------------
    def _workbook_expected_meta(self):
        self.ensure_one()
        form = self.form_id.sudo()
        return {
            "round_id": self.round_id.id,
            "round_name": self.round_id.name,
            "unit_id": self.unit_id.id,
            "unit_name": self.unit_id.name,
            "form_id": form.id,
            "form_code": form.code,
            "form_version": form.version,
        }

    def _build_workbook(self):
        """Bytes of the unit's workbook, filled with the current answers."""
        self.ensure_one()
        sub = self.sudo()
        form = sub.form_id
        rnd = sub.round_id
        return workbook.build_workbook(
            sub._get_form(),
            round_info={"id": rnd.id, "name": rnd.name},
            unit_info={"id": sub.unit_id.id, "name": sub.unit_id.name},
            answers=sub._read_answers(),
            year=rnd.year,
            key=workbook_key(self.env),
            form_info={"id": form.id, "code": form.code, "version": form.version},
            province=rnd.province or "Hà Giang",
            cutoff=rnd._get_cutoff(),
        )

    def export_workbook(self):
        """The unit's fillable workbook (base64), current answers filled in."""
        self.ensure_one()
        self.check_access("read")
        return base64.b64encode(self._build_workbook()).decode()

    def action_download_workbook(self):
        """Button *Tải phiếu Excel*."""
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content?model={self._name}&id={self.id}"
            "&field=workbook_file&filename_field=workbook_filename&download=true",
            "target": "download",
        }

    def action_open_import_wizard(self):
        """Button *Nhập từ Excel*."""
        self.ensure_one()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": _("Import from Excel"),
            "res_model": "vc.survey.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_submission_id": self.id},
        }

    def import_workbook(self, file_b64, filename=""):
        """Import a filled workbook: all answers or nothing.

        Returns ``{"ok", "errors": [{"sheet", "cell", "question", "message"}],
        "pending": [...], "changed": bool}``; "pending" lists the answers
        still missing before the form can be submitted.
        """
        self.ensure_one()
        self.check_access("write")
        result = self._import_workbook(file_b64, filename)
        if result["ok"] and result["changed"]:
            self.message_post(
                body=_(
                    "Answers imported from the Excel file %(file)s by %(user)s.",
                    file=filename or "?",
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result

    def _import_workbook(self, file_b64, filename):
        def refused(message, pending=()):
            return {
                "ok": False,
                "errors": [workbook.problem(message)],
                "pending": list(pending),
                "changed": False,
            }

        if self.round_id.state == "archived":
            return refused(
                _(
                    "The survey round %(round)s is archived: its submissions are "
                    "read-only.",
                    round=self.round_id.name,
                )
            )
        if self.state != "draft":
            return refused(
                _(
                    "The form of %(unit)s is no longer a draft: nothing was "
                    "imported. The Department can reopen it.",
                    unit=self.unit_id.name,
                )
            )
        if isinstance(file_b64, bytes):
            file_b64 = file_b64.decode("ascii", "replace")
        if not isinstance(file_b64, str) or len(file_b64) > MAX_B64_CHARS:
            return refused(_("The file is missing or larger than 10 MB."))
        try:
            data = base64.b64decode(file_b64, validate=False)
        except (ValueError, TypeError):
            return refused(_("The file could not be decoded (base64)."))
        report = workbook.read_report(
            data,
            self._get_form(),
            expected_meta=self._workbook_expected_meta(),
            key=workbook_key(self.env),
        )
        if not report.ok:
            return {
                "ok": False,
                "errors": report.problems,
                "pending": report.pending,
                "changed": False,
            }
        if _same(report.answers, self._read_answers()):
            return {
                "ok": True,
                "errors": [],
                "pending": report.pending,
                "changed": False,
            }
        try:
            with self.env.cr.savepoint():
                self.set_answers(report.answers)
        except (UserError, ValidationError) as exc:
            lines = [
                line.lstrip("• ").strip()
                for line in str(exc.args[0] if exc.args else exc).splitlines()[1:]
                if line.strip()
            ] or [str(exc)]
            return {
                "ok": False,
                "errors": [workbook.problem(line) for line in lines],
                "pending": report.pending,
                "changed": False,
            }
        return {"ok": True, "errors": [], "pending": report.pending, "changed": True}

    # ------------------------------------------------------------------
    # replies to the form's own e-mails land here
    # ------------------------------------------------------------------
    def message_update(self, msg_dict, update_vals=None):
        res = super().message_update(msg_dict, update_vals=update_vals)
        # a reply in the form's discussion is only ours when it carries a file
        if _workbooks(msg_dict):
            for sub in self:
                sub.round_id._vc_process_reply(msg_dict, submission=sub)
        return res

    # ------------------------------------------------------------------
    # raw export from the forms list
    # ------------------------------------------------------------------
    def _export_entries(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        return [
            {
                "unit_code": sub.unit_id.code,
                "unit_name": sub.unit_id.name,
                "state": sub.state,
                "state_label": states.get(sub.state, sub.state),
                "form": sub._get_form(),
                "answers": sub._read_answers(),
            }
            for sub in self.sudo()
        ]

    def action_export_raw(self, fmt="xlsx"):
        """Forms list → raw export of the selected forms (Department only)."""
        if not is_department(self.env):
            raise AccessError(_("Only the Department can export the answers."))
        self.check_access("read")
        data = rawexport.export_answers(self._export_entries(), fmt)
        return self.env["vc.survey.offline.download"].open_file(
            data, f"du-lieu-khao-sat.{fmt}"
        )


class VcSurveyRound(models.Model):
    _name = "vc.survey.round"
    _inherit = ["vc.survey.round", "mail.alias.mixin"]

    offline_reply_ids = fields.One2many(
        "vc.survey.offline.reply", "round_id", string="Replies by e-mail"
    )
    offline_reply_attention_count = fields.Integer(
        string="Mails to check", compute="_compute_offline_reply_attention_count"
    )

    def _compute_offline_reply_attention_count(self):
        groups = dict(
            self.env["vc.survey.offline.reply"]._read_group(
                [("round_id", "in", self.ids), ("needs_attention", "=", True)],
                ["round_id"],
                ["__count"],
            )
        )
        for rnd in self:
            rnd.offline_reply_attention_count = groups.get(rnd, 0)

    # ------------------------------------------------------------------
    # the alias: replies to khaosat-<year>-<id>@<domain> reach the round
    # ------------------------------------------------------------------
    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("vc.survey.round")
        values["alias_contact"] = "everyone"
        if self.id:
            values["alias_force_thread_id"] = self.id
            if not self.alias_name:
                values["alias_name"] = f"khaosat-{self.year}-{self.id}"
        return values

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A mail never creates a round: an alias that lost its forced thread
        still delivers to the round it belongs to, anything else bounces."""
        recipients = [
            email_normalize(a) for a in email_split(msg_dict.get("recipients", ""))
        ]
        rnd = self.sudo().search([("alias_email", "in", recipients)], limit=1)
        if not rnd:
            raise ValueError("A survey round is not created from an e-mail.")
        rnd._vc_process_reply(msg_dict)
        return rnd

    def message_update(self, msg_dict, update_vals=None):
        res = super().message_update(msg_dict, update_vals=update_vals)
        for rnd in self:
            # a mail to the alias is always handled; a reply in the round's own
            # discussion (through the catchall) only when it carries a file
            alias = email_normalize(rnd.alias_email or "")
            recipients = {
                email_normalize(a) for a in email_split(msg_dict.get("recipients", ""))
            }
            if (alias and alias in recipients) or _workbooks(msg_dict):
                rnd._vc_process_reply(msg_dict)
        return res

    def _vc_sender_units(self, email):
        """Units of this round whose contact card (or its people) or users
        have the address ``email``."""
        self.ensure_one()
        Unit = self.env["vc.unit"].sudo()
        if not email:
            return Unit
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("email_normalized", "=", email)])
        )
        if not partners:
            return Unit
        users = partners.user_ids
        units = Unit.search(
            [
                "|",
                "|",
                "|",
                "|",
                "|",
                ("partner_id", "in", partners.ids),
                ("partner_id", "in", partners.parent_id.ids),
                ("user_ids", "in", users.ids),
                ("preparer_ids", "in", users.ids),
                ("head_id", "in", users.ids),
                ("deputy_ids", "in", users.ids),
            ]
        )
        return units & self.sudo().submission_ids.unit_id

    def _vc_process_reply(self, msg_dict, submission=None):
        """Import the workbooks of an incoming mail; keep and flag the rest."""
        self.ensure_one()
        Reply = self.env["vc.survey.offline.reply"].sudo()
        sender = email_normalize(msg_dict.get("email_from") or "") or ""
        files = _files(msg_dict)
        books = _workbooks(msg_dict)
        sender_units = self._vc_sender_units(sender)
        base = {
            "round_id": self.id,
            "email_from": msg_dict.get("email_from") or "",
            "subject": (msg_dict.get("subject") or "")[:250],
            "message_ref": (msg_dict.get("message_id") or "")[:250],
            "body": msg_dict.get("body") or "",
        }
        if not books:
            target = (
                submission
                or self.submission_ids.filtered(lambda s: s.unit_id in sender_units)[:1]
            )
            reply = Reply.create(
                dict(
                    base,
                    submission_id=target.id,
                    state="flagged",
                    reason="no_attachment",
                    attachment_ids=Reply._attachment_commands(files),
                )
            )
            if sender_units:
                reply._send_answer()
            return reply
        replies = Reply
        for name, data in books:
            try:
                with self.env.cr.savepoint():
                    replies |= self._vc_process_book(
                        base, name, data, sender, sender_units, submission
                    )
            except Exception:  # noqa: BLE001 - a mail is never lost
                _logger.exception(
                    "Offline reply %s: %s failed", base["message_ref"], name
                )
                replies |= Reply.create(
                    dict(
                        base,
                        filename=name,
                        state="flagged",
                        reason="error",
                        attachment_ids=Reply._attachment_commands([(name, data)]),
                    )
                )
        return replies

    def _vc_process_book(self, base, name, data, sender, sender_units, submission):
        Reply = self.env["vc.survey.offline.reply"].sudo()
        meta, _problems = workbook.read_meta(data, key=workbook_key(self.env))
        target = self.env["vc.survey.submission"]
        if meta.get("round_id") == str(self.id) and meta.get("unit_id", "").isdigit():
            target = self.submission_ids.filtered(
                lambda s: s.unit_id.id == int(meta["unit_id"])
            )
        if not target and submission:
            target = submission
        if not target and len(sender_units) == 1:
            target = self.submission_ids.filtered(lambda s: s.unit_id in sender_units)
        vals = dict(
            base,
            submission_id=target[:1].id,
            attachment_ids=Reply._attachment_commands([(name, data)]),
            filename=name,
        )
        if not target:
            reason = "unknown_sender" if not sender_units else "no_match"
            return Reply.create(dict(vals, state="flagged", reason=reason))
        target = target[:1]
        if target.unit_id not in sender_units:
            return Reply.create(dict(vals, state="flagged", reason="unknown_sender"))
        target._vc_post_mail(base, [(name, data)])
        if target.state != "draft":
            reply = Reply.create(dict(vals, state="flagged", reason="not_draft"))
            reply._send_answer()
            return reply
        result = target.sudo()._import_workbook(base64.b64encode(data).decode(), name)
        reply = Reply.create(
            dict(
                vals,
                state="imported" if result["ok"] else "refused",
                report=Reply._report_text(result),
                report_file=base64.b64encode(
                    workbook.report_workbook(result["errors"], result["pending"])
                ),
                report_filename=f"bao-cao-{slug(name.rsplit('.', 1)[0])}.xlsx",
            )
        )
        if result["ok"] and result["changed"]:
            target.message_post(
                body=_(
                    "Answers imported from the Excel file %(file)s sent by "
                    "e-mail by %(sender)s.",
                    file=name,
                    sender=sender,
                ),
                subtype_xmlid="mail.mt_note",
            )
        reply._send_answer(result)
        return reply

    # ------------------------------------------------------------------
    # workbooks of all units, raw export
    # ------------------------------------------------------------------
    def _check_department(self):
        if not is_department(self.env):
            raise AccessError(_("Only the Department can do this."))

    def export_workbooks_zip(self):
        """A ZIP of every addressed unit's workbook (base64)."""
        self.ensure_one()
        self._check_department()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            used = set()
            for sub in self.sudo().submission_ids:
                name = sub.workbook_filename
                if name in used:
                    name = f"{name[:-5]}-{sub.id}.xlsx"
                used.add(name)
                archive.writestr(name, sub._build_workbook())
        return base64.b64encode(out.getvalue()).decode()

    def action_download_workbooks(self):
        self.ensure_one()
        data = base64.b64decode(self.export_workbooks_zip())
        return self.env["vc.survey.offline.download"].open_file(
            data, f"phieu-excel-{slug(self.name or '')}.zip"
        )

    def export_answers(self, fmt="xlsx"):
        """Raw export of the round's answers, ``fmt`` "xlsx" or "csv" (base64)."""
        self.ensure_one()
        self._check_department()
        if fmt not in rawexport.FORMATS:
            raise UserError(
                _("Unknown export format %(fmt)s: choose xlsx or csv.", fmt=fmt)
            )
        entries = self.sudo().submission_ids._export_entries()
        return base64.b64encode(rawexport.export_answers(entries, fmt)).decode()

    def action_export_answers(self):
        self.ensure_one()
        fmt = self.env.context.get("vc_export_format", "xlsx")
        data = base64.b64decode(self.export_answers(fmt))
        return self.env["vc.survey.offline.download"].open_file(
            data, f"du-lieu-{slug(self.name or '')}.{fmt}"
        )

    def action_open_import_wizard(self):
        self.ensure_one()
        self._check_department()
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Excel forms"),
            "res_model": "vc.survey.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_round_id": self.id},
        }

    def action_view_offline_replies(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hg_videoconf_survey.vc_survey_offline_reply_action"
        )
        action["domain"] = [("round_id", "=", self.id)]
        action["context"] = {"search_default_needs_attention": 1}
        return action

    def _import_file(self, name, data):
        """Import one file of a batch: matched to its form by ``_meta``."""
        self.ensure_one()
        meta, problems = workbook.read_meta(data, key=workbook_key(self.env))
        if problems:
            return None, {"ok": False, "errors": problems, "pending": []}
        target = self.submission_ids.filtered(
            lambda s: str(s.unit_id.id) == meta.get("unit_id")
        )
        if meta.get("round_id") != str(self.id) or not target:
            message = _(
                "The file %(file)s belongs to %(unit)s in the round %(round)s, not "
                "to this round.",
                file=name,
                unit=meta.get("unit_name"),
                round=meta.get("round_name"),
            )
            return None, {
                "ok": False,
                "errors": [workbook.problem(message)],
                "pending": [],
            }
        return target, target.import_workbook(base64.b64encode(data).decode(), name)

    # ------------------------------------------------------------------
    # the dispatch mail carries each unit's workbook
    # ------------------------------------------------------------------
    def _after_dispatch(self):
        """Each unit's workbook is e-mailed by a background job, so that the
        dispatch itself stays a constant number of queries per batch."""
        res = super()._after_dispatch()
        if self.submission_ids:
            self.env["vc.survey.job"]._enqueue(
                self,
                "workbook_mails",
                self.submission_ids.ids,
                _("Offline workbooks of %(round)s by e-mail", round=self.name),
            )
        return res


class VcSurveySubmissionMail(models.Model):
    _inherit = "vc.survey.submission"

    def _vc_send_workbook(self):
        """E-mail the unit's workbook to its contact and preparers."""
        self.ensure_one()
        unit = self.unit_id.sudo()
        partners = unit.partner_id.filtered("email") | (
            unit.preparer_ids | unit.user_ids
        ).partner_id.filtered("email")
        alias = self.round_id.sudo().alias_email
        body = Markup("<p>%s</p>") % _(
            "The survey form of %(unit)s as an Excel file is attached: fill in "
            "the yellow cells and send it back by replying to this e-mail%(alias)s, "
            "or upload it on the form (Import from Excel).",
            unit=unit.name,
            alias=_(" or to %(alias)s", alias=alias) if alias else "",
        )
        self.message_post(
            body=body,
            subject=_("Survey form (Excel): %(unit)s", unit=unit.name),
            partner_ids=partners.ids,
            attachments=[(self.workbook_filename, self._build_workbook())],
            subtype_xmlid="mail.mt_comment",
            reply_to=alias or None,
        )

    def _vc_post_mail(self, base, files):
        """Keep a received mail in the form's chatter, with its files."""
        self.ensure_one()
        header = Markup("<p><b>%s</b> %s</p>") % (
            _("E-mail from %(sender)s:", sender=base["email_from"]),
            base["subject"],
        )
        self.sudo().message_post(
            body=header + Markup(base["body"] or ""),
            attachments=files,
            subtype_xmlid="mail.mt_note",
        )


def report_html(env, result):
    """The validation report of one import as a small HTML table."""
    rows = Markup("").join(
        Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
        % (e.get("sheet", ""), e.get("cell", ""), e.get("question", ""), e["message"])
        for e in result.get("errors", [])
    )
    if not rows:
        return Markup("")
    head = Markup(
        "<table class='table table-sm'><tr><th>%s</th><th>%s</th><th>%s</th>"
        "<th>%s</th></tr>"
    ) % (env._("Sheet"), env._("Cell"), env._("Question"), env._("Problem"))
    return head + rows + Markup("</table>")
