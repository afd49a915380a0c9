"""A synthetic round of N units, made through the product's own actions, each
heavy step timed against its floor measured in the same run (not a test).

Run through ``bench/run.py``. Steps and floors:

* units, users (one head who also prepares, per unit) and the round: set-up,
  not timed against anything;
* dispatch (``action_dispatch``, synchronous: ``vc_job_sync``) — floor: a bulk
  insert (``execute_values``) of the very rows it created (forms, followers,
  messages, notifications, mails, activities, the workbook attachments) into
  temporary tables;
* answers and workflow: each unit's preparer writes its answers and submits,
  its head approves (``action_submit`` / ``action_approve``), timed;
* round counters (``count_*``, ``missing_unit_ids``) read as the officer —
  floor: SQL GROUP BY of the same rows;
* summary end to end (``_generate_summary``) with its phases timed from
  inside: reading the forms (floor: SQL select of the same rows), py3o render,
  LibreOffice conversions (floor: one soffice conversion of the same ODT to
  PDF), XLSX (floor: openpyxl write-only of the same cells, styled);
  pages of the PDF (pdfinfo).

Queries are counted with the cursor's counter; memory is the process's peak
RSS (``ru_maxrss``) after the step.
"""

from __future__ import annotations

import io
import resource
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from psycopg2.extras import Json, execute_values

DISTRICT_ANSWERS = {
    "B.position": "Chuyên viên",
    "B.phone": "0987654301",
    "B.email": "canbo@example.gov.vn",
    "I.1.location": "Hội trường UBND",
    "I.1.meetings": 24,
    "I.1.ip": "10.20.30.40",
    "I.2": True,
    "I.3.camera": "stable",
    "I.3.microphone": "stable",
    "I.3.audio": "unstable",
    "I.3.vcs": "stable",
    "I.4": "stable",
    "I.5": False,
    "I.7": True,
    "I.8": False,
    "II.1.endpoints": 1,
    "II.1.communes": 1,
    "II.1.communes_without_endpoint": 0,
    "II.1.meetings": 6,
    "II.2.camera": "stable",
    "II.2.microphone": "stable",
    "II.2.audio": "stable",
    "II.2.vcs": "stable",
    "II.3": "stable",
    "II.4": False,
    "II.6": True,
    "II.7": True,
}
DISPATCH_TABLES = (
    ("vc_survey_submission", "round_id = %(round)s"),
    ("mail_followers", "res_model = 'vc.survey.submission' AND res_id = ANY(%(subs)s)"),
    ("mail_message", "model = 'vc.survey.submission' AND res_id = ANY(%(subs)s)"),
    (
        "mail_notification",
        "mail_message_id IN (SELECT id FROM mail_message WHERE "
        "model = 'vc.survey.submission' AND res_id = ANY(%(subs)s))",
    ),
    (
        "mail_mail",
        "mail_message_id IN (SELECT id FROM mail_message WHERE "
        "model = 'vc.survey.submission' AND res_id = ANY(%(subs)s))",
    ),
    (
        "mail_activity",
        "res_model = 'vc.survey.submission' AND res_id = ANY(%(subs)s)",
    ),
    # the workbook each unit is mailed (rows only: the files are in the
    # filestore)
    (
        "ir_attachment",
        "res_model = 'vc.survey.submission' AND res_id = ANY(%(subs)s)",
    ),
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __init__(self):
        self.times: dict[str, float] = {}
        self.queries: dict[str, int] = {}
        self.memory: dict[str, float] = {}

    @contextmanager
    def step(self, name, cr=None):
        q0 = cr.sql_log_count if cr is not None else 0
        t0 = time.perf_counter()
        yield
        self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - t0
        if cr is not None:
            self.queries[name] = self.queries.get(name, 0) + cr.sql_log_count - q0
        self.memory[name] = peak_mb()

    def wrap(self, owner, attr, name):
        """Time every call of ``owner.attr`` under ``name`` (phases inside an
        action). Returns a function restoring the original."""
        real = getattr(owner, attr)
        timer = self

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                timer.times[name] = (
                    timer.times.get(name, 0.0) + time.perf_counter() - t0
                )

        setattr(owner, attr, timed)
        return lambda: setattr(owner, attr, real)


def make_units(env, n, tag):
    """N district-level units with one user each (head and preparer), through
    the ORM in one batch per model."""
    level = env.ref("hg_videoconf_survey.unit_level_district")
    units = env["vc.unit"].create(
        [
            {
                "name": f"UBND xã Thử {tag}-{i:05d}",
                "code": f"B{tag}-{i:05d}",
                "level_id": level.id,
            }
            for i in range(n)
        ]
    )
    group = env.ref("hg_videoconf_survey.group_unit_head")
    users = (
        env["res.users"]
        .with_context(
            no_reset_password=True, mail_create_nolog=True, tracking_disable=True
        )
        .create(
            [
                {
                    "name": f"Cán bộ {tag}-{i:05d}",
                    "login": f"b{tag}-{i:05d}",
                    "email": f"b{tag}-{i:05d}@example.gov.vn",
                    "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
                    "vc_unit_id": unit.id,
                    "notification_type": "inbox" if i % 2 else "email",
                }
                for i, unit in enumerate(units)
            ]
        )
    )
    for unit, user in zip(units, users, strict=True):
        unit.write({"head_id": user.id, "preparer_ids": [(6, 0, user.ids)]})
    return units, users


def officer(env, tag):
    group = env.ref("hg_videoconf_survey.group_department_officer")
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": f"Chuyên viên Sở {tag}",
                "login": f"officer-{tag}",
                "email": f"officer-{tag}@example.gov.vn",
                "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
            }
        )
    )


def bulk_insert_floor(cr, round_id, sub_ids):
    """Insert the rows the dispatch created, again, in one statement per
    table (temporary copies without indexes): the floor of the dispatch."""
    rows = {}
    for table, where in DISPATCH_TABLES:
        cr.execute(
            f"SELECT * FROM {table} WHERE {where}", {"round": round_id, "subs": sub_ids}
        )
        rows[table] = (
            [d.name for d in cr.description],
            # JSON columns (the answers, translations) come back as dicts
            [
                tuple(Json(v) if isinstance(v, dict) else v for v in row)
                for row in cr.fetchall()
            ],
        )
    for table in rows:
        cr.execute(f"CREATE TEMP TABLE floor_{table} (LIKE {table}) ON COMMIT DROP")
    t0 = time.perf_counter()
    total = 0
    for table, (cols, data) in rows.items():
        quoted = ", ".join(f'"{c}"' for c in cols)  # mail_mail has "references"
        if data:
            execute_values(
                cr._obj,
                f"INSERT INTO floor_{table} ({quoted}) VALUES %s",
                data,
                page_size=1000,
            )
        total += len(data)
    return time.perf_counter() - t0, total


def sql_select_floor(cr, round_id):
    """The forms and their line tables in one SQL select each."""
    t0 = time.perf_counter()
    cr.execute("SELECT * FROM vc_survey_submission WHERE round_id = %s", [round_id])
    cr.fetchall()
    for table in (
        "vc_survey_operator_line",
        "vc_survey_incident_line",
        "vc_survey_device_status",
    ):
        cr.execute(
            f"SELECT t.* FROM {table} t JOIN vc_survey_submission s "
            "ON s.id = t.submission_id WHERE s.round_id = %s",
            [round_id],
        )
        cr.fetchall()
    return time.perf_counter() - t0


def counters_floor(cr, round_id):
    t0 = time.perf_counter()
    cr.execute(
        "SELECT state, is_late, count(*) FROM vc_survey_submission WHERE round_id = %s "
        "GROUP BY state, is_late",
        [round_id],
    )
    cr.fetchall()
    cr.execute(
        "SELECT unit_id FROM vc_survey_round_line l WHERE round_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM vc_survey_submission s WHERE s.round_id = l.round_id AND "
        "s.unit_id = l.unit_id AND s.state IN ('approved', 'received'))",
        [round_id],
    )
    cr.fetchall()
    return time.perf_counter() - t0


def xlsx_floor(xlsx: bytes) -> tuple[float, int]:
    """openpyxl write-only, one shared style, of the same cells."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    cells = sum(len(r) for rows in sheets.values() for r in rows)
    t0 = time.perf_counter()
    out = openpyxl.Workbook(write_only=True)
    side = Side(style="thin")
    font, border = Font(name="Times New Roman", size=11), Border(side, side, side, side)
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, rows in sheets.items():
        ws = out.create_sheet(title)
        for row in rows:
            line = []
            for value in row:
                cell = openpyxl.cell.WriteOnlyCell(ws, value=value)
                cell.font, cell.border, cell.alignment = font, border, wrap
                line.append(cell)
            ws.append(line)
    out.save(io.BytesIO())
    return time.perf_counter() - t0, cells


def pdf_pages(raw: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(raw)
        fh.flush()
        out = subprocess.run(
            ["pdfinfo", fh.name], capture_output=True, text=True, check=False
        )
    for line in out.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


VARIANTS = 11


def answers(i):
    """The answers of the i-th unit ({question code: value}, as
    ``set_answers`` takes them): every 7th has a camera not working, every
    11th had incidents, all register two operators."""
    vals = dict(DISTRICT_ANSWERS, **{"B.name": f"Người lập {i}"})
    if i % 7 == 0:
        vals["I.3.camera"] = "not_working"
    if i % 11 == 0:
        vals["I.5"] = True
    vals["I.9"] = f"Tiết kiệm chi phí đi lại (đơn vị {i})"
    vals["I.10"] = [
        {
            "name": f"Cán bộ {i}",
            "position": "Chuyên viên",
            "phone": "0912345678",
            "email": f"op{i}@example.gov.vn",
        },
        {
            "name": f"Cán bộ {i}b",
            "position": "Chuyên viên",
            "phone": "0912345679",
            "email": f"op{i}b@example.gov.vn",
        },
    ]
    vals["I.6"] = [
        {"symptom": "Mất tiếng", "count": 1 + i % 3, "cause": "Lỏng dây micro"}
    ]
    return vals


def bulk_fill(env, subs):
    """The fast path above ``actions_up_to``: what ``set_answers`` stores
    (``_store_answers``), written in batches with sudo and without its
    per-form checks: the ``answers`` JSON (the dispatch prefill kept, the
    variant's answers over it, one write per form), the 2017 line models
    (operators I.10, incidents I.6) in one create each, and the reporting
    rows (device statuses, answer lines) in one ``_sync_reporting`` over the
    round. The checked per-form ``set_answers`` is timed at N <=
    ``actions_up_to``."""
    subs = subs.sudo().with_context(vc_answers_checked=True, vc_lines_sync=True)
    # set_answers replaces the lines of the questions it is given
    subs.operator_line_ids.unlink()
    subs.incident_line_ids.filtered(lambda line: line.question_code == "I.6").unlink()
    # set_answers keeps the line questions it is not given as [] (read
    # back from the line models)
    lists = {
        q.code: []
        for q in subs[:1]._get_form().questions()
        if q.kind in ("operators", "incidents")
    }
    operators, incidents = [], []
    for i, sub in enumerate(subs):
        vals = answers(i % VARIANTS)
        sub.write({"answers": dict(lists, **(sub.answers or {}), **vals)})
        operators += [
            {
                "submission_id": sub.id,
                "sequence": n,
                "name": row["name"],
                "position": row.get("position"),
                "phone": row.get("phone"),
                "email": row.get("email"),
            }
            for n, row in enumerate(vals["I.10"], start=1)
        ]
        incidents += [
            {
                "submission_id": sub.id,
                "question_code": "I.6",
                "sequence": n,
                "symptom": row["symptom"],
                "count": row.get("count") or 0,
                "cause": row.get("cause"),
            }
            for n, row in enumerate(vals["I.6"], start=1)
        ]
    env["vc.survey.operator.line"].sudo().with_context(vc_lines_sync=True).create(
        operators
    )
    env["vc.survey.incident.line"].sudo().with_context(vc_lines_sync=True).create(
        incidents
    )
    subs._sync_reporting()
    env.flush_all()


def bench(registry, n, summary=True, actions_up_to=200):
    """Run every step for N units; returns a dict of figures."""
    from odoo import api, fields  # noqa: PLC0415

    from odoo.addons.hg_videoconf_survey.models import (  # noqa: PLC0415
        vc_document_renderer,
        vc_survey_documents,
    )

    from vcsurvey import render  # noqa: PLC0415

    tag = f"{n}-{int(time.time()) % 100000}"
    res = {"n": n}
    t = Timer()
    with registry.cursor() as cr:
        env = api.Environment(
            cr, api.SUPERUSER_ID, {"lang": "vi_VN", "tz": "Asia/Ho_Chi_Minh"}
        )
        with t.step("setup"):
            units, users = make_units(env, n, tag)
            off = officer(env, tag)
            form = env.ref("hg_videoconf_survey.form_2017_district")
            rnd = (
                env["vc.survey.round"]
                .with_user(off)
                .create(
                    {
                        "name": f"Bench {tag}",
                        "year": 2025,
                        "subject": "bench",
                        "signer_name": "Nguyễn Văn Tuệ",
                        "deadline": fields.Date.today() + timedelta(days=30),
                        "line_ids": [
                            (0, 0, {"unit_id": u.id, "form_id": form.id}) for u in units
                        ],
                    }
                )
            )
            cr.commit()
        env.invalidate_all()
        rnd = rnd.with_user(off).with_context(vc_job_sync=True)
        with t.step("dispatch", cr):
            rnd.action_dispatch()
            env.flush_all()
        cr.commit()
        subs = rnd.submission_ids
        res["dispatch_floor"], res["dispatch_rows"] = bulk_insert_floor(
            cr, rnd.id, subs.ids
        )
        cr.rollback()  # drop the temporary copies
        by_unit = {u.vc_unit_id.id: u for u in users}
        if n <= actions_up_to:
            with t.step("answers", cr):
                for i, sub in enumerate(subs):
                    sub.with_user(by_unit[sub.unit_id.id]).set_answers(answers(i))
                env.flush_all()
            with t.step("workflow", cr):
                for sub in subs:
                    user = by_unit[sub.unit_id.id]
                    sub.with_user(user).action_submit()
                    sub.with_user(user).action_approve()
        else:
            # bulk: what set_answers stores, written in batches (bulk_fill),
            # sign-off written with sudo (the per-unit set_answers and
            # actions are timed at N <= actions_up_to)
            res["bulk_fill"] = True
            with t.step("answers", cr):
                bulk_fill(env, subs)
            with t.step("workflow", cr):
                now = fields.Datetime.now()
                subs.sudo().write(
                    {
                        "state": "approved",
                        "submitted_on": now,
                        "submitted_by_id": users[0].id,
                        "approved_on": now,
                        "approved_by_id": users[0].id,
                        "signed_as": "head",
                    }
                )
        with t.step("workflow", cr):
            subs[::9].sudo().write({"is_late": True})
            env.flush_all()
        cr.commit()
        env.invalidate_all()
        with t.step("counters", cr):
            r = env["vc.survey.round"].with_user(off).browse(rnd.id)
            r.count_done, r.count_late, r.missing_unit_ids  # noqa: B018
        res["counters_floor"] = counters_floor(cr, rnd.id)
        res["count_done"] = r.count_done
        if summary:
            env.invalidate_all()
            odts = []
            starts = []
            real = {
                "convert": render.convert,
                "convert_formats": render.convert_formats,
            }

            def keeping(name):
                def call(documents, fmt, *a, **kw):
                    odts.append(dict(documents))
                    starts.append(name)
                    return real[name](documents, fmt, *a, **kw)

                return call

            render.convert = keeping("convert")
            render.convert_formats = keeping("convert_formats")
            restore = [
                lambda: setattr(render, "convert", real["convert"]),
                lambda: setattr(render, "convert_formats", real["convert_formats"]),
                t.wrap(
                    vc_survey_documents.VcSurveyRound, "_prepare_round_data", "read"
                ),
                t.wrap(vc_document_renderer, "summary_workbook", "xlsx"),
                t.wrap(render, "render_odt", "py3o"),
                t.wrap(render, "render_odts", "py3o"),
                t.wrap(render, "convert", "soffice"),
                t.wrap(render, "convert_formats", "soffice"),
            ]
            try:
                with t.step("summary", cr):
                    attachments = rnd._generate_summary()
            finally:
                for undo in reversed(restore):
                    undo()
            files = {a.name.rsplit(".", 1)[1]: a.raw for a in attachments}
            res["pages"] = pdf_pages(files["pdf"])
            res["soffice_starts"] = len(starts)
            odt = next(iter(odts[0].values()))
            t0 = time.perf_counter()
            real["convert"]({"floor": odt}, "pdf")
            res["soffice_floor"] = time.perf_counter() - t0
            res["read_floor"] = sql_select_floor(cr, rnd.id)
            res["xlsx_floor"], res["xlsx_cells"] = xlsx_floor(files["xlsx"])
            res["xlsx_bytes"], res["pdf_bytes"] = len(files["xlsx"]), len(files["pdf"])
            cr.commit()
    res.update({f"t_{k}": v for k, v in t.times.items()})
    res.update({f"q_{k}": v for k, v in t.queries.items()})
    res.update({f"mem_{k}": v for k, v in t.memory.items()})
    return res


def _ratio(a, b):
    return f"{a / b:.1f}×" if a and b else "–"


ROWS = [
    ("set-up: units, one user each, the round (ORM)", "t_setup", None, ""),
    ("dispatch", "t_dispatch", "dispatch_floor", "bulk insert of the same rows"),
    (
        "answers (set_answers as the preparer; bulk_fill above --actions-up-to)",
        "t_answers",
        None,
        "",
    ),
    ("workflow (submit + approve)", "t_workflow", None, ""),
    ("round counters (officer)", "t_counters", "counters_floor", "SQL GROUP BY"),
    ("summary, end to end", "t_summary", None, ""),
    ("— reading the forms", "t_read", "read_floor", "SQL select of the same rows"),
    ("— py3o render of the ODT", "t_py3o", None, ""),
    (
        "— LibreOffice (all formats)",
        "t_soffice",
        "soffice_floor",
        "one soffice PDF conversion of the same ODT",
    ),
    ("— XLSX", "t_xlsx", "xlsx_floor", "openpyxl write-only, styled, same cells"),
]


def ratio_table(results) -> str:
    head = "| step | " + " | ".join(f"N = {r['n']:,}" for r in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]
    for label, key, floor, _ in ROWS:
        cells = []
        for r in results:
            if key not in r:
                cells.append("–")
                continue
            cell = f"{r[key]:.2f} s"
            if floor and r.get(floor):
                cell += f" / {r[floor]:.2f} s = {_ratio(r[key], r[floor])}"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    extra = [
        (
            "dispatch queries per unit",
            lambda r: f"{r['q_dispatch'] / r['n']:.2f} ({r['q_dispatch']})",
        ),
        ("counters queries", lambda r: str(r["q_counters"])),
        ("summary queries", lambda r: str(r.get("q_summary", "–"))),
        ("soffice starts for the summary", lambda r: str(r.get("soffice_starts", "–"))),
        ("summary PDF pages", lambda r: str(r.get("pages", "–"))),
        (
            "peak RSS after the summary (MB)",
            lambda r: f"{r.get('mem_summary', r.get('mem_counters', 0)):.0f}",
        ),
    ]
    for label, fn in extra:
        cells = []
        for r in results:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError):
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(results, machine, stamp, jobs=None) -> str:
    text = [
        f"# Round benchmark, {stamp} UTC",
        "",
        f"Machine: {machine}.",
        "",
        "Cells: measured time / floor measured in the same run = ratio. Floors: "
        + "; ".join(
            f"{label.strip('— ')}: {what}" for label, _, floor, what in ROWS if floor
        )
        + ".",
        "",
        ratio_table(results),
        "",
    ]
    if jobs:
        text += ["## Two job runners, one job", "", jobs, ""]
    return "\n".join(text)
