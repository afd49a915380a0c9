import base64
import io
import shutil
import subprocess
import tempfile
import unittest
import zipfile
from datetime import date
from pathlib import Path
from unittest.mock import patch

import openpyxl
import psycopg2

from odoo import api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.registry import Registry
from odoo.tests import Form, new_test_user, tagged
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import mute_logger

from vcsurvey import render, templates
from vcsurvey.xlsx import SHEETS

from .common import VcSurveyCommon

HAVE_TOOLS = bool(shutil.which("soffice") and shutil.which("pdftotext"))
NO_TOOLS = "LibreOffice (soffice) and pdftotext are needed to read documents back"


def pdf_text(raw):
    """The text of a PDF, whitespace collapsed (pdftotext breaks lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(raw)
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode("utf-8")
    return " ".join(out.split())


def odt_content(raw):
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return archive.read("content.xml").decode("utf-8")


def documents_of(record, kind):
    """{extension: attachment} of the generated documents of ``kind``."""
    attachments = record.env["ir.attachment"].search(
        [
            ("res_model", "=", record._name),
            ("res_id", "=", record.id),
            ("vc_document_kind", "=", kind),
            ("vc_archived", "=", False),
        ]
    )
    return {a.name.rsplit(".", 1)[1]: a for a in attachments}


@tagged("post_install", "-at_install")
class TestNumbering(VcSurveyCommon):
    """The outgoing register; no LibreOffice needed."""

    def _issue(self, rnd, day, user=None):
        rnd.with_user(self.officer).dispatch_date = day
        rnd.with_user(user or self.clerk).action_issue_dispatch_number()
        return rnd

    def test_sequences_are_yearly_and_locking(self):
        """One no-gap, yearly sequence per document type."""
        for xmlid in ("seq_vc_document_dispatch", "seq_vc_document_summary"):
            seq = self.env.ref(f"hg_videoconf_survey.{xmlid}")
            self.assertEqual(seq.implementation, "no_gap")
            self.assertTrue(seq.use_date_range)

    def test_issue_dispatch_number(self):
        """The clerk numbers the dispatch and the register line is written."""
        self._issue(self.round, date(2017, 12, 20))
        self.assertEqual(self.round.dispatch_number, 1)
        self.assertEqual(self.round.dispatch_date, date(2017, 12, 20))
        line = self.round.dispatch_register_id
        self.assertEqual(line.display_number, "01/STTTT-CNTT")
        self.assertEqual((line.document_type, line.year), ("dispatch", 2017))
        self.assertEqual(
            (line.res_model, line.res_id), (self.round._name, self.round.id)
        )
        self.assertIn(self.round.subject, line.subject)
        self.assertIn("UBND các huyện, thành phố", line.recipients)
        self.assertIn("Nguyễn Văn Tuệ", line.signer)
        self.assertEqual(line.issued_by_id, self.clerk)

    def test_issue_sets_today_when_no_date(self):
        """Without a dispatch date, the number is dated today."""
        rnd = self._make_round(year=2018)
        rnd.with_user(self.clerk).action_issue_dispatch_number()
        self.assertTrue(rnd.dispatch_date)
        self.assertEqual(rnd.dispatch_register_id.year, rnd.dispatch_date.year)

    def test_only_clerk_and_only_once(self):
        """Others get AccessError; a numbered dispatch is not numbered again."""
        for user in (self.officer, self.leader, self.preparer_a, self.head_a):
            with self.assertRaises(AccessError):
                self.round.with_user(user).action_issue_dispatch_number()
            with self.assertRaises(AccessError):
                self.round.with_user(user).action_issue_summary_number()
        self._issue(self.round, date(2017, 12, 20))
        with self.assertRaises(UserError):
            self.round.with_user(self.clerk).action_issue_dispatch_number()
        self.assertEqual(self.env["vc.document.register"].search_count([]), 1)

    def test_numbers_per_type_and_year(self):
        """Each type counts on its own and starts again at 1 each year."""
        second = self._make_round(year=2018)
        third = self._make_round(year=2019)
        self._issue(self.round, date(2017, 12, 20))
        self._issue(second, date(2017, 12, 21))
        self._issue(third, date(2018, 1, 5))
        self.assertEqual(
            [self.round.dispatch_number, second.dispatch_number, third.dispatch_number],
            [1, 2, 1],
        )
        self.round.with_user(self.officer).summary_date = date(2017, 12, 28)
        self.round.with_user(self.clerk).action_issue_summary_number()
        self.assertEqual(self.round.summary_number, 1)
        self.assertEqual(self.round.summary_register_id.display_number, "01/BC-STTTT")
        with self.assertRaises(UserError):
            self.round.with_user(self.clerk).action_issue_summary_number()
        # a draft round has no summary to number
        with self.assertRaises(UserError):
            second.with_user(self.clerk).action_issue_summary_number()

    def test_forms_open_for_every_role(self):
        """The extended round and form views load for each role."""
        # (Unit users do not open the round's form: it lists other units.)
        for user in (self.officer, self.clerk, self.leader):
            with self.subTest(user=user.login):
                form = Form(self.round.with_user(user))
                self.assertEqual(form.name, self.round.name)
        form = Form(self.sub_a.with_user(self.preparer_a))
        self.assertEqual(len(form.document_ids), 0)

    def test_unique_number_constraint(self):
        """The database refuses a number issued twice for a type and year."""
        self._issue(self.round, date(2017, 12, 20))
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.cr.savepoint():
                self.env["vc.document.register"].create(
                    {
                        "number": 1,
                        "notation": "STTTT-CNTT",
                        "year": 2017,
                        "date": date(2017, 12, 30),
                        "document_type": "dispatch",
                    }
                )
                self.env.flush_all()

    def test_register_line_is_frozen(self):
        """Number and source never change and a line is never deleted."""
        self._issue(self.round, date(2017, 12, 20))
        line = self.round.dispatch_register_id.with_user(self.clerk)
        line.write({"date_sent": date(2017, 12, 21), "copies": 12})
        with self.assertRaises(UserError):
            line.write({"number": 7})
        with self.assertRaises(UserError):
            line.sudo().unlink()
        with self.assertRaises(AccessError):
            line.with_user(self.officer).write({"notes": "x"})


@tagged("post_install", "-at_install")
class TestNumberingConcurrency(BaseCase):
    """Two real transactions drawing a number at the same time.

    A TransactionCase cannot show this (its cursors share one transaction),
    so, as Odoo's own test_ir_sequence does, this opens two independent
    cursors; both are rolled back, nothing is committed.  What it proves: while
    one transaction holds a freshly drawn number, a second one cannot draw
    (LockNotAvailable at once, the error Odoo's RPC layer retries), even for
    the first number of a year (no date range yet); once the first rolls
    back, the second gets the very same number (no gap).  What it does not
    prove: the case where the first commits and the second, started before,
    is retried after a serialization failure; that follows from PostgreSQL's
    REPEATABLE READ rules and the unique constraint, not from this test.
    """

    def test_concurrent_issues_do_not_share_a_number(self):
        """A second concurrent issue is refused instead of repeating a number."""
        registry = Registry(get_db_name())
        day = date(2097, 3, 1)  # a year no other test uses: no date range yet
        cr0, cr1 = registry.cursor(), registry.cursor()
        try:
            env0 = api.Environment(cr0, api.SUPERUSER_ID, {})
            env1 = api.Environment(cr1, api.SUPERUSER_ID, {})
            first = env0["vc.document.register"]._next_number("dispatch", day)
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaises(psycopg2.errors.LockNotAvailable),
            ):
                env1["vc.document.register"]._next_number("dispatch", day)
            cr1.rollback()
            # the other type is not blocked by it
            self.assertEqual(
                env1["vc.document.register"]._next_number("summary", day), 1
            )
            cr1.rollback()
            cr0.rollback()
            again = env1["vc.document.register"]._next_number("dispatch", day)
            self.assertEqual(again, first)
        finally:
            cr0.rollback()
            cr1.rollback()
            cr0.close()
            cr1.close()


@tagged("post_install", "-at_install")
class TestDocumentTemplates(VcSurveyCommon):
    """Uploaded templates: validated, and used instead of the shipped ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sysadmin = new_test_user(
            cls.env, login="sysadmin", groups="base.group_user,base.group_system"
        )

    def _upload(self, raw, user=None, name="dispatch.odt"):
        return (
            self.env["vc.document.template"]
            .with_user(user or self.sysadmin)
            .create(
                {
                    "name": "Công văn (mẫu sửa)",
                    "document_type": "dispatch",
                    "template_file": base64.b64encode(raw),
                    "template_filename": name,
                }
            )
        )

    @staticmethod
    def _zip(members):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return buffer.getvalue()

    def _shipped_with_marker(self, marker):
        shipped = templates.template_path("dispatch.odt").read_bytes()
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(shipped)) as src,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "content.xml":
                    data = data.replace(
                        b"</office:text>",
                        f"<text:p>{marker}</text:p></office:text>".encode(),
                    )
                dst.writestr(item, data)
        return out.getvalue()

    def test_bad_upload_refused(self):
        """Not a zip, no mimetype, a spreadsheet: each a clear ValidationError."""
        cases = {
            b"%PDF-1.4 not an odt": "zip",
            self._zip({"content.xml": "<x/>"}): "mimetype",
            self._zip(
                {
                    "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                    "content.xml": "<x/>",
                }
            ): "opendocument.spreadsheet",
            self._zip(
                {"mimetype": "application/vnd.oasis.opendocument.text"}
            ): "content.xml",
        }
        for raw, expected in cases.items():
            with (
                self.subTest(expected=expected),
                self.assertRaises(ValidationError) as caught,
            ):
                self._upload(raw, name="bad.odt")
            self.assertIn("bad.odt", str(caught.exception))
            self.assertIn(expected, str(caught.exception))

    def test_only_administrators_manage_templates(self):
        """Templates are code to the renderer: system administrators only."""
        raw = templates.template_path("dispatch.odt").read_bytes()
        for user in (self.clerk, self.preparer_a, self.officer, self.leader):
            with self.assertRaises(AccessError):
                self._upload(raw, user=user)

    def test_uploaded_template_is_used(self):
        """The active upload replaces the shipped template; archived, it does not."""
        template = self._upload(self._shipped_with_marker("MAU-THAY-THE-42"))
        renderer = self.env["vc.document.renderer"]
        data = self.round._prepare_dispatch_data()
        odt = renderer._dispatch_odts(data, with_forms=False)["dispatch"]
        self.assertIn("MAU-THAY-THE-42", odt_content(odt))
        self.assertIn("Nguyễn Văn Tuệ", odt_content(odt))
        template.active = False
        odt = renderer._dispatch_odts(data, with_forms=False)["dispatch"]
        self.assertNotIn("MAU-THAY-THE-42", odt_content(odt))

    def test_render_error_is_user_error_and_nothing_stored(self):
        """LibreOffice failing becomes a UserError with its message; no file kept."""
        failure = render.RenderError(
            "LibreOffice failed (exit code 1) converting 'dispatch'. "
            "LibreOffice said: [stderr] boom"
        )
        with patch.object(render, "convert", side_effect=failure):
            with self.assertRaises(UserError) as caught:
                self.round.with_user(self.officer).action_generate_dispatch()
        self.assertIn("boom", str(caught.exception))
        self.assertFalse(documents_of(self.round, "dispatch"))

    def test_forms_printed_in_one_batch(self):
        """Several forms print with one LibreOffice start per format."""
        calls = []

        def fake_convert(odts, fmt):
            calls.append((fmt, sorted(odts)))
            return {key: f"{fmt}:{key}".encode() for key in odts}

        subs = self.sub_a | self.sub_c
        with patch.object(render, "convert", side_effect=fake_convert):
            action = subs.with_user(self.officer).action_print_form()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(sorted(fmt for fmt, _keys in calls), ["docx", "pdf"])
        self.assertTrue(all(len(keys) == 2 for _fmt, keys in calls))
        for sub in subs:
            printed = documents_of(sub, "form")
            self.assertEqual(sorted(printed), ["docx", "odt", "pdf"])
            self.assertTrue(printed["pdf"].raw.startswith(b"pdf:"))
            self.assertIn(sub.unit_id.name, printed["pdf"].description)

    def test_missing_signer_is_user_error(self):
        """An incomplete dispatch is refused before anything is printed."""
        rnd = self._make_round(year=2018)
        rnd.signer_name = False
        with self.assertRaises(UserError):
            rnd.with_user(self.officer).action_generate_dispatch()


@unittest.skipUnless(HAVE_TOOLS, NO_TOOLS)
@tagged("post_install", "-at_install")
class TestDocuments(VcSurveyCommon):
    """The dispatch, a filled form and the summary, each rendered once for the
    whole class (LibreOffice starts cost seconds) and read back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._fill_and_submit(cls, cls.sub_a)
        cls.sub_a.with_user(cls.deputy_a).action_approve()
        cls.sub_a.with_user(cls.officer).action_receive()
        cls._fill_and_submit(cls, cls.sub_c)
        cls.sub_c.with_user(cls.head_c).action_approve()
        cls.round.with_user(cls.officer).write(
            {
                "dispatch_date": date(2017, 12, 20),
                "summary_date": date(2018, 1, 15),
                "softcopy_email": "ltmy.stttt@hagiang.gov.vn",
            }
        )
        cls.round.with_user(cls.clerk).action_issue_dispatch_number()
        cls.round.with_user(cls.clerk).action_issue_summary_number()
        cls.round.with_user(cls.officer).action_generate_dispatch()
        cls.form_action = cls.sub_a.with_user(cls.preparer_a).action_print_form()
        cls.round.with_user(cls.officer).action_generate_summary()
        cls.dispatch = documents_of(cls.round, "dispatch")
        cls.form = documents_of(cls.sub_a, "form")
        cls.summary = documents_of(cls.round, "summary")

    def test_dispatch_outputs(self):
        """ODT, DOCX and PDF stored on the round with ASCII names."""
        self.assertEqual(
            sorted(a.name for a in self.dispatch.values()),
            [
                "Cong-van-01-STTTT-CNTT.docx",
                "Cong-van-01-STTTT-CNTT.odt",
                "Cong-van-01-STTTT-CNTT.pdf",
            ],
        )
        pdf = self.dispatch["pdf"]
        self.assertEqual(pdf.mimetype, "application/pdf")
        self.assertIn("Công văn số 01/STTTT-CNTT", pdf.description)
        self.assertTrue(self.dispatch["pdf"].raw.startswith(b"%PDF"))
        listed = self.round.with_user(self.officer).document_ids
        self.assertLessEqual({a.id for a in self.dispatch.values()}, set(listed.ids))
        with zipfile.ZipFile(io.BytesIO(self.dispatch["docx"].raw)) as docx:
            self.assertIn("word/document.xml", docx.namelist())
        self.assertIn("Số: 01/STTTT-CNTT", odt_content(self.dispatch["odt"].raw))

    def test_dispatch_pdf_text(self):
        """The PDF reads as the dispatch, followed by the blank forms."""
        text = pdf_text(self.dispatch["pdf"].raw)
        for expected in (
            "Số: 01/STTTT-CNTT",
            "Hà Giang, ngày 20 tháng 12 năm 2017",
            "V/v báo cáo công tác quản lý, vận hành hệ thống giao ban",
            "UBND các huyện, thành phố",
            "Trung tâm CNTT & Truyền thông",
            "Lưu: VT, CNTT.",
            "ltmy.stttt@hagiang.gov.vn",
            "Nguyễn Văn Tuệ",
            # the blank forms of both types follow the dispatch
            "(dành cho UBND các huyện, thành phố)",
            "(Dành riêng cho Trung tâm CNTT&TT tỉnh Hà Giang)",
        ):
            self.assertIn(expected, text)

    def test_form_printed(self):
        """The filled form carries the unit's answers and the deputy's "KT."."""
        # a notification offering the PDF, then the form reloads (Documents tab)
        self.assertEqual(self.form_action["tag"], "display_notification")
        params = self.form_action["params"]
        self.assertEqual(params["next"]["tag"], "soft_reload")
        self.assertEqual(
            sorted(self.form),
            ["docx", "odt", "pdf"],
        )
        self.assertEqual(self.form["pdf"].name, "Phieu-khao-sat-2017-T-A.pdf")
        self.assertIn(str(self.form["pdf"].id), params["links"][0]["url"])
        text = pdf_text(self.form["pdf"].raw)
        for expected in (
            "UBND huyện Alpha",
            "Trần Văn Bình",
            "Hội trường UBND huyện",
            "10.99.1.10",
            "Mất tiếng",
            "Lỏng dây micro",
            "Tiết kiệm chi phí đi lại",
            "KT.",
            "deputy_a",
        ):
            self.assertIn(expected, text)

    def test_form_print_access(self):
        """Anyone who reads the form prints it; another unit cannot."""
        with self.assertRaises(AccessError):
            self.sub_a.with_user(self.preparer_b).action_print_form()

    def test_summary_outputs(self):
        """Summary stored in four formats; the round is consolidated."""
        self.assertEqual(self.round.state, "consolidated")
        self.assertEqual(
            sorted(self.summary),
            ["docx", "odt", "pdf", "xlsx"],
        )
        self.assertEqual(self.summary["pdf"].name, "Bao-cao-01-BC-STTTT.pdf")
        text = pdf_text(self.summary["pdf"].raw)
        self.assertIn("Số: 01/BC-STTTT", text)
        self.assertIn("UBND huyện Alpha", text)
        self.assertIn("Lưu: VT, CNTT.", text)

    def test_summary_workbook(self):
        """The workbook has a sheet per part; the meetings total is the data's."""
        wb = openpyxl.load_workbook(io.BytesIO(self.summary["xlsx"].raw))
        self.assertEqual(wb.sheetnames, list(SHEETS))
        ws = wb["Phần I"]
        units = [ws.cell(row=r, column=2).value for r in range(3, ws.max_row + 1)]
        self.assertIn("UBND huyện Alpha", units)
        self.assertNotIn("UBND huyện Bêta", units)  # still a draft
        total_row = units.index("Tổng cộng") + 3
        meetings = [
            ws.cell(row=r, column=5).value
            for r in range(3, total_row)
            if isinstance(ws.cell(row=r, column=5).value, int)
        ]
        self.assertEqual(sum(meetings), 24)
        self.assertEqual(
            ws.cell(row=total_row, column=5).value, f"=SUM(E3:E{total_row - 1})"
        )

    def test_regenerate_summary_stays_consolidated(self):
        """Generating again replaces the summary and keeps the state."""
        fake = dict.fromkeys(("odt", "docx", "pdf", "xlsx"), b"new")
        renderer = type(self.env["vc.document.renderer"])
        print_menu = self.env.ref(
            "hg_videoconf_survey.vc_survey_round_action_print_summary"
        )
        with patch.object(renderer, "_render_summary", return_value=fake):
            action = (
                print_menu.with_user(self.officer)
                .with_context(
                    active_model="vc.survey.round",
                    active_id=self.round.id,
                    active_ids=self.round.ids,
                )
                .run()
            )
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self.round.state, "consolidated")
        again = documents_of(self.round, "summary")
        self.assertEqual(len(again), 4)
        self.assertEqual(again["pdf"].raw, b"new")

    def test_only_officer_generates(self):
        """The dispatch and the summary are the department's."""
        for user in (self.clerk, self.preparer_a, self.head_a):
            with self.assertRaises(AccessError):
                self.round.with_user(user).action_generate_dispatch()
            with self.assertRaises(AccessError):
                self.round.with_user(user).action_generate_summary()

    def test_print_menu_entries(self):
        """The documents are offered in the Print menu of their records."""
        Actions = self.env["ir.actions.actions"]
        bindings = Actions.with_user(self.officer).get_bindings("vc.survey.round")
        names = {a["name"] for a in bindings["report"]}
        self.assertIn("Dispatch (ODT, DOCX, PDF)", names)
        self.assertIn("Consolidated summary (ODT, DOCX, PDF, XLSX)", names)
        clerk = Actions.with_user(self.clerk).get_bindings("vc.survey.round")
        self.assertFalse(clerk.get("report"))
        bindings = Actions.with_user(self.preparer_a).get_bindings(
            "vc.survey.submission"
        )
        self.assertIn(
            "Survey form (ODT, DOCX, PDF)", {a["name"] for a in bindings["report"]}
        )
