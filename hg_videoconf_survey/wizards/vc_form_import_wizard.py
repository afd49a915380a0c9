from odoo import _, fields, models
from odoo.exceptions import UserError


class VcFormImportWizard(models.TransientModel):
    """Upload an XLSForm workbook as a new form version."""

    _name = "vc.form.import.wizard"
    _description = "Import XLSForm"

    file = fields.Binary(string="XLSForm workbook", required=True)
    filename = fields.Char()

    def action_import(self):
        self.ensure_one()
        if not self.file:
            raise UserError(_("Choose an XLSForm workbook (.xlsx) to import."))
        data = self.file
        if isinstance(data, bytes):
            data = data.decode()
        form_id = self.env["vc.survey.form"].import_xlsform(data, self.filename or "")
        return {
            "type": "ir.actions.act_window",
            "res_model": "vc.survey.form",
            "res_id": form_id,
            "view_mode": "form",
            "target": "current",
        }
