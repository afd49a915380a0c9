"""Backup and restore of a database with an archived round (tools/backup.py).

An integration test: it needs PostgreSQL, LibreOffice and an Odoo 18.0
tree (``ODOO_SRC``, as ``./dev test`` and CI give it) and is skipped, with
the reason, without them.  In a database of its own (committed, which an
Odoo test cannot do), it archives a round, backs the database up with its
filestore, restores it under a new name and runs *Check archive* there;
then alters one archived file of the restored copy and expects the check
to name it.  Takes a minute or two.
"""

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev = _load("vc_dev_for_backup", ROOT / "tools" / "dev.py")
backup = _load("vc_backup", ROOT / "tools" / "backup.py")

# An archived round, made the way the clerk and the units make it (the
# summary's rendering is replaced as in the Odoo test TestArchive; archiving
# prints the dispatch, the form and the summary PDFs for real).
ARCHIVED_ROUND = r"""
from datetime import date, timedelta
from unittest.mock import patch
M = "hg_videoconf_survey"
env = env(context=dict(env.context, tracking_disable=True))
ref = env.ref
Users = env["res.users"].with_context(no_reset_password=True)
def unit(name, code, level, parent=None):
    return env["vc.unit"].create({"name": name, "code": code,
        "level_id": ref(f"{M}.unit_level_{level}").id,
        "parent_id": parent.id if parent else False})
def user(login, group, u):
    return Users.create({"login": login, "name": login, "vc_unit_id": u.id,
        "email": f"{login}@example.gov.vn",
        "groups_id": [(6, 0, [ref("base.group_user").id, ref(f"{M}.{group}").id])]})
province = unit("UBND tỉnh T", "T", "province")
dept = unit("Sở TT&TT T", "T-STTTT", "department", province)
district = unit("UBND huyện Alpha", "T-A", "district", province)
officer = user("officer", "group_department_officer", dept)
clerk = user("clerk", "group_records_clerk", dept)
prep = user("prep", "group_unit_preparer", district)
head = user("head", "group_unit_head", district)
district.write({"head_id": head.id, "preparer_ids": [(6, 0, prep.ids)]})
env["vc.endpoint"].create({"name": "Điểm cầu Alpha", "unit_id": district.id,
    "network": "province_district", "ip_address": "10.99.1.10"})
rnd = env["vc.survey.round"].with_user(officer).create({
    "name": "Khảo sát năm 2017", "year": 2017, "subject": "giao ban trực tuyến",
    "deadline": date.today() + timedelta(days=30), "signer_name": "Nguyễn Văn Tuệ",
    "line_ids": [(0, 0, {"unit_id": district.id,
                         "form_id": ref(f"{M}.form_2017_district").id})]})
rnd.with_user(officer).action_dispatch()
sub = rnd.submission_ids
sub.with_user(prep).set_answers({
    "B.name": "Trần Văn Bình", "B.position": "Chuyên viên",
    "B.phone": "0987654301", "B.email": "tvbinh@example.gov.vn",
    "I.1.location": "Hội trường UBND huyện", "I.1.meetings": 24, "I.2": True,
    "I.3.camera": "stable", "I.3.microphone": "stable", "I.3.audio": "stable",
    "I.3.vcs": "stable", "I.4": "stable", "I.5": False, "I.7": True,
    "I.8": False, "I.9": "Tiết kiệm chi phí",
    "I.10": [{"name": n, "position": "Chuyên viên", "phone": p, "email": e}
        for n, p, e in (("Nguyễn Văn A", "0912345678", "a@x.gov.vn"),
        ("Lê Thị B", "02193856123", "b@x.gov.vn"))],
    "II.1.endpoints": 1, "II.1.communes": 1,
    "II.1.communes_without_endpoint": 0, "II.1.meetings": 6,
    "II.2.camera": "stable", "II.2.microphone": "stable",
    "II.2.audio": "stable", "II.2.vcs": "stable", "II.3": "stable",
    "II.4": False, "II.6": True, "II.7": True})
sub.with_user(prep).action_submit()
sub.with_user(head).action_approve()
sub.with_user(officer).action_receive()
rnd.with_user(officer).dispatch_date = date(2017, 12, 20)
rnd.with_user(clerk).action_issue_dispatch_number()
fake = dict.fromkeys(("odt", "docx", "pdf", "xlsx"), b"draft")
with patch.object(type(env["vc.document.renderer"]), "_render_summary",
                  return_value=fake):
    rnd.with_user(officer).action_generate_summary()
rnd.with_user(clerk).action_issue_summary_number()
rnd.with_user(clerk).action_archive()
assert rnd.state == "archived", rnd.state
env.cr.commit()
print("ARCHIVED", len(rnd.archive_document_ids))
"""


def _why_not() -> str | None:
    if not dev.VPY.exists():
        return "no virtualenv in .state/venv (run ./dev test once)"
    src, why = dev.find_odoo(clone=False)
    if src is None:
        return why
    try:
        dev.pg_bindir()
    except dev.DevError as exc:
        return str(exc)
    if not shutil.which("soffice"):
        return "LibreOffice (soffice) is not installed"
    return None


@pytest.fixture(scope="module")
def odoo_db(tmp_path_factory):
    """(conf, db, data_dir, src) of a committed database with an archived round."""
    why = _why_not()
    if why:
        pytest.skip(f"backup/restore integration test needs Odoo and PostgreSQL: {why}")
    src, _ = dev.find_odoo(clone=False)
    pg = dev.Postgres()
    pg.ensure()
    data_dir = tmp_path_factory.mktemp("data")
    db = f"vcbackup_{os.getpid()}"
    conf = data_dir / "odoo.conf"
    sizing = {
        "workers": 0,
        "max_cron_threads": 0,
        "db_maxconn": 8,
        "db_maxconn_gevent": 8,
        "limit_memory_soft": 2048 * dev.MiB,
        "limit_memory_hard": 2560 * dev.MiB,
    }
    conf.write_text(
        dev.prod_conf_text(
            src,
            pg,
            db,
            "127.0.0.1",
            dev.free_port(),
            dev.free_port(),
            sizing,
            data_dir,
            "not-used",
        )
    )
    created = [db, f"{db}_restored", f"{db}_damaged"]
    try:
        res = subprocess.run(
            dev.odoo_cmd(
                src,
                conf,
                "-d",
                db,
                "-i",
                dev.ADDON,
                "--without-demo=all",
                *dev.ONE_SHOT,
            ),
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
        res = subprocess.run(
            dev.odoo_cmd(src, conf, "shell", "-d", db, "--no-http", "--log-level=warn"),
            input=ARCHIVED_ROUND,
            capture_output=True,
            text=True,
        )
        assert "ARCHIVED 3" in res.stdout, res.stdout[-2000:] + res.stderr[-3000:]
        yield conf, db, data_dir, src
    finally:
        for name in created:
            try:
                pg.drop_db(name)
            except subprocess.CalledProcessError:
                pass
        if pg.started_here and not os.environ.get("VC_KEEP_PG"):
            pg.stop()


def test_backup_restore_keeps_the_archive_intact(odoo_db, tmp_path):
    conf_path, db, data_dir, src = odoo_db
    conf = backup.OdooConf(conf_path)
    archive = tmp_path / "round.tar"
    manifest = backup.backup(conf, db, archive)

    # the backup: manifest, dump and the filestore, each with its SHA-256
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        stored = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "dump.pgdump"} <= names
    assert stored == manifest
    assert manifest["database"] == db
    assert manifest["versions"]["hg_videoconf_survey"].startswith("18.0.")
    assert manifest["filestore_files"] >= 3
    assert set(manifest["sha256"]) == names - {"manifest.json"}

    restored = f"{db}_restored"
    backup.restore(conf, archive, restored, copy=True)
    assert sorted(
        p.name for p in conf.filestore(restored).rglob("*") if p.is_file()
    ) == sorted(p.name for p in conf.filestore(db).rglob("*") if p.is_file())
    uuids = {
        name: conf.psql(
            "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'", name
        )
        for name in (db, restored)
    }
    assert uuids[db] != uuids[restored]  # --copy

    odoo_bin = str(src / "odoo-bin")
    report = backup.check_archives(conf_path, restored, odoo_bin, str(dev.VPY))
    assert [(r["round"], r["files"], r["ok"]) for r in report] == [
        ("Khảo sát năm 2017", 3, True)
    ]

    # a restore never overwrites
    with pytest.raises(backup.BackupError, match="exists already"):
        backup.restore(conf, archive, restored)

    # an archived file altered in the restored filestore: the check names it
    row = conf.psql(
        "SELECT a.name || '|' || a.store_fname FROM vc_archive_document d "
        "JOIN ir_attachment a ON a.id = d.attachment_id "
        "WHERE d.kind = 'form'",
        restored,
    )
    name, store_fname = row.split("|")
    target = conf.filestore(restored) / store_fname
    target.write_bytes(target.read_bytes() + b"%% altered")
    report = backup.check_archives(conf_path, restored, odoo_bin, str(dev.VPY))
    assert report[0]["ok"] is False
    assert report[0]["bad"] == [name]
    # ... while the original still passes
    report = backup.check_archives(conf_path, db, odoo_bin, str(dev.VPY))
    assert report[0]["ok"] is True


def test_damaged_backup_refused(odoo_db, tmp_path):
    conf_path, db, _data_dir, _src = odoo_db
    conf = backup.OdooConf(conf_path)
    good = tmp_path / "good.tar"
    backup.backup(conf, db, good)
    bad = tmp_path / "bad.tar"
    changed = None
    with tarfile.open(good) as src_tar, tarfile.open(bad, "w") as dst:
        for member in src_tar.getmembers():
            data = src_tar.extractfile(member).read()
            if changed is None and member.name.startswith("filestore/"):
                changed = member.name
                data += b"x"  # one filestore file changed in transit
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    assert changed
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.restore(conf, bad, f"{db}_damaged")
    assert not conf.db_exists(f"{db}_damaged")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
