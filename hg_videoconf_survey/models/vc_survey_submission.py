from datetime import date

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from vcsurvey import forms, validators, workflow

from . import form_core

STATES = [
    ("draft", "Draft"),
    ("submitted", "Waiting for approval"),
    ("approved", "Approved"),
    ("received", "Received by the Department"),
]
# Fields only the workflow methods change (they write them with sudo after
# checking role, unit and state); every other field is an answer, frozen
# once the form leaves the draft state.
WORKFLOW_FIELDS = {
    "state",
    "submitted_on",
    "submitted_by_id",
    "approved_on",
    "approved_by_id",
    "signed_as",
    "received_on",
    "received_by_id",
    "is_late",
    "last_reminder_date",
    "late_notified",
}
# set when the form is created by the dispatch, never changed afterwards
IDENTITY_FIELDS = {"round_id", "unit_id", "form_id"}
# the answers: written through set_answers() (types checked) only
ANSWER_FIELDS = {"answers"}
# 2017 list kinds kept in their line models: kind -> submission field
LINE_FIELDS = {"operators": "operator_line_ids", "incidents": "incident_line_ids"}


def check_text_values(model, vals, label=None):
    """Refuse text that XML 1.0 cannot carry (it would break every printed
    document of the round) or longer than its kind allows, naming the
    question; the pure checks are ``vcsurvey.validators.check_text``."""
    env = model.env
    for name, value in vals.items():
        field = model._fields.get(name)
        if field is None or field.type not in validators.TEXT_LIMITS:
            continue
        if not isinstance(value, str):
            continue
        limit = validators.TEXT_LIMITS[field.type]
        problem = validators.check_text(value, limit)
        if not problem:
            continue
        string = field.get_description(env)["string"]
        code = field.help if model._name == "vc.survey.submission" else None
        question = " ".join(p for p in (code, label, string) if p)
        if problem == "text_invalid_char":
            raise ValidationError(
                env._(
                    "%(question)s: the answer contains a character that cannot be "
                    "printed (%(char)s); remove it.",
                    question=question,
                    char=validators.first_invalid_char(value),
                )
            )
        raise ValidationError(
            env._(
                "%(question)s: the answer is too long (%(length)s characters, at "
                "most %(max)s).",
                question=question,
                length=len(value),
                max=limit,
            )
        )


class VcSurveySubmission(models.Model):
    """One unit's survey form (phiếu khảo sát) in a survey round."""

    _name = "vc.survey.submission"
    _description = "Survey Submission"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "round_id desc, unit_id"

    round_id = fields.Many2one(
        "vc.survey.round", required=True, ondelete="cascade", index=True, readonly=True
    )
    unit_id = fields.Many2one(
        "vc.unit", string="Unit", required=True, index=True, readonly=True
    )
    unit_name = fields.Char(related="unit_id.name", string="Unit name")
    form_id = fields.Many2one(
        "vc.survey.form",
        string="Form version",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    form_type = fields.Char(related="form_id.form_type", store=True, string="Form")
    form_version = fields.Char(related="form_id.version", string="Version")
    year = fields.Integer(related="round_id.year", store=True)
    deadline = fields.Date(related="round_id.deadline")
    state = fields.Selection(
        STATES, default="draft", required=True, tracking=True, copy=False, index=True
    )
    submitted_on = fields.Datetime(readonly=True, copy=False)
    submitted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_on = fields.Datetime(readonly=True, copy=False, tracking=True)
    approved_by_id = fields.Many2one(
        "res.users", string="Signed by", readonly=True, copy=False, tracking=True
    )
    signed_as = fields.Selection(
        [("head", "Head"), ("deputy", "Deputy (KT.)")],
        readonly=True,
        copy=False,
        help='A deputy signs on behalf of the head: the form prints "KT.".',
    )
    received_on = fields.Datetime(readonly=True, copy=False)
    received_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    is_late = fields.Boolean(
        string="Late", readonly=True, copy=False, index=True, tracking=True
    )
    last_reminder_date = fields.Date(readonly=True, copy=False)
    late_notified = fields.Boolean(readonly=True, copy=False)
    device_status_ids = fields.One2many(
        "vc.survey.device.status", "submission_id", readonly=True
    )
    form_title = fields.Char(compute="_compute_form_texts")
    form_audience = fields.Char(compute="_compute_form_texts")
    guidance_html = fields.Html(
        string="General guidance", compute="_compute_guidance_html", sanitize=False
    )
    can_submit = fields.Boolean(compute="_compute_can")
    can_approve = fields.Boolean(compute="_compute_can")
    can_return = fields.Boolean(compute="_compute_can")
    can_receive = fields.Boolean(compute="_compute_can")
    can_reopen = fields.Boolean(compute="_compute_can")
    can_edit = fields.Boolean(compute="_compute_can")
    # the answers of any version: {question code: value} (see get_answers)
    answers = fields.Json(copy=False)
    operator_line_ids = fields.One2many(
        "vc.survey.operator.line", "submission_id", string="Registered operators"
    )
    incident_line_ids = fields.One2many(
        "vc.survey.incident.line", "submission_id", string="Reported incidents"
    )
    answer_line_ids = fields.One2many(
        "vc.survey.answer.line", "submission_id", readonly=True
    )
    form_layout = fields.Json(compute="_compute_form_layout")
    answer_errors = fields.Json(compute="_compute_answer_checks")
    answer_visible = fields.Json(compute="_compute_answer_checks")
    answer_warning = fields.Char(compute="_compute_answer_warning")

    _sql_constraints = [
        (
            "round_unit_uniq",
            "unique(round_id, unit_id)",
            "A unit has one submission per survey round.",
        ),
    ]

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------
    @api.depends("round_id.name", "unit_id.name")
    def _compute_display_name(self):
        for sub in self:
            sub.display_name = f"{sub.unit_id.name or ''} – {sub.round_id.name or ''}"

    @api.depends("form_id", "round_id.year", "round_id.province")
    def _compute_form_texts(self):
        for sub in self:
            if not sub.form_id or not sub.round_id:
                sub.form_title = sub.form_audience = False
                continue
            form = sub._get_form()
            sub.form_title = form.render_title(
                sub.round_id.year, sub.round_id.province or ""
            )
            sub.form_audience = form.audience

    @api.depends("form_id", "round_id.cutoff_date")
    def _compute_guidance_html(self):
        for sub in self:
            if not sub.form_id or not sub.round_id:
                sub.guidance_html = False
                continue
            form = sub._get_form()
            items = form.render_guidance(sub.round_id._get_cutoff())
            sub.guidance_html = Markup("").join(
                Markup("<p>%s</p>") % item for item in items
            )

    @api.depends("form_id", "round_id.year")
    def _compute_form_layout(self):
        for sub in self:
            sub.form_layout = (
                sub._form_layout() if sub.form_id and sub.round_id else False
            )

    def _form_layout(self):
        """The version's sections and questions as plain data for the web
        form's answers widget."""
        form = self._get_form()
        year = self.round_id.year

        def choices(question):
            if question.kind == "yesno":
                values = {"yes": True, "no": False}
                return [
                    {"value": values.get(c.value, c.value), "label": c.label}
                    for c in question.choices
                ]
            return [{"value": c.value, "label": c.label} for c in question.choices]

        def question_data(question):
            try:
                text = form.render_question_text(question.code, year)
            except (KeyError, ValueError, IndexError):
                text = question.text
            columns = []
            for column in getattr(question, "columns", None) or ():
                columns.append(
                    {
                        "name": column.code,
                        "label": column.text,
                        "kind": column.kind,
                        "choices": choices(column),
                        "required": bool(column.required),
                    }
                )
            if not columns:
                columns = [
                    {"name": name, "label": label, "kind": kind, "choices": []}
                    for name, label, kind in form_core.question_columns(question)
                ]
            return {
                "type": "question",
                "code": question.code,
                "label": text,
                "kind": question.kind,
                "bullet": question.bullet,
                "hint": question.hint,
                "line": question.line,
                "required": bool(question.required),
                "choices": choices(question),
                "columns": columns,
                "appearance": getattr(question, "appearance", "") or "",
            }

        def section_data(section):
            return {
                "type": "section",
                "code": section.code,
                "title": section.title,
                "children": [
                    section_data(child)
                    if isinstance(child, forms.Section)
                    else question_data(child)
                    for child in section.children
                ],
            }

        return {"sections": [section_data(s) for s in form.sections]}

    @api.depends("answers", "form_id")
    def _compute_answer_checks(self):
        """Field-level messages {code: message} and the visible questions:
        the core's checks, run on the server (one evaluator)."""
        for sub in self:
            if not sub.form_id:
                sub.answer_errors = {}
                sub.answer_visible = []
                continue
            form = sub._get_form()
            answers = sub._clean_stored(sub.answers)
            errors = {}
            for code, value in answers.items():
                if value is None or code not in set(form.codes()):
                    continue
                for problem in form_core.check_answer(form, code, value, answers):
                    errors.setdefault(
                        problem.question_code, problem.message(sub._lang())
                    )
            sub.answer_errors = errors
            sub.answer_visible = sorted(form_core.visible(form, answers))

    @api.depends("answers", "form_id", "unit_id")
    def _compute_answer_warning(self):
        """Non-blocking: the endpoints counted differ from the registry."""
        for sub in self:
            sub.answer_warning = False
            if not sub.form_id:
                continue
            code = form_core.roles(sub._get_form()).get("endpoint_count")
            counted = (sub.answers or {}).get(code) if code else None
            if not isinstance(counted, int) or isinstance(counted, bool):
                continue
            registry = sub._registry_endpoint_count()
            if counted != registry:
                sub.answer_warning = _(
                    "%(counted)s endpoints are counted, but the registry has "
                    "%(registry)s for the communes of %(unit)s: check the answer "
                    "or update the registry.",
                    counted=counted,
                    registry=registry,
                    unit=sub.unit_id.name,
                )

    def _registry_endpoint_count(self):
        """Endpoints of the unit's communes (or of the unit itself when it
        has no sub-units, e.g. a commune of a two-tier tree)."""
        unit = self.unit_id.sudo()
        domain = [("unit_id", "in", unit.child_ids.ids or unit.ids)]
        if unit.child_ids:
            domain.append(("network", "=", "district_commune"))
        return self.env["vc.endpoint"].sudo().search_count(domain)

    @api.depends_context("uid")
    @api.depends("state", "unit_id", "round_id.state")
    def _compute_can(self):
        user = self.env.user
        officer = user.has_group("hg_videoconf_survey.group_department_officer")
        for sub in self:
            open_round = sub.round_id.state != "archived"
            member = sub._is_unit_member(user)
            signer = bool(sub._signer_role(user))
            sub.can_submit = open_round and sub.state == "draft" and member
            sub.can_approve = open_round and sub.state == "submitted" and signer
            sub.can_return = open_round and (
                (sub.state == "submitted" and signer)
                or (sub.state == "approved" and officer)
            )
            sub.can_receive = open_round and sub.state == "approved" and officer
            sub.can_reopen = (
                open_round and sub.state in ("approved", "received") and officer
            )
            sub.can_edit = open_round and sub.state == "draft"

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                forced = {f for f in set(vals) & WORKFLOW_FIELDS if vals[f]}
                if forced - {"state"} or vals.get("state", "draft") != "draft":
                    raise AccessError(
                        _(
                            "A survey form is created as a draft; its workflow fields "
                            "are set by the workflow buttons only."
                        )
                    )
        for vals in vals_list:
            check_text_values(self, vals)
        # initial answers (the dispatch's prefill) are checked like
        # set_answers, in memory, and inserted with their rows: a batch of
        # forms costs a constant number of queries, not one set_answers each
        answers = [vals.pop("answers", None) for vals in vals_list]
        for vals, values in zip(vals_list, answers, strict=True):
            if values:
                vals["answers"] = self._checked_initial_answers(vals, values)
        records = super().create(vals_list)
        filled = records.browse(
            [rec.id for rec, values in zip(records, answers, strict=True) if values]
        )
        for record in filled:
            form = record._get_form()
            for question in form.questions():
                if (
                    question.kind in form_core.LINE_KINDS
                    and question.code in record.answers
                ):
                    record.sudo().with_context(
                        vc_answers_checked=True, vc_lines_sync=True
                    )._write_line_answer(question, record.answers[question.code])
        if filled:
            filled._sync_reporting()
        return records

    @api.model
    def _checked_initial_answers(self, vals, values):
        """The answers a new form is created with, cleaned and type-checked
        as set_answers does (one UserError listing every problem)."""
        if not isinstance(values, dict):
            raise UserError(_("The answers must be a mapping {question name: value}."))
        version = self.env["vc.survey.form"].sudo().browse(vals.get("form_id"))
        if not version.exists():
            raise UserError(_("A survey form needs its form version."))
        form = version.get_definition()
        cleaned, problems = self.with_context(
            vc_form_name=version.display_name
        )._clean_answers(form, values)
        merged = {code: value for code, value in cleaned.items() if value is not None}
        if not problems:
            for code, value in merged.items():
                problems += [
                    problem.message(self._lang())
                    for problem in form_core.type_problems(form, code, value, merged)
                ]
        if problems:
            raise UserError(
                _("The answers cannot be saved:")
                + "\n"
                + "\n".join(f"• {p}" for p in problems)
            )
        return merged

    def write(self, vals):
        self._check_protected_fields(set(vals))
        self._check_writable(set(vals))
        check_text_values(self, vals)
        if "answers" in vals and not self.env.context.get("vc_answers_checked"):
            # the web form saves the whole dict: check it like set_answers
            new = vals.pop("answers") or {}
            for sub in self:
                old = sub.answers or {}
                sub.set_answers({code: new.get(code) for code in set(old) | set(new)})
            if not vals:
                return True
        return super().write(vals)

    def unlink(self):
        if not self.env.su and any(s.state != "draft" for s in self):
            raise UserError(_("Only draft submissions can be deleted."))
        return super().unlink()

    def _check_protected_fields(self, fnames):
        """State, signatures and identity move only through the workflow
        methods, which write them with sudo once they have checked the user:
        a client writing them directly (e.g. over RPC) is refused."""
        if self.env.su:
            return
        protected = fnames & (WORKFLOW_FIELDS | IDENTITY_FIELDS)
        if protected:
            raise AccessError(
                _(
                    "These fields of a survey form change only through its "
                    "workflow buttons: %(fields)s.",
                    fields=", ".join(
                        self._fields[f].get_description(self.env)["string"]
                        for f in sorted(protected)
                    ),
                )
            )

    def _check_writable(self, fnames):
        """Answers change only in draft and never in an archived round."""
        answer_fields = fnames - WORKFLOW_FIELDS - self._mail_fields()
        if not answer_fields:
            return
        for sub in self:
            if sub.round_id.state == "archived":
                raise UserError(
                    _(
                        "The survey round %(round)s is archived: its submissions "
                        "are read-only.",
                        round=sub.round_id.name,
                    )
                )
            if sub.state != "draft":
                raise UserError(
                    _(
                        "The submission of %(unit)s is %(state)s: its answers can "
                        "no longer be changed. The Department can reopen it.",
                        unit=sub.unit_id.name,
                        state=dict(
                            sub._fields["state"]._description_selection(self.env)
                        )[sub.state],
                    )
                )

    @api.model
    def _mail_fields(self):
        return {
            name
            for name, field in self._fields.items()
            if name.startswith(("message_", "activity_", "website_message"))
            or name in ("rating_ids",)
            or field.type == "binary"
        }

    def _sync_device_statuses(self):
        """Keep the device-status pivot lines equal to the status answers
        (questions whose role is "status:<network>:<device>")."""
        Status = self.env["vc.survey.device.status"].sudo()
        Status.search([("submission_id", "in", self.ids)]).unlink()
        networks = dict(Status._fields["network"].selection)
        devices = dict(Status._fields["device"].selection)
        statuses = dict(Status._fields["status"].selection)
        vals_list = []
        for sub in self:
            answers = sub.answers or {}
            for role, code in form_core.roles(sub._get_form()).items():
                parts = role.split(":")
                if len(parts) != 3 or parts[0] != "status":
                    continue
                status = answers.get(code)
                if parts[1] in networks and parts[2] in devices and status in statuses:
                    vals_list.append(
                        {
                            "submission_id": sub.id,
                            "network": parts[1],
                            "device": parts[2],
                            "status": status,
                        }
                    )
        Status.create(vals_list)

    # ------------------------------------------------------------------
    # actions (each checked on the server for role, unit and state)
    # ------------------------------------------------------------------
    def action_submit(self):
        """Preparer of the unit sends the form to the head for sign-off."""
        self.ensure_one()
        self._start_transition("submit")
        if not self._is_unit_member(self.env.user):
            raise AccessError(
                _(
                    "Only a preparer of %(unit)s can submit its form.",
                    unit=self.unit_id.name,
                )
            )
        problems = self._validation_problems()
        if problems:
            raise ValidationError(
                _("The form cannot be submitted yet:")
                + "\n"
                + "\n".join(f"• {p}" for p in problems)
            )
        self._finish_transition(
            "submit",
            {"submitted_on": fields.Datetime.now(), "submitted_by_id": self.env.uid},
        )
        self._schedule_next_activity(
            self.unit_id.head_id,
            _("Sign off the survey form of %(unit)s", unit=self.unit_id.name),
        )
        return True

    def action_approve(self):
        """Head (or a deputy, "KT.") of the unit signs the form off."""
        self.ensure_one()
        self._start_transition("approve")
        role = self._signer_role(self.env.user)
        if not role:
            raise AccessError(
                _(
                    "Only the head or a deputy of %(unit)s can approve its form.",
                    unit=self.unit_id.name,
                )
            )
        now = fields.Datetime.now()
        vals = {
            "approved_on": now,
            "approved_by_id": self.env.uid,
            "signed_as": role,
        }
        deadline = self.round_id.deadline
        if deadline and fields.Date.context_today(self, now) > deadline:
            vals["is_late"] = True
        self._finish_transition("approve", vals)
        self._schedule_next_activity(
            self.round_id.user_id,
            _("Receive the survey form of %(unit)s", unit=self.unit_id.name),
        )
        return True

    def action_return(self, reason=None):
        """Head returns a submitted form; the Department an approved one."""
        self.ensure_one()
        self._start_transition("return", reason)
        if self.state == "submitted":
            allowed = bool(self._signer_role(self.env.user))
        else:
            allowed = self._is_officer()
        if not allowed:
            raise AccessError(
                _(
                    "You cannot return the form of %(unit)s in this state.",
                    unit=self.unit_id.name,
                )
            )
        self._finish_transition("return", {"signed_as": False}, reason)
        preparers = self.submitted_by_id | self.unit_id.preparer_ids
        self._schedule_next_activity(
            preparers[:1],
            _("Correct the returned survey form: %(reason)s", reason=reason),
        )
        return True

    def action_receive(self):
        """The Department accepts an approved form."""
        self.ensure_one()
        self._start_transition("receive")
        if not self._is_officer():
            raise AccessError(_("Only a Department officer can receive a form."))
        self._finish_transition(
            "receive",
            {"received_on": fields.Datetime.now(), "received_by_id": self.env.uid},
        )
        return True

    def action_reopen(self, reason=None):
        """The Department reopens an approved or received form for editing."""
        self.ensure_one()
        self._start_transition("reopen", reason)
        if not self._is_officer():
            raise AccessError(_("Only a Department officer can reopen a form."))
        self._finish_transition(
            "reopen",
            {
                "signed_as": False,
                "approved_on": False,
                "approved_by_id": False,
                "received_on": False,
                "received_by_id": False,
            },
            reason,
        )
        self._schedule_next_activity(
            self.unit_id.preparer_ids[:1] or self.submitted_by_id,
            _("Update the reopened survey form: %(reason)s", reason=reason),
        )
        return True

    def action_open_reason_wizard(self):
        """Buttons "Return" / "Reopen" first ask for the reason."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reason"),
            "res_model": "vc.survey.reason.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_submission_id": self.id,
                "default_event": self.env.context.get("vc_event", "return"),
            },
        }

    # ------------------------------------------------------------------
    # workflow helpers
    # ------------------------------------------------------------------
    def _start_transition(self, event, reason=None):
        """Lock the row and check the state and the reason before any change.

        The row lock makes two concurrent approvals serialize: the second
        one re-reads the state written by the first and is refused.
        """
        self.env.cr.execute(
            "SELECT state FROM vc_survey_submission WHERE id = %s FOR UPDATE",
            [self.id],
        )
        self.invalidate_recordset(["state"])
        if self.round_id.state == "archived":
            raise UserError(
                _(
                    "The survey round %(round)s is archived: its submissions are "
                    "read-only.",
                    round=self.round_id.name,
                )
            )
        try:
            workflow.next_state(workflow.SUBMISSION_TRANSITIONS, self.state, event)
        except workflow.WorkflowError as exc:
            raise UserError(exc.message(self._lang())) from None
        if event in workflow.EVENTS_WITH_REASON and not (reason or "").strip():
            raise UserError(_("A reason is required to return or reopen a form."))

    def _finish_transition(self, event, vals, reason=None):
        new_state = workflow.next_state(
            workflow.SUBMISSION_TRANSITIONS, self.state, event
        )
        self.activity_unlink(["mail.mail_activity_data_todo"])
        self.sudo().write(dict(vals, state=new_state))
        self._post_transition_message(event, reason)

    def _post_transition_message(self, event, reason=None):
        labels = {
            "submit": _("Submitted for sign-off"),
            "approve": _("Approved (signed off)"),
            "return": _("Returned"),
            "receive": _("Received by the Department"),
            "reopen": _("Reopened by the Department"),
        }
        when = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        body = Markup("<p><b>%s</b></p><p>%s</p>") % (
            labels[event],
            _(
                "By %(user)s on %(when)s.",
                user=self.env.user.name,
                when=when.strftime("%d/%m/%Y %H:%M"),
            ),
        )
        if event == "approve" and self.signed_as == "deputy":
            body += Markup("<p>%s</p>") % _("Signed as deputy (KT.).")
        if reason:
            body += Markup("<p>%s %s</p>") % (_("Reason:"), escape(reason))
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _schedule_next_activity(self, users, summary):
        # due by the round's deadline, or today once that has passed
        today = fields.Date.context_today(self)
        due = max(self.round_id.deadline or today, today)
        for user in users:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=due,
                summary=summary,
                user_id=user.id,
            )

    def _reminder_partners(self):
        """Preparers and signers of the unit: who must act before the deadline."""
        self.ensure_one()
        unit = self.unit_id.sudo()
        users = unit.preparer_ids | unit.head_id | unit.deputy_ids
        users |= unit.user_ids.filtered(
            lambda u: u.has_group("hg_videoconf_survey.group_unit_preparer")
        )
        return users.filtered("active").partner_id

    def _is_unit_member(self, user):
        """A preparer (or head) whose survey unit is this submission's unit."""
        return user.vc_unit_id == self.unit_id and user.has_group(
            "hg_videoconf_survey.group_unit_preparer"
        )

    def _signer_role(self, user):
        """ "head", "deputy" or False: may ``user`` sign this unit's form off."""
        if not user.has_group("hg_videoconf_survey.group_unit_head"):
            return False
        unit = self.unit_id.sudo()
        if user == unit.head_id:
            return "head"
        if user in unit.deputy_ids:
            return "deputy"
        return False

    def _is_officer(self):
        return self.env.user.has_group("hg_videoconf_survey.group_department_officer")

    def _lang(self):
        # an RPC call without a context language speaks the user's language
        lang = self.env.lang or self.env.user.lang or ""
        return "vi" if lang.startswith("vi") else "en"

    # ------------------------------------------------------------------
    # plain data for the core
    # ------------------------------------------------------------------
    def _get_form(self):
        """The core's FormDefinition of this submission's version."""
        self.ensure_one()
        return self.form_id.sudo().get_definition()

    # ------------------------------------------------------------------
    # the answers API (web form, offline import, CLI, tests)
    # ------------------------------------------------------------------
    def get_answers(self):
        """{question code: value} of every question of the version:
        None when unanswered, lists of dicts for repeats."""
        self.ensure_one()
        self.check_access("read")
        return self._read_answers()

    def _read_answers(self):
        stored = self.answers or {}
        answers = {}
        sub = self.sudo()
        for question in self._get_form().questions():
            if question.kind == "note":
                continue
            if question.kind == "operators":
                answers[question.code] = [
                    line._to_plain() for line in sub.operator_line_ids
                ]
            elif question.kind == "incidents":
                answers[question.code] = [
                    line._to_plain()
                    for line in sub.incident_line_ids
                    if line.question_code == question.code
                ]
            else:
                value = stored.get(question.code)
                if isinstance(value, list):
                    value = [
                        dict(row) if isinstance(row, dict) else row for row in value
                    ]
                answers[question.code] = value
        return answers

    # kept for callers of the first API
    _get_answers = _read_answers

    def set_answers(self, values):
        """Set answers {question code: value} (None clears one).

        Refuses unknown names and wrong types with one UserError listing
        every problem; checks access, unit and state like the web form;
        writes the answers, the reporting lines and the 2017 line models
        together or not at all.
        """
        self.ensure_one()
        if not isinstance(values, dict):
            raise UserError(_("The answers must be a mapping {question name: value}."))
        self.env.cr.execute(
            "SELECT id FROM vc_survey_submission WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset()
        self.check_access("write")
        self._check_writable({"answers"})
        form = self._get_form()
        cleaned, problems = self._clean_answers(form, values)
        merged = {
            code: value
            for code, value in dict(self._read_answers(), **cleaned).items()
            if value is not None
        }
        if not problems:
            for code in cleaned:
                if cleaned[code] is None:
                    continue
                for problem in form_core.type_problems(
                    form, code, cleaned[code], merged
                ):
                    problems.append(problem.message(self._lang()))
        if problems:
            raise UserError(
                _("The answers cannot be saved:")
                + "\n"
                + "\n".join(f"• {p}" for p in problems)
            )
        self._store_answers(form, merged, set(cleaned))
        return True

    def _clean_answers(self, form, values):
        """(cleaned values, problems): names known, blanks as None, dates
        as ISO text, repeat rows with known columns only."""
        questions = {q.code: q for q in form.questions()}
        cleaned, problems = {}, []
        for code, value in values.items():
            question = questions.get(code) if isinstance(code, str) else None
            if question is None or question.kind == "note":
                problems.append(
                    _(
                        "%(name)s: the form version %(form)s has no such question.",
                        name=code,
                        form=self.form_id.display_name,
                    )
                )
                continue
            if question.kind in form_core.LIST_KINDS:
                rows, row_problems = self._clean_rows(question, value)
                problems += row_problems
                cleaned[code] = rows
            else:
                cleaned[code] = self._clean_value(value)
        return cleaned, problems

    @api.model
    def _clean_value(self, value):
        if isinstance(value, str):
            value = value.strip()
            return value or None
        if isinstance(value, date):
            return value.isoformat()
        if value is False:
            return False
        return value

    def _clean_rows(self, question, value):
        if value in (None, False, ""):
            return None, []
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            return None, [
                _(
                    "%(name)s: a list of rows {column: value} is expected.",
                    name=question.code,
                )
            ]
        if len(value) > form_core.MAX_ROWS:
            return None, [
                _(
                    "%(name)s: at most %(max)s lines.",
                    name=question.code,
                    max=form_core.MAX_ROWS,
                )
            ]
        columns = {name for name, _label, _kind in form_core.question_columns(question)}
        problems, rows = [], []
        for number, row in enumerate(value, start=1):
            unknown = sorted(str(k) for k in set(row) - columns)
            if unknown:
                problems.append(
                    _(
                        "%(name)s, row %(row)s: unknown columns %(columns)s.",
                        name=question.code,
                        row=number,
                        columns=", ".join(unknown),
                    )
                )
                continue
            clean = {k: self._clean_value(v) for k, v in row.items()}
            if any(v is not None for v in clean.values()):
                rows.append(clean)
        return rows or None, problems

    def _store_answers(self, form, answers, changed):
        """Write checked answers: JSON, 2017 line models, reporting lines."""
        sub = self.sudo().with_context(vc_answers_checked=True, vc_lines_sync=True)
        sub.write({"answers": answers})
        for question in form.questions():
            if question.kind in form_core.LINE_KINDS and question.code in changed:
                sub._write_line_answer(question, answers.get(question.code) or [])
        self._sync_reporting()

    def _write_line_answer(self, question, rows):
        if question.kind == "operators":
            self.operator_line_ids.unlink()
            self.env["vc.survey.operator.line"].create(
                [
                    {
                        "submission_id": self.id,
                        "sequence": n,
                        "name": row.get("name") or "",
                        "position": row.get("position"),
                        "phone": row.get("phone"),
                        "email": row.get("email"),
                        "unit_name": row.get("unit"),
                    }
                    for n, row in enumerate(rows, start=1)
                ]
            )
        else:
            self.incident_line_ids.filtered(
                lambda line: line.question_code == question.code
            ).unlink()
            self.env["vc.survey.incident.line"].create(
                [
                    {
                        "submission_id": self.id,
                        "question_code": question.code,
                        "sequence": n,
                        "symptom": row.get("symptom") or "",
                        "count": row.get("count") or 0,
                        "cause": row.get("cause"),
                        "fix": row.get("fix"),
                        "endpoint_text": row.get("endpoint"),
                    }
                    for n, row in enumerate(rows, start=1)
                ]
            )

    def _sync_lines_to_answers(self):
        """After a direct change of 2017 line records: the JSON follows."""
        for sub in self.sudo().with_context(vc_answers_checked=True):
            answers = {
                code: value
                for code, value in sub._read_answers().items()
                if value is not None
            }
            sub.write({"answers": answers})
        self._sync_reporting()

    def _sync_reporting(self):
        self._sync_device_statuses()
        self._sync_answer_lines()

    def _sync_answer_lines(self):
        """One reporting line per scalar answer (per choice of a multiple)."""
        Line = self.env["vc.survey.answer.line"].sudo()
        Line.search([("submission_id", "in", self.ids)]).unlink()
        vals_list = []
        for sub in self:
            answers = sub.answers or {}
            for sequence, question in enumerate(sub._get_form().questions()):
                value = answers.get(question.code)
                if value is None or question.kind in form_core.LIST_KINDS:
                    continue
                base = {
                    "submission_id": sub.id,
                    "form_id": sub.form_id.id,
                    "sequence": sequence,
                    "question_code": question.code,
                    "question_label": question.label[:200],
                    "kind": question.kind,
                }
                for line in self._answer_line_values(question, value):
                    vals_list.append(dict(base, **line))
        Line.create(vals_list)

    @api.model
    def _answer_line_values(self, question, value):
        def label(choice):
            try:
                return question.choice_label(choice)
            except KeyError:
                return str(choice)

        kind = question.kind
        if kind == "yesno":
            choice = "yes" if value else "no"
            return [{"value_choice": choice, "choice_label": label(choice)}]
        if kind in ("choice", "status"):
            return [{"value_choice": str(value), "choice_label": label(value)}]
        if kind == "select_multiple" and isinstance(value, list):
            return [{"value_choice": str(v), "choice_label": label(v)} for v in value]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return [{"value_number": value, "value_char": str(value)}]
        return [{"value_char": str(value)[:1000]}]

    @api.model
    def _clean_stored(self, answers):
        return dict(answers or {})

    def _validation_problems(self):
        """Every problem of the answers as sentences in the user's language."""
        self.ensure_one()
        problems = form_core.validate(self._get_form(), self._read_answers())
        return [p.message(self._lang()) for p in problems]

    def _get_plain_data(self):
        """Submission as plain data for consolidation and printing."""
        self.ensure_one()
        return {
            "unit_code": self.unit_id.code,
            "unit_name": self.unit_id.name,
            "form_type": self.form_type,
            "form_code": str(self.form_id.id),
            "state": self.state,
            "submitted_on": self.submitted_on and self.submitted_on.date(),
            "approved_on": self.approved_on and self.approved_on.date(),
            "received_on": self.received_on and self.received_on.date(),
            "answers": self._read_answers(),
        }

    def _answer_by_role(self, role):
        code = form_core.roles(self._get_form()).get(role)
        return (self.answers or {}).get(code) if code else None


def _check_line_targets(lines, vals_list, answer_field):
    """A new answer line goes on a form the user may edit (own unit, draft,
    open round): the target is checked, not only the line once created."""
    subs = lines.env["vc.survey.submission"].browse(
        {v["submission_id"] for v in vals_list if v.get("submission_id")}
    )
    subs.check_access("write")
    subs._check_writable({answer_field})


def _check_line_parent_kept(lines, vals):
    """A line never moves to another form (the write rules only see the form
    it leaves, so moving it could plant it in a signed form)."""
    if "submission_id" not in vals or lines.env.su:
        return
    if any(line.submission_id.id != vals["submission_id"] for line in lines):
        raise AccessError(
            lines.env._("An answer line cannot be moved to another survey form.")
        )


class VcSurveyListLineMixin(models.AbstractModel):
    """What the two 2017 list-answer line models share: a line goes only on a
    form its user may edit, never moves to another form, carries printable
    text, and the form's JSON answers follow every change."""

    _name = "vc.survey.list.line.mixin"
    _description = "Survey list-answer line"
    # the submission field holding these lines (for the writability check)
    _answer_field = None

    @api.model_create_multi
    def create(self, vals_list):
        _check_line_targets(self, vals_list, self._answer_field)
        for vals in vals_list:
            check_text_values(self, vals, self._description)
        subs = self.env["vc.survey.submission"].browse(
            [v.get("submission_id") for v in vals_list if v.get("submission_id")]
        )
        records = super().create(vals_list)
        records._after_change(subs)
        return records

    def write(self, vals):
        _check_line_parent_kept(self, vals)
        check_text_values(self, vals, self._description)
        subs = self.submission_id
        subs._check_writable({self._answer_field})
        res = super().write(vals)
        self._after_change(subs)
        return res

    def unlink(self):
        subs = self.submission_id
        subs._check_writable({self._answer_field})
        res = super().unlink()
        self._after_change(subs)
        return res

    def _after_change(self, submissions):
        if not self.env.context.get("vc_lines_sync"):
            submissions.exists()._sync_lines_to_answers()


class VcSurveyOperatorLine(models.Model):
    """A next-year operator registered in answer I.10."""

    _name = "vc.survey.operator.line"
    _inherit = ["vc.survey.list.line.mixin"]
    _answer_field = "operator_line_ids"
    _description = "Registered Operator"
    _order = "submission_id, sequence, id"

    submission_id = fields.Many2one(
        "vc.survey.submission", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    operator_id = fields.Many2one(
        "vc.operator",
        string="Registry operator",
        help="Fill the line from an operator of the registry.",
    )
    name = fields.Char(required=True)
    position = fields.Char()
    phone = fields.Char()
    email = fields.Char()
    unit_name = fields.Char(string="Unit")

    @api.onchange("operator_id")
    def _onchange_operator_id(self):
        op = self.operator_id
        if op:
            self.name = op.name
            self.position = op.position
            self.phone = op.phone
            self.email = op.email
            self.unit_name = op.unit_id.name

    def _to_plain(self):
        return {
            "name": self.name or None,
            "position": self.position or None,
            "phone": self.phone or None,
            "email": self.email or None,
            "unit": self.unit_name or None,
        }


class VcSurveyIncidentLine(models.Model):
    """An incident reported in answers I.6, II.5 or C.6."""

    _name = "vc.survey.incident.line"
    _inherit = ["vc.survey.list.line.mixin"]
    _answer_field = "incident_line_ids"
    _description = "Reported Incident"
    _order = "submission_id, question_code, sequence, id"

    submission_id = fields.Many2one(
        "vc.survey.submission", required=True, ondelete="cascade", index=True
    )
    question_code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    symptom = fields.Char(required=True)
    count = fields.Integer(string="Number of incidents", default=1)
    cause = fields.Char()
    fix = fields.Char()
    endpoint_id = fields.Many2one("vc.endpoint", string="Endpoint")
    endpoint_text = fields.Char(string="Endpoint (text)")

    @api.constrains("endpoint_id", "submission_id")
    def _check_endpoint_id(self):
        for line in self.sudo().filtered("endpoint_id"):
            # only an endpoint of the form's own unit (or its communes): a
            # foreign one would print another unit's endpoint on this form
            prefix = line.submission_id.unit_id.parent_path or ""
            if not (line.endpoint_id.unit_id.parent_path or "").startswith(prefix):
                raise ValidationError(
                    _(
                        "The endpoint of an incident must belong to %(unit)s.",
                        unit=line.submission_id.unit_id.name,
                    )
                )

    def _to_plain(self):
        return {
            "symptom": self.symptom or None,
            "count": self.count,
            "cause": self.cause or None,
            "fix": self.fix or None,
            "endpoint": self.endpoint_id.name or self.endpoint_text or None,
        }


class VcSurveyDeviceStatus(models.Model):
    """A device status answer as a line (network × device × status), so that
    the Department can pivot statuses across units and years."""

    _name = "vc.survey.device.status"
    _description = "Device Status Answer"
    _order = "submission_id, network, device"

    submission_id = fields.Many2one(
        "vc.survey.submission", required=True, ondelete="cascade", index=True
    )
    round_id = fields.Many2one(related="submission_id.round_id", store=True)
    unit_id = fields.Many2one(related="submission_id.unit_id", store=True)
    year = fields.Integer(related="submission_id.year", store=True)
    state = fields.Selection(related="submission_id.state", store=True)
    network = fields.Selection(
        [
            ("province_district", "Province ↔ district (part I)"),
            ("district_commune", "District ↔ commune (part II)"),
        ],
        required=True,
    )
    device = fields.Selection(
        [
            ("camera", "Camera"),
            ("microphone", "Microphones"),
            ("audio", "Meeting audio"),
            ("vcs", "VCS terminal"),
            ("overall", "Whole system"),
        ],
        required=True,
    )
    status = fields.Selection(
        [(c.value, c.label_en) for c in forms.STATUS_CHOICES], required=True
    )


class VcSurveyAnswerLine(models.Model):
    """One scalar answer as a line (submission × question × value), kept
    equal to the answers by set_answers(), so that pivot and graph views
    work across form versions."""

    _name = "vc.survey.answer.line"
    _description = "Survey Answer"
    _order = "submission_id, sequence, id"

    submission_id = fields.Many2one(
        "vc.survey.submission", required=True, ondelete="cascade", index=True
    )
    form_id = fields.Many2one("vc.survey.form", string="Form version", index=True)
    round_id = fields.Many2one(related="submission_id.round_id", store=True)
    unit_id = fields.Many2one(related="submission_id.unit_id", store=True)
    year = fields.Integer(related="submission_id.year", store=True)
    state = fields.Selection(related="submission_id.state", store=True)
    sequence = fields.Integer()
    question_code = fields.Char(string="Question", required=True, index=True)
    question_label = fields.Char(string="Question text")
    kind = fields.Char()
    value_char = fields.Char(string="Answer")
    value_number = fields.Float(string="Number", aggregator="sum")
    value_choice = fields.Char(string="Choice")
    choice_label = fields.Char(string="Choice label")
