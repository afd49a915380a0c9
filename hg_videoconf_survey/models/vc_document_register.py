from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

DOCUMENT_TYPES = [
    ("dispatch", "Official dispatch (Công văn)"),
    ("summary", "Report (Báo cáo)"),
]
# One yearly sequence per document type (data/vc_document_sequence_data.xml).
SEQUENCE_XMLIDS = {
    "dispatch": "hg_videoconf_survey.seq_vc_document_dispatch",
    "summary": "hg_videoconf_survey.seq_vc_document_summary",
}
# What the records clerk may still complete on a register line once the
# number is issued; the number itself, its type, year and source never change.
EDITABLE_FIELDS = {
    "signer",
    "recipients",
    "copies",
    "keeping_unit",
    "date_sent",
    "notes",
}


class VcDocumentRegister(models.Model):
    """The outgoing register (sổ đăng ký văn bản đi, ND30 appendix IV): one
    line per number issued."""

    _name = "vc.document.register"
    _description = "Outgoing Document Register"
    _order = "year desc, document_type, number desc"
    _rec_name = "display_number"

    number = fields.Integer(required=True, readonly=True)
    notation = fields.Char(required=True, readonly=True)
    display_number = fields.Char(
        string="Number/notation", compute="_compute_display_number", store=True
    )
    year = fields.Integer(required=True, readonly=True, index=True)
    date = fields.Date(required=True, readonly=True)
    document_type = fields.Selection(DOCUMENT_TYPES, required=True, readonly=True)
    subject = fields.Char(readonly=True)
    signer = fields.Char()
    recipients = fields.Text()
    copies = fields.Integer(string="Number of copies", default=1)
    keeping_unit = fields.Char(
        string="Unit keeping the copy", default="Văn thư, Phòng CNTT"
    )
    date_sent = fields.Date()
    notes = fields.Text()
    res_model = fields.Char(string="Source model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Source record", model_field="res_model", readonly=True, index=True
    )
    issued_by_id = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.user
    )

    _sql_constraints = [
        (
            "type_year_number_uniq",
            "unique(document_type, year, number)",
            "This number was already issued for this document type and year.",
        ),
        ("number_positive", "CHECK(number > 0)", "A document number is positive."),
    ]

    @api.depends("number", "notation")
    def _compute_display_number(self):
        for line in self:
            line.display_number = (
                f"{line.number:02d}/{line.notation}" if line.number else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        # A line is written by the numbering actions only (with sudo, after
        # their checks): a line created by hand would forge a number.
        if not self.env.su:
            raise AccessError(_("A register line is written only by issuing a number."))
        return super().create(vals_list)

    def write(self, vals):
        frozen = set(vals) - EDITABLE_FIELDS
        if frozen:
            raise UserError(
                _(
                    "The number, type, date and source of a registered document "
                    "cannot be changed."
                )
            )
        return super().write(vals)

    def unlink(self):
        # Numbers are never reused: a register line stays even if its
        # document is withdrawn (write it in the notes).
        if self:
            raise UserError(_("A line of the outgoing register cannot be deleted."))
        return super().unlink()

    @api.model
    def _next_number(self, document_type, day):
        """The next number of ``document_type`` in the year of ``day``.

        Concurrency: both sequences are ``no_gap``, so drawing a number runs
        ``SELECT ... FOR UPDATE NOWAIT`` on the year's date-range row: a second
        transaction drawing at the same time fails at once with
        LockNotAvailable, which Odoo's RPC layer retries (service/model.py),
        i.e. the two issues serialize.  The first number of a year creates the
        year's date range, a new row nobody can lock yet; to close that gap we
        first lock *and update* the sequence's own row, so that a concurrent
        issuer either fails on the lock (NOWAIT) or, if it started before we
        committed, gets a serialization failure on that row (REPEATABLE READ)
        and is retried with a fresh snapshot.  The unique constraint
        (type, year, number) is the last line of defence.
        """
        sequence = self.env.ref(SEQUENCE_XMLIDS[document_type]).sudo()
        cr = self.env.cr
        cr.execute(
            "SELECT id FROM ir_sequence WHERE id = %s FOR UPDATE NOWAIT", [sequence.id]
        )
        cr.execute(
            "UPDATE ir_sequence SET number_next = number_next WHERE id = %s",
            [sequence.id],
        )
        return int(sequence._next(sequence_date=day))

    @api.model
    def _issue(self, document_type, record, notation, day, vals=None):
        """Draw the next number for ``record`` and write the register line."""
        number = self._next_number(document_type, day)
        return self.sudo().create(
            dict(
                vals or {},
                number=number,
                notation=notation,
                year=day.year,
                date=day,
                document_type=document_type,
                res_model=record._name,
                res_id=record.id,
            )
        )
