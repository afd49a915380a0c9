import hashlib
import unittest
from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import VcSurveyCommon
from .test_documents import HAVE_TOOLS, NO_TOOLS, pdf_text


@unittest.skipUnless(HAVE_TOOLS, NO_TOOLS)
@tagged("post_install", "-at_install")
class TestArchive(VcSurveyCommon):
    """A consolidated round archived once by the clerk for the whole class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._fill_and_submit(cls, cls.sub_a)
        cls.sub_a.with_user(cls.head_a).action_approve()
        cls.sub_a.with_user(cls.officer).action_receive()
        cls.round.with_user(cls.officer).dispatch_date = date(2017, 12, 20)
        cls.round.with_user(cls.clerk).action_issue_dispatch_number()
        # The summary's own rendering is tested elsewhere; archiving prints
        # it again for real, with the dispatch and the form, in one start.
        fake = dict.fromkeys(("odt", "docx", "pdf", "xlsx"), b"draft")
        renderer = type(cls.env["vc.document.renderer"])
        with patch.object(renderer, "_render_summary", return_value=fake):
            cls.round.with_user(cls.officer).action_generate_summary()
        cls.round.with_user(cls.clerk).action_issue_summary_number()
        # an unrelated round still collecting its forms
        cls.other = cls._make_round(year=2018)
        cls.other.with_user(cls.officer).action_dispatch()
        cls.result = cls.round.with_user(cls.clerk).action_archive()
        cls.entries = cls.round.archive_document_ids

    def test_waiting_forms_say_why_their_buttons_are_gone(self):
        """A form left unsigned at archiving shows a banner and a chatter note."""
        self.assertTrue(self.sub_b.round_archived_waiting)
        self.assertFalse(self.sub_a.round_archived_waiting)  # received
        notes = self.sub_b.message_ids.filtered(
            lambda m: m.author_id == self.clerk.partner_id
        )
        self.assertEqual(len(notes), 1)
        self.assertIn(self.round.name, notes.body)
        self.assertFalse(
            self.sub_a.message_ids.filtered(
                lambda m: m.author_id == self.clerk.partner_id
            )
        )
        self.assertIn(
            "UBND huyện Bêta",
            " ".join(self.round.message_ids.mapped("body")),
        )

    def test_archive_freezes_the_pdfs(self):
        """Dispatch, the approved form and the summary frozen with SHA-256."""
        self.assertEqual(self.round.state, "archived")
        self.assertEqual(
            sorted(self.entries.mapped("kind")), ["dispatch", "form", "summary"]
        )
        form = self.entries.filtered(lambda e: e.kind == "form")
        self.assertEqual(form.submission_id, self.sub_a)
        self.assertEqual(form.attachment_id.res_model, "vc.survey.submission")
        self.assertEqual(form.attachment_id.res_id, self.sub_a.id)
        for entry in self.entries:
            raw = entry.attachment_id.raw
            self.assertTrue(raw.startswith(b"%PDF"), entry.name)
            self.assertEqual(entry.sha256, hashlib.sha256(raw).hexdigest())
            self.assertTrue(entry.attachment_id.vc_archived)
            self.assertEqual(entry.archived_by_id, self.clerk)
        dispatch = self.entries.filtered(lambda e: e.kind == "dispatch")
        self.assertEqual(dispatch.name, "Luu-VT-Cong-van-01-STTTT-CNTT.pdf")
        self.assertIn("Số: 01/STTTT-CNTT", pdf_text(dispatch.attachment_id.raw))
        self.assertIn("Trần Văn Bình", pdf_text(form.attachment_id.raw))
        summary = self.entries.filtered(lambda e: e.kind == "summary")
        self.assertIn("UBND huyện Alpha", pdf_text(summary.attachment_id.raw))

    def test_unnumbered_documents_refused(self):
        """A round whose summary has no number yet is not archived."""
        rnd = self._make_round(year=2019)
        rnd.with_user(self.officer).action_dispatch()
        rnd.with_user(self.clerk).action_issue_dispatch_number()
        fake = dict.fromkeys(("odt", "docx", "pdf", "xlsx"), b"draft")
        renderer = type(self.env["vc.document.renderer"])
        with patch.object(renderer, "_render_summary", return_value=fake):
            rnd.with_user(self.officer).action_generate_summary()
        with self.assertRaises(UserError) as ctx:
            rnd.with_user(self.clerk).action_archive()
        self.assertIn(rnd._document_label("summary"), str(ctx.exception))
        self.assertEqual(rnd.state, "consolidated")
        self.assertFalse(rnd.archive_document_ids)

    def test_only_clerk_archives(self):
        """Officers, leaders and units cannot archive."""
        for user in (self.officer, self.leader, self.preparer_a, self.head_a):
            with self.assertRaises(AccessError):
                self.round.with_user(user).action_archive()

    def test_only_consolidated_round(self):
        """A round still collecting (or already archived) is refused."""
        with self.assertRaises(UserError):
            self.other.with_user(self.clerk).action_archive()
        with self.assertRaises(UserError):
            self.round.with_user(self.clerk).action_archive()
        self.assertFalse(self.other.archive_document_ids)

    def test_round_and_forms_read_only(self):
        """After archiving nobody changes the round, its forms or documents."""
        with self.assertRaises(UserError):
            self.round.with_user(self.officer).write({"subject": "khác"})
        with self.assertRaises(UserError):
            self.round.with_user(self.clerk).write({"summary_notation": "X"})
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.officer).set_answers({"B.name": "Người khác"})
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.officer).action_reopen(reason="sửa")
        with self.assertRaises(UserError):
            self.sub_a.incident_line_ids.with_user(self.officer).unlink()
        with self.assertRaises(UserError):
            self.sub_b.with_user(self.preparer_b).set_answers({"B.name": "Ai đó"})
        with self.assertRaises(UserError):
            self.round.with_user(self.officer).action_generate_dispatch()
        with self.assertRaises(UserError):
            self.round.with_user(self.officer).action_generate_summary()
        with self.assertRaises(UserError):
            self.round.with_user(self.clerk).action_issue_summary_number()
        # the workflow's context key does not open an archived round
        bypass = {"vc_workflow": True}
        with self.assertRaises(UserError):
            self.round.with_user(self.officer).with_context(**bypass).write(
                {"state": "consolidated"}
            )
        with self.assertRaises(UserError):
            self.sub_a.with_user(self.officer).with_context(**bypass).write(
                {"state": "draft"}
            )
        with self.assertRaises(UserError):
            self.sub_a.incident_line_ids.with_user(self.officer).with_context(
                **bypass
            ).write({"symptom": "khác"})
        with self.assertRaises(UserError):
            self.sub_b.with_user(self.officer).unlink()
        self.round.invalidate_recordset()
        self.assertEqual(self.round.state, "archived")
        self.assertEqual(self.sub_a.state, "received")
        self.assertFalse(self.round.with_user(self.officer).can_generate_documents)

    def test_archived_files_cannot_change(self):
        """Archived attachments and entries refuse deletion and changes."""
        attachment = self.entries[0].attachment_id
        for user in (self.officer, self.clerk):
            with self.assertRaises(UserError):
                attachment.with_user(user).unlink()
        with self.assertRaises(UserError):
            attachment.sudo().unlink()
        with self.assertRaises(UserError):
            attachment.sudo().write({"raw": b"%PDF-1.4 forged"})
        with self.assertRaises(UserError):
            attachment.sudo().write({"name": "other.pdf"})
        # moving the file between storages writes the same bytes back: allowed
        attachment.sudo().write(
            {"raw": attachment.raw, "mimetype": attachment.mimetype}
        )
        with self.assertRaises(UserError):
            self.entries[0].sudo().write({"sha256": "0" * 64})
        with self.assertRaises(UserError):
            self.entries.sudo().unlink()
        self.assertTrue(attachment.exists())

    def test_print_archived_form_gives_the_frozen_copy(self):
        """Printing an archived form downloads its archived PDF."""
        action = self.sub_a.with_user(self.preparer_a).action_print_form()
        frozen = self.entries.filtered(lambda e: e.kind == "form").attachment_id
        self.assertIn(f"/web/content/{frozen.id}", action["url"])

    def test_check_archive_detects_tampering(self):
        """The check passes on intact files and names a file altered behind
        the guard (its content swapped in the filestore via SQL)."""
        result = self.round.with_user(self.clerk).action_check_archive()
        self.assertEqual(result["params"]["type"], "success")
        self.assertTrue(all(self.entries.mapped("last_check_ok")))

        target = self.entries.filtered(lambda e: e.kind == "form").attachment_id
        Attachment = self.env["ir.attachment"]
        forged = b"%PDF-1.4 forged content"
        fname = Attachment._file_write(forged, hashlib.sha1(forged).hexdigest())
        self.env.cr.execute(
            "UPDATE ir_attachment SET store_fname = %s WHERE id = %s",
            [fname, target.id],
        )
        self.env.invalidate_all()
        self.assertEqual(target.raw, forged)

        result = self.round.with_user(self.officer).action_check_archive()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn(target.name, result["params"]["message"])
        bad = self.entries.filtered(lambda e: not e.last_check_ok)
        self.assertEqual(bad.attachment_id, target)
        message = self.round.message_ids[:1]
        self.assertIn(target.name, message.body)

    def test_check_archive_access(self):
        """Units cannot run the archive check."""
        with self.assertRaises(AccessError):
            self.round.with_user(self.preparer_a).action_check_archive()

    def test_form_view_buttons(self):
        """The round's form offers the check, not the archive, once archived."""
        form = Form(self.round.with_user(self.clerk))
        self.assertTrue(form.can_check_archive)
        self.assertFalse(form.can_archive)
