import base64
import functools
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

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
# Flags the document and archive actions set (with sudo); never a client.
VC_FLAGS = {"vc_document_kind", "vc_archived"}
ROUND_MODEL = "vc.survey.round"
# Whose files the survey's own access rules govern (read included).
VC_MODELS = (ROUND_MODEL, "vc.survey.submission")
# Who reads every document of a round; a unit's users read its dispatch only.
ROUND_READERS = (
    "hg_videoconf_survey.group_department_officer",
    "hg_videoconf_survey.group_records_clerk",
)


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

    # ------------------------------------------------------------------
    # access: a round's documents other than the dispatch are the
    # Department's, the leader's and the clerk's; a form's, its unit's
    # ------------------------------------------------------------------
    @api.model
    def _vc_reads_round_documents(self):
        user = self.env.user
        return self.env.su or any(user.has_group(g) for g in ROUND_READERS)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if self.env.su or not self.ids:
            return result
        forbidden = self._vc_forbidden(operation)
        if result:
            forbidden -= result[0]
        if not forbidden:
            return result
        if result:
            return result[0] | forbidden, result[1]
        return forbidden, functools.partial(forbidden._vc_access_error, operation)

    def _vc_forbidden(self, operation):
        """The attachments of survey records ``operation`` may not touch.

        Odoo 18 checks the linked record for write/create/unlink only
        (``check``); reading an attachment by id (``/web/content/<id>``)
        checks the attachment model alone.  For the survey's records, read
        follows the record too, and a round's files other than the dispatch
        are refused to the units' users.
        """
        self.flush_model(["res_model", "res_id", "vc_document_kind", "public"])
        self.env.cr.execute(
            "SELECT id, res_model, res_id, vc_document_kind, public "
            "FROM ir_attachment WHERE id IN %s AND res_model IN %s",
            [tuple(self.ids), VC_MODELS],
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return self.browse()
        department = self._vc_reads_round_documents()
        forbidden = set()
        by_record = {}
        for att_id, res_model, res_id, kind, public in rows:
            if public and operation == "read":
                continue
            if res_model == ROUND_MODEL and kind != "dispatch" and not department:
                forbidden.add(att_id)
                continue
            if res_id:
                by_record.setdefault((res_model, res_id), []).append(att_id)
        mode = "read" if operation == "read" else "write"
        for (res_model, res_id), ids in by_record.items():
            record = self.env[res_model].browse(res_id).exists()
            if record and not record.has_access(mode):
                forbidden.update(ids)
        return self.browse(sorted(forbidden))

    def _vc_access_error(self, operation):
        return AccessError(
            _(
                "You are not allowed to open these survey documents: %(names)s.",
                names=", ".join(self.sudo().mapped("name")),
            )
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self._vc_reads_round_documents():
            # a unit's users list a round's dispatch only
            domain = [
                "|",
                ("res_model", "!=", ROUND_MODEL),
                ("vc_document_kind", "=", "dispatch"),
            ] + list(domain)
        return super()._search(domain, offset, limit, order)

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

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get(flag) for vals in vals_list for flag in VC_FLAGS
        ):
            raise AccessError(
                _(
                    "Survey documents and archived copies are made by the "
                    "document actions only."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if set(vals) & VC_FLAGS:
                raise AccessError(
                    _(
                        "Survey documents and archived copies are made by the "
                        "document actions only."
                    )
                )
            if {"res_model", "res_id"} & set(vals) and self.filtered(
                "vc_document_kind"
            ):
                raise AccessError(_("A survey document cannot be moved."))
        if set(vals) - ARCHIVE_WRITABLE:
            entries = self._vc_archive_entries()
            if entries and not self._vc_rewrites_same_bytes(vals, entries):
                raise UserError(_("An archived document (Lưu VT) cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if self._vc_archive_entries():
            raise UserError(_("An archived document (Lưu VT) cannot be deleted."))
        return super().unlink()
