"""Odoo shell script of the load test (bench/load_test.py): run as

    odoo-bin shell -c <conf> -d <bench db> --no-http < bench/load_setup.py

with ``VC_BENCH_UNITS`` (number of synthetic districts) and
``VC_BENCH_PASSWORD`` in the environment.  Idempotent: the units, their
users and endpoints are made once; every run adds a fresh round dispatched
to them, fills every form as its preparer and submits the second half, so
that the load test finds drafts to submit and forms to approve.  Prints one
JSON line (``BENCH {...}``) that load_test.py reads.
"""

# ruff: noqa: F821  (``env`` is given by the Odoo shell)
import json
import os
from datetime import date, timedelta

from passlib.context import CryptContext

M = "hg_videoconf_survey"
N = int(os.environ.get("VC_BENCH_UNITS", "100"))
PASSWORD = os.environ["VC_BENCH_PASSWORD"]

env = env(context=dict(env.context, tracking_disable=True, mail_notrace=True))
ref = env.ref
Unit = env["vc.unit"]
Users = env["res.users"].with_context(no_reset_password=True)


def user(login, name, group, unit):
    found = Users.search([("login", "=", login)])
    if found:
        return found
    return Users.create(
        {
            "login": login,
            "name": name,
            "email": f"{login}@bench.invalid",
            "groups_id": [(6, 0, [ref("base.group_user").id, ref(group).id])],
            "vc_unit_id": unit.id,
            "lang": "vi_VN",
        }
    )


province = Unit.search([("code", "=", "BENCH")]) or Unit.create(
    {
        "name": "UBND tỉnh Bench",
        "code": "BENCH",
        "level_id": ref(f"{M}.unit_level_province").id,
    }
)
department = Unit.search([("code", "=", "BENCH-STTTT")]) or Unit.create(
    {
        "name": "Sở TT&TT Bench",
        "code": "BENCH-STTTT",
        "level_id": ref(f"{M}.unit_level_department").id,
        "parent_id": province.id,
    }
)
officer = user(
    "bench.officer", "Chuyên viên Bench", f"{M}.group_department_officer", department
)
units = Unit.browse()
for i in range(1, N + 1):
    code = f"BENCH-{i:03d}"
    unit = Unit.search([("code", "=", code)])
    if not unit:
        unit = Unit.create(
            {
                "name": f"UBND huyện Bench {i:03d}",
                "code": code,
                "level_id": ref(f"{M}.unit_level_district").id,
                "parent_id": province.id,
            }
        )
        prep = user(
            f"bench.prep{i:03d}", f"Lập biểu {i:03d}", f"{M}.group_unit_preparer", unit
        )
        head = user(
            f"bench.head{i:03d}", f"Thủ trưởng {i:03d}", f"{M}.group_unit_head", unit
        )
        unit.write({"head_id": head.id, "preparer_ids": [(6, 0, prep.ids)]})
        env["vc.endpoint"].create(
            {
                "name": f"Điểm cầu Bench {i:03d}",
                "unit_id": unit.id,
                "network": "province_district",
                "ip_address": f"10.250.{i // 250}.{i % 250 + 1}",
            }
        )
    units |= unit

# One password for all bench users, hashed once as Odoo does (600 000
# pbkdf2 rounds: hashing it 200 times through the ORM would take minutes).
# Only new users get it: a new hash would end the sessions of earlier runs.
bench_users = Users.search([("login", "=like", "bench.%")])
hashed = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=600_000).hash(PASSWORD)
env.cr.execute(
    "UPDATE res_users SET password = %s WHERE id IN %s AND password IS NULL",
    [hashed, tuple(bench_users.ids)],
)
env.invalidate_all()

form = env.ref("hg_videoconf_survey.form_2017_district")
year = 2100 + env["vc.survey.round"].search_count([("name", "=like", "Bench %")])
rnd = (
    env["vc.survey.round"]
    .with_user(officer)
    .create(
        {
            "name": f"Bench {year}",
            "year": year,
            "subject": "khảo sát tải (bench)",
            "deadline": date.today() + timedelta(days=30),
            "signer_name": "Bench",
            "line_ids": [(0, 0, {"unit_id": u.id, "form_id": form.id}) for u in units],
        }
    )
)
rnd.with_user(officer).action_dispatch()

ANSWERS = {
    "B.name": "Trần Văn Bình",
    "B.position": "Chuyên viên",
    "B.phone": "0987654301",
    "B.email": "tvbinh@example.gov.vn",
    "I.1.location": "Hội trường UBND huyện",
    "I.1.meetings": 24,
    "I.2": True,
    "I.3.camera": "stable",
    "I.3.microphone": "stable",
    "I.3.audio": "unstable",
    "I.3.vcs": "stable",
    "I.4": "stable",
    "I.5": False,
    "I.7": True,
    "I.8": False,
    "I.9": "Tiết kiệm chi phí đi lại",
    "I.10": [
        {"name": n, "position": "Chuyên viên", "phone": p, "email": e}
        for n, p, e in (
            ("Nguyễn Văn A", "0912345678", "nva@example.gov.vn"),
            ("Lê Thị B", "02193856123", "ltb@example.gov.vn"),
        )
    ],
    "I.6": [{"symptom": "Mất tiếng", "count": 2, "cause": "Lỏng dây micro"}],
    "II.1.endpoints": 1,
    "II.1.communes": 1,
    "II.1.communes_without_endpoint": 0,
    "II.1.meetings": 6,
    "II.2.camera": "unstable",
    "II.2.microphone": "stable",
    "II.2.audio": "stable",
    "II.2.vcs": "stable",
    "II.3": "unstable",
    "II.4": False,
    "II.6": True,
    "II.7": True,
}
forms = []
for k, sub in enumerate(rnd.submission_ids.sorted(lambda s: s.unit_id.code)):
    prep = sub.unit_id.preparer_ids[:1]
    sub.with_user(prep).set_answers(ANSWERS)
    submitted = k >= len(units) // 2
    if submitted:
        sub.with_user(prep).action_submit()
    forms.append(
        {
            "id": sub.id,
            "preparer": prep.login,
            "head": sub.unit_id.head_id.login,
            "state": "submitted" if submitted else "draft",
        }
    )
env.cr.commit()
print("BENCH " + json.dumps({"round": rnd.id, "year": year, "forms": forms}))
