"""Backup and restore of the hg_videoconf_survey database with its filestore
(stdlib only; needs PostgreSQL's client programs pg_dump / pg_restore / psql).

    python3 tools/backup.py backup  -c odoo.conf [-d DB] [-o FILE.tar]
    python3 tools/backup.py restore -c odoo.conf FILE.tar -d NEW_DB [--copy]
                                    [--check --odoo-bin PATH [--python PY]]

(or ``./dev backup`` / ``./dev restore`` for the databases of ./dev serve.)

The connection (db_host, db_port, db_user, db_password) and the data_dir
are read from the Odoo configuration file.  A backup is one tar file:

    manifest.json     database, date, Odoo and addon versions, SHA-256 of
                      every other member
    dump.pgdump       pg_dump --format=custom (compressed)
    filestore/...     the database's filestore (attachments: generated and
                      archived PDFs, uploaded templates)

The dump is taken first, then the filestore (as Odoo's own backup does): a
file written between the two is in the filestore only, which is harmless.
A restore never overwrites: the database name and its filestore folder must
be new.  ``--copy`` gives the restored database a new ``database.uuid``
(for a copy running beside the original; leave it out when moving).
``--check`` then runs *Check archive* (``action_check_archive``) on every
archived survey round of the restored database and fails if a file differs
from its SHA-256 recorded at archiving.
"""

from __future__ import annotations

import argparse
import configparser
import datetime
import glob
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

FORMAT = 1
CHECK_SCRIPT = r"""
import json
rounds = env["vc.survey.round"].search([("state", "=", "archived")])
report = []
for rnd in rounds:
    res = rnd.action_check_archive()
    entries = rnd.archive_document_ids
    report.append({
        "round": rnd.name,
        "files": len(entries),
        "ok": res["params"]["type"] != "danger"
        and all(entries.mapped("last_check_ok")),
        "bad": entries.filtered(lambda e: not e.last_check_ok).mapped("name"),
    })
env.cr.commit()
print("ARCHIVE-CHECK " + json.dumps(report, ensure_ascii=False))
"""


class BackupError(Exception):
    pass


def pg_bin(name: str) -> str:
    """The newest PostgreSQL client program (pg_dump must not be older than
    the server)."""
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[::-1]:
        return candidate
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: apt-get install postgresql-client")
    return found


class OdooConf:
    """What a backup needs from an Odoo configuration file."""

    def __init__(self, path: str | os.PathLike) -> None:
        parser = configparser.ConfigParser(interpolation=None)
        if not parser.read(path):
            raise BackupError(f"cannot read the Odoo configuration {path}")
        opts = parser["options"] if parser.has_section("options") else {}

        def get(key, default=None):
            value = opts.get(key, default)
            return None if value in (None, "", "False") else value

        self.host = get("db_host")
        self.port = get("db_port")
        self.user = get("db_user")
        self.password = get("db_password")
        self.db_name = get("db_name")
        data_dir = get("data_dir") or os.path.expanduser("~/.local/share/Odoo")
        self.data_dir = Path(data_dir)

    def libpq_args(self) -> list[str]:
        args = []
        if self.host:
            args += ["-h", self.host]
        if self.port:
            args += ["-p", str(self.port)]
        if self.user:
            args += ["-U", self.user]
        return args

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def filestore(self, db: str) -> Path:
        return self.data_dir / "filestore" / db

    def psql(self, sql: str, db: str = "postgres") -> str:
        res = subprocess.run(
            [pg_bin("psql"), *self.libpq_args(), "-d", db, "-XAtqc", sql],
            capture_output=True,
            text=True,
            env=self.env(),
        )
        if res.returncode:
            raise BackupError(f"psql failed: {res.stderr.strip()}")
        return res.stdout.strip()

    def db_exists(self, db: str) -> bool:
        lit = db.replace("'", "''")
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{lit}'") == "1"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def backup(conf: OdooConf, db: str, out: Path) -> dict:
    """Write the backup of ``db`` to ``out``; returns its manifest."""
    if not conf.db_exists(db):
        raise BackupError(f"database {db} does not exist")
    store = conf.filestore(db)
    versions = conf.psql(
        "SELECT name || '=' || coalesce(latest_version, '') FROM ir_module_module "
        "WHERE name IN ('base', 'hg_videoconf_survey') AND state = 'installed'",
        db=db,
    ).splitlines()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vcbackup-") as tmp:
        dump = Path(tmp) / "dump.pgdump"
        res = subprocess.run(
            [
                pg_bin("pg_dump"),
                *conf.libpq_args(),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(dump),
                db,
            ],
            capture_output=True,
            text=True,
            env=conf.env(),
        )
        if res.returncode:
            raise BackupError(f"pg_dump failed: {res.stderr.strip()}")
        files = {"dump.pgdump": _sha256(dump)}
        store_files = (
            sorted(p for p in store.rglob("*") if p.is_file())
            if (store.is_dir())
            else []
        )
        for path in store_files:
            files["filestore/" + path.relative_to(store).as_posix()] = _sha256(path)
        manifest = {
            "format": FORMAT,
            "database": db,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"
            ),
            "versions": dict(v.split("=", 1) for v in versions if "=" in v),
            "filestore_files": len(store_files),
            "sha256": files,
        }
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(datetime.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, "dump.pgdump")
            for path in store_files:
                tar.add(path, "filestore/" + path.relative_to(store).as_posix())
        os.chmod(partial, 0o600)  # it holds every user's data and password hash
        partial.replace(out)
    return manifest


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Regular files with relative paths inside the archive only."""
    members = []
    for m in tar.getmembers():
        parts = Path(m.name).parts
        if m.name.startswith("/") or ".." in parts or not (m.isfile() or m.isdir()):
            raise BackupError(f"refused: unexpected member {m.name!r} in the backup")
        members.append(m)
    return members


def restore(
    conf: OdooConf,
    archive: Path,
    db: str,
    copy: bool = False,
    owner: tuple[int, int] | None = None,
) -> dict:
    """Restore ``archive`` into the new database ``db`` and its filestore."""
    if conf.db_exists(db):
        raise BackupError(f"database {db} exists already: restore into a new name")
    store = conf.filestore(db)
    if store.exists():
        raise BackupError(f"the filestore {store} exists already")
    with tempfile.TemporaryDirectory(prefix="vcrestore-") as tmp:
        tmpdir = Path(tmp)
        with tarfile.open(archive, "r") as tar:
            members = _safe_members(tar)
            tar.extractall(tmpdir, members=members)  # noqa: S202 (checked above)
        manifest_file = tmpdir / "manifest.json"
        if not manifest_file.exists():
            raise BackupError(f"{archive} is not a backup (no manifest.json)")
        manifest = json.loads(manifest_file.read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        present = {
            p.relative_to(tmpdir).as_posix()
            for p in tmpdir.rglob("*")
            if p.is_file() and p.name != "manifest.json"
        }
        expected = set(manifest["sha256"])
        if present != expected:
            raise BackupError(
                "the backup is incomplete or has extra files: "
                + ", ".join(sorted(present ^ expected)[:5])
            )
        for name, digest in manifest["sha256"].items():
            if _sha256(tmpdir / name) != digest:
                raise BackupError(f"{name} is damaged (SHA-256 differs)")
        quoted = '"' + db.replace('"', '""') + '"'
        conf.psql(f"CREATE DATABASE {quoted} ENCODING 'UTF8' TEMPLATE template0")
        res = subprocess.run(
            [
                pg_bin("pg_restore"),
                *conf.libpq_args(),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                db,
                str(tmpdir / "dump.pgdump"),
            ],
            capture_output=True,
            text=True,
            env=conf.env(),
        )
        if res.returncode:
            conf.psql(f"DROP DATABASE IF EXISTS {quoted}")
            raise BackupError(f"pg_restore failed: {res.stderr.strip()[:2000]}")
        if copy:
            conf.psql(
                "UPDATE ir_config_parameter SET value = gen_random_uuid()::text "
                "WHERE key = 'database.uuid'",
                db=db,
            )
        store.parent.mkdir(parents=True, exist_ok=True)
        source = tmpdir / "filestore"
        if source.is_dir():
            shutil.copytree(source, store)
        else:
            store.mkdir()
        if owner is not None:  # the service user's (uid, gid)
            for path in [store, *store.rglob("*")]:
                os.chown(path, *owner)
    return manifest


def check_archives(
    conf_path: Path, db: str, odoo_bin: str, python: str, **run_kw
) -> list[dict]:
    """Run Check archive on every archived round of ``db``."""
    res = subprocess.run(
        [
            python,
            odoo_bin,
            "shell",
            "-c",
            str(conf_path),
            "-d",
            db,
            "--no-http",
            "--log-level=warn",
        ],
        input=CHECK_SCRIPT,
        capture_output=True,
        text=True,
        **run_kw,
    )
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("ARCHIVE-CHECK ")]
    if res.returncode or not lines:
        raise BackupError(
            "the archive check could not run: " + (res.stderr or res.stdout)[-2000:]
        )
    return json.loads(lines[-1][len("ARCHIVE-CHECK ") :])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("backup", help="dump a database and its filestore")
    b.add_argument("-c", "--config", required=True, help="the Odoo configuration")
    b.add_argument("-d", "--database", help="default: db_name of the configuration")
    b.add_argument("-o", "--output", help="default: <db>-<UTC time>.tar here")
    r = sub.add_parser("restore", help="restore into a new database")
    r.add_argument("-c", "--config", required=True)
    r.add_argument("archive")
    r.add_argument("-d", "--database", required=True, help="a new database name")
    r.add_argument("--copy", action="store_true", help="give it a new database.uuid")
    r.add_argument("--check", action="store_true", help="check the archived rounds")
    r.add_argument("--odoo-bin", help="odoo-bin of Odoo 18 (for --check)")
    r.add_argument("--python", default=sys.executable, help="Odoo's Python")
    args = ap.parse_args(argv)
    try:
        conf = OdooConf(args.config)
        if args.command == "backup":
            db = args.database or conf.db_name
            if not db:
                raise BackupError("name the database (-d)")
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y%m%d-%H%M%SZ"
            )
            out = Path(args.output or f"{db}-{stamp}.tar")
            manifest = backup(conf, db, out)
            print(
                f"backup: {out} ({manifest['filestore_files']} filestore files, "
                f"{out.stat().st_size // 1024} KiB)"
            )
            return 0
        manifest = restore(conf, Path(args.archive), args.database, copy=args.copy)
        print(
            f"restore: {args.archive} ({manifest['database']}, "
            f"{manifest['created']}) -> database {args.database}"
        )
        if args.check:
            if not args.odoo_bin:
                raise BackupError("--check needs --odoo-bin")
            report = check_archives(
                Path(args.config), args.database, args.odoo_bin, args.python
            )
            for item in report:
                state = "intact" if item["ok"] else "ALTERED: " + ", ".join(item["bad"])
                print(f"archive check: {item['round']}: {item['files']} files {state}")
            if not all(item["ok"] for item in report):
                return 1
        return 0
    except BackupError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
