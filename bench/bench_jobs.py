"""Two job-runner processes split one background job (not a test).

Run by ``bench/run.py --jobs``: queues the dispatch of a round of N units as
a job (batches of 250), starts two processes that load Odoo on the same
database and run ``vc.survey.job._run_jobs()`` (what the job-runner crons
call) after a common start signal, then checks that both ran batches, that
every batch ran exactly once and that no unit got two forms.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def runner(conf, db, name, signal_dir):
    sys.path.insert(0, str(ROOT / "bench"))
    from run import odoo_env  # noqa: PLC0415

    src = Path(os.environ["ODOO_SRC_PATH"])
    registry = odoo_env(src, Path(conf), db)
    from odoo import api  # noqa: PLC0415

    Path(signal_dir, f"ready-{name}").touch()
    while not Path(signal_dir, "go").exists():
        time.sleep(0.05)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        count = env["vc.survey.job"]._run_jobs(commit=True, worker=name)
    print(f"{name}: {count} batches")


def bench(registry, src, conf, db, n=1500):
    import bench_round  # noqa: PLC0415

    from odoo import api, fields  # noqa: PLC0415

    tag = f"jobs-{int(time.time()) % 100000}"
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        units, _users = bench_round.make_units(env, n, tag)
        off = bench_round.officer(env, tag)
        env["ir.config_parameter"].set_param("hg_videoconf_survey.job_threshold", 1)
        rnd = (
            env["vc.survey.round"]
            .with_user(off)
            .create(
                {
                    "name": f"Jobs {tag}",
                    "year": 2025,
                    "subject": "bench",
                    "deadline": fields.Date.today() + timedelta(days=30),
                    "line_ids": [(0, 0, {"unit_id": u.id}) for u in units],
                }
            )
        )
        rnd.action_dispatch()
        job = rnd.job_ids
        env["ir.config_parameter"].set_param("hg_videoconf_survey.job_threshold", 300)
        cr.commit()
        job_id, round_id = job.id, rnd.id
    with tempfile.TemporaryDirectory() as signal_dir:
        env_vars = dict(os.environ, ODOO_SRC_PATH=str(src))
        procs = [
            subprocess.Popen(
                [sys.executable, __file__, str(conf), db, name, signal_dir],
                env=env_vars,
                stdout=subprocess.PIPE,
                text=True,
            )
            for name in ("runner-A", "runner-B")
        ]
        while len(list(Path(signal_dir).glob("ready-*"))) < 2:
            if any(p.poll() is not None for p in procs):
                break
            time.sleep(0.1)
        t0 = time.perf_counter()
        Path(signal_dir, "go").touch()
        outputs = [p.communicate()[0].strip() for p in procs]
        elapsed = time.perf_counter() - t0
    with registry.cursor() as cr:
        cr.execute(
            "SELECT worker, count(*), sum(size), max(attempts) "
            "FROM vc_survey_job_batch WHERE job_id = %s "
            "GROUP BY worker ORDER BY worker",
            [job_id],
        )
        per_worker = cr.fetchall()
        cr.execute("SELECT state FROM vc_survey_job WHERE id = %s", [job_id])
        state = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*), count(DISTINCT unit_id) FROM vc_survey_submission "
            "WHERE round_id = %s",
            [round_id],
        )
        forms, distinct = cr.fetchone()
    lines = [
        f"Dispatch of {n} units queued as one job of {sum(r[1] for r in per_worker)} "
        f"batches; two processes (`bench/bench_jobs.py`, each its own Odoo registry "
        f"and database connection) ran `_run_jobs()` from the same start: "
        f"{elapsed:.1f} s, job {state}.",
        "",
        "| worker | batches | units | max attempts |",
        "|---|---|---|---|",
        *(f"| {w} | {c} | {s} | {a} |" for w, c, s, a in per_worker),
        "",
        f"Forms created: {forms}, distinct units: {distinct} (nothing twice). "
        + "; ".join(outputs),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    runner(*sys.argv[1:5])
