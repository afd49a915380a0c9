import base64
import binascii
import io
import zipfile

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from vcsurvey import template_check

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
# What py3o.template needs to fill a document (see vcsurvey.render).
REQUIRED_PARTS = ("content.xml", "styles.xml", "META-INF/manifest.xml")
TEMPLATE_TYPES = [
    ("dispatch", "Official dispatch"),
    ("form", "Survey form"),
    ("summary", "Consolidated summary"),
]


def odt_problem(env, raw):
    """Why ``raw`` is not an ODT text document (None when it is one)."""
    _ = env._
    if not raw:
        return _("the file is empty")
    buffer = io.BytesIO(raw)
    if not zipfile.is_zipfile(buffer):
        return _("it is not an OpenDocument file (not a zip archive)")
    try:
        with zipfile.ZipFile(buffer) as archive:
            names = set(archive.namelist())
            if "mimetype" not in names:
                return _("it has no 'mimetype' entry")
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
            if mimetype != ODT_MIMETYPE:
                return _(
                    "its type is %(found)s, not an OpenDocument text " "(%(expected)s)",
                    found=mimetype or "?",
                    expected=ODT_MIMETYPE,
                )
            missing = [part for part in REQUIRED_PARTS if part not in names]
            if missing:
                return _("it has no %(parts)s", parts=", ".join(missing))
            if archive.testzip() is not None:
                return _("the archive is damaged")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return _("the archive is corrupt (%(error)s)", error=exc)
    return None


def template_problem(env, raw, document_type):
    """Why ``raw`` may not be used as a ``document_type`` template (None when
    it may): vcsurvey.template_check's limits and whitelist of directives."""
    try:
        template_check.check_template(raw, document_type)
    except template_check.TemplateRejected as exc:
        return rejection_message(env, exc)
    return None


def rejection_message(env, exc):
    """The checker's refusal in the user's language, naming the directive."""
    _ = env._
    reasons = {
        "archive": _("the file is too large once unpacked, or damaged"),
        "xml": _("a part is too deep, too large or declares entities"),
        "markup": _("it holds code, macros or links to outside files"),
        "instruction": _("only the for and if instructions are allowed"),
        "expression": _(
            "only data names, constants, comparisons and and/or/not are allowed"
        ),
        "name": _("it names data this document type does not provide"),
        "structure": _("a for/if block is not closed properly"),
    }
    reason = reasons.get(exc.rule, exc.rule)
    if exc.directive:
        return _(
            "%(reason)s (directive %(directive)s: %(detail)s)",
            reason=reason,
            directive=exc.directive[:200],
            detail=exc.detail,
        )
    return _("%(reason)s (%(detail)s)", reason=reason, detail=exc.detail)


class VcDocumentTemplate(models.Model):
    """An administrator's replacement for a shipped ODT template."""

    _name = "vc.document.template"
    _description = "Document Template"
    _order = "document_type, sequence, id desc"

    name = fields.Char(required=True)
    document_type = fields.Selection(TEMPLATE_TYPES, required=True)
    sequence = fields.Integer(default=10)
    template_file = fields.Binary(
        string="ODT template",
        attachment=True,
        required=True,
        help="An OpenDocument text (.odt) filled by py3o.template; start from "
        "the shipped template to keep its fields.",
    )
    template_filename = fields.Char()
    active = fields.Boolean(default=True)
    notes = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        self._check_administrator()
        return super().create(vals_list)

    def write(self, vals):
        self._check_administrator()
        return super().write(vals)

    def unlink(self):
        self._check_administrator()
        return super().unlink()

    @api.model
    def _check_administrator(self):
        """A template is code for the renderer: only system administrators
        upload or change one (not the officer or the leader)."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                _("Only a system administrator can upload or change templates.")
            )

    @api.constrains("template_file", "document_type")
    def _check_template_file(self):
        for template in self:
            try:
                raw = base64.b64decode(template.template_file or b"", validate=False)
            except (binascii.Error, ValueError):
                raw = b""
            # the bounded, streaming check first: odt_problem unpacks every
            # member to test it
            problem = template_problem(
                self.env, raw, template.document_type
            ) or odt_problem(self.env, raw)
            if problem:
                raise ValidationError(
                    _(
                        "The template %(name)s cannot be used: %(problem)s. "
                        "Upload an .odt file saved by LibreOffice Writer.",
                        name=template.template_filename or template.name,
                        problem=problem,
                    )
                )

    @api.model
    def _get_template(self, document_type):
        """(bytes, label) of the active uploaded template, or (None, None)."""
        template = self.sudo().search([("document_type", "=", document_type)], limit=1)
        if not template:
            return None, None
        raw = base64.b64decode(template.template_file)
        return raw, template.template_filename or template.name
