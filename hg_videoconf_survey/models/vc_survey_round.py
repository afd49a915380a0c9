import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

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
DEPARTMENT_GROUPS = (
    "hg_videoconf_survey.group_department_officer,"
    "hg_videoconf_survey.group_records_clerk"
)
# Reminders start at most this many days before the deadline.
MAX_REMINDER_DAYS = 60
DEFAULT_REMINDER_DAYS = 3

_logger = logging.getLogger(__name__)


def _default_year(model):
    return fields.Date.context_today(model).year


def _default_reminder_days(model):
    """The system parameter, bounded: a wrong value there gives the default."""
    raw = model.env["ir.config_parameter"].sudo().get_param(REMINDER_DAYS_PARAM)
    try:
        days = int(raw) if raw not in (None, False, "") else DEFAULT_REMINDER_DAYS
    except (TypeError, ValueError):
        return DEFAULT_REMINDER_DAYS
    return days if 0 <= days <= MAX_REMINDER_DAYS else DEFAULT_REMINDER_DAYS


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
        default=_default_reminder_days,
        help="Reminders are e-mailed this many days before the deadline " "(0 to 60).",
    )
    # Every unit's line and form: the Department's and the clerk's lists (a
    # unit's user opening the round would otherwise read other units').
    line_ids = fields.One2many(
        "vc.survey.round.line",
        "round_id",
        string="Addressed units",
        copy=True,
        groups=DEPARTMENT_GROUPS,
    )
    submission_ids = fields.One2many(
        "vc.survey.submission", "round_id", groups=DEPARTMENT_GROUPS
    )
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
        """Three grouped queries for any number of rounds and units: nothing
        is read record by record (record rules apply as before)."""
        Submission = self.env["vc.survey.submission"]
        Line = self.env["vc.survey.round.line"]
        ids = [rid for rid in self._ids if isinstance(rid, int)]
        by_round, late, addressed, done_units = {}, {}, {}, {}
        if ids:
            domain = [("round_id", "in", ids)]
            for rnd, state, is_late, count in Submission._read_group(
                domain, ["round_id", "state", "is_late"], ["__count"]
            ):
                states = by_round.setdefault(rnd.id, {})
                states[state] = states.get(state, 0) + count
                if is_late:
                    late[rnd.id] = late.get(rnd.id, 0) + count
            for rnd, unit_ids, count in Line._read_group(
                domain, ["round_id"], ["unit_id:array_agg", "__count"]
            ):
                addressed[rnd.id] = (unit_ids, count)
            for rnd, unit_ids in Submission._read_group(
                domain + [("state", "in", ("approved", "received"))],
                ["round_id"],
                ["unit_id:array_agg"],
            ):
                done_units[rnd.id] = set(unit_ids)
        Unit = self.env["vc.unit"]
        for rnd in self:
            if isinstance(rnd.id, int):
                unit_ids, total = addressed.get(rnd.id, ([], 0))
            else:  # a new round in a form: only its lines in memory
                unit_ids, total = rnd.line_ids.unit_id.ids, len(rnd.line_ids)
            states = by_round.get(rnd.id, {})
            approved = states.get("approved", 0)
            received = states.get("received", 0)
            rnd.count_addressed = total
            rnd.count_submitted = states.get("submitted", 0)
            rnd.count_approved = approved
            rnd.count_received = received
            rnd.count_done = approved + received
            rnd.count_late = late.get(rnd.id, 0)
            rnd.progress = 100.0 * (approved + received) / total if total else 0
            done = done_units.get(rnd.id, set())
            # a unit's user opening the round sees the units they may read
            rnd.missing_unit_ids = Unit.browse(
                sorted(u for u in set(unit_ids) if u not in done)
            )._filtered_access("read")

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

    @api.constrains("reminder_days")
    def _check_reminder_days(self):
        for rnd in self:
            if not 0 <= rnd.reminder_days <= MAX_REMINDER_DAYS:
                raise ValidationError(
                    _(
                        "Reminders start between 0 and %(max)s days before the "
                        "deadline (round %(round)s: %(days)s).",
                        max=MAX_REMINDER_DAYS,
                        round=rnd.name,
                        days=rnd.reminder_days,
                    )
                )

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
        Job = self.env["vc.survey.job"]
        if len(self.line_ids) > Job._threshold():
            job = Job._enqueue(
                self,
                "dispatch",
                self.line_ids.ids,
                _("Dispatch of %(round)s", round=self.name),
            )
            return job._queued_notification()
        count = self._dispatch_lines(self.line_ids)
        self.message_post(
            body=_(
                "Dispatched to %(count)s units; deadline %(deadline)s.",
                count=count,
                deadline=self.deadline.strftime("%d/%m/%Y"),
            ),
            subtype_xmlid="mail.mt_note",
        )
        self._after_dispatch()
        return True

    def _after_dispatch(self):
        """Work that follows a completed dispatch (extension point: the
        offline workbooks are e-mailed by a background job)."""
        # the versions' frozen state is read with SQL: drop the cached one
        self.env["vc.survey.form"].invalidate_model(["state"])

    def _dispatch_lines(self, lines):
        """Create the forms of ``lines`` (a batch of this round's lines) with
        their followers, notification and activities: a constant number of
        queries per batch, whatever its size. Units that already have their
        form are skipped, so a batch can be run again safely. Returns how
        many forms were created."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT unit_id FROM vc_survey_submission WHERE round_id = %s",
            [self.id],
        )
        existing = {row[0] for row in self.env.cr.fetchall()}
        lines = lines.filtered(lambda line: line.unit_id.id not in existing)
        if not lines:
            return 0
        Submission = self.env["vc.survey.submission"].with_context(
            tracking_disable=True, mail_create_nosubscribe=True, mail_create_nolog=True
        )
        prefill = self._prefill_data(lines.unit_id)
        submissions = Submission.create(
            [self._prepare_submission_vals(line, prefill) for line in lines]
        )
        self._notify_units(submissions)
        return len(submissions)

    def _prefill_data(self, units):
        """What the registry knows about ``units``, read in a few queries."""
        units = units.sudo()
        Endpoint = self.env["vc.endpoint"].sudo()
        main = {}
        for ep in Endpoint.search_read(
            [("unit_id", "in", units.ids), ("network", "=", "province_district")],
            ["unit_id", "location", "name", "ip_address"],
        ):
            main.setdefault(ep["unit_id"][0], ep)
        communes = dict(
            self.env["vc.unit"]
            .sudo()
            ._read_group(
                [("parent_id", "in", units.ids)], ["parent_id"], ["id:array_agg"]
            )
        )
        commune_endpoints = dict(
            Endpoint._read_group(
                [
                    ("unit_id.parent_id", "in", units.ids),
                    ("network", "=", "district_commune"),
                ],
                ["unit_id"],
                ["__count"],
            )
        )
        mcus = {}
        for mcu in (
            self.env["vc.mcu"]
            .sudo()
            .search_read(
                [("owner_unit_id", "in", units.ids)], ["owner_unit_id", "ip_address"]
            )
        ):
            mcus.setdefault(mcu["owner_unit_id"][0], mcu["ip_address"])
        endpoint_counts = {}
        for parent, ids in communes.items():
            endpoint_counts[parent.id] = (len(ids), 0)
        for commune, count in commune_endpoints.items():
            parent = commune.sudo().parent_id.id
            total, endpoints = endpoint_counts.get(parent, (0, 0))
            endpoint_counts[parent] = (total, endpoints + count)
        return {"main": main, "communes": endpoint_counts, "mcus": mcus}

    def _prepare_submission_vals(self, line, prefill):
        """The submission of ``line``, prefilled with what the registry knows
        about the unit (``prefill``, read once per batch), by question role."""
        return {
            "round_id": self.id,
            "unit_id": line.unit_id.id,
            "form_id": line.form_id.id,
            "answers": self._registry_prefill(line, prefill),
        }

    def _registry_prefill(self, line, prefill):
        """The XLSForm defaults, then what the registry knows, by role."""
        definition = line.form_id.sudo().get_definition()
        roles = form_core.roles(definition)
        unit = line.unit_id
        known = {"unit_name": unit.name}
        main = prefill["main"].get(unit.id)
        if main:
            known["endpoint_location"] = main["location"] or main["name"]
            known["endpoint_ip"] = main["ip_address"]
        if unit.id in prefill["communes"]:
            communes, endpoints = prefill["communes"][unit.id]
            if communes:
                known["commune_count"] = communes
                known["endpoint_count"] = endpoints
        if unit.id in prefill["mcus"]:
            known["mcu_ip"] = prefill["mcus"][unit.id]
        answers = forms.default_answers(definition)
        answers.update(
            {
                roles[role]: value
                for role, value in known.items()
                if value and role in roles
            }
        )
        return answers

    def _notify_units(self, submissions):
        """Followers, the request message, its notifications and the preparers'
        activities of ``submissions``, each created in one batch; e-mails are
        queued for the mail queue, never sent inside the request."""
        preparer_group = self.env.ref("hg_videoconf_survey.group_unit_preparer")
        preparer_users = set(preparer_group.sudo().users.ids)
        author = self.env.user.partner_id
        subtypes = self.env["mail.message.subtype"].sudo()
        comment = self.env.ref("mail.mt_comment")
        default_subtypes = subtypes.search(
            [
                ("default", "=", True),
                "|",
                ("res_model", "=", submissions._name),
                ("res_model", "=", False),
            ]
        ).filtered(lambda st: not st.internal)
        todo = self.env.ref("mail.mail_activity_data_todo")
        followers, messages, activities, recipients = [], [], [], []
        # translated once: each _() call costs a lookup
        request = _(
            "The Department asks %(unit)s to fill in the survey form of %(round)s "
            "and send it, signed off by the head, before %(deadline)s."
        )
        summary = _("Fill in the survey form")
        model_id = self.env["ir.model"]._get_id(submissions._name)
        reply_to = submissions._notify_get_reply_to(
            default=self.env.user.email_formatted
        )
        email_from = self.env.user.email_formatted
        deadline = self.deadline.strftime("%d/%m/%Y")
        for sub in submissions:
            unit = sub.unit_id.sudo()
            people = unit.preparer_ids | unit.head_id | unit.deputy_ids
            people |= unit.user_ids.filtered(lambda u: u.id in preparer_users)
            preparers = (unit.preparer_ids or unit.user_ids).filtered(
                lambda u: u.id in preparer_users
            )
            partners = (people.partner_id | author).ids
            followers += [
                {
                    "res_model": sub._name,
                    "res_id": sub.id,
                    "partner_id": pid,
                    "subtype_ids": [(6, 0, default_subtypes.ids)],
                }
                for pid in partners
            ]
            messages.append(
                {
                    "model": sub._name,
                    "res_id": sub.id,
                    "record_name": sub.display_name,
                    "message_type": "comment",
                    "subtype_id": comment.id,
                    "author_id": author.id,
                    "email_from": email_from,
                    "reply_to": reply_to.get(sub.id) or email_from,
                    "body": Markup("<p>%s</p>")
                    % (
                        request
                        % {"unit": unit.name, "round": self.name, "deadline": deadline}
                    ),
                    "partner_ids": [(6, 0, preparers.partner_id.ids)],
                }
            )
            recipients.append(preparers)
            activities += [
                {
                    "res_model_id": model_id,
                    "res_id": sub.id,
                    "activity_type_id": todo.id,
                    "date_deadline": self.deadline,
                    "summary": summary,
                    "user_id": user.id,
                    "automated": True,
                    "note": todo.default_note,
                }
                for user in preparers
            ]
        self.env["mail.followers"].sudo().create(followers)
        messages = self.env["mail.message"].sudo().create(messages)
        self._queue_notifications(messages, recipients)
        # the message already tells the preparers: no second e-mail per activity
        # the followers are in already (vc_survey_round_jobs.message_subscribe)
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True, vc_followers_inserted=True
        ).create(activities)

    def _queue_notifications(self, messages, recipients):
        """Inbox notifications, or e-mails left in the mail queue, for each
        message's recipients (users in ``recipients``, one recordset per
        message)."""
        notifications, mails = [], []
        everyone = self.env["res.users"].sudo().union(*recipients)
        everyone.mapped("notification_type")  # read once for all (prefetch)
        everyone.partner_id.mapped("email")
        for message, users in zip(messages, recipients, strict=True):
            for user in users:
                if user.notification_type == "inbox":
                    notifications.append(
                        {
                            "mail_message_id": message.id,
                            "res_partner_id": user.partner_id.id,
                            "notification_type": "inbox",
                            "is_read": False,
                        }
                    )
                elif user.partner_id.email:
                    mails.append((message, user.partner_id))
        if mails:
            subject = _("Survey form of %(round)s", round=self.name)
            created = (
                self.env["mail.mail"]
                .sudo()
                .create(
                    [
                        {
                            "mail_message_id": message.id,
                            "body_html": message.body,
                            "subject": subject,
                            "recipient_ids": [(6, 0, partner.ids)],
                            "auto_delete": True,
                            "state": "outgoing",
                        }
                        for message, partner in mails
                    ]
                )
            )
            notifications += [
                {
                    "mail_message_id": message.id,
                    "res_partner_id": partner.id,
                    "notification_type": "email",
                    "notification_status": "ready",
                    "mail_mail_id": mail.id,
                }
                for (message, partner), mail in zip(mails, created, strict=True)
            ]
        self.env["mail.notification"].sudo().create(notifications)

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
        failed = self.browse()
        for rnd in rounds:
            # each round on its own: one round's failure (bad data, a mail
            # template error) is logged and the others still get theirs
            try:
                with self.env.cr.savepoint():
                    rnd._send_reminders(today, reminder, late)
            except Exception:
                _logger.exception(
                    "Reminders of the survey round %s (id %s) failed", rnd.name, rnd.id
                )
                failed |= rnd
        if failed:
            _logger.warning(
                "Survey reminders: %s of %s rounds failed: %s",
                len(failed),
                len(rounds),
                ", ".join(failed.mapped("name")),
            )
        return True

    def _send_reminders(self, today, reminder, late):
        self.ensure_one()
        pending = self.submission_ids.filtered(
            lambda s: s.state in ("draft", "submitted")
        )
        days = min(max(self.reminder_days, 0), MAX_REMINDER_DAYS)
        window_start = self.deadline - timedelta(days=days)
        for sub in pending:
            recipients = sub._reminder_partners()
            values = {"recipient_ids": [(6, 0, recipients.ids)]}
            if today > self.deadline:
                # late whether or not anybody can be told
                if not sub.late_notified:
                    if recipients:
                        late.send_mail(sub.id, email_values=values)
                    sub.sudo().write({"is_late": True, "late_notified": True})
            elif (
                window_start <= today and sub.last_reminder_date != today and recipients
            ):
                reminder.send_mail(sub.id, email_values=values)
                sub.sudo().write({"last_reminder_date": today})


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
