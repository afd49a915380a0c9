import base64
import io
import unittest
from datetime import timedelta

import openpyxl

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from vcsurvey import forms, xlsform

from .common import MODULE, VcCommon, VcSurveyCommon
from .test_documents import HAVE_TOOLS, NO_TOOLS, pdf_text
from .xlsform_data import b64, bad_form, commune_answers, commune_form


class FormVersionCommon(VcCommon):
    """A two-tier tree (province -> communes) with its users, and the agency
    of 2026 in the company settings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {
                "vc_parent_agency": "UBND TỈNH TUYÊN QUANG",
                "vc_agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                "vc_place": "Tuyên Quang",
                "vc_notation": "SKHCN-CNTT",
                "vc_signer_title": "GIÁM ĐỐC",
                "vc_signer_name": "Trần Văn Khoa",
                "vc_reply_email": "cntt@skhcn.example.gov.vn",
            }
        )
        unit = cls._unit
        cls.tq = unit("UBND tỉnh Q", "Q", cls.level_province)
        cls.ward = unit("UBND phường Q1", "Q-1", cls.level_commune, cls.tq)
        cls.commune = unit("UBND xã Q2", "Q-2", cls.level_commune, cls.tq)
        g = f"{MODULE}.group_"
        cls.prep_ward = cls._user("prep_ward", g + "unit_preparer", cls.ward)
        cls.head_ward = cls._user("head_ward", g + "unit_head", cls.ward)
        cls.prep_commune = cls._user("prep_commune", g + "unit_preparer", cls.commune)
        cls.ward.write(
            {"head_id": cls.head_ward.id, "preparer_ids": [(6, 0, cls.prep_ward.ids)]}
        )
        cls.commune.write({"preparer_ids": [(6, 0, cls.prep_commune.ids)]})
        cls.env["vc.endpoint"].create(
            {
                "name": "Điểm cầu phường Q1",
                "unit_id": cls.ward.id,
                "network": "district_commune",
                "ip_address": "10.98.1.1",
            }
        )
        Form = cls.env["vc.survey.form"].with_user(cls.officer)
        cls.version = Form.browse(Form.import_xlsform(b64(commune_form()), "xa.xlsx"))

    @classmethod
    def _commune_round(cls, year=2026):
        return (
            cls.env["vc.survey.round"]
            .with_user(cls.officer)
            .create(
                {
                    "name": f"Khảo sát {year}",
                    "year": year,
                    "subject": f"báo cáo hệ thống hội nghị truyền hình năm {year}",
                    "deadline": fields.Date.today() + timedelta(days=30),
                    "legal_basis": False,
                    "line_ids": [
                        (0, 0, {"unit_id": cls.ward.id, "form_id": cls.version.id}),
                        (0, 0, {"unit_id": cls.commune.id, "form_id": cls.version.id}),
                    ],
                }
            )
        )


@tagged("post_install", "-at_install")
class TestFormImport(FormVersionCommon):
    def test_import_good_xlsform(self):
        """A good workbook becomes a version: texts, definition, source file."""
        version = self.version
        self.assertEqual(version.code, "test_commune")
        self.assertEqual(version.version, "2026")
        self.assertEqual(version.summary_kind, "generic")
        self.assertEqual(version.form_type, "commune")
        self.assertEqual(version.question_count, 7)
        self.assertEqual(version.audience, "(dành cho UBND các xã, phường)")
        self.assertEqual(version.xlsform_filename, "xa.xlsx")
        self.assertTrue(version.xlsform_file)
        definition = version.get_definition()
        self.assertEqual(definition.question("endpoints").constraint, ". >= 1")
        self.assertEqual(forms.definition_to_dict(definition), version.definition)
        # exported back, the workbook reads as the same definition
        exported = base64.b64decode(
            self.env["vc.survey.form"]
            .with_user(self.officer)
            .export_xlsform(version.id)
        )
        again = xlsform.read_xlsform(exported, "export.xlsx")
        self.assertEqual(forms.definition_to_dict(again), version.definition)

    def test_2017_versions_shipped_and_exportable(self):
        """The 2017 forms are versions loaded through the importer."""
        for form_type in ("district", "center"):
            version = self.env.ref(f"{MODULE}.form_2017_{form_type}")
            self.assertEqual(version.summary_kind, "2017")
            self.assertEqual(version.form_type, form_type)
            self.assertTrue(version.xlsform_file)
            self.assertEqual(
                version.get_definition().codes(),
                forms.get_form(form_type, "2017").codes(),
            )
            data = base64.b64decode(
                self.env["vc.survey.form"]
                .with_user(self.clerk)
                .export_xlsform(version.id)
            )
            book = openpyxl.load_workbook(io.BytesIO(data))
            self.assertIn("survey", book.sheetnames)

    def test_bad_workbook_lists_every_problem_and_creates_nothing(self):
        """Unknown type, duplicate name, ${ref} to nothing, unsupported
        function, select_one without list, bad relevant: one message."""
        Form = self.env["vc.survey.form"].with_user(self.officer)
        before = Form.with_context(active_test=False).search_count([])
        with self.assertRaises(UserError) as ctx:
            Form.with_context(lang="vi_VN").import_xlsform(b64(bad_form()), "bad.xlsx")
        message = str(ctx.exception)
        for where, what in (
            ("survey/3/type", "barcode"),
            ("survey/4/name", "ok"),
            ("survey/5/relevant", "${missing}"),
            ("survey/6/constraint", "pulldata"),
            ("survey/7/type", "nolist"),
            ("survey/8/relevant", "="),
        ):
            self.assertIn(where, message)
            line = next(li for li in message.splitlines() if where in li)
            self.assertIn(what, line)
        self.assertEqual(message.count("•"), 6)
        self.assertEqual(Form.with_context(active_test=False).search_count([]), before)

    def test_import_rights_and_hostile_files(self):
        """Only officers/administrators import; junk and huge files refused."""
        Form = self.env["vc.survey.form"]
        for user in (self.prep_ward, self.head_ward, self.clerk, self.outsider):
            with self.assertRaises(AccessError, msg=user.login):
                Form.with_user(user).import_xlsform(
                    b64(commune_form(version="9")), "x.xlsx"
                )
        officer = Form.with_user(self.officer)
        for data in (b"not base64 !!", b64(b"PK\x03\x04garbage")):
            with self.assertRaises(UserError):
                officer.import_xlsform(data, "x.xlsx")
        with self.assertRaises(UserError):
            officer.import_xlsform("A" * (3 * 1024 * 1024), "big.xlsx")
        # the same code and version twice: refused, nothing created
        with self.assertRaises(UserError):
            officer.import_xlsform(b64(commune_form()), "again.xlsx")
        self.assertEqual(Form.search_count([("code", "=", "test_commune")]), 1)

    def test_wizard_imports(self):
        wizard = (
            self.env["vc.form.import.wizard"]
            .with_user(self.officer)
            .create({"file": b64(commune_form(version="2027")), "filename": "x.xlsx"})
        )
        action = wizard.action_import()
        self.assertEqual(
            self.env["vc.survey.form"].browse(action["res_id"]).version, "2027"
        )


@tagged("post_install", "-at_install")
class TestFrozenVersion(FormVersionCommon):
    def test_frozen_once_dispatched(self):
        """A version used by a dispatched round refuses edits and deletion;
        "Duplicate as new version" gives an editable copy."""
        version = self.version.with_user(self.officer)
        version.write({"title": "Tiêu đề khác"})  # still free, and printed
        self.assertEqual(version.get_definition().title, "Tiêu đề khác")
        with self.assertRaises(AccessError):
            version.write({"definition": {}})  # only the importer writes it
        with self.assertRaises(AccessError):
            self.version.with_user(self.prep_ward).write({"title": "x"})
        rnd = self._commune_round()
        with self.assertRaises(UserError):
            version.unlink()  # used by a (draft) round
        rnd.action_dispatch()
        self.assertEqual(version.state, "frozen")
        for vals in (
            {"title": "x"},
            {"version": "x"},
            {"code": "x"},
        ):
            with self.assertRaises(UserError, msg=str(vals)):
                version.write(vals)
        with self.assertRaises(UserError):
            version.unlink()
        version.write({"name": "Phiếu xã (đã dùng)"})  # the name is not the form
        action = version.action_new_version()
        new = self.env["vc.survey.form"].browse(action["res_id"])
        self.assertEqual(new.version, "2027")
        self.assertEqual(new.state, "open")
        self.assertEqual(new.get_definition().codes(), version.get_definition().codes())
        new.with_user(self.officer).write({"title": "Phiếu 2027"})
        with self.assertRaises(AccessError):
            version.with_user(self.prep_ward).action_new_version()


@tagged("post_install", "-at_install")
class TestAnswersApi(FormVersionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.round = cls._commune_round()
        cls.round.with_user(cls.officer).action_dispatch()
        cls.sub_ward = cls.round.submission_ids.filtered(
            lambda s: s.unit_id == cls.ward
        )

    def test_prefill_and_unanswered(self):
        answers = self.sub_ward.with_user(self.prep_ward).get_answers()
        self.assertEqual(answers["unit"], "UBND phường Q1")
        self.assertIsNone(answers["network"])
        self.assertIsNone(answers["upgrade_note"])
        self.assertIs(answers["upgraded"], False)  # the XLSForm default
        self.assertEqual(self.sub_ward.form_id, self.version)

    def test_set_and_get(self):
        sub = self.sub_ward.with_user(self.prep_ward)
        sub.set_answers(commune_answers())
        answers = sub.get_answers()
        self.assertEqual(answers["endpoints"], 1)
        self.assertIs(answers["upgraded"], True)
        self.assertEqual(answers["incidents"], [{"symptom": "Mất tiếng", "count": 2}])
        self.assertEqual(sub.answers["provider"], "Sùng Thị Mai")
        # None clears; "" is no answer either
        sub.set_answers({"upgrade_note": None, "provider": "  "})
        answers = sub.get_answers()
        self.assertIsNone(answers["upgrade_note"])
        self.assertIsNone(answers["provider"])
        # reporting lines follow the answers
        lines = self.env["vc.survey.answer.line"].search(
            [("submission_id", "=", sub.id)]
        )
        by_code = {line.question_code: line for line in lines}
        self.assertEqual(by_code["endpoints"].value_number, 1)
        self.assertEqual(by_code["network"].choice_label, "Ổn định")
        self.assertNotIn("provider", by_code)
        # the web client's write goes through the same checks
        sub.write({"answers": dict(sub.answers, endpoints=3)})
        self.assertEqual(sub.get_answers()["endpoints"], 3)
        with self.assertRaises(UserError):
            sub.write({"answers": dict(sub.answers, endpoints="three")})

    def test_refuses_unknown_names_and_bad_types_all_or_nothing(self):
        sub = self.sub_ward.with_user(self.prep_ward)
        sub.set_answers({"endpoints": 1})
        with self.assertRaises(UserError) as ctx:
            sub.set_answers(
                {
                    "endpoints": 5,
                    "B.name": "x",
                    "network": "broken",
                    "upgraded": "maybe",
                    "incidents": [{"symptom": "x", "colour": "red"}],
                }
            )
        message = str(ctx.exception)
        for name in ("B.name", "incidents", "colour"):
            self.assertIn(name, message)
        with self.assertRaises(UserError) as ctx:
            sub.set_answers({"endpoints": "năm", "network": "broken"})
        self.assertEqual(str(ctx.exception).count("•"), 2)
        self.assertEqual(sub.get_answers()["endpoints"], 1)  # nothing written
        with self.assertRaises(UserError):
            sub.set_answers(["endpoints", 1])
        with self.assertRaises(UserError):
            sub.set_answers({"incidents": [{"symptom": "x"}] * 501})

    def test_wrong_user_and_state(self):
        sub = self.sub_ward
        for user in (self.prep_commune, self.outsider):
            with self.assertRaises(AccessError, msg=user.login):
                sub.with_user(user).set_answers({"endpoints": 1})
        with self.assertRaises(AccessError):
            sub.with_user(self.clerk).set_answers({"endpoints": 1})
        sub.with_user(self.prep_ward).set_answers(commune_answers())
        sub.with_user(self.prep_ward).action_submit()
        with self.assertRaises(UserError):
            sub.with_user(self.prep_ward).set_answers({"endpoints": 2})
        with self.assertRaises(AccessError):
            sub.with_user(self.prep_ward).write({"form_id": self.version.id})

    def test_field_errors_visibility_and_submit(self):
        """Field-level messages come from the core: constraint messages on
        the field, relevant hides, submit lists every problem."""
        sub = self.sub_ward.with_user(self.prep_ward)
        sub.set_answers({"endpoints": 0, "upgraded": False})
        sub.invalidate_recordset()
        self.assertIn(
            "ít nhất 1 điểm cầu",
            sub.with_context(lang="vi_VN").answer_errors["endpoints"],
        )
        self.assertNotIn("upgrade_note", sub.answer_visible)
        with self.assertRaises(UserError) as ctx:
            sub.action_submit()
        message = str(ctx.exception)
        for label in ("Họ tên người cung cấp", "Tình trạng đường truyền", "điểm cầu"):
            self.assertIn(label, message)
        self.assertNotIn("Nội dung nâng cấp", message)  # hidden: not required
        sub.set_answers({"upgraded": True})
        self.assertIn("upgrade_note", sub.answer_visible)

    def test_endpoint_warning(self):
        """Endpoints counted vs the registry: a warning, not a refusal."""
        sub = self.sub_ward.with_user(self.prep_ward)
        sub.set_answers({"endpoints": 3})
        self.assertIn("3", sub.answer_warning)
        self.assertIn("1", sub.answer_warning)
        sub.set_answers({"endpoints": 1})
        self.assertFalse(sub.answer_warning)

    def test_layout_for_the_widget(self):
        layout = self.sub_ward.with_user(self.prep_ward).form_layout
        sections = layout["sections"]
        self.assertEqual([s["code"] for s in sections], ["B", "C"])
        questions = {q["code"]: q for q in sections[1]["children"]}
        self.assertEqual(questions["endpoints"]["bullet"], "1.")
        self.assertEqual(
            [c["value"] for c in questions["upgraded"]["choices"]], [True, False]
        )
        self.assertEqual(
            [c["name"] for c in questions["incidents"]["columns"]], ["symptom", "count"]
        )


@tagged("post_install", "-at_install")
class TestNewVersionFlow(FormVersionCommon):
    @unittest.skipUnless(HAVE_TOOLS, NO_TOOLS)
    def test_full_flow_two_tier(self):
        """Import -> round on communes -> dispatch -> fill -> submit ->
        approve -> receive -> summary + XLSX -> numbers -> archive; the
        documents carry the agency of the settings."""
        rnd = self._commune_round()
        self.assertEqual(rnd.recipients, "UBND các xã, phường")
        rnd.with_user(self.officer).action_dispatch()
        self.assertEqual(rnd.agency, "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
        self.assertEqual(rnd.dispatch_notation, "SKHCN-CNTT")
        ward = rnd.submission_ids.filtered(lambda s: s.unit_id == self.ward)
        ward.with_user(self.prep_ward).set_answers(commune_answers())
        ward.with_user(self.prep_ward).action_submit()
        ward.with_user(self.head_ward).action_approve()
        ward.with_user(self.officer).action_receive()
        self.assertEqual(ward.state, "received")
        # the settings change later: the round keeps its copy
        self.env.company.vc_agency = "SỞ KHÁC"
        rnd.with_user(self.clerk).action_issue_dispatch_number()
        rnd.with_user(self.officer).action_generate_dispatch()
        dispatch = rnd.document_ids.filtered(
            lambda a: a.vc_document_kind == "dispatch" and a.name.endswith(".pdf")
        )
        text = pdf_text(dispatch.raw)
        for wanted in (
            "UBND TỈNH TUYÊN QUANG",
            "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            "SKHCN-CNTT",
            "Tuyên Quang, ngày",
            "UBND các xã, phường",
            "PHIẾU KHẢO SÁT HỘI NGHỊ TRUYỀN HÌNH TỈNH TUYÊN QUANG NĂM 2026",
        ):
            self.assertIn(wanted, text)
        self.assertNotIn("SỞ KHÁC", text)
        self.assertNotIn("THÔNG TIN VÀ TRUYỀN THÔNG", text)
        rnd.with_user(self.officer).action_generate_summary()
        summary = rnd.document_ids.filtered(lambda a: a.vc_document_kind == "summary")
        pdf = summary.filtered(lambda a: a.name.endswith(".pdf"))
        text = pdf_text(pdf.raw)
        self.assertIn("SỞ KHOA HỌC VÀ CÔNG NGHỆ", text)
        self.assertIn("UBND phường Q1", text)
        xlsx = summary.filtered(lambda a: a.name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(xlsx.raw))
        cells = {
            str(cell.value)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        }
        self.assertIn("UBND phường Q1", " ".join(cells))
        printed = ward.with_user(self.prep_ward).action_print_form()
        self.assertTrue(printed)
        form_pdf = ward.document_ids.filtered(lambda a: a.name.endswith(".pdf"))
        self.assertIn("Sùng Thị Mai", pdf_text(form_pdf.raw))
        rnd.with_user(self.clerk).action_issue_summary_number()
        rnd.with_user(self.clerk).action_archive()
        self.assertEqual(rnd.state, "archived")


@tagged("post_install", "-at_install")
class TestAgencySnapshot(VcSurveyCommon):
    def test_2017_round_keeps_its_agency(self):
        """The round copied the agency when dispatched; later settings
        do not change it, and it can no longer be edited."""
        self.assertEqual(self.round.agency, "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")
        self.assertEqual(self.round.province, "Hà Giang")
        self.env.company.write({"vc_agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ"})
        data = self.round._prepare_dispatch_data()
        self.assertEqual(data["agency"], "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")
        self.assertEqual(data["parent_agency"], "UBND TỈNH HÀ GIANG")
        with self.assertRaises(UserError):
            self.round.with_user(self.officer).write({"agency": "SỞ KHÁC"})
        self.assertIn("UBND các huyện, thành phố", self.round.recipients)

    def test_settings_are_editable(self):
        settings = self.env["res.config.settings"].create(
            {"vc_agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "vc_notation": "SKHCN-CNTT"}
        )
        settings.execute()
        self.assertEqual(self.env.company.vc_agency, "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
        draft = self._make_round(2030)
        self.assertEqual(draft.agency, "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
        self.assertEqual(draft.dispatch_notation, "SKHCN-CNTT")
        self.assertEqual(draft.summary_notation, "BC-SKHCN")


@tagged("post_install", "-at_install")
class TestCommuneTour(FormVersionCommon, HttpCase):
    def test_commune_preparer_fills_in_the_browser(self):
        """A commune preparer fills the new version's form in the browser,
        sees the error on a bad value, fixes it and saves."""
        rnd = self._commune_round()
        rnd.with_user(self.officer).action_dispatch()
        sub = rnd.submission_ids.filtered(lambda s: s.unit_id == self.ward)
        self.start_tour(
            f"/odoo/action-{MODULE}.vc_survey_submission_action/{sub.id}",
            "vc_survey_commune_fill",
            login="prep_ward",
            timeout=120,
        )
        sub.invalidate_recordset()
        answers = sub.get_answers()
        self.assertEqual(answers["endpoints"], 1)
        self.assertEqual(answers["provider"], "Sùng Thị Mai")
        self.assertEqual(answers["unit"], "UBND phường Q1")
