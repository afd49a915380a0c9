from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from vcsurvey import forms, workflow

from . import form_core

DEFAULT_LEGAL_BASIS = (
    "Quyết định số 1373/QĐ-UBND ngày 24/7/2017 của UBND tỉnh Hà Giang về việc "
    "ban hành quy chế quản lý, vận hành và sử dụng các hệ thống giao ban trực "
    "tuyến trên địa bàn tỉnh"
)
# the issuing agency, copied from the company settings into the round and
# frozen once it is dispatched: its documents keep the agency of that day
AGENCY_FIELDS = {
    "parent_agency": "vc_parent_agency",
    "agency": "vc_agency",
    "province": "vc_place",
    "dispatch_notation": "vc_notation",
    "drafting_unit": "vc_drafting_unit",
}
DEFAULT_CC = "Lãnh đạo Sở\nVnptioffice"
REMINDER_DAYS_PARAM = "hg_videoconf_survey.reminder_days"


def _default_year(model):
    return fields.Date.context_today(model).year


class VcSurveyRound(models.Model):
    """A yearly survey round: the dispatch, the addressed units and their
    submissions."""

    _name = "vc.survey.round"
    _description = "Survey Round"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "year desc, id desc"

    name = fields.Char(required=True, tracking=True)
    year = fields.Integer(required=True, default=_default_year, tracking=True)
    form_ids = fields.Many2many(
        "vc.survey.form",
        compute="_compute_form_ids",
        string="Form versions",
        help="The form versions the addressed units get.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("dispatched", "Dispatched"),
            ("consolidated", "Consolidated"),
            ("archived", "Archived"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        index=True,
    )
    parent_agency = fields.Char(
        default=lambda self: self.env.company.vc_parent_agency,
        help="Copied from the company settings; frozen once dispatched.",
    )
    agency = fields.Char(
        string="Issuing agency",
        default=lambda self: self.env.company.vc_agency,
        help="Copied from the company settings; frozen once dispatched.",
    )
    drafting_unit = fields.Char(
        default=lambda self: self.env.company.vc_drafting_unit,
        help='Short name in "Lưu: VT, …".',
    )
    province = fields.Char(
        string="Place name",
        default=lambda self: self.env.company.vc_place,
        required=True,
        help="Place of the date line and province named by the forms.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible officer",
        default=lambda self: self.env.user,
        tracking=True,
    )
    # the dispatch (công văn)
    dispatch_number = fields.Integer(readonly=True, copy=False, tracking=True)
    dispatch_notation = fields.Char(
        default=lambda self: self.env.company.vc_notation, required=True
    )
    dispatch_date = fields.Date(tracking=True, copy=False)
    subject = fields.Char(
        required=True,
        tracking=True,
        help='Printed after "V/v" on the dispatch.',
    )
    legal_basis = fields.Text(
        default=DEFAULT_LEGAL_BASIS,
        help='One legal basis per line; printed as "Căn cứ ...".',
    )
    recipients = fields.Text(
        help='"Kính gửi" list, one recipient per line; by default made from the '
        "levels of the addressed units."
    )
    cc = fields.Text(
        string="Copies to",
        default=DEFAULT_CC,
        help='"Nơi nhận" besides the addressees and the archive, one per line.',
    )
    deadline = fields.Date(required=True, tracking=True)
    softcopy_email = fields.Char(
        string="Soft-copy e-mail", default=lambda self: self.env.company.vc_reply_email
    )
    signer_title = fields.Char(
        default=lambda self: self.env.company.vc_signer_title or "GIÁM ĐỐC",
        required=True,
    )
    signer_name = fields.Char(default=lambda self: self.env.company.vc_signer_name)
    signer_delegation = fields.Selection(
        [("KT.", "KT. (on behalf of)")], help="Set when a deputy signs."
    )
    signer_position = fields.Char(help="The deputy's own position.")
    cutoff_date = fields.Date(
        string="Data cut-off date", help="Defaults to 31/12 of the year."
    )
    reminder_days = fields.Integer(
        default=lambda self: int(
            self.env["ir.config_parameter"].sudo().get_param(REMINDER_DAYS_PARAM, 3)
        ),
        help="Reminders are e-mailed this many days before the deadline.",
    )
    line_ids = fields.One2many(
        "vc.survey.round.line", "round_id", string="Addressed units", copy=True
    )
    submission_ids = fields.One2many("vc.survey.submission", "round_id")
    # progress
    count_addressed = fields.Integer(compute="_compute_progress")
    count_submitted = fields.Integer(compute="_compute_progress")
    count_approved = fields.Integer(compute="_compute_progress")
    count_received = fields.Integer(compute="_compute_progress")
    count_late = fields.Integer(compute="_compute_progress")
    count_done = fields.Integer(
        compute="_compute_progress", string="Signed off", help="Approved or received."
    )
    progress = fields.Float(compute="_compute_progress")
    missing_unit_ids = fields.Many2many(
        "vc.unit", compute="_compute_progress", string="Units still missing"
    )
    can_dispatch = fields.Boolean(compute="_compute_can_dispatch")

    _sql_constraints = [
        ("year_positive", "CHECK(year > 2000)", "The year of a round is invalid."),
    ]

    @api.depends("line_ids", "submission_ids.state", "submission_ids.is_late")
    def _compute_progress(self):
        Submission = self.env["vc.survey.submission"]
        groups = Submission._read_group(
            [("round_id", "in", self.ids)], ["round_id", "state"], ["__count"]
        )
        late = dict(
            Submission._read_group(
                [("round_id", "in", self.ids), ("is_late", "=", True)],
                ["round_id"],
                ["__count"],
            )
        )
        by_round = {}
        for rnd, state, count in groups:
            by_round.setdefault(rnd.id, {})[state] = count
        for rnd in self:
            states = by_round.get(rnd.id, {})
            approved = states.get("approved", 0)
            received = states.get("received", 0)
            rnd.count_addressed = len(rnd.line_ids)
            rnd.count_submitted = states.get("submitted", 0)
            rnd.count_approved = approved
            rnd.count_received = received
            rnd.count_done = approved + received
            rnd.count_late = late.get(rnd, 0)
            rnd.progress = (
                100.0 * (approved + received) / len(rnd.line_ids) if rnd.line_ids else 0
            )
            done = rnd.submission_ids.filtered(
                lambda s: s.state in ("approved", "received")
            ).unit_id
            rnd.missing_unit_ids = rnd.line_ids.unit_id - done

    @api.depends("line_ids.form_id")
    def _compute_form_ids(self):
        for rnd in self:
            rnd.form_ids = rnd.line_ids.form_id

    @api.depends_context("uid")
    @api.depends("state")
    def _compute_can_dispatch(self):
        officer = self.env.user.has_group(
            "hg_videoconf_survey.group_department_officer"
        )
        for rnd in self:
            rnd.can_dispatch = officer and rnd.state == "draft"

    @api.onchange("year")
    def _onchange_year(self):
        if self.year and not self.name:
            self.name = _("Survey %(year)s", year=self.year)
        if self.year and not self.subject:
            self.subject = (
                "báo cáo công tác quản lý, vận hành hệ thống giao ban trực tuyến "
                f"trên địa bàn tỉnh năm {self.year}"
            )

    @api.model_create_multi
    def create(self, vals_list):
        # the web client sends the default state along: only a round that is
        # not a draft, or already numbered, is refused
        if not self.env.su and any(
            vals.get(name) and not (name == "state" and vals[name] == "draft")
            for vals in vals_list
            for name in self._workflow_fields()
        ):
            raise AccessError(
                _("A survey round is created as a draft, without a number.")
            )
        rounds = super().create(vals_list)
        for rnd in rounds.filtered(lambda r: not r.recipients and r.line_ids):
            rnd.recipients = rnd._default_recipients()
        return rounds

    def _default_recipients(self):
        """ "Kính gửi" lines from the addressed units: one line per level that
        has a collective name ("UBND các xã, phường"), else the unit's name."""
        self.ensure_one()
        lines = []
        units = self.line_ids.unit_id.sudo().sorted(
            lambda u: (u.level_id.sequence, u.name or "")
        )
        for unit in units:
            line = unit.level_id.recipient_label or unit.name
            if line and line not in lines:
                lines.append(line)
        return "\n".join(lines)

    @api.onchange("line_ids")
    def _onchange_line_ids_recipients(self):
        if self.state == "draft" and self.line_ids:
            self.recipients = self._default_recipients()

    def write(self, vals):
        if not self.env.su:
            protected = set(vals) & self._workflow_fields()
            if protected:
                raise AccessError(
                    _(
                        "These fields of a survey round change only through its "
                        "buttons: %(fields)s.",
                        fields=", ".join(sorted(protected)),
                    )
                )
            if any(r.state == "archived" for r in self):
                raise UserError(_("An archived survey round is read-only."))
            frozen = set(vals) & set(AGENCY_FIELDS)
            if frozen and any(r.state != "draft" for r in self):
                raise UserError(
                    _(
                        "The issuing agency of a dispatched round is kept as it "
                        "was on the day of the dispatch: %(fields)s.",
                        fields=", ".join(
                            self._fields[f].get_description(self.env)["string"]
                            for f in sorted(frozen)
                        ),
                    )
                )
        return super().write(vals)

    def _agency_snapshot(self):
        """Agency fields still empty, filled from the company settings."""
        self.ensure_one()
        company = self.env.company
        vals = {
            field: company[company_field]
            for field, company_field in AGENCY_FIELDS.items()
            if not self[field] and company[company_field]
        }
        if not self.recipients and self.line_ids:
            vals["recipients"] = self._default_recipients()
        return vals

    @api.model
    def _workflow_fields(self):
        """Set by the round's actions (with sudo, after their checks) only."""
        return {"state", "dispatch_number"}

    def unlink(self):
        if any(r.state != "draft" for r in self):
            raise UserError(_("Only draft survey rounds can be deleted."))
        return super().unlink()

    def _get_cutoff(self):
        self.ensure_one()
        return self.cutoff_date or forms.default_cutoff(self.year)

    def _check_officer(self):
        if self.env.su:
            return
        if not self.env.user.has_group("hg_videoconf_survey.group_department_officer"):
            raise AccessError(_("Only a Department officer can do this."))

    def _move(self, event):
        """Next state of the round for ``event`` (UserError if not allowed)."""
        self.ensure_one()
        try:
            return workflow.next_state(workflow.ROUND_TRANSITIONS, self.state, event)
        except workflow.WorkflowError as exc:
            lang = "vi" if (self.env.lang or "").startswith("vi") else "en"
            raise UserError(exc.message(lang)) from None

    def action_dispatch(self):
        """Send the round: one submission per addressed unit, preparers told."""
        self.ensure_one()
        self._check_officer()
        self.env.cr.execute(
            "SELECT id FROM vc_survey_round WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset(["state"])
        new_state = self._move("dispatch")
        if not self.line_ids:
            raise UserError(_("Add the units this round is addressed to first."))
        vals = dict(self._agency_snapshot(), state=new_state)
        if not self.dispatch_date:
            vals["dispatch_date"] = fields.Date.context_today(self)
        self.sudo().write(vals)
        Submission = self.env["vc.survey.submission"]
        submissions = Submission.create(
            [self._prepare_submission_vals(line) for line in self.line_ids]
        )
        for sub in submissions:
            self._notify_unit(sub)
        self.message_post(
            body=_(
                "Dispatched to %(count)s units; deadline %(deadline)s.",
                count=len(submissions),
                deadline=self.deadline.strftime("%d/%m/%Y"),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _prepare_submission_vals(self, line):
        """The submission of ``line``, prefilled with what the registry
        knows about the unit (through set_answers, by question role)."""
        return {
            "round_id": self.id,
            "unit_id": line.unit_id.id,
            "form_id": line.form_id.id,
            "answers": self._registry_prefill(line),
        }

    def _registry_prefill(self, line):
        unit = line.unit_id.sudo()
        roles = form_core.roles(line.form_id.sudo().get_definition())
        Endpoint = self.env["vc.endpoint"].sudo()
        known = {}
        if "unit_name" in roles:
            known["unit_name"] = unit.name
        if {"endpoint_location", "endpoint_ip"} & set(roles):
            main = Endpoint.search(
                [("unit_id", "=", unit.id), ("network", "=", "province_district")],
                limit=1,
            )
            if main:
                known["endpoint_location"] = main.location or main.name
                known["endpoint_ip"] = main.ip_address
        communes = unit.child_ids
        if "commune_count" in roles and communes:
            known["commune_count"] = len(communes)
        if "endpoint_count" in roles and communes:
            known["endpoint_count"] = Endpoint.search_count(
                [("unit_id", "in", communes.ids), ("network", "=", "district_commune")]
            )
        if "mcu_ip" in roles:
            mcu = (
                self.env["vc.mcu"]
                .sudo()
                .search([("owner_unit_id", "=", unit.id)], limit=1)
            )
            if mcu:
                known["mcu_ip"] = mcu.ip_address
        # the XLSForm defaults first, then what the registry knows
        prefill = forms.default_answers(line.form_id.sudo().get_definition())
        prefill.update({roles[role]: value for role, value in known.items() if value})
        return prefill

    def _notify_unit(self, submission):
        unit = submission.unit_id.sudo()
        people = unit.preparer_ids | unit.head_id | unit.deputy_ids
        people |= unit.user_ids.filtered(
            lambda u: u.has_group("hg_videoconf_survey.group_unit_preparer")
        )
        submission.message_subscribe(partner_ids=people.partner_id.ids)
        preparers = (unit.preparer_ids or unit.user_ids).filtered(
            lambda u: u.has_group("hg_videoconf_survey.group_unit_preparer")
        )
        submission.message_post(
            body=Markup("<p>%s</p>")
            % _(
                "The Department asks %(unit)s to fill in the survey form of "
                "%(round)s and send it, signed off by the head, before %(deadline)s.",
                unit=unit.name,
                round=self.name,
                deadline=self.deadline.strftime("%d/%m/%Y"),
            ),
            partner_ids=preparers.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )
        for user in preparers:
            submission.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=self.deadline,
                summary=_("Fill in the survey form"),
                user_id=user.id,
            )

    def action_view_submissions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hg_videoconf_survey.vc_survey_submission_action"
        )
        action["domain"] = [("round_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1}
        return action

    # ------------------------------------------------------------------
    # reminders (daily cron)
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_reminders(self, today=None):
        """E-mail units whose form is not approved N days before the deadline;
        after the deadline mark them late and tell them once."""
        today = today or fields.Date.context_today(self)
        reminder = self.env.ref("hg_videoconf_survey.mail_template_reminder")
        late = self.env.ref("hg_videoconf_survey.mail_template_late")
        rounds = self.search([("state", "=", "dispatched")])
        for rnd in rounds:
            pending = rnd.submission_ids.filtered(
                lambda s: s.state in ("draft", "submitted")
            )
            window_start = rnd.deadline - timedelta(days=max(rnd.reminder_days, 0))
            for sub in pending:
                recipients = sub._reminder_partners()
                values = {"recipient_ids": [(6, 0, recipients.ids)]}
                if today > rnd.deadline:
                    # late whether or not anybody can be told
                    if not sub.late_notified:
                        if recipients:
                            late.send_mail(sub.id, email_values=values)
                        sub.sudo().write({"is_late": True, "late_notified": True})
                elif (
                    window_start <= today
                    and sub.last_reminder_date != today
                    and recipients
                ):
                    reminder.send_mail(sub.id, email_values=values)
                    sub.sudo().write({"last_reminder_date": today})
        return True


class VcSurveyRoundLine(models.Model):
    """A unit the round is addressed to and the form it gets."""

    _name = "vc.survey.round.line"
    _description = "Addressed Unit"
    _order = "round_id, form_type desc, unit_id"

    round_id = fields.Many2one(
        "vc.survey.round", required=True, ondelete="cascade", index=True
    )
    unit_id = fields.Many2one("vc.unit", string="Unit", required=True)
    form_id = fields.Many2one(
        "vc.survey.form",
        string="Form version",
        required=True,
        ondelete="restrict",
        domain=[("active", "=", True)],
        default=lambda self: self._default_form(),
    )
    form_type = fields.Char(related="form_id.form_type", store=True, string="Form")

    @api.model
    def _default_form(self):
        """The form version of the round's last line, else the newest."""
        return self.env["vc.survey.form"].search([], order="id desc", limit=1)

    _sql_constraints = [
        (
            "round_unit_uniq",
            "unique(round_id, unit_id)",
            "A unit is addressed only once in a round.",
        ),
    ]

    def write(self, vals):
        if any(line.round_id.state != "draft" for line in self):
            raise UserError(
                _("The addressed units can only change while the round is a draft.")
            )
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        rounds = self.env["vc.survey.round"].browse(
            [v["round_id"] for v in vals_list if v.get("round_id")]
        )
        if any(r.state != "draft" for r in rounds):
            raise UserError(
                _("The addressed units can only change while the round is a draft.")
            )
        return super().create(vals_list)
