from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from vcsurvey import validators

from .vc_unit import check_department_fields

NETWORKS = [
    ("province_district", "Province ↔ district"),
    ("district_commune", "District ↔ commune"),
    ("other", "Other"),
]
DEVICE_TYPES = [
    ("camera", "Camera"),
    ("microphone", "Microphones"),
    ("audio", "Meeting audio"),
    ("vcs", "VCS terminal"),
]


class VcEndpoint(models.Model):
    """A video-conference endpoint (điểm cầu): a meeting room with its
    devices, on one of the province's networks."""

    _name = "vc.endpoint"
    _description = "Endpoint"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "unit_id, name"

    name = fields.Char(required=True, tracking=True)
    unit_id = fields.Many2one(
        "vc.unit", string="Unit", required=True, index=True, tracking=True
    )
    network = fields.Selection(NETWORKS, required=True, tracking=True)
    location = fields.Char(tracking=True, help="Room and address of the endpoint.")
    ip_address = fields.Char(string="IP Address", tracking=True, copy=False)
    device_ids = fields.One2many("vc.endpoint.device", "endpoint_id", string="Devices")
    operator_ids = fields.Many2many(
        "vc.operator",
        "vc_operator_endpoint_rel",
        "endpoint_id",
        "operator_id",
        string="Operators",
    )
    active = fields.Boolean(default=True, tracking=True)

    def _creation_message(self):
        # a code string: translated even while the demo data loads, before
        # the model names' translations are in the database
        return _("Endpoint created")

    def init(self):
        # the database enforces the rule too, so two concurrent saves cannot
        # both register the same address
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS vc_endpoint_active_ip_uniq "
            "ON vc_endpoint (ip_address) WHERE active AND ip_address IS NOT NULL"
        )

    @api.constrains("ip_address", "active")
    def _check_ip_address(self):
        for endpoint in self.filtered("ip_address"):
            if validators.check_ip(endpoint.ip_address):
                raise ValidationError(
                    # endpoint names already say "Điểm cầu …": not repeated
                    _(
                        "%(endpoint)s: %(ip)s is not a valid IPv4 or IPv6 address.",
                        endpoint=endpoint.name,
                        ip=endpoint.ip_address,
                    )
                )

    def _check_ip_free(self, ip, exclude_ids=()):
        """Refuse an address already used by another active endpoint.

        Checked before writing, with sudo because other units' endpoints are
        invisible to a unit user; the partial unique index created in
        ``init`` still guards against two concurrent saves.
        """
        clash = (
            self.sudo()
            .with_context(active_test=True)
            .search(
                [("ip_address", "=", ip), ("id", "not in", list(exclude_ids))], limit=1
            )
        )
        if not clash:
            return
        if self.env.su or self.env.user.has_group(
            "hg_videoconf_survey.group_department_officer"
        ):
            raise ValidationError(
                _(
                    "The IP address %(ip)s is already used by the endpoint "
                    "%(other)s of %(unit)s.",
                    ip=ip,
                    other=clash.name,
                    unit=clash.unit_id.name,
                )
            )
        # a unit's user does not learn other units' endpoints from it
        raise ValidationError(_("The IP address %(ip)s is already in use.", ip=ip))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalize_ip_vals(vals)
            if vals.get("ip_address") and vals.get("active", True):
                self._check_ip_free(vals["ip_address"])
        return super().create(vals_list)

    def write(self, vals):
        check_department_fields(self, vals, {"unit_id"})
        self._normalize_ip_vals(vals)
        if vals.get("ip_address") or vals.get("active"):
            for endpoint in self:
                ip = vals.get("ip_address", endpoint.ip_address)
                if ip and vals.get("active", endpoint.active):
                    self._check_ip_free(ip, exclude_ids=self.ids)
        if vals.get("ip_address") and len(self.filtered("active")) > 1:
            raise ValidationError(
                _(
                    "Several endpoints cannot receive the same IP address %(ip)s.",
                    ip=vals["ip_address"],
                )
            )
        return super().write(vals)

    @api.model
    def _normalize_ip_vals(self, vals):
        ip = vals.get("ip_address")
        if ip:
            try:
                vals["ip_address"] = validators.normalize_ip(ip)
            except ValueError:
                vals["ip_address"] = ip.strip()  # refused by _check_ip_address


class VcEndpointDevice(models.Model):
    _name = "vc.endpoint.device"
    _description = "Endpoint Device"
    _order = "endpoint_id, device_type, id"

    endpoint_id = fields.Many2one(
        "vc.endpoint", required=True, ondelete="cascade", index=True
    )
    unit_id = fields.Many2one(related="endpoint_id.unit_id", store=True, index=True)
    device_type = fields.Selection(DEVICE_TYPES, string="Device", required=True)
    model = fields.Char(string="Make and model")
    serial = fields.Char(string="Serial Number")
    quantity = fields.Integer(default=1)
    note = fields.Char()

    _sql_constraints = [
        (
            "quantity_positive",
            "CHECK(quantity > 0)",
            "The quantity of a device must be positive.",
        ),
    ]

    def write(self, vals):
        check_department_fields(self, vals, {"endpoint_id"})
        return super().write(vals)
