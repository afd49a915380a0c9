import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

ARCHIVE_KINDS = [
    ("dispatch", "Official dispatch"),
    ("form", "Survey form"),
    ("summary", "Consolidated summary"),
]
# Only the result of the latest hash check may change on an archive entry.
CHECK_FIELDS = {"last_check_on", "last_check_ok"}


class VcArchiveDocument(models.Model):
    """A frozen PDF of an archived round ("Lưu VT") and its SHA-256."""

    _name = "vc.archive.document"
    _description = "Archived Document"
    _order = "round_id, kind, id"
    _rec_name = "name"

    round_id = fields.Many2one(
        "vc.survey.round", required=True, readonly=True, index=True
    )
    submission_id = fields.Many2one("vc.survey.submission", readonly=True, index=True)
    kind = fields.Selection(ARCHIVE_KINDS, required=True, readonly=True)
    attachment_id = fields.Many2one(
        "ir.attachment", required=True, readonly=True, ondelete="restrict", index=True
    )
    name = fields.Char(related="attachment_id.name")
    sha256 = fields.Char(string="SHA-256", required=True, readonly=True)
    archived_on = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    archived_by_id = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.user
    )
    last_check_on = fields.Datetime(readonly=True)
    last_check_ok = fields.Boolean(readonly=True)

    _sql_constraints = [
        ("attachment_uniq", "unique(attachment_id)", "A file is archived once."),
    ]

    @api.model
    def _hash(self, raw):
        return hashlib.sha256(raw or b"").hexdigest()

    @api.model_create_multi
    def create(self, vals_list):
        # entries are made by the round's archive action only (with sudo)
        if not self.env.su:
            raise AccessError(
                _("Archived documents are recorded only by archiving the round.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - CHECK_FIELDS:
            raise UserError(_("An archived document cannot be changed."))
        if not self.env.su:
            # the result of a check is written by the check itself only
            raise AccessError(
                _("The archive check result is written only by the archive check.")
            )
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(_("An archived document cannot be deleted."))
        return super().unlink()

    def _verify(self):
        """The entries whose file no longer has the archived SHA-256."""
        now = fields.Datetime.now()
        bad = self.browse()
        for entry in self.sudo():
            ok = self._hash(entry.attachment_id.raw) == entry.sha256
            entry.write({"last_check_on": now, "last_check_ok": ok})
            if not ok:
                bad |= entry
        return bad
