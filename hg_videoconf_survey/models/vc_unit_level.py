import re
import unicodedata

from odoo import api, fields, models


class VcUnitLevel(models.Model):
    """Administrative level of a unit (province, department, district, ...).

    Levels are data, not a hard-coded selection, so a province that adds a
    tier (e.g. ward clusters) only adds a record.
    """

    _name = "vc.unit.level"
    _description = "Unit Level"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    recipient_label = fields.Char(
        help='How a dispatch addresses all units of this level ("Kính gửi"), '
        'e.g. "UBND các xã, phường"; empty: each unit by its name.'
    )

    @api.model_create_multi
    def create(self, vals_list):
        # the code is technical (shown in debug mode only): made from the name
        for vals in vals_list:
            if not vals.get("code") and vals.get("name"):
                text = vals["name"].replace("đ", "d").replace("Đ", "D")
                text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore")
                vals["code"] = re.sub(r"[^a-z0-9]+", "_", text.decode().lower()).strip(
                    "_"
                )
        return super().create(vals_list)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a unit level must be unique."),
    ]
