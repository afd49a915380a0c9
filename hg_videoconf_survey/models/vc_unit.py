from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

OFFICER_GROUP = "hg_videoconf_survey.group_department_officer"
# Who signs, who fills in, where the unit sits in the tree (which decides who
# sees it): the Department's to set, never a unit's own users.
UNIT_DEPARTMENT_FIELDS = {
    "head_id",
    "deputy_ids",
    "preparer_ids",
    "user_ids",
    "parent_id",
    "code",
    "level_id",
    "active",
}


def check_department_fields(records, vals, fnames):
    """Refuse a write of ``fnames`` (ownership and signing fields) by anyone
    but a Department officer; field ``groups=`` would only hide them."""
    env = records.env
    if env.su or env.user.has_group(OFFICER_GROUP):
        return
    touched = set(vals) & set(fnames)
    if touched:
        raise AccessError(
            env._(
                "Only the Department can change these fields of %(model)s: "
                "%(fields)s.",
                model=records._description,
                fields=", ".join(
                    records._fields[f].get_description(env)["string"]
                    for f in sorted(touched)
                ),
            )
        )


class VcUnit(models.Model):
    """A unit of the province's administration that takes part in the survey:
    the provincial People's Committee, the Department, a district, a commune,
    the IT centre.  Units form a tree."""

    _name = "vc.unit"
    _description = "Unit"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _parent_store = True
    _order = "complete_name"
    _rec_name = "name"

    name = fields.Char(required=True, tracking=True, translate=False)
    complete_name = fields.Char(
        compute="_compute_complete_name", store=True, recursive=True
    )
    code = fields.Char(required=True, tracking=True, index=True)
    level_id = fields.Many2one(
        "vc.unit.level", string="Level", required=True, tracking=True
    )
    parent_id = fields.Many2one(
        "vc.unit", string="Parent Unit", index=True, ondelete="restrict", tracking=True
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("vc.unit", "parent_id", string="Sub-units")
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        ondelete="restrict",
        help="Address, e-mail and phone of the unit.",
    )
    street = fields.Char(related="partner_id.street", readonly=False)
    city = fields.Char(related="partner_id.city", readonly=False)
    email = fields.Char(related="partner_id.email", readonly=False)
    phone = fields.Char(related="partner_id.phone", readonly=False)
    head_id = fields.Many2one(
        "res.users", string="Head", tracking=True, help="Signs off the unit's forms."
    )
    deputy_ids = fields.Many2many(
        "res.users",
        "vc_unit_deputy_rel",
        "unit_id",
        "user_id",
        string="Deputies",
        help='May sign off on behalf of the head ("KT.").',
    )
    head_title = fields.Char(
        string="Head's title",
        tracking=True,
        help='Printed above the head\'s signature, e.g. "Chủ tịch", "Giám đốc". '
        'Empty: "Thủ trưởng đơn vị".',
    )
    deputy_title = fields.Char(
        string="Deputy's title",
        tracking=True,
        help='Printed under "KT." and the head\'s title when a deputy signs, e.g. '
        '"Phó Chủ tịch". Empty: "Phó thủ trưởng đơn vị".',
    )
    preparer_ids = fields.Many2many(
        "res.users",
        "vc_unit_preparer_rel",
        "unit_id",
        "user_id",
        string="Preparers",
        help="Fill in the unit's survey forms.",
    )
    user_ids = fields.One2many("res.users", "vc_unit_id", string="Users")
    endpoint_ids = fields.One2many("vc.endpoint", "unit_id", string="Endpoints")
    endpoint_count = fields.Integer(compute="_compute_endpoint_count")
    active = fields.Boolean(default=True, tracking=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a unit must be unique."),
    ]

    def _creation_message(self):
        # a code string: translated even while the demo data loads, before
        # the model names' translations are in the database
        return _("Unit created")

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for unit in self:
            if unit.parent_id:
                unit.complete_name = f"{unit.parent_id.complete_name} / {unit.name}"
            else:
                unit.complete_name = unit.name

    def _compute_endpoint_count(self):
        groups = self.env["vc.endpoint"]._read_group(
            [("unit_id", "in", self.ids)], ["unit_id"], ["__count"]
        )
        counts = {unit.id: count for unit, count in groups}
        for unit in self:
            unit.endpoint_count = counts.get(unit.id, 0)

    @api.constrains("parent_id")
    def _check_parent_id(self):
        if self._has_cycle():
            raise ValidationError(_("A unit cannot be its own parent or ancestor."))

    @api.constrains("head_id", "deputy_ids", "preparer_ids")
    def _check_members(self):
        for unit in self:
            members = unit.head_id | unit.deputy_ids | unit.preparer_ids
            strangers = members.filtered(lambda u, unit=unit: u.vc_unit_id != unit)
            if strangers:
                raise ValidationError(
                    _(
                        "%(users)s do not belong to the unit %(unit)s: set their "
                        "unit on the user first.",
                        users=", ".join(strangers.mapped("name")),
                        unit=unit.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("partner_id"):
                # the unit's contact card comes with the unit, whoever may
                # create units (the department) without managing contacts
                partner = (
                    self.env["res.partner"]
                    .sudo()
                    .create(self._prepare_partner_vals(vals))
                )
                vals["partner_id"] = partner.id
        return super().create(vals_list)

    def write(self, vals):
        check_department_fields(self, vals, UNIT_DEPARTMENT_FIELDS)
        return super().write(vals)

    def _prepare_partner_vals(self, vals):
        return {"name": vals.get("name"), "is_company": True}

    def _head_title(self):
        """The head's title as printed (upper case, ND30)."""
        self.ensure_one()
        return (self.head_title or "Thủ trưởng đơn vị").strip().upper()

    def _deputy_title(self):
        """A deputy's own title, printed under "KT. <head's title>"."""
        self.ensure_one()
        return (self.deputy_title or "Phó thủ trưởng đơn vị").strip().upper()

    def action_view_endpoints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hg_videoconf_survey.vc_endpoint_action"
        )
        action["domain"] = [("unit_id", "child_of", self.id)]
        action["context"] = {"default_unit_id": self.id}
        return action
