import functools

from odoo import _, models
from odoo.exceptions import AccessError

# The survey's records whose activities follow the record's write access.
VC_ACTIVITY_MODELS = (
    "vc.survey.submission",
    "vc.survey.round",
    "vc.unit",
    "vc.endpoint",
    "vc.operator",
    "vc.mcu",
)
MOVE_FIELDS = {"res_model", "res_model_id", "res_id"}


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _check_access(self, operation):
        """Changing an activity of a survey record (done, feedback,
        reschedule, delete) needs write access to that record.

        Odoo lets whoever is assigned to or created an activity write and
        unlink it whatever the record; on another unit's form that would let
        a unit's user mark its steps done or move their deadlines.
        """
        result = super()._check_access(operation)
        if self.env.su or operation not in ("write", "unlink") or not self:
            return result
        checked = self - result[0] if result else self
        forbidden = self.browse()
        records = {}
        for activity in checked.sudo():
            if activity.res_model in VC_ACTIVITY_MODELS and activity.res_id:
                records.setdefault(activity.res_model, {}).setdefault(
                    activity.res_id, []
                ).append(activity.id)
        for model, by_id in records.items():
            documents = self.env[model].browse(list(by_id)).exists()
            for document in documents:
                if not document.has_access("write"):
                    forbidden |= self.browse(by_id[document.id])
        if not forbidden:
            return result
        if result:
            return result[0] | forbidden, result[1]
        return forbidden, functools.partial(forbidden._make_access_error, operation)

    def write(self, values):
        if not self.env.su and MOVE_FIELDS & set(values):
            moved = self.filtered(lambda a: a.res_model in VC_ACTIVITY_MODELS)
            target = values.get("res_model") or (
                self.env["ir.model"].browse(values["res_model_id"]).model
                if values.get("res_model_id")
                else False
            )
            if moved or target in VC_ACTIVITY_MODELS:
                raise AccessError(
                    _("An activity cannot be moved to another survey record.")
                )
        return super().write(values)
