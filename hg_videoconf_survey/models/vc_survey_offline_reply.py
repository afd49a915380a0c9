import base64

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from vcsurvey import workbook

REASONS = [
    ("no_attachment", "No Excel file attached"),
    ("unknown_sender", "Sender is not a contact of the unit"),
    ("no_match", "No form of this round matches the file"),
    ("not_draft", "The form is no longer a draft"),
    ("error", "The file could not be processed"),
]


class VcSurveyOfflineReply(models.Model):
    """A mail received on a round's alias: what was done with it.

    Every mail is kept (the round's chatter holds the original); the ones
    that could not be imported are flagged for the officer.
    """

    _name = "vc.survey.offline.reply"
    _description = "Reply by E-mail"
    _order = "create_date desc, id desc"
    _rec_name = "subject"

    round_id = fields.Many2one(
        "vc.survey.round", required=True, ondelete="cascade", index=True
    )
    submission_id = fields.Many2one(
        "vc.survey.submission", string="Survey form", index=True
    )
    unit_id = fields.Many2one(related="submission_id.unit_id", store=True)
    email_from = fields.Char(string="From", readonly=True)
    subject = fields.Char(string="E-mail subject", readonly=True)
    message_ref = fields.Char(string="Message-Id", readonly=True)
    body = fields.Html(string="E-mail body", readonly=True, sanitize=True)
    filename = fields.Char(string="File", readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Files", readonly=True)
    state = fields.Selection(
        [
            ("imported", "Imported"),
            ("refused", "Refused (report sent)"),
            ("flagged", "Needs the officer"),
            ("done", "Handled"),
        ],
        required=True,
        default="flagged",
        index=True,
    )
    reason = fields.Selection(REASONS, string="Why it needs the officer", readonly=True)
    needs_attention = fields.Boolean(
        compute="_compute_needs_attention",
        store=True,
        index=True,
        help="Kept for the officer: not imported and not answered automatically.",
    )
    report = fields.Text(string="Validation report", readonly=True)
    report_file = fields.Binary(string="Report", attachment=True, readonly=True)
    report_filename = fields.Char(string="Report file name", readonly=True)
    answer_mail_id = fields.Many2one("mail.mail", string="Answer", readonly=True)

    @api.depends("state")
    def _compute_needs_attention(self):
        for reply in self:
            reply.needs_attention = reply.state == "flagged"

    @api.model
    def _attachment_commands(self, files):
        return [
            (0, 0, {"name": name, "raw": data, "res_model": self._name})
            for name, data in files
        ]

    @api.model
    def _report_text(self, result):
        lines = list(workbook.report_lines(result.get("errors", [])))
        pending = list(workbook.report_lines(result.get("pending", [])))
        if pending:
            lines += ["", _("Still to answer before the form can be submitted:")]
            lines += pending
        return "\n".join(lines)

    # ------------------------------------------------------------------
    # the automatic answer to the sender
    # ------------------------------------------------------------------
    def _answer_text(self, result=None):
        self.ensure_one()
        unit = self.submission_id.unit_id.name or ""
        if self.state == "imported":
            if result and not result.get("changed"):
                return _(
                    "The Department received the Excel form of %(unit)s. It is the "
                    "same as the answers already recorded: nothing changed.",
                    unit=unit,
                )
            return _(
                "The Department received the Excel form of %(unit)s: the answers "
                "are recorded in its draft. The head of the unit still signs it off.",
                unit=unit,
            )
        if self.state == "refused":
            return _(
                "The Excel form of %(unit)s could not be imported: nothing was "
                "recorded. Please correct the problems listed below (and in the "
                "attached report) and send the file again.",
                unit=unit,
            )
        if self.reason == "not_draft":
            return _(
                "The form of %(unit)s is already submitted or signed off: the file "
                "was not imported. The Department has been told.",
                unit=unit,
            )
        return _(
            "No filled Excel form was found in your e-mail. Please attach the "
            "workbook you received (an .xlsx file) and send it again."
        )

    def _send_answer(self, result=None):
        """Reply to the sender with the result (and the report)."""
        self.ensure_one()
        sender = email_normalize(self.email_from or "")
        rnd = self.round_id.sudo()
        ours = {email_normalize(a) for a in (rnd.alias_email,) if a}
        if (
            not sender
            or sender in ours
            or sender.startswith(("mailer-daemon", "noreply"))
        ):
            return False
        body = Markup("<p>%s</p>") % self._answer_text(result)
        if self.report:
            body += Markup("<pre>%s</pre>") % self.report
        values = {
            "subject": _("Re: %(subject)s", subject=self.subject or rnd.name),
            "email_to": self.email_from,
            "email_from": rnd.alias_email
            or self.env.company.email_formatted
            or self.env.user.email_formatted,
            "body_html": body,
            "model": rnd._name,
            "res_id": rnd.id,
            "auto_delete": False,
            "headers": repr({"Auto-Submitted": "auto-replied"}),
        }
        if self.message_ref:
            values["references"] = self.message_ref
        if self.report_file and self.state == "refused":
            values["attachment_ids"] = [
                (
                    0,
                    0,
                    {
                        "name": self.report_filename or "bao-cao.xlsx",
                        "datas": self.report_file,
                        "res_model": "mail.message",
                    },
                )
            ]
        mail = self.env["mail.mail"].sudo().create(values)
        self.answer_mail_id = mail
        return mail

    # ------------------------------------------------------------------
    # the officer's actions on a flagged mail
    # ------------------------------------------------------------------
    def action_mark_done(self):
        self.write({"state": "done"})
        return True

    def action_import(self):
        """Import the mail's workbook into the chosen form (officer)."""
        self.ensure_one()
        self.round_id._check_department()
        if not self.submission_id:
            raise UserError(_("Choose the form to import the file into first."))
        files = self.attachment_ids.filtered(
            lambda a: (a.name or "").lower().endswith((".xlsx", ".xlsm", ".xls"))
        )
        if not files:
            raise UserError(_("This e-mail has no Excel file to import."))
        result = self.submission_id.import_workbook(
            base64.b64encode(files[0].raw).decode(), files[0].name
        )
        self.write(
            {
                "state": "imported" if result["ok"] else "flagged",
                "report": self._report_text(result),
            }
        )
        if not result["ok"]:
            raise UserError(
                _("The file could not be imported:") + "\n" + self._report_text(result)
            )
        return True
