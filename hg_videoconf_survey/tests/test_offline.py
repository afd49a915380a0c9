import base64
import csv
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import openpyxl

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from vcsurvey import workbook

from ..models.vc_survey_offline import workbook_key
from .common import VcSurveyCommon
from .test_form_versions import FormVersionCommon
from .xlsform_data import commune_answers

DATA = Path(__file__).parent / "data"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def b64(data):
    return base64.b64encode(data).decode()


@tagged("post_install", "-at_install")
class TestOffline(VcSurveyCommon):
    """Offline replies: workbook download/import, mail gateway, scan, export."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        domain = cls.env["mail.alias.domain"].create({"name": "hagiang.test"})
        cls.env.company.alias_domain_id = domain
        cls.round.alias_domain_id = domain
        cls.preparer_a.email = "prep.a@alpha.test"
        cls.district_a.partner_id.email = "ubnd@alpha.test"
        cls.preparer_b.email = "prep.b@beta.test"
        # the dispatch queued the workbook e-mails: the job runner sends them
        cls.env["vc.survey.job"]._run_jobs(commit=False, worker="test")

    # -------------------------------------------------------------- helpers
    def _workbook(self, sub, user=None):
        return base64.b64decode(sub.with_user(user or self.officer).export_workbook())

    def _filled(self, sub, answers, user=None):
        form = sub._get_form()
        return workbook.fill_workbook(
            self._workbook(sub, user), form, answers, clear=True
        )

    def _held(self, sub):
        """The form's answers without the unanswered ones."""
        held = {}
        for code, value in sub.get_answers().items():
            if isinstance(value, list):
                value = [
                    {k: v for k, v in row.items() if v is not None} for row in value
                ]
            if value not in (None, []):
                held[code] = value
        return held

    @staticmethod
    def _expected(answers):
        return {
            code: [{k: v for k, v in row.items() if v is not None} for row in value]
            if isinstance(value, list)
            else value
            for code, value in answers.items()
        }

    def _eml(self, sender, to, files=(), subject="Phiếu khảo sát"):
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-Id"] = f"<{abs(hash((sender, subject, len(files))))}@mail.test>"
        msg.set_content("Kính gửi Sở, đơn vị gửi phiếu khảo sát.")
        for name, data in files:
            msg.add_attachment(
                data,
                maintype="application",
                subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                filename=name,
            )
        return msg.as_bytes()

    def _process(self, eml):
        before = self.env["vc.survey.offline.reply"].search([]).ids
        self.env["mail.thread"].message_process(None, eml)
        return self.env["vc.survey.offline.reply"].search([("id", "not in", before)])

    # ------------------------------------------------------------ download
    def test_download_fill_import_holds_exactly_those_answers(self):
        """Download as the preparer, fill by names, import: exactly those answers."""
        answers = self._district_answers()
        data = self._filled(self.sub_a, answers, self.preparer_a)
        result = self.sub_a.with_user(self.preparer_a).import_workbook(
            b64(data), "phieu.xlsx"
        )
        self.assertTrue(result["ok"], result["errors"])
        self.assertTrue(result["changed"])
        self.assertEqual(self._held(self.sub_a), self._expected(answers))
        # re-importing the same file changes nothing
        messages = len(self.sub_a.message_ids)
        again = self.sub_a.with_user(self.preparer_a).import_workbook(
            b64(data), "phieu.xlsx"
        )
        self.assertEqual((again["ok"], again["changed"]), (True, False))
        self.assertEqual(len(self.sub_a.message_ids), messages)
        # the downloaded workbook now carries the draft's answers
        back = workbook.read_workbook(
            self._workbook(self.sub_a),
            self.sub_a._get_form(),
            expected_meta=self.sub_a._workbook_expected_meta(),
            key=workbook_key(self.env),
        )
        self.assertEqual(back[1], [])

    def test_centre_form_round_trip(self):
        """The IT centre's form round-trips through Excel unchanged."""
        self._fill(self.sub_c)
        before = self.sub_c.get_answers()
        data = self._workbook(self.sub_c, self.preparer_c)
        result = self.sub_c.with_user(self.preparer_c).import_workbook(
            b64(data), "x.xlsx"
        )
        self.assertEqual((result["ok"], result["changed"]), (True, False), result)
        self.assertEqual(self.sub_c.get_answers(), before)

    def test_download_url_and_buttons(self):
        """The button downloads the computed workbook of the form."""
        action = self.sub_a.with_user(self.preparer_a).action_download_workbook()
        self.assertIn("field=workbook_file", action["url"])
        data = base64.b64decode(self.sub_a.with_user(self.preparer_a).workbook_file)
        names = {
            d.name
            for d in openpyxl.load_workbook(io.BytesIO(data)).defined_names.definedName
        }
        self.assertIn("I.3.camera", names)

    def test_other_unit_cannot_download_or_import(self):
        """A unit's users reach only their own unit's form."""
        with self.assertRaises(AccessError):
            self.sub_a.with_user(self.preparer_b).export_workbook()
        data = self._workbook(self.sub_a)
        with self.assertRaises(AccessError):
            self.sub_a.with_user(self.preparer_b).import_workbook(b64(data), "x.xlsx")

    def test_another_units_file_refused_naming_both(self):
        """B's file imported into A's form is refused, naming both units."""
        before = self.sub_a.get_answers()
        data = self._filled(self.sub_b, self._district_answers())
        result = self.sub_a.with_user(self.preparer_a).import_workbook(
            b64(data), "b.xlsx"
        )
        self.assertFalse(result["ok"])
        message = result["errors"][0]["message"]
        self.assertIn(self.district_a.name, message)
        self.assertIn(self.district_b.name, message)
        self.assertEqual(self.sub_a.get_answers(), before)

    def test_not_draft_refused(self):
        """A submitted form is not changed by an import."""
        self._fill_and_submit(self.sub_a)
        before = self.sub_a.get_answers()
        answers = dict(self._district_answers(), **{"I.1.meetings": 99})
        data = self._filled(self.sub_a, answers)
        result = self.sub_a.with_user(self.preparer_a).import_workbook(
            b64(data), "x.xlsx"
        )
        self.assertFalse(result["ok"])
        self.assertIn(self.district_a.name, result["errors"][0]["message"])
        self.assertEqual(self.sub_a.get_answers(), before)

    def test_bad_files_refused_nothing_changed(self):
        """Malformed workbooks are refused with messages; the draft is unchanged."""
        self._fill(self.sub_a)
        before = self.sub_a.get_answers()
        good = self._filled(self.sub_a, self._district_answers())
        form = self.sub_a._get_form()

        def edited(change):
            wb = openpyxl.load_workbook(io.BytesIO(good))
            change(wb)
            out = io.BytesIO()
            wb.save(out)
            return out.getvalue()

        def target(wb, code):
            name = wb.defined_names.get(workbook.defined_name(code))
            ((sheet, ref),) = list(name.destinations)
            return wb[sheet][ref.replace("$", "")]

        def formula(wb):
            target(wb, "I.1.meetings").value = "=2*24"

        def meta(wb):
            wb["_meta"]["B3"].value = "Khảo sát khác"

        def no_name(wb):
            wb.defined_names.delete("I.1.ip")

        bad_ip = workbook.fill_workbook(good, form, {"I.1.ip": "300.1.1.1"})
        cases = {
            "not a zip": b"not an excel file at all",
            "zip": self._zip({"hello.txt": b"x"}),
            "formula": edited(formula),
            "meta": edited(meta),
            "name removed": edited(no_name),
            "encrypted": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + "EncryptionInfo".encode("utf-16-le")
            + b"\x00" * 600,
            "macro": self._zip(
                {
                    **self._members(good),
                    "xl/vbaProject.bin": b"\x00" * 100,
                }
            ),
            "bad ip": bad_ip,
        }
        for case, data in cases.items():
            with self.subTest(case=case):
                result = self.sub_a.with_user(self.preparer_a).import_workbook(
                    b64(data), f"{case}.xlsx"
                )
                self.assertFalse(result["ok"])
                self.assertTrue(all(e["message"] for e in result["errors"]))
                self.assertEqual(self.sub_a.get_answers(), before)
        ip_error = self.sub_a.import_workbook(b64(bad_ip), "x.xlsx")["errors"][0]
        self.assertEqual(ip_error["question"], "I.1.ip")
        self.assertTrue(ip_error["cell"].startswith("C"))
        oversized = "A" * (workbook.MAX_FILE_BYTES * 2)
        result = self.sub_a.import_workbook(oversized, "big.xlsx")
        self.assertFalse(result["ok"])

    @staticmethod
    def _members(data):
        archive = zipfile.ZipFile(io.BytesIO(data))
        return {name: archive.read(name) for name in archive.namelist()}

    @staticmethod
    def _zip(members):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return out.getvalue()

    def test_import_wizard_report(self):
        """The wizard shows the report and offers it as a workbook."""
        good = self._filled(self.sub_a, self._district_answers(), self.preparer_a)
        Attachment = self.env["ir.attachment"].with_user(self.officer)
        files = Attachment.create(
            [
                {"name": "a.xlsx", "raw": good, "res_model": "vc.survey.import.wizard"},
                {
                    "name": "junk.xlsx",
                    "raw": b"junk",
                    "res_model": "vc.survey.import.wizard",
                },
            ]
        )
        wizard = (
            self.env["vc.survey.import.wizard"]
            .with_user(self.officer)
            .create({"round_id": self.round.id, "file_ids": [(6, 0, files.ids)]})
        )
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertFalse(wizard.result_ok)
        self.assertIn("1", wizard.summary)
        self.assertEqual(
            self._held(self.sub_a), self._expected(self._district_answers())
        )
        report = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(wizard.report_file))
        )
        rows = list(report.active.iter_rows(min_row=3, values_only=True))
        self.assertTrue(any("junk.xlsx" in (r[1] or "") for r in rows))

    def test_import_wizard_as_preparer(self):
        """The preparer imports through the form's wizard; the report is theirs."""
        action = self.sub_a.with_user(self.preparer_a).action_open_import_wizard()
        self.assertEqual(action["context"]["default_submission_id"], self.sub_a.id)
        good = self._filled(self.sub_a, self._district_answers(), self.preparer_a)
        attachment = (
            self.env["ir.attachment"]
            .with_user(self.preparer_a)
            .create(
                {"name": "a.xlsx", "raw": good, "res_model": "vc.survey.import.wizard"}
            )
        )
        Wizard = self.env["vc.survey.import.wizard"].with_user(self.preparer_a)
        wizard = Wizard.create(
            {"submission_id": self.sub_a.id, "file_ids": [(6, 0, attachment.ids)]}
        )
        wizard.action_import()
        self.assertTrue(wizard.result_ok, wizard.summary)
        self.assertEqual(
            self._held(self.sub_a), self._expected(self._district_answers())
        )
        # another unit's preparer can neither open nor read that wizard
        with self.assertRaises(AccessError):
            Wizard.with_user(self.preparer_b).create({"submission_id": self.sub_a.id})
        with self.assertRaises(AccessError):
            wizard.with_user(self.preparer_b).read(["report_html"])

    # ---------------------------------------------------------------- mail
    def test_alias_per_round(self):
        """Each round has its own alias routing to it."""
        alias = self.round.alias_id
        self.assertTrue(alias)
        self.assertEqual(alias.sudo().alias_model_id.model, "vc.survey.round")
        self.assertEqual(alias.alias_force_thread_id, self.round.id)
        other = self._make_round(year=2018)
        self.assertNotEqual(other.alias_id, alias)
        self.assertTrue(self.round.alias_email.endswith("@hagiang.test"))

    def test_alias_without_thread_still_reaches_its_round(self):
        """message_new never creates a round; it delivers to the alias's round."""
        self.round.alias_id.sudo().alias_force_thread_id = False
        rounds = self.env["vc.survey.round"].search_count([])
        data = self._filled(self.sub_a, self._district_answers())
        reply = self._process(
            self._eml("prep.a@alpha.test", self.round.alias_email, [("p.xlsx", data)])
        )
        self.assertEqual(self.env["vc.survey.round"].search_count([]), rounds)
        self.assertEqual((reply.round_id, reply.state), (self.round, "imported"))

    def test_mail_reply_fills_the_right_draft(self):
        """An .eml with the workbook fills the unit's draft, posts, replies."""
        answers = self._district_answers()
        data = self._filled(self.sub_a, answers)
        eml = self._eml(
            "Người lập biểu <prep.a@alpha.test>",
            self.round.alias_email,
            [("phieu-alpha.xlsx", data)],
        )
        reply = self._process(eml)
        self.assertEqual(reply.state, "imported", reply.report)
        self.assertEqual(reply.submission_id, self.sub_a)
        self.assertEqual(self._held(self.sub_a), self._expected(answers))
        self.assertEqual(self.sub_b.get_answers().get("I.1.meetings"), None)
        posted = self.sub_a.message_ids.filtered(
            lambda m: any(a.name == "phieu-alpha.xlsx" for a in m.attachment_ids)
        )
        self.assertTrue(posted, "the mail is kept in the form's chatter")
        mail = reply.answer_mail_id
        self.assertTrue(mail)
        self.assertIn("<prep.a@alpha.test>", mail.email_to)
        self.assertIn("Re:", mail.subject)
        self.assertIn(self.district_a.name, mail.body_html)
        # the original stays on the round too
        self.assertTrue(
            self.round.message_ids.filtered(
                lambda m: "Phiếu khảo sát" in (m.subject or "")
            )
        )

    def test_mail_matched_by_sender_when_meta_missing(self):
        """A file without _meta from a known sender is matched by the sender."""
        data = self._filled(self.sub_a, self._district_answers())
        wb = openpyxl.load_workbook(io.BytesIO(data))
        wb.remove(wb["_meta"])
        out = io.BytesIO()
        wb.save(out)
        reply = self._process(
            self._eml(
                "ubnd@alpha.test", self.round.alias_email, [("p.xlsx", out.getvalue())]
            )
        )
        self.assertEqual(reply.submission_id, self.sub_a)
        self.assertEqual(reply.state, "refused")
        self.assertIn("_meta", reply.report)
        self.assertTrue(reply.answer_mail_id.attachment_ids, "report attached")

    def test_mail_with_problems_answers_the_report(self):
        """A file with a wrong value is refused and the report mailed back."""
        data = self._filled(
            self.sub_a, dict(self._district_answers(), **{"I.1.ip": "1.2"})
        )
        reply = self._process(
            self._eml("prep.a@alpha.test", self.round.alias_email, [("p.xlsx", data)])
        )
        self.assertEqual(reply.state, "refused")
        self.assertFalse(reply.needs_attention)
        self.assertIn("I.1.ip", reply.answer_mail_id.body_html)
        self.assertEqual(
            self.sub_a.get_answers().get("I.1.ip"),
            self.sub_a.get_answers().get("I.1.ip"),
        )
        self.assertNotEqual(self.sub_a.get_answers().get("I.1.ip"), "1.2")

    def test_mail_unknown_sender_flagged_not_imported(self):
        """A stranger's mail is kept and flagged, nothing imported, no answer."""
        before = self.sub_a.get_answers()
        data = self._filled(self.sub_a, self._district_answers())
        reply = self._process(
            self._eml(
                "someone@elsewhere.test", self.round.alias_email, [("p.xlsx", data)]
            )
        )
        self.assertEqual((reply.state, reply.reason), ("flagged", "unknown_sender"))
        self.assertTrue(reply.needs_attention)
        self.assertFalse(reply.answer_mail_id)
        self.assertEqual(self.sub_a.get_answers(), before)
        self.assertEqual(reply.attachment_ids.name, "p.xlsx")
        # the officer imports it after checking
        reply.with_user(self.officer).action_import()
        self.assertEqual(reply.state, "imported")
        self.assertEqual(
            self._held(self.sub_a), self._expected(self._district_answers())
        )

    def test_mail_for_signed_form_flagged(self):
        """A file for a form already submitted is flagged, not imported."""
        self._fill_and_submit(self.sub_a)
        before = self.sub_a.get_answers()
        data = self._filled(
            self.sub_a, dict(self._district_answers(), **{"I.1.meetings": 1})
        )
        reply = self._process(
            self._eml("prep.a@alpha.test", self.round.alias_email, [("p.xlsx", data)])
        )
        self.assertEqual((reply.state, reply.reason), ("flagged", "not_draft"))
        self.assertEqual(self.sub_a.get_answers(), before)
        self.assertTrue(reply.answer_mail_id)

    def test_static_eml_files_flagged(self):
        """The shipped .eml files: no attachment / stranger's junk, both flagged."""
        for name, reason in (
            ("reply_no_attachment.eml", "no_attachment"),
            ("reply_unknown_sender.eml", "unknown_sender"),
        ):
            with self.subTest(name=name):
                eml = (
                    (DATA / name)
                    .read_bytes()
                    .replace(b"ALIAS@hagiang.test", self.round.alias_email.encode())
                )
                reply = self._process(eml)
                self.assertEqual((reply.state, reply.reason), ("flagged", reason))
                self.assertIn(reply, self.round.offline_reply_ids)
        self.assertEqual(self.round.offline_reply_attention_count, 2)
        no_attachment = self.round.offline_reply_ids.filtered(
            lambda r: r.reason == "no_attachment"
        )
        self.assertTrue(no_attachment.answer_mail_id, "a known sender is answered")

    def test_dispatch_mail_carries_the_workbook(self):
        """The dispatch notification of each unit has its workbook attached."""
        attachments = self.sub_a.message_ids.attachment_ids.filtered(
            lambda a: a.name.endswith(".xlsx")
        )
        self.assertTrue(attachments)
        meta, problems = workbook.read_meta(
            attachments[0].raw,
            key=workbook_key(self.env),
        )
        self.assertEqual(problems, [])
        self.assertEqual(meta["unit_id"], str(self.district_a.id))

    def test_reply_in_a_forms_thread(self):
        """A reply to the form's own mail: ignored without a file, imported with."""
        notification = self.sub_a.message_ids.filtered("message_id")[:1]
        self.assertTrue(notification)
        catchall = "catchall@hagiang.test"

        def reply(files):
            eml = self._eml("prep.a@alpha.test", catchall, files, subject="Re: phiếu")
            eml = eml.replace(
                b"Subject:",
                b"In-Reply-To: " + notification.message_id.encode() + b"\nSubject:",
                1,
            )
            return self._process(eml)

        self.assertFalse(reply([]), "a plain reply is a discussion, not a form")
        data = self._filled(self.sub_a, self._district_answers())
        found = reply([("phieu.xlsx", data)])
        self.assertEqual((found.state, found.submission_id), ("imported", self.sub_a))

    # --------------------------------------------------------- signed scan
    def test_signed_scan(self):
        """PDF/JPEG accepted by content, other files refused; seen by the Department."""
        sub = self.sub_a.with_user(self.preparer_a)
        with self.assertRaises(ValidationError):
            sub.write(
                {
                    "signed_scan": b64(b"MZ\x90\x00 not a pdf"),
                    "signed_scan_filename": "x.pdf",
                }
            )
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        sub.write({"signed_scan": b64(PDF), "signed_scan_filename": "phieu-ky.pdf"})
        self.assertTrue(self.sub_a.with_user(self.officer).has_signed_scan)
        with self.assertRaises(AccessError):
            self.sub_b.with_user(self.preparer_b).write({"has_signed_scan": True})
        self.sub_c.with_user(self.preparer_c).write({"signed_scan": b64(JPEG)})
        found = (
            self.env["vc.survey.submission"]
            .with_user(self.officer)
            .search([("has_signed_scan", "=", True)])
        )
        self.assertEqual(found, self.sub_a | self.sub_c)

    # ------------------------------------------------------------- exports
    def test_export_answers_department_only(self):
        """Raw export: one row per unit in XLSX and CSV, Department only."""
        self._fill(self.sub_a)
        self._fill(self.sub_c)
        data = base64.b64decode(
            self.round.with_user(self.officer).export_answers("xlsx")
        )
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = list(ws.iter_rows(min_row=3, values_only=True))
        self.assertEqual(len(rows), 3)
        text = base64.b64decode(self.round.with_user(self.leader).export_answers("csv"))
        self.assertTrue(text.startswith(b"\xef\xbb\xbf"))
        self.assertEqual(
            len(list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))), 5
        )
        with self.assertRaises(AccessError):
            self.round.with_user(self.preparer_a).export_answers("xlsx")
        with self.assertRaises(AccessError):
            self.sub_a.with_user(self.preparer_a).action_export_raw("xlsx")
        action = (
            (self.sub_a | self.sub_b).with_user(self.officer).action_export_raw("csv")
        )
        self.assertIn("vc.survey.offline.download", action["url"])

    def test_round_zip_of_workbooks(self):
        """The round's ZIP holds one workbook per addressed unit."""
        data = base64.b64decode(
            self.round.with_user(self.officer).export_workbooks_zip()
        )
        archive = zipfile.ZipFile(io.BytesIO(data))
        self.assertEqual(len(archive.namelist()), 3)
        key = workbook_key(self.env)
        units = {
            workbook.read_meta(archive.read(n), key=key)[0]["unit_id"]
            for n in archive.namelist()
        }
        self.assertEqual(
            units, {str(u.id) for u in (self.district_a, self.district_b, self.centre)}
        )
        with self.assertRaises(AccessError):
            self.round.with_user(self.preparer_a).export_workbooks_zip()


@tagged("post_install", "-at_install")
class TestOfflineGenericVersion(FormVersionCommon):
    """An imported (2026 commune) version round-trips through Excel too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.round = cls._commune_round()
        cls.round.with_user(cls.officer).action_dispatch()
        cls.sub_ward = cls.round.submission_ids.filtered(
            lambda s: s.unit_id == cls.ward
        )

    def test_imported_version_round_trip(self):
        """Export the commune's form to Excel and import it back unchanged."""
        sub = self.sub_ward.with_user(self.prep_ward)
        sub.set_answers(commune_answers())
        before = sub.get_answers()
        data = base64.b64decode(sub.export_workbook())
        result = sub.import_workbook(b64(data), "phieu.xlsx")
        self.assertEqual((result["ok"], result["changed"]), (True, False), result)
        self.assertEqual(sub.get_answers(), before)
        # filled by names with new answers: exactly those
        answers = dict(commune_answers(), endpoints=4, upgraded=False)
        filled = workbook.fill_workbook(data, sub._get_form(), answers, clear=True)
        result = sub.import_workbook(b64(filled), "phieu.xlsx")
        self.assertTrue(result["ok"], result["errors"])
        held = {k: v for k, v in sub.get_answers().items() if v not in (None, [])}
        self.assertEqual(held, answers)
