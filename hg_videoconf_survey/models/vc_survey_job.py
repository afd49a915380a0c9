"""Background jobs of a survey round (docs/adr/0005-background-jobs.md).

A job (``vc.survey.job``) is cut into batches (``vc.survey.job.batch``).
Job-runner crons (``ir.cron`` records calling ``_cron_run_jobs``; one per
process that should work in parallel) claim one batch at a time with
``SELECT … FOR UPDATE SKIP LOCKED``, run it and commit: several Odoo
processes or machines sharing the database and the filestore split the
batches of one job, and a batch is never run twice at the same time. A
batch that fails is rolled back and queued again (``max_attempts``); every
batch is idempotent (forms already created are skipped, printed files are
replaced), so running it again is safe. The last batch to finish runs the
job's final step (message, result attachment, notification) under a lock on
the job.
"""

import base64
import io
import json
import logging
import os
import socket
import time
import zipfile

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

THRESHOLD_PARAM = "hg_videoconf_survey.job_threshold"
DEFAULT_THRESHOLD = 300
# units per batch, by kind: dispatch is cheap per unit, printing costs
# LibreOffice work (one start per batch and format)
BATCH_SIZES = {
    "dispatch": 250,
    "print_forms": 40,
    "workbooks": 100,
    "workbook_mails": 50,
    "summary": 0,
}
MAX_ATTEMPTS = 3
# a runner stops taking batches after this many seconds and reschedules
# itself, so one cron run does not hold its worker for ever
RUN_BUDGET = 240


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


class VcSurveyJob(models.Model):
    _name = "vc.survey.job"
    _description = "Survey Background Job"
    _order = "id desc"

    name = fields.Char(required=True)
    kind = fields.Selection(
        [
            ("dispatch", "Dispatch the forms"),
            ("summary", "Generate the summary"),
            ("print_forms", "Print all forms"),
            ("workbooks", "ZIP of offline workbooks"),
            ("workbook_mails", "E-mail each unit its offline workbook"),
        ],
        required=True,
        readonly=True,
    )
    round_id = fields.Many2one(
        "vc.survey.round", required=True, ondelete="cascade", index=True, readonly=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Requested by",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    progress_total = fields.Integer(readonly=True)
    progress_done = fields.Integer(compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress")
    batch_ids = fields.One2many("vc.survey.job.batch", "job_id", readonly=True)
    attachment_id = fields.Many2one("ir.attachment", string="Result", readonly=True)
    error = fields.Text(readonly=True)
    retry_count = fields.Integer(
        readonly=True, help="Batches run again after a failure."
    )
    idempotency_key = fields.Char(
        readonly=True, copy=False, help="One unfinished job per round and kind."
    )
    date_done = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "idempotency_key_uniq",
            "unique(idempotency_key)",
            "This job is already queued.",
        ),
    ]

    @api.depends("batch_ids.state", "progress_total")
    def _compute_progress(self):
        Batch = self.env["vc.survey.job.batch"]
        done = dict(
            Batch._read_group(
                [("job_id", "in", self.ids), ("state", "=", "done")],
                ["job_id"],
                ["size:sum"],
            )
        )
        for job in self:
            job.progress_done = done.get(job, 0)
            job.progress = (
                100.0 * job.progress_done / job.progress_total
                if job.progress_total
                else (100.0 if job.state == "done" else 0.0)
            )

    # ------------------------------------------------------------------
    # enqueue
    # ------------------------------------------------------------------
    @api.model
    def _threshold(self):
        """Above this many units a round's long actions run as jobs; the
        context key ``vc_job_sync`` forces the synchronous path (tests)."""
        if self.env.context.get("vc_job_sync"):
            return float("inf")
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(THRESHOLD_PARAM, DEFAULT_THRESHOLD)
        )

    @api.model
    def _enqueue(self, rnd, kind, items, title):
        """Queue ``kind`` for round ``rnd`` over ``items`` (ids cut into
        batches; an empty list is a job of one batch). Refuses a second
        unfinished job of the same kind on the same round."""
        key = f"{rnd.id}:{kind}"
        self.env.cr.execute(
            "SELECT id FROM vc_survey_job WHERE idempotency_key = %s", [key]
        )
        if self.env.cr.fetchone():
            raise UserError(
                _(
                    "%(job)s is already queued or running for %(round)s; wait "
                    "for it to finish.",
                    job=title,
                    round=rnd.name,
                )
            )
        size = BATCH_SIZES[kind] or max(len(items), 1)
        chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        job = self.sudo().create(
            {
                "name": title,
                "kind": kind,
                "round_id": rnd.id,
                "user_id": self.env.user.id,
                "progress_total": len(items) or 1,
                "idempotency_key": key,
                "batch_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": n,
                            "payload": json.dumps(chunk),
                            "size": len(chunk) or 1,
                        },
                    )
                    for n, chunk in enumerate(chunks)
                ],
            }
        )
        for cron in self._runner_crons():
            cron._trigger()
        rnd.message_post(
            body=_(
                "%(job)s queued: %(count)s items in %(batches)s batches; the "
                "progress is shown on the round.",
                job=title,
                count=len(items),
                batches=len(chunks),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return job

    def _queued_notification(self):
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.name,
                "message": _(
                    "Queued as a background job: its progress is shown on the "
                    "round; you will be notified when it is done."
                ),
                "type": "info",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _runner_crons(self):
        return (
            self.env["ir.cron"]
            .sudo()
            .search([("code", "=like", "model._cron_run_jobs(%")])
        )

    # ------------------------------------------------------------------
    # run
    # ------------------------------------------------------------------
    @api.model
    def _cron_run_jobs(self, budget=RUN_BUDGET):
        """Entry point of the job-runner crons: run batches, commit each,
        tell the cron how much is left (Odoo runs it again while work
        remains)."""
        done = self._run_jobs(budget=budget, commit=True)
        self.env.cr.execute(
            "SELECT count(*) FROM vc_survey_job_batch WHERE state = 'queued'"
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    @api.model
    def _run_jobs(self, budget=RUN_BUDGET, commit=True, worker=None, limit=None):
        """Run queued batches until none is left, ``budget`` seconds have
        passed or ``limit`` batches ran. Each batch is its own transaction
        (``commit``) or savepoint (tests). Returns the number of batches run."""
        worker = worker or worker_name()
        start, count = time.monotonic(), 0
        while time.monotonic() - start < budget and (limit is None or count < limit):
            if not self._run_one_batch(worker, commit):
                break
            count += 1
        return count

    @api.model
    def _claim_batch(self):
        """The next queued batch, locked for this transaction; other runners
        skip it (SKIP LOCKED) and take the next one."""
        self.env.cr.execute(
            """
            SELECT b.id FROM vc_survey_job_batch b
              JOIN vc_survey_job j ON j.id = b.job_id
             WHERE b.state = 'queued' AND j.state IN ('queued', 'running')
             ORDER BY j.id, b.sequence
             LIMIT 1
               FOR UPDATE OF b SKIP LOCKED
            """
        )
        row = self.env.cr.fetchone()
        return self.env["vc.survey.job.batch"].sudo().browse(row[0] if row else [])

    @api.model
    def _run_one_batch(self, worker, commit):
        cr = self.env.cr
        savepoint = None
        if commit:
            # A queue under concurrent runners: READ COMMITTED, so that a row
            # another runner committed meanwhile is re-read (or skipped), not
            # a serialization failure as under Odoo's REPEATABLE READ.
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        else:
            savepoint = cr.savepoint(flush=True)
            savepoint.__enter__()
        batch = self._claim_batch()
        if not batch:
            if savepoint:
                savepoint.__exit__(None, None, None)
            else:
                cr.commit()
            return False
        job = batch.job_id
        batch_id, job_id = batch.id, job.id
        try:
            # skipped when another runner holds the job row: it is running
            cr.execute(
                """
                UPDATE vc_survey_job SET state = 'running' WHERE id IN (
                    SELECT id FROM vc_survey_job WHERE id = %s AND state = 'queued'
                    FOR NO KEY UPDATE SKIP LOCKED)
                """,
                [job_id],
            )
            job.invalidate_recordset(["state"])
            job.with_user(job.user_id)._run_batch(batch)
            batch.write(
                {
                    "state": "done",
                    "worker": worker,
                    "attempts": batch.attempts + 1,
                    "date_done": fields.Datetime.now(),
                }
            )
            job._finish_if_complete()
            self.env.flush_all()
            if commit:
                cr.commit()
            else:
                savepoint.__exit__(None, None, None)
        except Exception as exc:  # noqa: BLE001 — recorded on the batch, retried
            _logger.exception("survey job %s batch %s failed", job_id, batch_id)
            if commit:
                cr.rollback()
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            else:
                savepoint.__exit__(type(exc), exc, exc.__traceback__)
            self.env.invalidate_all()
            self._record_failure(batch_id, job_id, worker, exc)
            if commit:
                cr.commit()
        return True

    @api.model
    def _record_failure(self, batch_id, job_id, worker, exc):
        batch = self.env["vc.survey.job.batch"].sudo().browse(batch_id)
        job = self.sudo().browse(job_id)
        attempts = batch.attempts + 1
        message = str(
            getattr(exc, "args", [exc])[0] if getattr(exc, "args", None) else exc
        )
        final = attempts >= MAX_ATTEMPTS
        batch.write(
            {
                "attempts": attempts,
                "worker": worker,
                "error": message,
                "state": "failed" if final else "queued",
            }
        )
        job.retry_count += 0 if final else 1
        if final:
            job.write({"state": "failed", "error": message, "idempotency_key": False})
            job._tell_user(
                _("%(job)s failed: %(error)s", job=job.name, error=message),
                kind="danger",
            )

    def _finish_if_complete(self):
        """Under a lock on the job: when no batch is left, run the final step
        once (the last runner to finish does it)."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT state FROM vc_survey_job WHERE id = %s FOR NO KEY UPDATE",
            [self.id],
        )
        if self.env.cr.fetchone()[0] not in ("queued", "running"):
            return
        self.env.cr.execute(
            "SELECT count(*) FROM vc_survey_job_batch WHERE job_id = %s "
            "AND state != 'done'",
            [self.id],
        )
        if self.env.cr.fetchone()[0]:
            return
        self.invalidate_recordset()
        attachment = self.with_user(self.user_id)._finalize()
        self.sudo().write(
            {
                "state": "done",
                "date_done": fields.Datetime.now(),
                "attachment_id": attachment.id if attachment else False,
                # a new job of this kind may be queued again
                "idempotency_key": False,
            }
        )

    # ------------------------------------------------------------------
    # the work, by kind
    # ------------------------------------------------------------------
    def _run_batch(self, batch):
        ids = json.loads(batch.payload or "[]")
        rnd = self.round_id
        if self.kind == "dispatch":
            lines = self.env["vc.survey.round.line"].browse(ids).exists()
            rnd._dispatch_lines(lines)
        elif self.kind == "summary":
            files = rnd._generate_summary()
            batch.result_ids = files
        elif self.kind == "print_forms":
            subs = self.env["vc.survey.submission"].browse(ids).exists()
            subs.action_print_form()
        elif self.kind == "workbook_mails":
            for sub in self.env["vc.survey.submission"].browse(ids).exists():
                sub._vc_send_workbook()
        elif self.kind == "workbooks":
            subs = self.env["vc.survey.submission"].browse(ids).exists()
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for sub in subs:
                    name = getattr(sub, "workbook_filename", None) or f"{sub.id}.xlsx"
                    archive.writestr(
                        f"{sub.id}-{name}", base64.b64decode(sub.export_workbook())
                    )
            batch.result_ids = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": f"part-{batch.sequence}.zip",
                        "raw": out.getvalue(),
                        "res_model": batch._name,
                        "res_id": batch.id,
                        "mimetype": "application/zip",
                    }
                )
            )

    def _finalize(self):
        """The job's final step; returns its result attachment (or None)."""
        rnd = self.round_id
        if self.kind == "dispatch":
            count = len(rnd.submission_ids)
            rnd.sudo().message_post(
                body=_(
                    "Dispatched to %(count)s units; deadline %(deadline)s.",
                    count=count,
                    deadline=rnd.deadline.strftime("%d/%m/%Y"),
                ),
                subtype_xmlid="mail.mt_note",
            )
            self._tell_user(_("%(count)s forms dispatched.", count=count))
            rnd._after_dispatch()
            return None
        if self.kind == "workbook_mails":
            self._tell_user(
                _(
                    "%(count)s units were e-mailed their offline workbook.",
                    count=self.progress_total,
                )
            )
            return None
        if self.kind == "summary":
            attachments = self.batch_ids.result_ids
            pdf = attachments.filtered(lambda a: a.name.endswith(".pdf"))[:1]
            self._tell_user(_("The summary is ready."), attachments=attachments)
            return pdf
        if self.kind == "print_forms":
            self._tell_user(
                _(
                    "%(count)s forms printed; see their Documents tab.",
                    count=self.progress_total,
                )
            )
            return None
        # workbooks: the parts in one ZIP
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in self.batch_ids.sorted("sequence").result_ids:
                with zipfile.ZipFile(io.BytesIO(part.raw)) as source:
                    for info in source.infolist():
                        archive.writestr(info.filename, source.read(info))
        self.batch_ids.result_ids.sudo().unlink()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"phieu-excel-{rnd.year}-{rnd.id}.zip",
                    "raw": out.getvalue(),
                    "res_model": rnd._name,
                    "res_id": rnd.id,
                    "mimetype": "application/zip",
                }
            )
        )
        self._tell_user(_("The ZIP of offline workbooks is ready."), attachment)
        return attachment

    def _tell_user(self, text, attachments=None, kind="success"):
        """A message on the round (with the result attached) and a bus
        notification to the user who asked."""
        self.ensure_one()
        self.round_id.sudo().message_post(
            body=Markup("<p>%s</p>") % text,
            attachment_ids=attachments.ids if attachments else [],
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )
        self.user_id._bus_send(
            "simple_notification",
            {"type": kind, "title": self.name, "message": str(text), "sticky": False},
        )


class VcSurveyJobBatch(models.Model):
    _name = "vc.survey.job.batch"
    _description = "Survey Background Job Batch"
    _order = "job_id, sequence"

    job_id = fields.Many2one(
        "vc.survey.job", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(required=True)
    payload = fields.Text(help="JSON list of the record ids of this batch.")
    size = fields.Integer(default=1)
    state = fields.Selection(
        [("queued", "Queued"), ("done", "Done"), ("failed", "Failed")],
        default="queued",
        required=True,
        index=True,
    )
    attempts = fields.Integer()
    worker = fields.Char(help="host:pid of the process that ran it.")
    error = fields.Text()
    date_done = fields.Datetime()
    result_ids = fields.Many2many("ir.attachment", string="Results")
