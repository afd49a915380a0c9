"""The round's background jobs: progress shown on the round, the long
actions that always run as jobs above the threshold (see vc_survey_job)."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

OFFICER = "hg_videoconf_survey.group_department_officer"


class VcSurveyRound(models.Model):
    _inherit = "vc.survey.round"

    job_ids = fields.One2many(
        "vc.survey.job", "round_id", string="Background jobs", groups=OFFICER
    )
    job_id = fields.Many2one(
        "vc.survey.job",
        compute="_compute_job",
        string="Job in progress",
        groups=OFFICER,
    )
    job_progress = fields.Float(
        compute="_compute_job", string="Job progress", groups=OFFICER
    )
    job_name = fields.Char(compute="_compute_job", string="Running job", groups=OFFICER)

    @api.depends("job_ids.state", "job_ids.batch_ids.state")
    def _compute_job(self):
        Job = self.env["vc.survey.job"]
        running = {
            rnd.id: job_id
            for rnd, job_id in Job._read_group(
                [("round_id", "in", self.ids), ("state", "in", ("queued", "running"))],
                ["round_id"],
                ["id:max"],
            )
        }
        for rnd in self:
            job = Job.browse(running.get(rnd.id, []))
            rnd.job_id = job
            rnd.job_progress = job.progress if job else 0.0
            rnd.job_name = job.name if job else False

    def action_print_all_forms(self):
        """Every form of the round printed (ODT, DOCX, PDF on each form): one
        LibreOffice start per batch and format; a background job above the
        threshold."""
        self.ensure_one()
        self._check_officer()
        subs = self.submission_ids
        if not subs:
            raise UserError(_("This round has no forms yet."))
        Job = self.env["vc.survey.job"]
        if len(subs) > Job._threshold():
            title = _("Forms of %(round)s", round=self.name)
            return Job._enqueue(
                self, "print_forms", subs.ids, title
            )._queued_notification()
        return subs.action_print_form()

    def action_export_workbooks_job(self):
        """The ZIP of every unit's offline workbook, built by a background
        job and attached to the round (needs the offline workbooks)."""
        self.ensure_one()
        self._check_officer()
        Submission = self.env["vc.survey.submission"]
        if not hasattr(Submission, "export_workbook"):
            raise UserError(_("Offline workbooks are not available in this version."))
        if not self.submission_ids:
            raise UserError(_("This round has no forms yet."))
        title = _("Offline workbooks of %(round)s", round=self.name)
        job = self.env["vc.survey.job"]._enqueue(
            self, "workbooks", self.submission_ids.ids, title
        )
        return job._queued_notification()


class VcSurveySubmission(models.Model):
    _inherit = "vc.survey.submission"

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        """The dispatch inserts the followers of a whole batch itself, then
        creates the activities, whose create subscribes each assignee again
        (three queries per unit): skipped for that one superuser call."""
        if self.env.su and self.env.context.get("vc_followers_inserted"):
            return True
        return super().message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids
        )
