"""The attacks of issue 9, each tried by the least-privileged user able to
try it, over the ORM (and HTTP for downloads); each expects the refusal."""

import base64
import io
import shutil
import unittest
import zipfile
from datetime import date, timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import VcSurveyCommon

TEMPLATES = Path(__file__).resolve().parent.parent / "report" / "templates"
HAVE_SOFFICE = bool(shutil.which("soffice"))
NO_SOFFICE = "LibreOffice (soffice) is needed to produce the summary"
TODO = "mail.mail_activity_data_todo"


def odt_with(body):
    """The shipped form template with ``body`` added to its text."""
    raw = (TEMPLATES / "form.odt").read_bytes()
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "content.xml":
                data = data.replace(
                    b"</office:text>", body.encode() + b"</office:text>", 1
                )
            archive.writestr(info, data)
    return out.getvalue()


def user_field(expression):
    return (
        f'<text:p><text:user-field-get text:name="py3o.{expression}">x'
        "</text:user-field-get></text:p>"
    )


@tagged("post_install", "-at_install")
class TestTemplateSecurity(VcSurveyCommon):
    """1, 2: templates are code to py3o; only administrators upload them and
    only whitelisted directives are ever filled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env, login="sysadmin", groups="base.group_user,base.group_system"
        )
        cls.marker = Path("/tmp") / f"vc-pwned-{cls.env.cr.dbname}"
        cls.evil = odt_with(
            user_field(f"__import__('pathlib').Path('{cls.marker}').touch()")
        )

    def _vals(self, raw, kind="form"):
        return {
            "name": "Mẫu",
            "document_type": kind,
            "template_file": base64.b64encode(raw),
            "template_filename": "mau.odt",
        }

    def test_officer_and_leader_cannot_upload(self):
        """Only base.group_system uploads, changes or deletes a template."""
        raw = (TEMPLATES / "form.odt").read_bytes()
        Template = self.env["vc.document.template"]
        for user in (self.officer, self.leader, self.preparer_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Template.with_user(user).create(self._vals(raw))
        template = Template.with_user(self.admin).create(self._vals(raw))
        with self.assertRaises(AccessError):
            template.with_user(self.leader).write({"name": "x"})
        with self.assertRaises(AccessError):
            template.with_user(self.officer).unlink()

    def test_code_in_a_template_is_refused_at_upload(self):
        """Even the administrator cannot upload a template that runs code;
        the message names the directive."""
        with self.assertRaisesRegex(ValidationError, "__import__"):
            self.env["vc.document.template"].with_user(self.admin).create(
                self._vals(self.evil)
            )
        self.assertFalse(self.marker.exists())

    def test_every_shipped_template_uploads(self):
        """The shipped templates pass the checker for their type."""
        Template = self.env["vc.document.template"].with_user(self.admin)
        for kind in ("dispatch", "form", "summary"):
            raw = (TEMPLATES / f"{kind}.odt").read_bytes()
            Template.create(self._vals(raw, kind))
        with self.assertRaisesRegex(ValidationError, "parent_agency"):
            # a dispatch directive is not data of a form
            Template.create(
                self._vals((TEMPLATES / "dispatch.odt").read_bytes(), "form")
            )

    def test_planted_template_is_refused_before_rendering(self):
        """A template planted behind the upload check (here: its file
        rewritten in the database) is refused when a preparer prints a form."""
        template = (
            self.env["vc.document.template"]
            .with_user(self.admin)
            .create(self._vals((TEMPLATES / "form.odt").read_bytes()))
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "vc.document.template"),
                    ("res_field", "=", "template_file"),
                    ("res_id", "=", template.id),
                ]
            )
        )
        attachment.write({"raw": self.evil})
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "__import__"):
            self.sub_a.with_user(self.preparer_a).action_print_form()
        self.assertFalse(self.marker.exists())

    def test_bombs_are_refused_at_upload(self):
        """Two hundred thousand paragraphs, or deep nesting: refused."""
        many = odt_with("<text:p/>" * 200_001)
        self.assertLess(len(many), 200_000)
        deep = odt_with("<text:p>" + "<text:span>" * 150 + "</text:span>" * 150)
        Template = self.env["vc.document.template"].with_user(self.admin)
        for raw in (many, deep):
            with self.assertRaises(ValidationError):
                Template.create(self._vals(raw))


@tagged("post_install", "-at_install")
class TestAnswerLines(VcSurveyCommon):
    """3: answer lines never move into another unit's (signed) form."""

    def _approve(self, sub):
        self._fill_and_submit(sub)
        sub.with_user(sub.unit_id.head_id).action_approve()

    def test_line_cannot_move_to_another_form(self):
        """A preparer's line written onto another unit's approved form."""
        self._approve(self.sub_b)
        Line = self.env["vc.survey.incident.line"].with_user(self.preparer_a)
        line = Line.create(
            {"submission_id": self.sub_a.id, "question_code": "I.6", "symptom": "x"}
        )
        with self.assertRaises(AccessError):
            line.write({"submission_id": self.sub_b.id})
        op = (
            self.env["vc.survey.operator.line"]
            .with_user(self.preparer_a)
            .create({"submission_id": self.sub_a.id, "name": "A"})
        )
        with self.assertRaises(AccessError):
            op.write({"submission_id": self.sub_b.id})
        self.assertEqual(line.sudo().submission_id, self.sub_a)

    def test_line_cannot_be_created_on_another_form(self):
        """Creating a line directly on another unit's form is refused."""
        for model in ("vc.survey.incident.line", "vc.survey.operator.line"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.preparer_a).create(
                    {
                        "submission_id": self.sub_b.id,
                        "question_code": "I.6",
                        "symptom": "x",
                        "name": "x",
                    }
                )

    def test_lines_of_a_signed_form_are_frozen(self):
        """Own unit's approved form: no new, changed or deleted line."""
        self._approve(self.sub_a)
        line = self.sub_a.incident_line_ids[:1].with_user(self.preparer_a)
        with self.assertRaises(UserError):
            line.write({"symptom": "khác"})
        with self.assertRaises(UserError):
            line.unlink()
        with self.assertRaises(UserError):
            self.env["vc.survey.incident.line"].with_user(self.preparer_a).create(
                {"submission_id": self.sub_a.id, "question_code": "I.6", "symptom": "x"}
            )

    def test_incident_endpoint_of_another_unit_is_refused(self):
        """An incident names an endpoint of the form's own unit only."""
        with self.assertRaises(ValidationError):
            self.env["vc.survey.incident.line"].with_user(self.preparer_a).create(
                {
                    "submission_id": self.sub_a.id,
                    "question_code": "I.6",
                    "symptom": "x",
                    "endpoint_id": self.endpoint_b.id,
                }
            )


@tagged("post_install", "-at_install")
class TestOwnership(VcSurveyCommon):
    """4: who signs and which unit owns what are the Department's to set."""

    def test_unit_users_cannot_choose_who_signs(self):
        """Preparer and head are refused on head, deputies, preparers."""
        for user in (self.preparer_a, self.head_a):
            unit = self.district_a.with_user(user)
            for vals in (
                {"head_id": self.deputy_a.id},
                {"deputy_ids": [(6, 0, [])]},
                {"preparer_ids": [(4, self.head_a.id)]},
                {"parent_id": self.district_b.id},
            ):
                with self.subTest(user=user.login, vals=vals):
                    with self.assertRaises(AccessError):
                        unit.write(vals)
        self.assertEqual(self.district_a.head_id, self.head_a)
        self.district_a.with_user(self.officer).write({"head_id": self.deputy_a.id})
        self.assertEqual(self.district_a.head_id, self.deputy_a)

    def test_endpoint_cannot_change_unit(self):
        """A preparer cannot move an endpoint (or a device) to another unit."""
        with self.assertRaises(AccessError):
            self.endpoint_a.with_user(self.preparer_a).write(
                {"unit_id": self.district_b.id}
            )
        with self.assertRaises(AccessError):
            self.operator_a.with_user(self.preparer_a).write(
                {"unit_id": self.district_b.id}
            )
        self.endpoint_a.with_user(self.officer).write({"unit_id": self.commune_a.id})
        self.assertEqual(self.endpoint_a.unit_id, self.commune_a)


@tagged("post_install", "-at_install")
class TestRoundDocumentsAccess(VcSurveyCommon, HttpCase):
    """5: a round's documents other than the dispatch are the Department's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        renderer = cls.env["vc.document.renderer"]
        cls.dispatch_pdf = renderer._attach(
            cls.round, "dispatch", [("cv.pdf", b"%PDF-1.4 dispatch", "cv", "pdf")]
        )
        cls.summary_files = renderer._attach(
            cls.round,
            "summary",
            [
                ("bc.pdf", b"%PDF-1.4 summary", "bc", "pdf"),
                ("bc.xlsx", b"PK xlsx", "bc", "xlsx"),
            ],
        )
        cls.form_pdf = renderer._attach(
            cls.sub_a, "form", [("phieu.pdf", b"%PDF-1.4 form a", "p", "pdf")]
        )

    def test_unit_users_read_the_dispatch_only(self):
        """ORM: a preparer reads the dispatch, not the summary."""
        Attachment = self.env["ir.attachment"].with_user(self.preparer_a)
        self.assertEqual(Attachment.browse(self.dispatch_pdf.id).raw[:8], b"%PDF-1.4")
        for attachment in self.summary_files:
            with self.subTest(name=attachment.name), self.assertRaises(AccessError):
                Attachment.browse(attachment.id).raw  # noqa: B018
        found = Attachment.search([("res_model", "=", "vc.survey.round")])
        self.assertEqual(found, self.dispatch_pdf)
        self.assertEqual(
            self.round.with_user(self.preparer_a).document_ids, self.dispatch_pdf
        )
        for user in (self.officer, self.leader, self.clerk):
            with self.subTest(user=user.login):
                self.assertTrue(
                    self.summary_files[0].with_user(user).raw.startswith(b"%PDF")
                )

    def test_other_units_form_documents_are_refused(self):
        """A unit's users read their own form's documents only."""
        self.assertTrue(self.form_pdf.with_user(self.preparer_a).raw)
        with self.assertRaises(AccessError):
            self.form_pdf.with_user(self.preparer_b).raw  # noqa: B018

    def test_download_route_refuses_the_summary(self):
        """HTTP: /web/content/<id> of the summary as a preparer: refused."""
        self.authenticate("prep_a", "prep_a")
        for attachment in self.summary_files:
            response = self.url_open(f"/web/content/{attachment.id}?download=true")
            self.assertIn(response.status_code, (403, 404), attachment.name)
        response = self.url_open(f"/web/content/{self.dispatch_pdf.id}?download=true")
        self.assertEqual(response.status_code, 200)
        self.authenticate("prep_b", "prep_b")
        response = self.url_open(f"/web/content/{self.form_pdf.id}?download=true")
        self.assertIn(response.status_code, (403, 404))


@tagged("post_install", "-at_install")
class TestAnswerText(VcSurveyCommon):
    """7: characters XML 1.0 cannot carry, and lengths, at the answers."""

    def test_bad_characters_are_refused_naming_the_question(self):
        """A vertical tab, U+FFFE or a lone surrogate: refused, named."""
        sub = self.sub_a.with_user(self.preparer_a)
        for bad in ("Tiết\x0bkiệm", "x\ufffe", "x\ud800", "\x00"):
            with self.subTest(value=repr(bad)):
                with self.assertRaisesRegex(UserError, r"I\.9"):
                    sub.set_answers({"I.9": bad})
        with self.assertRaisesRegex(ValidationError, "U\\+000B"):
            self.env["vc.survey.incident.line"].with_user(self.preparer_a).create(
                {
                    "submission_id": self.sub_a.id,
                    "question_code": "I.6",
                    "symptom": "a\x0bb",
                }
            )
        sub.set_answers({"I.9": "Tab\tand\nnew lines are fine"})

    def test_long_answers_are_refused(self):
        """A 1 MB text answer is refused with a length message."""
        sub = self.sub_a.with_user(self.preparer_a)
        with self.assertRaisesRegex(UserError, "1000000"):
            sub.set_answers({"I.9": "x" * 1_000_000})
        with self.assertRaisesRegex(UserError, "513"):
            sub.set_answers({"I.1.location": "x" * 513})
        sub.set_answers({"I.9": "x" * 10_000})

    @unittest.skipUnless(HAVE_SOFFICE, NO_SOFFICE)
    def test_planted_character_no_longer_blocks_the_summary(self):
        """A \\x0b planted with SQL in an approved answer: the summary (PDF,
        XLSX) is still produced."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE vc_survey_submission SET answers = jsonb_set(answers, "
            "'{I.9}', to_jsonb(%s::text)) WHERE id = %s",
            ["Tiết kiệm\x0b chi phí\ufffe", self.sub_a.id],
        )
        self.env.invalidate_all()
        self.round.with_user(self.officer).action_generate_summary()
        kinds = self.round.document_ids.filtered(
            lambda a: a.vc_document_kind == "summary"
        )
        self.assertEqual(len(kinds), 4)


@tagged("post_install", "-at_install")
class TestReminderCron(VcSurveyCommon):
    """8: a wrong setting or a failing round never stops the reminders."""

    def test_reminder_days_are_bounded(self):
        """1000000 days before the deadline is refused."""
        with self.assertRaisesRegex(ValidationError, "60"):
            self.round.with_user(self.officer).write({"reminder_days": 1_000_000})
        with self.assertRaises(ValidationError):
            self.round.with_user(self.officer).write({"reminder_days": -1})
        self.env["ir.config_parameter"].sudo().set_param(
            "hg_videoconf_survey.reminder_days", "1000000"
        )
        second = self._make_round(2018)
        self.assertEqual(second.reminder_days, 3)

    def test_one_failing_round_does_not_stop_the_others(self):
        """The round that raises is logged; the other one is reminded."""
        second = self._make_round(2018)
        second.with_user(self.officer).action_dispatch()
        today = self.round.deadline - timedelta(days=1)
        Round = type(self.env["vc.survey.round"])
        original = Round._send_reminders

        def send(rnd, *args):
            if rnd == self.round:
                raise RuntimeError("boom")
            return original(rnd, *args)

        with (
            patch.object(Round, "_send_reminders", send),
            mute_logger("odoo.addons.hg_videoconf_survey.models.vc_survey_round"),
        ):
            self.env["vc.survey.round"]._cron_send_reminders(today=today)
        reminded = second.submission_ids.mapped("last_reminder_date")
        self.assertEqual(set(reminded), {today})
        self.assertFalse(any(self.round.submission_ids.mapped("last_reminder_date")))


@tagged("post_install", "-at_install")
class TestRegisterAndArchive(VcSurveyCommon):
    """9: the register and the archive are written by their actions only."""

    def _number(self):
        self.round.with_user(self.clerk).action_issue_dispatch_number()
        return self.round.dispatch_register_id

    def test_nobody_forges_a_register_line(self):
        """Clerk, officer, preparer: no line created by hand."""
        vals = {
            "number": 3,
            "notation": "FAKE",
            "year": 2017,
            "date": date(2017, 12, 1),
            "document_type": "dispatch",
        }
        for user in (self.clerk, self.officer, self.preparer_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["vc.document.register"].with_user(user).create(vals)
        line = self._number()
        with self.assertRaises(UserError):
            line.with_user(self.clerk).write({"notation": "FAKE"})
        with self.assertRaises(UserError):
            line.with_user(self.clerk).unlink()

    def test_issued_date_and_notation_are_frozen(self):
        """Once numbered, the dispatch's date and notation never change."""
        self._number()
        rnd = self.round.with_user(self.officer)
        with self.assertRaises(UserError):
            rnd.write({"dispatch_date": fields.Date.today() + timedelta(days=3)})
        with self.assertRaises(UserError):
            rnd.write({"dispatch_notation": "KHAC"})
        rnd.write({"summary_notation": "BC-KHAC"})  # not numbered yet

    def test_archive_flags_and_checks_come_from_the_actions(self):
        """Nobody adds an 'archived' file, an archive entry or a check result."""
        for user, record in (
            (self.officer, self.round),
            (self.preparer_a, self.sub_a),
            (self.clerk, self.round),
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["ir.attachment"].with_user(user).create(
                    {
                        "name": "Luu-VT-gia.pdf",
                        "raw": b"%PDF-1.4 fake",
                        "res_model": record._name,
                        "res_id": record.id,
                        "vc_document_kind": "summary",
                        "vc_archived": True,
                    }
                )
        plain = (
            self.env["ir.attachment"]
            .with_user(self.officer)
            .create(
                {
                    "name": "ghi-chu.pdf",
                    "raw": b"x",
                    "res_model": "vc.survey.round",
                    "res_id": self.round.id,
                }
            )
        )
        with self.assertRaises(AccessError):
            plain.write({"vc_archived": True})
        attachment = self.env["vc.document.renderer"]._attach(
            self.round, "dispatch", [("cv.pdf", b"%PDF", "cv", "pdf")], archived=True
        )
        entry = (
            self.env["vc.archive.document"]
            .sudo()
            .create(
                {
                    "round_id": self.round.id,
                    "kind": "dispatch",
                    "attachment_id": attachment.id,
                    "sha256": "0" * 64,
                }
            )
        )
        for user in (self.clerk, self.officer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                entry.with_user(user).write({"last_check_ok": True})
        with self.assertRaises(AccessError):
            self.env["vc.archive.document"].with_user(self.clerk).create(
                {
                    "round_id": self.round.id,
                    "kind": "summary",
                    "attachment_id": plain.id,
                    "sha256": "0" * 64,
                }
            )


@tagged("post_install", "-at_install")
class TestSmallerLeaks(VcSurveyCommon):
    """10: addresses, error messages, the round link, activities."""

    def _endpoint(self, user, ip, unit=None):
        return (
            self.env["vc.endpoint"]
            .with_user(user)
            .create(
                {
                    "name": "Điểm cầu mới",
                    "unit_id": (unit or user.vc_unit_id).id,
                    "network": "province_district",
                    "ip_address": ip,
                }
            )
        )

    def test_zone_ids_are_refused_and_mapped_addresses_normalised(self):
        """fe80::1%eth0 refused; ::ffff:a.b.c.d is a.b.c.d for duplicates."""
        with self.assertRaises(ValidationError):
            self._endpoint(self.preparer_a, "fe80::1%eth0")
        with self.assertRaises(ValidationError):
            self._endpoint(self.officer, "::ffff:10.99.2.10", self.district_a)
        endpoint = self._endpoint(self.preparer_a, "::ffff:10.99.1.77")
        self.assertEqual(endpoint.ip_address, "10.99.1.77")

    def test_duplicate_address_message_names_no_other_unit(self):
        """A unit user learns the address is in use, not whose it is."""
        with self.assertRaises(ValidationError) as info:
            self._endpoint(self.preparer_a, "10.99.2.10")
        message = str(info.exception)
        self.assertIn("10.99.2.10", message)
        self.assertNotIn(self.endpoint_b.name, message)
        self.assertNotIn(self.district_b.name, message)

    def test_unit_users_open_the_round_of_their_form(self):
        """The round a preparer's form points to opens without AccessError."""
        rnd = self.sub_a.with_user(self.preparer_a).round_id
        self.assertEqual(rnd.name, self.round.name)
        self.assertEqual(rnd.missing_unit_ids, self.district_a)
        form = Form(rnd)
        self.assertEqual(form.name, self.round.name)

    def test_activities_of_another_units_form_are_refused(self):
        """Done, feedback, reschedule or unlink on another unit's form."""
        activity = self.sub_a.activity_schedule(
            TODO, summary="Ký phiếu", user_id=self.preparer_b.id
        )
        Activity = self.env["mail.activity"].with_user(self.preparer_b)
        for action in (
            lambda a: a.action_feedback(feedback="xong"),
            lambda a: a.action_done(),
            lambda a: a.write({"date_deadline": date(2030, 1, 1)}),
            lambda a: a.unlink(),
        ):
            with self.assertRaises(AccessError):
                action(Activity.browse(activity.id))
        for helper in (
            lambda s: s.activity_feedback([TODO]),
            lambda s: s.activity_unlink([TODO]),
            lambda s: s.activity_reschedule([TODO], date_deadline=date(2030, 1, 1)),
        ):
            with self.assertRaises(AccessError):
                helper(self.sub_a.with_user(self.preparer_b))
        self.assertTrue(activity.exists())
        # moving an own activity onto another unit's form is refused too
        own = self.sub_b.with_user(self.preparer_b).activity_schedule(
            TODO, summary="x", user_id=self.preparer_b.id
        )
        with self.assertRaises(AccessError):
            own.write({"res_id": self.sub_a.id})
        # the unit's own people still act on their own form's activities
        Activity.browse(own.id).action_feedback(feedback="xong")
