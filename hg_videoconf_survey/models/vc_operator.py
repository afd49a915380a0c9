from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from vcsurvey import validators

from .vc_unit import check_department_fields


class VcOperator(models.Model):
    """A person who runs the endpoints: the unit's focal officer or the
    control technician who drives the meetings."""

    _name = "vc.operator"
    _description = "Operator"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "unit_id, name"

    name = fields.Char(required=True, tracking=True)
    position = fields.Char(tracking=True)
    phone = fields.Char(tracking=True)
    email = fields.Char(tracking=True)
    unit_id = fields.Many2one(
        "vc.unit", string="Unit", required=True, index=True, tracking=True
    )
    role = fields.Selection(
        [("focal", "Focal officer"), ("technician", "Control technician")],
        required=True,
        default="focal",
        tracking=True,
    )
    endpoint_ids = fields.Many2many(
        "vc.endpoint",
        "vc_operator_endpoint_rel",
        "operator_id",
        "endpoint_id",
        string="Endpoints",
    )
    active = fields.Boolean(default=True, tracking=True)

    def write(self, vals):
        check_department_fields(self, vals, {"unit_id"})
        return super().write(vals)

    def _creation_message(self):
        # a code string: translated even while the demo data loads, before
        # the model names' translations are in the database
        return _("Operator created")

    @api.constrains("phone", "email")
    def _check_contact(self):
        for operator in self:
            if validators.check_phone(operator.phone):
                raise ValidationError(
                    _(
                        "Operator %(name)s: %(phone)s is not a valid Vietnamese "
                        "phone number (mobile 0xxxxxxxxx, landline 02xxxxxxxxx "
                        "or +84...).",
                        name=operator.name,
                        phone=operator.phone,
                    )
                )
            if validators.check_email(operator.email):
                raise ValidationError(
                    _(
                        "Operator %(name)s: %(email)s is not a valid e-mail address.",
                        name=operator.name,
                        email=operator.email,
                    )
                )

    @api.constrains("endpoint_ids", "unit_id")
    def _check_endpoints(self):
        for operator in self:
            # a focal officer works at endpoints of the unit's own subtree;
            # the centre's control technicians drive endpoints anywhere
            prefix = operator.unit_id.parent_path or ""
            foreign = operator.endpoint_ids.filtered(
                lambda e, prefix=prefix: not (e.unit_id.parent_path or "").startswith(
                    prefix
                )
            )
            if foreign and operator.role != "technician":
                raise ValidationError(
                    _(
                        "Operator %(name)s: the endpoints %(endpoints)s do not "
                        "belong to the unit %(unit)s.",
                        name=operator.name,
                        endpoints=", ".join(foreign.mapped("name")),
                        unit=operator.unit_id.name,
                    )
                )
