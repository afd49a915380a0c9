from odoo import fields, models


class VcSurveyReasonWizard(models.TransientModel):
    """Asks the reason of a return or a reopen before doing it."""

    _name = "vc.survey.reason.wizard"
    _description = "Reason for Returning or Reopening a Form"

    submission_id = fields.Many2one("vc.survey.submission", required=True)
    event = fields.Selection(
        [("return", "Return"), ("reopen", "Reopen")], required=True, default="return"
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        if self.event == "reopen":
            self.submission_id.action_reopen(reason=self.reason)
        else:
            self.submission_id.action_return(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
