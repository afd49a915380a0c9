from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from vcsurvey import validators

from .vc_unit import check_department_fields


class VcMcu(models.Model):
    """A multipoint control unit (MCU) that bridges the endpoints."""

    _name = "vc.mcu"
    _description = "MCU"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    ip_address = fields.Char(string="IP Address", required=True, tracking=True)
    location = fields.Char(tracking=True)
    owner_unit_id = fields.Many2one(
        "vc.unit", string="Owner Unit", required=True, index=True, tracking=True
    )
    commissioning_date = fields.Date(tracking=True)
    notes = fields.Text()
    active = fields.Boolean(default=True, tracking=True)

    def _creation_message(self):
        # a code string: translated even while the demo data loads, before
        # the model names' translations are in the database
        return _("MCU created")

    @api.constrains("ip_address")
    def _check_ip_address(self):
        for mcu in self:
            if validators.check_ip(mcu.ip_address):
                raise ValidationError(
                    _(
                        "MCU %(mcu)s: %(ip)s is not a valid IPv4 or IPv6 address.",
                        mcu=mcu.name,
                        ip=mcu.ip_address,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("ip_address") and not validators.check_ip(vals["ip_address"]):
                vals["ip_address"] = validators.normalize_ip(vals["ip_address"])
        return super().create(vals_list)

    def write(self, vals):
        check_department_fields(self, vals, {"owner_unit_id"})
        if vals.get("ip_address") and not validators.check_ip(vals["ip_address"]):
            vals["ip_address"] = validators.normalize_ip(vals["ip_address"])
        return super().write(vals)
