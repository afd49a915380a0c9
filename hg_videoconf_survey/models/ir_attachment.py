import base64
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError

DOCUMENT_KINDS = [
    ("dispatch", "Official dispatch"),
    ("form", "Survey form"),
    ("summary", "Consolidated summary"),
]
# Harmless bookkeeping Odoo itself writes on any attachment (sharing links).
ARCHIVE_WRITABLE = {"access_token"}
# What moving files between the database and the filestore rewrites
# (ir.attachment.force_storage): allowed when the bytes stay the same.
SAME_CONTENT_FIELDS = {"raw", "datas", "mimetype", "access_token"}


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    vc_document_kind = fields.Selection(
        DOCUMENT_KINDS, string="Survey document", readonly=True, index="btree_not_null"
    )
    vc_archived = fields.Boolean(string="Archived (Lưu VT)", readonly=True)
    vc_size_text = fields.Char(string="File size", compute="_compute_vc_size_text")

    @api.depends("file_size")
    def _compute_vc_size_text(self):
        for attachment in self:
            size = attachment.file_size or 0
            if size >= 1024 * 1024:
                text = f"{size / 1024 / 1024:.1f} MB"
            elif size >= 1024:
                text = f"{size / 1024:.0f} kB"
            else:
                text = f"{size} B"
            # Vietnamese decimal comma
            attachment.vc_size_text = text.replace(".", ",")

    def _vc_archive_entries(self):
        if not self.ids:
            return self.env["vc.archive.document"]
        return (
            self.env["vc.archive.document"]
            .sudo()
            .search([("attachment_id", "in", self.ids)])
        )

    def _vc_rewrites_same_bytes(self, vals, entries):
        """Whether ``vals`` writes back exactly the archived bytes."""
        if set(vals) - SAME_CONTENT_FIELDS or not {"raw", "datas"} & set(vals):
            return False
        raw = vals["raw"] if "raw" in vals else base64.b64decode(vals["datas"] or b"")
        if isinstance(raw, str):
            raw = raw.encode()
        digest = hashlib.sha256(raw or b"").hexdigest()
        return all(
            entry.sha256 == digest
            and vals.get("mimetype", entry.attachment_id.mimetype)
            == entry.attachment_id.mimetype
            for entry in entries
        )

    def write(self, vals):
        if set(vals) - ARCHIVE_WRITABLE:
            entries = self._vc_archive_entries()
            if entries and not self._vc_rewrites_same_bytes(vals, entries):
                raise UserError(_("An archived document (Lưu VT) cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if self._vc_archive_entries():
            raise UserError(_("An archived document (Lưu VT) cannot be deleted."))
        return super().unlink()
