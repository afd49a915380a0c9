import re
import subprocess
import tempfile
import unittest
from datetime import date
from pathlib import Path

from odoo.tests import tagged

from vcsurvey import render

from .common import VcSurveyCommon
from .test_documents import HAVE_TOOLS, NO_TOOLS, documents_of, pdf_text


def pdf_layout(raw):
    """pdftotext -layout: the lines as printed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(raw)
        return subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode("utf-8")


def docx_to_pdf(raw):
    """Open a DOCX in LibreOffice as the clerk would and print it to PDF."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "document.docx").write_bytes(raw)
        subprocess.run(
            [
                render.soffice_binary(),
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work / "out"),
                str(work / "document.docx"),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (work / "out" / "document.pdf").read_bytes()


@unittest.skipUnless(HAVE_TOOLS, NO_TOOLS)
@tagged("post_install", "-at_install")
class TestDocumentsUi(VcSurveyCommon):
    """The printed form of a deputy's sign-off and the numbered dispatch,
    rendered once for the class and read back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.district_a.write({"head_title": "Chủ tịch", "deputy_title": "Phó Chủ tịch"})
        cls._fill_and_submit(cls, cls.sub_a)
        cls.sub_a.with_user(cls.deputy_a).action_approve()
        cls.print_action = cls.sub_a.with_user(cls.preparer_a).action_print_form()
        cls.form = documents_of(cls.sub_a, "form")
        # the officer prints the draft dispatch, then the clerk numbers it
        # through the dialog, which shows and passes the date
        cls.round.with_user(cls.officer).action_generate_dispatch()
        action = (
            cls.round.with_user(cls.clerk)
            .with_context(vc_kind="dispatch")
            .action_open_number_wizard()
        )
        cls.wizard = (
            cls.env[action["res_model"]]
            .with_user(cls.clerk)
            .with_context(action["context"])
            .create({"date": date(2017, 12, 20)})
        )
        cls.wizard.action_confirm()
        cls.dispatch = cls.env["ir.attachment"].search(
            [
                ("res_model", "=", "vc.survey.round"),
                ("res_id", "=", cls.round.id),
                ("vc_document_kind", "=", "dispatch"),
            ]
        )

    def test_deputy_signs_kt_with_own_title_line(self):
        """ "KT. CHỦ TỊCH" then "PHÓ CHỦ TỊCH" on the next line, then the name."""
        lines = [line.strip() for line in pdf_layout(self.form["pdf"].raw).splitlines()]
        kt = next(i for i, line in enumerate(lines) if "KT. CHỦ TỊCH" in line)
        self.assertIn("PHÓ CHỦ TỊCH", lines[kt + 1])
        self.assertNotIn("THỦ TRƯỞNG ĐƠN VỊ", "\n".join(lines))
        self.assertIn("deputy_a", "\n".join(lines[kt:]))

    def test_printed_form_has_no_question_codes(self):
        """No "[B.name]", "[I.3.camera]" … on the printed form."""
        text = pdf_text(self.form["pdf"].raw)
        self.assertIn("Hội trường UBND huyện", text)
        self.assertFalse(re.search(r"\[(B|I|II|C)\.", text), text[:500])

    def test_print_notifies_and_reloads(self):
        """Printing says it is done, links the PDF and reloads the form."""
        params = self.print_action["params"]
        self.assertEqual(self.print_action["tag"], "display_notification")
        self.assertIn(f"/web/content/{self.form['pdf'].id}", params["links"][0]["url"])
        self.assertEqual(params["next"]["tag"], "soft_reload")

    def test_numbering_prints_the_numbered_dispatch_and_keeps_the_draft(self):
        """After numbering: numbered ODT/DOCX/PDF, the drafts kept as history."""
        names = sorted(self.dispatch.mapped("name"))
        self.assertEqual(
            names,
            [
                "Cong-van-01-STTTT-CNTT.docx",
                "Cong-van-01-STTTT-CNTT.odt",
                "Cong-van-01-STTTT-CNTT.pdf",
                "Cong-van-2017-du-thao.docx",
                "Cong-van-2017-du-thao.odt",
                "Cong-van-2017-du-thao.pdf",
            ],
        )
        numbered = self.dispatch.filtered(lambda a: a.name.endswith("CNTT.pdf"))
        text = pdf_text(numbered.raw)
        self.assertIn("Số: 01/STTTT-CNTT", text)
        self.assertIn("Hà Giang, ngày 20 tháng 12 năm 2017", text)

    def test_numbering_date_chooses_the_register_year(self):
        """The date given in the dialog is the document's and the register's."""
        self.assertEqual(self.round.dispatch_date, date(2017, 12, 20))
        self.assertEqual(self.round.dispatch_register_id.year, 2017)
        self.assertIn("2017", self.wizard.year_note)
        self.assertEqual(self.wizard.year_note.count("2017"), 1)  # no warning
        rnd = self._make_round(year=2019)
        rnd.with_user(self.officer).action_dispatch()
        wizard = (
            self.env["vc.document.number.wizard"]
            .with_user(self.clerk)
            .create({"round_id": rnd.id, "kind": "summary", "date": date(2026, 12, 2)})
        )
        # the dialog warns: the date's year (2026) is not the round's (2019)
        self.assertIn("2026", wizard.year_note)
        self.assertIn("2019", wizard.year_note)
        wizard.action_confirm()
        self.assertEqual(rnd.summary_register_id.year, 2026)
        self.assertEqual(rnd.summary_date, date(2026, 12, 2))

    def test_dispatch_docx_heading_lines_stay_whole(self):
        """The numbered DOCX, opened and printed again, keeps each heading line."""
        docx = self.dispatch.filtered(lambda a: a.name.endswith("CNTT.docx"))
        lines = pdf_layout(docx_to_pdf(docx.raw)).split("\f")[0].splitlines()
        for expected in (
            "UBND TỈNH",
            "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Số: 01/STTTT-CNTT",
            "Hà Giang, ngày 20 tháng 12 năm 2017",
        ):
            self.assertTrue(any(expected in line for line in lines), expected)
