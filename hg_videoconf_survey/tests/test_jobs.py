"""Background jobs: queued above the threshold, run in batches by the job
runner, progress recorded, retried safely, result attached."""

import shutil
import unittest
from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import vc_survey_job
from .common import VcSurveyCommon
from .test_scale import ScaleCommon

HAVE_SOFFICE = bool(shutil.which("soffice"))
THRESHOLD = "hg_videoconf_survey.job_threshold"


@tagged("post_install", "-at_install")
class TestDispatchJob(ScaleCommon):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(THRESHOLD, 5)
        self.rnd = self._round(self.many, 2040)
        self.Job = self.env["vc.survey.job"]

    def _run(self, **kw):
        return self.Job._run_jobs(commit=False, worker="test", **kw)

    @patch.dict(vc_survey_job.BATCH_SIZES, {"dispatch": 10})
    def test_dispatch_job_progress_and_result(self):
        """Above the threshold the dispatch is queued in batches; each run of
        a batch shows in the progress; the last one posts the result."""
        action = self.rnd.with_user(self.officer).action_dispatch()
        self.assertEqual(action["tag"], "display_notification")
        job = self.rnd.job_ids.filtered(lambda j: j.kind != "workbook_mails")
        self.assertEqual(len(job), 1)
        self.assertEqual(
            (job.kind, job.state, job.user_id), ("dispatch", "queued", self.officer)
        )
        self.assertEqual(job.batch_ids.mapped("size"), [10, 10, 4])
        self.assertEqual(self.rnd.state, "dispatched")
        self.assertFalse(self.rnd.submission_ids)
        self.assertEqual(self.rnd.with_user(self.officer).job_id, job)
        # the same job is not queued twice
        with self.assertRaises(UserError):
            self.Job.with_user(self.officer)._enqueue(self.rnd, "dispatch", [1], "x")

        self.assertEqual(self._run(limit=1), 1)
        job.invalidate_recordset()
        self.assertEqual(
            (job.state, job.progress_done, job.progress_total), ("running", 10, 24)
        )
        self.assertAlmostEqual(
            self.rnd.with_user(self.officer).job_progress, 100 * 10 / 24
        )
        self.assertEqual(len(self.rnd.submission_ids), 10)

        # the last two dispatch batches, then the workbook e-mails it queued
        self.assertEqual(self._run(), 3)
        self.env.invalidate_all()
        self.assertEqual(job.state, "done")
        self.assertEqual((job.progress_done, job.progress), (24, 100.0))
        self.assertEqual(set(job.batch_ids.mapped("state")), {"done"})
        self.assertEqual(set(job.batch_ids.mapped("attempts")), {1})
        self.assertEqual(set(job.batch_ids.mapped("worker")), {"test"})
        self.assertFalse(job.idempotency_key)
        self.assertEqual(len(self.rnd.submission_ids), 24)
        self.assertEqual(len(self.rnd.submission_ids.activity_ids), 24)
        self.assertFalse(self.rnd.with_user(self.officer).job_id)
        told = self.rnd.message_ids.filtered(
            lambda m: self.officer.partner_id in m.partner_ids
        )
        self.assertIn("24", told[:1].body)
        self.assertEqual(self._run(), 0)  # nothing left

    @patch.dict(vc_survey_job.BATCH_SIZES, {"dispatch": 10})
    def test_failed_batch_is_retried_then_fails_the_job(self):
        """A failing batch is rolled back and queued again; it never leaves
        half its forms; after the last attempt the job fails with its error."""
        self.rnd.with_user(self.officer).action_dispatch()
        job = self.rnd.job_ids.filtered(lambda j: j.kind != "workbook_mails")
        Round = type(self.env["vc.survey.round"])
        real = Round._dispatch_lines
        calls = []

        def flaky(rnd, lines):
            calls.append(len(lines))
            real(rnd, lines[:3])  # half done, then it breaks
            if len(calls) == 1:
                raise RuntimeError("LibreOffice went away")
            return real(rnd, lines)

        with (
            patch.object(Round, "_dispatch_lines", flaky),
            mute_logger("odoo.addons.hg_videoconf_survey.models.vc_survey_job"),
        ):
            self._run(limit=1)
            batch = job.batch_ids[0]
            self.env.invalidate_all()
            self.assertEqual((batch.state, batch.attempts), ("queued", 1))
            self.assertIn("LibreOffice went away", batch.error)
            self.assertEqual(job.retry_count, 1)
            self.assertFalse(self.rnd.submission_ids)  # rolled back entirely
            self._run()
        self.env.invalidate_all()
        self.assertEqual(job.state, "done")
        self.assertEqual(len(self.rnd.submission_ids), 24)

        def broken(rnd, lines):
            raise RuntimeError("disk full")

        rnd2 = self._round(self.many[:8], 2041)
        rnd2.with_user(self.officer).action_dispatch()
        with (
            patch.object(Round, "_dispatch_lines", broken),
            mute_logger("odoo.addons.hg_videoconf_survey.models.vc_survey_job"),
        ):
            self._run()
        job2 = rnd2.job_ids.filtered(lambda j: j.kind != "workbook_mails")
        self.env.invalidate_all()
        self.assertEqual(job2.state, "failed")
        self.assertEqual(job2.batch_ids.attempts, vc_survey_job.MAX_ATTEMPTS)
        self.assertIn("disk full", job2.error)
        self.assertIn("disk full", rnd2.message_ids[:1].body)

    def test_jobs_are_read_only_for_everybody(self):
        """Nobody creates or changes a job over RPC; unit users do not see them."""
        self.rnd.with_user(self.officer).action_dispatch()
        job = self.rnd.job_ids.filtered(lambda j: j.kind != "workbook_mails")
        with self.assertRaises(AccessError):
            job.with_user(self.officer).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.Job.with_user(self.officer).create(
                {"name": "x", "kind": "summary", "round_id": self.rnd.id}
            )
        with self.assertRaises(AccessError):
            job.with_user(self.preparers[0]).read(["state"])

    def test_below_threshold_stays_synchronous(self):
        self.env["ir.config_parameter"].sudo().set_param(THRESHOLD, 100)
        self.rnd.with_user(self.officer).action_dispatch()
        self.assertFalse(
            self.rnd.job_ids.filtered(lambda j: j.kind != "workbook_mails")
        )
        self.assertEqual(len(self.rnd.submission_ids), 24)


@unittest.skipUnless(HAVE_SOFFICE, "LibreOffice (soffice) is needed")
@tagged("post_install", "-at_install")
class TestSummaryJob(VcSurveyCommon):
    def test_summary_job_attaches_result(self):
        """The summary as a job: the round is consolidated, the PDF is the
        job's result and the files are attached to the message to the user."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        self.round.with_user(self.officer).write({"summary_date": date(2018, 1, 15)})
        self.env["ir.config_parameter"].sudo().set_param(THRESHOLD, 1)
        self.round.with_user(self.officer).action_generate_summary()
        job = self.round.job_ids.filtered(lambda j: j.kind != "workbook_mails")
        self.assertEqual((job.kind, job.state), ("summary", "queued"))
        self.assertEqual(self.round.state, "dispatched")
        self.env["vc.survey.job"]._run_jobs(commit=False)
        self.env.invalidate_all()
        self.assertEqual(job.state, "done")
        self.assertEqual(self.round.state, "consolidated")
        self.assertTrue(job.attachment_id.name.endswith(".pdf"))
        self.assertEqual(job.attachment_id.raw[:5], b"%PDF-")
        told = self.round.message_ids.filtered(
            lambda m: self.officer.partner_id in m.partner_ids
        )[:1]
        self.assertEqual(
            sorted(n.rsplit(".", 1)[1] for n in told.attachment_ids.mapped("name")),
            ["docx", "odt", "pdf", "xlsx"],
        )
