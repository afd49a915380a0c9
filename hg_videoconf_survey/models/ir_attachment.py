from odoo import _, fields, models
from odoo.exceptions import UserError

DOCUMENT_KINDS = [
    ("dispatch", "Official dispatch"),
    ("form", "Survey form"),
    ("summary", "Consolidated summary"),
]
# Harmless bookkeeping Odoo itself writes on any attachment (sharing links).
ARCHIVE_WRITABLE = {"access_token"}


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    vc_document_kind = fields.Selection(
        DOCUMENT_KINDS, string="Survey document", readonly=True, index="btree_not_null"
    )
    vc_archived = fields.Boolean(string="Archived (Lưu VT)", readonly=True)

    def _vc_archived_ids(self):
        if not self.ids:
            return set()
        entries = (
            self.env["vc.archive.document"]
            .sudo()
            .search([("attachment_id", "in", self.ids)])
        )
        return set(entries.attachment_id.ids)

    def write(self, vals):
        if set(vals) - ARCHIVE_WRITABLE and self._vc_archived_ids():
            raise UserError(_("An archived document (Lưu VT) cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if self._vc_archived_ids():
            raise UserError(_("An archived document (Lưu VT) cannot be deleted."))
        return super().unlink()
