from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    vc_parent_agency = fields.Char(
        related="company_id.vc_parent_agency", readonly=False
    )
    vc_agency = fields.Char(related="company_id.vc_agency", readonly=False)
    vc_place = fields.Char(related="company_id.vc_place", readonly=False)
    vc_notation = fields.Char(related="company_id.vc_notation", readonly=False)
    vc_drafting_unit = fields.Char(
        related="company_id.vc_drafting_unit", readonly=False
    )
    vc_signer_title = fields.Char(related="company_id.vc_signer_title", readonly=False)
    vc_signer_name = fields.Char(related="company_id.vc_signer_name", readonly=False)
    vc_reply_email = fields.Char(related="company_id.vc_reply_email", readonly=False)
