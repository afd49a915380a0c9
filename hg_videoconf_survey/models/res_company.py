from odoo import fields, models

# The 2017 values: a database that never set its agency keeps printing what
# it printed before the agency became configuration.
DEFAULT_PARENT_AGENCY = "UBND TỈNH HÀ GIANG"
DEFAULT_AGENCY = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
DEFAULT_PLACE = "Hà Giang"
DEFAULT_NOTATION = "STTTT-CNTT"
DEFAULT_SIGNER_TITLE = "GIÁM ĐỐC"
DEFAULT_DRAFTING_UNIT = "CNTT"


class ResCompany(models.Model):
    """The issuing agency of the survey documents (the Department)."""

    _inherit = "res.company"

    vc_parent_agency = fields.Char(
        string="Parent agency",
        default=DEFAULT_PARENT_AGENCY,
        help='First heading line, e.g. "UBND TỈNH TUYÊN QUANG".',
    )
    vc_agency = fields.Char(
        string="Issuing agency",
        default=DEFAULT_AGENCY,
        help='e.g. "SỞ KHOA HỌC VÀ CÔNG NGHỆ".',
    )
    vc_place = fields.Char(
        string="Place name",
        default=DEFAULT_PLACE,
        help='Place of the date line and province of the forms, e.g. "Tuyên Quang".',
    )
    vc_notation = fields.Char(
        string="Document notation",
        default=DEFAULT_NOTATION,
        help='Notation after the number, e.g. "SKHCN-CNTT".',
    )
    vc_drafting_unit = fields.Char(
        string="Drafting unit",
        default=DEFAULT_DRAFTING_UNIT,
        help='Short name in "Lưu: VT, …".',
    )
    vc_signer_title = fields.Char(
        string="Default signer title", default=DEFAULT_SIGNER_TITLE
    )
    vc_signer_name = fields.Char(string="Default signer name")
    vc_reply_email = fields.Char(
        string="Soft-copy e-mail", help="Where units send the soft copy of their form."
    )
