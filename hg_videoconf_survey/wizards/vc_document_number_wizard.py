from odoo import _, api, fields, models
from odoo.exceptions import UserError

KINDS = [("dispatch", "Dispatch"), ("summary", "Summary")]


class VcDocumentNumberWizard(models.TransientModel):
    """Shows (and lets the clerk change) the date a number is issued with:
    the date printed on the document and the year of the register."""

    _name = "vc.document.number.wizard"
    _description = "Issue a Document Number"

    round_id = fields.Many2one("vc.survey.round", required=True)
    kind = fields.Selection(KINDS, required=True)
    date = fields.Date(
        string="Document date",
        required=True,
        help="Printed on the document; its year chooses the register (the number "
        "is the next of that year's register).",
    )
    year_note = fields.Char(compute="_compute_year_note")

    @api.depends("date", "round_id.year")
    def _compute_year_note(self):
        for wizard in self:
            note = False
            if wizard.date:
                note = _(
                    "The number will be the next one of the %(year)s register.",
                    year=wizard.date.year,
                )
                if wizard.date.year not in (
                    wizard.round_id.year,
                    wizard.round_id.year + 1,
                ):
                    note += " " + _(
                        "Check the date: the round is of %(year)s.",
                        year=wizard.round_id.year,
                    )
            wizard.year_note = note

    def action_confirm(self):
        self.ensure_one()
        if not self.date:
            raise UserError(_("Give the date of the document."))
        rnd = self.round_id.with_context(vc_number_date=self.date)
        if self.kind == "dispatch":
            return rnd.action_issue_dispatch_number()
        return rnd.action_issue_summary_number()
