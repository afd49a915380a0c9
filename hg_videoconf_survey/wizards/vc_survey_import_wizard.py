import base64

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from vcsurvey import workbook

from ..models.vc_survey_offline import report_html


class VcSurveyImportWizard(models.TransientModel):
    """*Nhập từ Excel*: one form's workbook, or many files for a round; shows
    the validation report, downloadable as a workbook."""

    _name = "vc.survey.import.wizard"
    _description = "Import Excel Forms"

    submission_id = fields.Many2one("vc.survey.submission", string="Form")
    round_id = fields.Many2one("vc.survey.round", string="Survey round")
    file_ids = fields.Many2many(
        "ir.attachment", string="Excel files", help="Filled .xlsx workbooks."
    )
    state = fields.Selection(
        [("draft", "To import"), ("done", "Imported")], default="draft"
    )
    result_ok = fields.Boolean(string="All files imported", readonly=True)
    summary = fields.Char(string="Result", readonly=True)
    report_html = fields.Html(string="Problems", readonly=True, sanitize=True)
    report_file = fields.Binary(string="Report", readonly=True)
    report_filename = fields.Char(string="Report file name", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for wizard in records:
            # the uploaded files are checked like any read of a record
            (wizard.submission_id or wizard.round_id).check_access("read")
        return records

    def _files(self):
        self.ensure_one()
        files = self.file_ids.filtered(lambda a: a.create_uid == self.env.user)
        if not files:
            raise UserError(_("Add the filled Excel file(s) first."))
        return [(a.name or "file.xlsx", a.raw or b"") for a in files]

    def _import_one(self, name, data):
        """(form, result) of one file; a refused file never stops the others."""
        target = self.submission_id
        try:
            with self.env.cr.savepoint():
                if target:
                    encoded = base64.b64encode(data).decode()
                    return target, target.import_workbook(encoded, name)
                return self.round_id._import_file(name, data)
        except (AccessError, UserError, ValidationError) as exc:
            message = str(exc.args[0] if exc.args else exc)
            return target, {"ok": False, "errors": [workbook.problem(message)]}

    def action_import(self):
        self.ensure_one()
        errors, pending, lines = [], [], []
        imported = 0
        for name, data in self._files():
            target, result = self._import_one(name, data)
            unit = target.unit_id.name if target else ""
            label = f"{name} ({unit})" if unit else name
            if result["ok"]:
                imported += 1
            for entry in result["errors"]:
                errors.append(dict(entry, sheet=f"{label}: {entry.get('sheet', '')}"))
            for entry in result.get("pending", []):
                pending.append(dict(entry, sheet=f"{label}: {entry.get('sheet', '')}"))
            lines.append(result)
        total = len(lines)
        self.write(
            {
                "state": "done",
                "result_ok": not errors,
                "summary": _(
                    "%(ok)s of %(total)s file(s) imported.", ok=imported, total=total
                ),
                "report_html": report_html(self.env, {"errors": errors}),
                "report_file": base64.b64encode(
                    workbook.report_workbook(errors, pending)
                ),
                "report_filename": "bao-cao-nhap-excel.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Import from Excel"),
        }


class VcSurveyOfflineDownload(models.TransientModel):
    """A generated file waiting to be downloaded by the user who asked."""

    _name = "vc.survey.offline.download"
    _description = "Generated File"

    data = fields.Binary(string="File", readonly=True)
    filename = fields.Char(string="File name", readonly=True)

    @api.model
    def open_file(self, data, filename):
        record = self.create({"data": base64.b64encode(data), "filename": filename})
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content?model={self._name}&id={record.id}"
            "&field=data&filename_field=filename&download=true",
            "target": "download",
        }
