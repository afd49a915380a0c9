from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import VcSurveyCommon


@tagged("post_install", "-at_install")
class TestDispatch(VcSurveyCommon):
    def test_dispatch_creates_one_form_per_unit(self):
        """Dispatching creates a form per addressed unit, prefilled and notified."""
        self.assertEqual(self.round.state, "dispatched")
        self.assertEqual(len(self.round.submission_ids), 3)
        self.assertEqual(self.sub_a.form_type, "district")
        self.assertEqual(self.sub_c.form_type, "center")
        answers_a = self.sub_a.get_answers()
        self.assertEqual(answers_a["I.1.ip"], "10.99.1.10")
        self.assertEqual(answers_a["II.1.communes"], 1)
        self.assertIsNone(answers_a["I.1.meetings"])  # unanswered, not 0
        self.assertEqual(self.sub_c.get_answers()["C.5.mcu_ip"], "10.99.0.2")
        self.assertIn(self.preparer_a.partner_id, self.sub_a.message_partner_ids)
        self.assertNotIn(self.preparer_b.partner_id, self.sub_a.message_partner_ids)
        activity = self.sub_a.activity_ids
        self.assertEqual(activity.user_id, self.preparer_a)
        self.assertEqual(activity.date_deadline, self.round.deadline)
        notified = self.sub_a.message_ids.filtered(
            lambda m: self.preparer_a.partner_id in m.partner_ids
        )
        self.assertTrue(notified)

    def test_dispatch_only_by_officer_and_once(self):
        """Only an officer dispatches, and only a draft round."""
        draft = self._make_round(year=2018)
        for user in (self.preparer_a, self.head_a, self.clerk):
            with self.assertRaises(AccessError):
                draft.with_user(user).action_dispatch()
        with self.assertRaises(UserError):
            self.round.with_user(self.officer).action_dispatch()

    def test_progress(self):
        """The round counts approved, received and late forms, lists the missing."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        self.round.invalidate_recordset()
        self.assertEqual(self.round.count_approved, 1)
        self.assertEqual(self.round.missing_unit_ids, self.district_b | self.centre)
        self.assertAlmostEqual(self.round.progress, 100 / 3, places=2)


@tagged("post_install", "-at_install")
class TestSubmissionWorkflow(VcSurveyCommon):
    def test_happy_path_as_real_users(self):
        """Preparer fills and submits, head approves, officer receives."""
        self.sub_a.with_user(self.preparer_a).set_answers(self._district_answers())
        self.sub_a.with_user(self.preparer_a).action_submit()
        self.assertEqual(self.sub_a.state, "submitted")
        self.assertEqual(self.sub_a.submitted_by_id, self.preparer_a)
        self.assertEqual(self.sub_a.activity_ids.user_id, self.head_a)
        self.sub_a.with_user(self.head_a).action_approve()
        self.assertEqual(self.sub_a.state, "approved")
        self.assertEqual(self.sub_a.approved_by_id, self.head_a)
        self.assertEqual(self.sub_a.signed_as, "head")
        self.assertEqual(self.sub_a.activity_ids.user_id, self.officer)
        self.sub_a.with_user(self.officer).action_receive()
        self.assertEqual(self.sub_a.state, "received")
        self.assertFalse(self.sub_a.activity_ids)
        bodies = " ".join(self.sub_a.message_ids.mapped("body"))
        for who in ("prep_a", "head_a", "officer"):
            self.assertIn(who, bodies)
        statuses = self.sub_a.device_status_ids
        self.assertEqual(len(statuses), 10)
        self.assertEqual(
            set(statuses.filtered(lambda s: s.device == "camera").mapped("status")),
            {"stable", "unstable"},
        )

    def test_centre_happy_path(self):
        """The IT centre's form goes through the same sign-off."""
        self.sub_c.with_user(self.preparer_c).set_answers(self._center_answers())
        self.sub_c.with_user(self.preparer_c).action_submit()
        self.sub_c.with_user(self.head_c).action_approve()
        self.assertEqual(self.sub_c.state, "approved")

    def test_deputy_signs_kt(self):
        """A deputy's approval is recorded as signed "KT."."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.deputy_a).action_approve()
        self.assertEqual(self.sub_a.signed_as, "deputy")
        self.assertIn("KT.", self.sub_a.message_ids[0].body)

    def test_submit_lists_every_problem(self):
        """Submitting an incomplete form lists all problems, naming questions."""
        self.sub_a.with_user(self.preparer_a).set_answers(
            {"I.1.ip": "10.0.0.300", "II.1.communes_without_endpoint": 5}
        )
        with self.assertRaises(ValidationError) as ctx:
            self.sub_a.with_user(self.preparer_a).action_submit()
        message = str(ctx.exception)
        for code in ("B", "I.2", "I.3", "I.10", "II.1", "10.0.0.300"):
            self.assertIn(code, message)
        self.assertGreater(message.count("•"), 10)
        self.assertEqual(self.sub_a.state, "draft")

    def test_wrong_role_transitions(self):
        """Each transition by the wrong role raises AccessError."""
        sub = self.sub_a
        with self.assertRaises(AccessError):
            sub.with_user(self.officer).action_submit()
        self._fill_and_submit(sub)
        for user in (self.preparer_a, self.officer, self.leader, self.clerk):
            with self.assertRaises(AccessError, msg=user.login):
                sub.with_user(user).action_approve()
        with self.assertRaises(AccessError):
            sub.with_user(self.officer).action_return(reason="x")
        sub.with_user(self.head_a).action_approve()
        for user in (self.preparer_a, self.head_a, self.clerk):
            with self.assertRaises(AccessError, msg=user.login):
                sub.with_user(user).action_receive()
            with self.assertRaises(AccessError, msg=user.login):
                sub.with_user(user).action_reopen(reason="x")
        with self.assertRaises(AccessError):
            sub.with_user(self.head_a).action_return(reason="x")

    def test_wrong_unit_transitions(self):
        """Another unit's users can neither read nor act on a form."""
        self._fill_and_submit(self.sub_a)
        for user in (self.preparer_b, self.head_b, self.head_c):
            with self.assertRaises(AccessError, msg=user.login):
                self.sub_a.with_user(user).read(["state"])
            with self.assertRaises(AccessError, msg=user.login):
                self.sub_a.with_user(user).action_approve()
            with self.assertRaises(AccessError, msg=user.login):
                self.sub_a.with_user(user).set_answers({"I.9": "x"})
        visible = self.env["vc.survey.submission"].with_user(self.preparer_b).search([])
        self.assertEqual(visible, self.sub_b)

    def test_wrong_state_transitions(self):
        """Transitions out of order raise UserError."""
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.head_a).action_approve()
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.officer).action_receive()
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.officer).action_reopen(reason="x")
        self._fill_and_submit(self.sub_a)
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.preparer_a).action_submit()
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.officer).action_receive()

    def test_return_needs_reason(self):
        """Returning without a reason is refused; with one it goes to draft."""
        self._fill_and_submit(self.sub_a)
        for reason in (None, "", "   "):
            with self.assertRaises(UserError):
                self.sub_a.with_user(self.head_a).action_return(reason=reason)
        self.sub_a.with_user(self.head_a).action_return(reason="Thiếu số cuộc họp")
        self.assertEqual(self.sub_a.state, "draft")
        self.assertIn("Thiếu số cuộc họp", self.sub_a.message_ids[0].body)
        self.assertEqual(self.sub_a.activity_ids.user_id, self.preparer_a)

    def test_return_wizard(self):
        """The Return button asks the reason in a wizard."""
        self._fill_and_submit(self.sub_a)
        action = (
            self.sub_a.with_user(self.head_a)
            .with_context(vc_event="return")
            .action_open_reason_wizard()
        )
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.head_a)
            .with_context(**action["context"])
        )
        wizard.reason = "Sai địa chỉ IP"
        wizard.save().action_confirm()
        self.assertEqual(self.sub_a.state, "draft")

    def test_department_returns_approved_form(self):
        """After approval the department may return the form, with a reason."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        self.sub_a.with_user(self.officer).action_return(reason="Số liệu chưa khớp")
        self.assertEqual(self.sub_a.state, "draft")
        self.assertFalse(self.sub_a.signed_as)

    def test_approved_form_is_frozen(self):
        """Nobody can write an approved form's answers; reopen is logged."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        for user in (self.preparer_a, self.head_a, self.officer):
            with self.assertRaises(UserError, msg=user.login):
                self.sub_a.with_user(user).set_answers({"I.1.meetings": 99})
        with self.assertRaises(UserError):
            self.sub_a.operator_line_ids[0].with_user(self.preparer_a).write(
                {"name": "x"}
            )
        with self.assertRaises(UserError):
            self.env["vc.survey.incident.line"].with_user(self.preparer_a).create(
                {"submission_id": self.sub_a.id, "symptom": "x", "question_code": "I.6"}
            )
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.officer).action_reopen()
        self.sub_a.with_user(self.officer).action_reopen(reason="Bổ sung sự cố")
        self.assertEqual(self.sub_a.state, "draft")
        self.assertIn("Bổ sung sự cố", self.sub_a.message_ids[0].body)
        self.sub_a.with_user(self.preparer_a).set_answers({"I.1.meetings": 99})

    def test_submitted_form_is_not_editable(self):
        """While waiting for the head, the preparer cannot change answers."""
        self._fill_and_submit(self.sub_a)
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.preparer_a).set_answers({"I.9": "x"})

    def test_double_approval_is_one_transition(self):
        """A second approval on a stale record is refused: one transition."""
        self._fill_and_submit(self.sub_a)
        stale = self.sub_a.with_user(self.deputy_a)
        self.assertEqual(stale.state, "submitted")  # as a concurrent client read it
        self.sub_a.with_user(self.head_a).action_approve()
        # the other session still believes the form is waiting
        stale._cache["state"] = "submitted"
        with self.assertRaises(UserError):
            stale.action_approve()
        self.assertEqual(self.sub_a.approved_by_id, self.head_a)
        approvals = self.sub_a.message_ids.filtered(
            lambda m: "Approved" in (m.body or "") or "phê duyệt" in (m.body or "")
        )
        self.assertEqual(len(approvals), 1)


@tagged("post_install", "-at_install")
class TestReminders(VcSurveyCommon):
    def _mails(self):
        # only this round's forms: the database may hold others (demo data)
        return self.env["mail.mail"].search(
            [
                ("model", "=", "vc.survey.submission"),
                ("res_id", "in", self.round.submission_ids.ids),
            ]
        )

    def test_reminders_go_to_the_right_people(self):
        """Before the deadline, only units not yet approved are reminded."""
        self._fill_and_submit(self.sub_b)
        self.sub_b.with_user(self.head_b).action_approve()
        today = self.round.deadline - timedelta(days=2)
        before = self._mails()
        self.env["vc.survey.round"]._cron_send_reminders(today=today)
        mails = self._mails() - before
        by_sub = {}
        for mail in mails:
            by_sub.setdefault(mail.res_id, self.env["res.partner"])
            by_sub[mail.res_id] |= mail.recipient_ids
        self.assertEqual(set(by_sub), {self.sub_a.id, self.sub_c.id})
        self.assertEqual(
            by_sub[self.sub_a.id],
            (self.preparer_a | self.head_a | self.deputy_a).partner_id,
        )
        self.assertEqual(
            by_sub[self.sub_c.id], (self.preparer_c | self.head_c).partner_id
        )
        # the same day again: nothing new
        again = self._mails()
        self.env["vc.survey.round"]._cron_send_reminders(today=today)
        self.assertEqual(self._mails(), again)

    def test_no_reminder_too_early(self):
        """Nothing is sent before the reminder window opens."""
        before = self._mails()
        self.env["vc.survey.round"]._cron_send_reminders(
            today=self.round.deadline - timedelta(days=10)
        )
        self.assertEqual(self._mails(), before)

    def test_late_after_deadline(self):
        """After the deadline, pending forms are marked late once."""
        self._fill_and_submit(self.sub_b)
        self.sub_b.with_user(self.head_b).action_approve()
        after = self.round.deadline + timedelta(days=1)
        self.env["vc.survey.round"]._cron_send_reminders(today=after)
        self.assertTrue(self.sub_a.is_late)
        self.assertTrue(self.sub_c.is_late)
        self.assertFalse(self.sub_b.is_late)
        count = len(self._mails())
        self.env["vc.survey.round"]._cron_send_reminders(today=after)
        self.assertEqual(len(self._mails()), count)
        self.round.invalidate_recordset()
        self.assertEqual(self.round.count_late, 2)

    def test_late_approval(self):
        """A form approved after the deadline is late."""
        self.round.deadline = fields.Date.today() - timedelta(days=1)
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        self.assertTrue(self.sub_a.is_late)

    def test_late_even_with_nobody_to_tell(self):
        """A unit without users is still marked late after the deadline."""
        rnd = self.env["vc.survey.round"].create(
            {
                "name": "Khảo sát xã",
                "year": 2019,
                "subject": "khảo sát",
                "deadline": self.round.deadline,
                "line_ids": [(0, 0, {"unit_id": self.commune_a.id})],
            }
        )
        rnd.with_user(self.officer).action_dispatch()
        mails = self.env["mail.mail"].search_count(
            [
                ("res_id", "in", rnd.submission_ids.ids),
                ("model", "=", "vc.survey.submission"),
            ]
        )
        self.env["vc.survey.round"]._cron_send_reminders(
            today=rnd.deadline + timedelta(days=1)
        )
        self.assertTrue(rnd.submission_ids.is_late)
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [
                    ("res_id", "in", rnd.submission_ids.ids),
                    ("model", "=", "vc.survey.submission"),
                ]
            ),
            mails,
        )


@tagged("post_install", "-at_install")
class TestWorkflowFieldsProtected(VcSurveyCommon):
    def test_state_cannot_be_written_directly(self):
        """Writing the state or a signature directly is refused for everyone."""
        for user in (self.preparer_a, self.head_a, self.officer):
            with self.assertRaises(AccessError, msg=user.login):
                self.sub_a.with_user(user).write({"state": "approved"})
            with self.assertRaises(AccessError, msg=user.login):
                self.sub_a.with_user(user).write({"approved_by_id": user.id})
        with self.assertRaises(AccessError):
            self.sub_a.with_user(self.preparer_a).write({"unit_id": self.district_b.id})
        self.assertEqual(self.sub_a.state, "draft")

    def test_context_key_does_not_unfreeze(self):
        """No context key lets a client change a signed form's answers."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        for key in ("vc_workflow", "tracking_disable"):
            with self.assertRaises(UserError):
                self.sub_a.with_user(self.preparer_a).with_context(
                    **{key: True}
                ).set_answers({"I.1.meetings": 1})

    def test_forms_are_created_as_drafts(self):
        """Even an officer cannot create an already approved form."""
        with self.assertRaises(AccessError):
            self.env["vc.survey.submission"].with_user(self.officer).create(
                {
                    "round_id": self.round.id,
                    "unit_id": self.commune_a.id,
                    "form_id": self._form("district").id,
                    "state": "approved",
                }
            )

    def test_round_state_only_through_actions(self):
        """The round's state and number change only through its buttons."""
        for vals in ({"state": "archived"}, {"dispatch_number": 99}):
            with self.assertRaises(AccessError):
                self.round.with_user(self.officer).write(vals)
        with self.assertRaises(AccessError):
            self.env["vc.survey.round"].with_user(self.officer).create(
                {
                    "name": "x",
                    "year": 2030,
                    "subject": "x",
                    "deadline": fields.Date.today(),
                    "state": "dispatched",
                }
            )

    def test_officer_creates_a_round_through_the_form(self):
        """The round form, as the web client saves it, creates a draft."""
        with Form(self.env["vc.survey.round"].with_user(self.officer)) as form:
            form.name = "Khảo sát năm 2020"
            form.year = 2020
            form.subject = "báo cáo năm 2020"
            form.deadline = fields.Date.today()
            with form.line_ids.new() as line:
                line.unit_id = self.district_a
                line.form_id = self._form("district")
        self.assertEqual(form.record.state, "draft")
        form.record.with_user(self.officer).action_dispatch()
        self.assertEqual(form.record.state, "dispatched")
