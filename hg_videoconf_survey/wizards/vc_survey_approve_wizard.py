from odoo import api, fields, models


class VcSurveyApproveWizard(models.TransientModel):
    """Asks the signer to confirm a sign-off, naming the unit and the form;
    the sign-off itself is ``vc.survey.submission.action_approve``."""

    _name = "vc.survey.approve.wizard"
    _description = "Sign-off Confirmation"

    submission_id = fields.Many2one("vc.survey.submission", required=True)
    message = fields.Text(compute="_compute_message")

    @api.depends("submission_id")
    @api.depends_context("uid")
    def _compute_message(self):
        for wizard in self:
            wizard.message = wizard.submission_id._approve_confirmation(self.env.user)

    def action_confirm(self):
        self.ensure_one()
        self.submission_id.action_approve()
        return {"type": "ir.actions.act_window_close"}
