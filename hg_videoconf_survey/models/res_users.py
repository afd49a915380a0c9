from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    vc_unit_id = fields.Many2one(
        "vc.unit",
        string="Survey Unit",
        index=True,
        help="The unit this user prepares or signs survey forms for.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["vc_unit_id"]
