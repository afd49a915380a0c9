"""Developer workflow of hg_videoconf_survey (stdlib only, runs with any Python 3).

    ./dev run     bootstrap, create the demo database, serve http://localhost:8069
    ./dev test    core pytest suite, then the addon's Odoo tests in a fresh database
    ./dev lint    ruff, ruff format, pylint-odoo, prettier (XML)
    ./dev shell   an Odoo shell on the demo database

Everything it creates lives under ``.state/`` (git-ignored): the virtualenv,
the private PostgreSQL cluster, the Odoo configuration and filestore.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".state"
VENV = STATE / "venv"
VPY = VENV / "bin" / "python"
PG_DIR = STATE / "pg"
ODOO_REMEMBERED = STATE / "odoo_src"
ODOO_CLONE = STATE / "odoo-18.0"
ODOO_GIT_URL = os.environ.get("ODOO_GIT_URL", "https://github.com/odoo/odoo.git")
ADDON = "hg_videoconf_survey"
DEMO_DB = os.environ.get("VC_DB", "hg_videoconf")
DB_USER = "odoo"
HTTP_PORT = int(os.environ.get("VC_HTTP_PORT", "8069"))
# an Odoo command that does its job and exits, quiet but for real problems
# (Odoo 18 itself triggers Werkzeug 2.3 deprecation warnings)
ONE_SHOT = ("--stop-after-init", "--log-level=warn", "--log-handler=py.warnings:ERROR")
REQUIREMENT_FILES = ["requirements.txt", "requirements-dev.txt", "pyproject.toml"]
# Debian packages the project needs, with a file that shows each is there.
DEBIAN_PACKAGES = {
    "postgresql": "/usr/lib/postgresql/*/bin/initdb",
    "libreoffice-writer-nogui": "/usr/bin/soffice",
    # the summary workbook is recalculated by LibreOffice in the tests
    "libreoffice-calc-nogui": "/usr/lib/libreoffice/program/libsclo.so",
    "fonts-liberation2": "/usr/share/fonts/truetype/liberation2",
    "poppler-utils": "/usr/bin/pdftotext",
    # psycopg2 and python-ldap-free Odoo build from source against these
    "libpq-dev": "/usr/bin/pg_config",
    "build-essential": "/usr/bin/gcc",
    "python3-dev": "/usr/include/python3*/Python.h",
    "libmagic1": "/usr/lib/*/libmagic.so.1",
    # browser tests (Odoo HttpCase) drive a headless Chromium
    "chromium": "/usr/bin/chromium",
}
DEMO_LOGINS = [
    ("admin", "admin", "Quản trị hệ thống"),
    ("so.chuyenvien", "demo", "Chuyên viên Sở (phòng CNTT)"),
    ("so.lanhdao", "demo", "Lãnh đạo Sở"),
    ("so.vanthu", "demo", "Văn thư Sở"),
    ("bq.laphieu", "demo", "Người lập biểu — UBND huyện Bắc Quang"),
    ("bq.thutruong", "demo", "Thủ trưởng — UBND huyện Bắc Quang"),
    ("bq.photruong", "demo", "Phó thủ trưởng (ký KT.) — UBND huyện Bắc Quang"),
    ("dv.laphieu", "demo", "Người lập biểu — UBND huyện Đồng Văn"),
    ("dv.thutruong", "demo", "Thủ trưởng — UBND huyện Đồng Văn"),
    ("tt.laphieu", "demo", "Người lập biểu — Trung tâm CNTT&TT"),
    ("tt.thutruong", "demo", "Thủ trưởng — Trung tâm CNTT&TT"),
]


class DevError(Exception):
    """A set-up step failed; the message tells the user what to do."""


def say(msg: str) -> None:
    print(f"dev: {msg}", flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


def is_root() -> bool:
    return os.geteuid() == 0


# --------------------------------------------------------------------------
# Debian packages
# --------------------------------------------------------------------------
def ensure_debian_packages(optional: tuple[str, ...] = ()) -> None:
    missing = [p for p, f in DEBIAN_PACKAGES.items() if not glob.glob(f)]
    if not missing:
        return
    if is_root() and shutil.which("apt-get"):
        say("installing Debian packages: " + " ".join(missing))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-qq"], env=env)
        run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
            env=env,
        )
        return
    required = [p for p in missing if p not in optional]
    msg = (
        "these Debian packages are missing; install them with\n"
        "    sudo apt-get install " + " ".join(missing)
    )
    if required:
        raise DevError(msg)
    say(msg)


# --------------------------------------------------------------------------
# Virtualenv
# --------------------------------------------------------------------------
def requirements_digest() -> str:
    h = hashlib.sha256()
    for name in REQUIREMENT_FILES:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def ensure_venv() -> None:
    stamp = VENV / ".requirements.sha256"
    digest = requirements_digest()
    if VPY.exists() and stamp.exists() and stamp.read_text() == digest:
        return
    if not VPY.exists():
        say(f"creating the virtualenv in {VENV.relative_to(ROOT)}")
        run([sys.executable, "-m", "venv", str(VENV)])
    say("installing the pinned Python dependencies (first run takes a few minutes)")
    pip = [str(VPY), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run([*pip, "pip>=24,<25", "setuptools<70", "wheel"])
    run(
        [
            *pip,
            "-r",
            str(ROOT / "requirements.txt"),
            "-r",
            str(ROOT / "requirements-dev.txt"),
        ]
    )
    run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)])
    stamp.write_text(digest)


# --------------------------------------------------------------------------
# Odoo source
# --------------------------------------------------------------------------
def odoo_version(src: Path) -> str | None:
    release = src / "odoo" / "release.py"
    if not (src / "odoo-bin").exists() or not release.exists():
        return None
    m = re.search(r"version_info\s*=\s*\((\d+)\s*,\s*(\d+)", release.read_text())
    return f"{m.group(1)}.{m.group(2)}" if m else None


def _importable_odoo() -> Path | None:
    if not VPY.exists():
        return None
    out = subprocess.run(
        [str(VPY), "-c", "import odoo, os; print(os.path.dirname(odoo.__path__[0]))"],
        capture_output=True,
        text=True,
    )
    if out.returncode == 0 and out.stdout.strip():
        return Path(out.stdout.strip())
    return None


def find_odoo(clone: bool = True) -> tuple[Path | None, str]:
    """Return (Odoo 18 source tree, "") or (None, why none was found)."""
    tried = []
    candidates: list[tuple[str, Path | None]] = [
        (
            "ODOO_SRC",
            Path(os.environ["ODOO_SRC"]) if os.environ.get("ODOO_SRC") else None,
        ),
        (
            "remembered",
            Path(ODOO_REMEMBERED.read_text().strip())
            if ODOO_REMEMBERED.exists()
            else None,
        ),
        ("clone", ODOO_CLONE if ODOO_CLONE.exists() else None),
        ("importable odoo", _importable_odoo()),
    ]
    for label, path in candidates:
        if path is None:
            continue
        path = path.resolve()
        version = odoo_version(path)
        if version == "18.0":
            ODOO_REMEMBERED.parent.mkdir(parents=True, exist_ok=True)
            ODOO_REMEMBERED.write_text(str(path))
            return path, ""
        tried.append(
            f"{label} {path}: "
            + (f"Odoo {version}, not 18.0" if version else "not an Odoo tree")
        )
        if label == "ODOO_SRC":
            # an explicit choice that is wrong must not silently fall through
            return None, "; ".join(tried)
    if clone and shutil.which("git"):
        say(f"no Odoo 18.0 tree given; trying a shallow clone of {ODOO_GIT_URL}")
        tmp = ODOO_CLONE.with_suffix(".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            subprocess.run(
                [
                    "git",
                    "clone",
                    "-q",
                    "--depth",
                    "1",
                    "-b",
                    "18.0",
                    ODOO_GIT_URL,
                    str(tmp),
                ],
                check=True,
                timeout=1800,
                env=dict(os.environ, GIT_TERMINAL_PROMPT="0"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            tmp.rename(ODOO_CLONE)
            ODOO_REMEMBERED.write_text(str(ODOO_CLONE))
            return ODOO_CLONE, ""
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            tried.append(
                f"clone of {ODOO_GIT_URL} failed "
                f"({type(exc).__name__}; no network?)"
            )
    why = (
        "no Odoo 18.0 source tree found"
        + (" (" + "; ".join(tried) + ")" if tried else "")
        + ". Set ODOO_SRC to an Odoo 18.0 community tree, e.g. "
        "ODOO_SRC=../shared/odoo-18.0 ./dev test, or "
        f"git clone -b 18.0 --depth 1 {ODOO_GIT_URL} and point ODOO_SRC at it"
    )
    return None, why


def addons_path(src: Path) -> str:
    paths = [src / "odoo" / "addons", src / "addons", ROOT]
    return ",".join(str(p) for p in paths if p.is_dir())


# --------------------------------------------------------------------------
# PostgreSQL: a private cluster under .state/pg
# --------------------------------------------------------------------------
def pg_bindir() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise DevError(
        "PostgreSQL server binaries (initdb) not found: "
        "sudo apt-get install postgresql"
    )


def pg_os_user() -> str | None:
    """PostgreSQL refuses to run as root: then run it as a service account."""
    if not is_root():
        return None
    for name in ("postgres", "vcsurvey-pg"):
        if subprocess.run(["id", "-u", name], capture_output=True).returncode == 0:
            return name
    run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "vcsurvey-pg",
        ]
    )
    return "vcsurvey-pg"


def pg_cmd(args: list[str]) -> list[str]:
    user = pg_os_user()
    return ["runuser", "-u", user, "--", *args] if user else args


def pg_cluster_dir() -> Path:
    """The cluster under .state/pg, or, when the service account can't reach
    the project folder (e.g. a checkout under /root), a folder in /var/tmp."""
    user = pg_os_user()
    if user is None:
        return PG_DIR
    reachable = (
        subprocess.run(
            ["runuser", "-u", user, "--", "test", "-x", str(STATE)], capture_output=True
        ).returncode
        == 0
    )
    if reachable:
        return PG_DIR
    tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    return Path("/var/tmp") / f"hg_videoconf_survey-pg-{tag}"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind ``host:port`` now.

    Odoo (and PostgreSQL) bind with ``SO_REUSEADDR``, so the check does too:
    connections left in TIME-WAIT by a server stopped a moment ago (Ctrl-C
    then ``./dev run`` again) do not block it, a listening socket does.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def free_port(preferred: int | None = None, host: str = "127.0.0.1") -> int:
    """``preferred`` when it can be bound, else a port the system picks."""
    if preferred and port_is_free(preferred, host):
        return preferred
    with socket.socket() as s:
        try:
            s.bind((host, 0))
        except OSError as exc:
            raise DevError(f"no free local port ({exc})") from exc
        return s.getsockname()[1]


class Postgres:
    def __init__(self) -> None:
        self.dir = pg_cluster_dir()
        self.data = self.dir / "data"
        self.bindir = pg_bindir()
        self.started_here = False
        port_file = self.dir / "port"
        self.port = int(port_file.read_text()) if port_file.exists() else None

    def _bin(self, name: str) -> str:
        return str(self.bindir / name)

    def running(self) -> bool:
        if not (self.data / "postmaster.pid").exists():
            return False
        res = subprocess.run(
            pg_cmd([self._bin("pg_ctl"), "-D", str(self.data), "status"]),
            capture_output=True,
        )
        return res.returncode == 0

    def ensure(self) -> None:
        STATE.mkdir(exist_ok=True)
        user = pg_os_user()
        if not (self.data / "PG_VERSION").exists():
            say(f"creating a private PostgreSQL cluster in {self.dir}")
            self.dir.mkdir(parents=True, exist_ok=True)
            if user:
                run(["chown", user, str(self.dir)])
            run(
                pg_cmd(
                    [
                        self._bin("initdb"),
                        "-D",
                        str(self.data),
                        "-U",
                        DB_USER,
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                stdout=subprocess.DEVNULL,
            )
        if self.running():
            return
        self.port = free_port(self.port)
        (self.dir / "port").write_text(str(self.port))
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-k {self.data} -c max_connections=200 -c fsync=off"
        )
        say(f"starting PostgreSQL on 127.0.0.1:{self.port}")
        run(
            pg_cmd(
                [
                    self._bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.data / "server.log"),
                    "-o",
                    opts,
                    "-w",
                    "start",
                ]
            ),
            stdout=subprocess.DEVNULL,
        )
        self.started_here = True

    def stop(self) -> None:
        if self.running():
            say("stopping PostgreSQL")
            subprocess.run(
                pg_cmd(
                    [
                        self._bin("pg_ctl"),
                        "-D",
                        str(self.data),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ]
                ),
                stdout=subprocess.DEVNULL,
            )

    def psql(self, sql: str, db: str = "postgres") -> str:
        res = subprocess.run(
            [
                self._bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                DB_USER,
                "-d",
                db,
                "-Atc",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return res.stdout.strip()

    def db_exists(self, name: str) -> bool:
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"

    def drop_db(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------
# Odoo
# --------------------------------------------------------------------------
def write_odoo_conf(src: Path, pg: Postgres, http_port: int) -> Path:
    conf = STATE / "odoo.conf"
    secret_file = STATE / "admin_passwd"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(24))
    conf.write_text(
        "[options]\n"
        f"addons_path = {addons_path(src)}\n"
        f"data_dir = {STATE / 'filestore'}\n"
        "db_host = 127.0.0.1\n"
        f"db_port = {pg.port}\n"
        f"db_user = {DB_USER}\n"
        "db_password = False\n"
        f"admin_passwd = {secret_file.read_text().strip()}\n"
        f"http_port = {http_port}\n"
        "http_interface = 127.0.0.1\n"
        "proxy_mode = False\n"
        "max_cron_threads = 1\n"
    )
    return conf


def odoo_cmd(src: Path, conf: Path, *args: str) -> list[str]:
    return [str(VPY), str(src / "odoo-bin"), "-c", str(conf), *args]


def bootstrap(clone_odoo: bool = True) -> tuple[Path | None, str, Postgres]:
    ensure_debian_packages(optional=("chromium",))
    ensure_venv()
    src, why = find_odoo(clone=clone_odoo)
    pg = Postgres()
    return src, why, pg


def start_odoo_environment(http_port: int) -> tuple[Path, Postgres, Path]:
    """Everything an Odoo command needs: the source, a running cluster and
    the configuration file (DevError when no Odoo 18.0 tree is found)."""
    src, why, pg = bootstrap()
    if src is None:
        raise DevError(why)
    pg.ensure()
    return src, pg, write_odoo_conf(src, pg, http_port)


def cmd_run(args: argparse.Namespace) -> int:
    # before any long set-up: a busy port would only fail at the very end
    if not port_is_free(HTTP_PORT, "127.0.0.1"):
        raise DevError(
            f"port {HTTP_PORT} is busy: stop what uses it, or choose another "
            f"port, e.g. VC_HTTP_PORT=8169 ./dev run"
        )
    src, pg, conf = start_odoo_environment(HTTP_PORT)
    try:
        if args.reset and pg.db_exists(DEMO_DB):
            say(f"dropping database {DEMO_DB} (--reset)")
            pg.drop_db(DEMO_DB)
            shutil.rmtree(
                STATE / "filestore" / "filestore" / DEMO_DB, ignore_errors=True
            )
        if not pg.db_exists(DEMO_DB):
            say(
                f"creating database {DEMO_DB} with {ADDON} and its demo data "
                "(a few minutes the first time)"
            )
            run(
                odoo_cmd(
                    src,
                    conf,
                    "-d",
                    DEMO_DB,
                    "-i",
                    ADDON,
                    "--load-language",
                    "vi_VN",
                    *ONE_SHOT,
                )
            )
        elif args.update:
            run(
                odoo_cmd(
                    src,
                    conf,
                    "-d",
                    DEMO_DB,
                    "-u",
                    ADDON,
                    *ONE_SHOT,
                )
            )
        print("\n" + "=" * 72)
        print(f"  hg_videoconf_survey is served at http://localhost:{HTTP_PORT}")
        print(f"  database: {DEMO_DB}    (Ctrl-C stops Odoo and PostgreSQL)")
        print("  demo logins (login / password — role):")
        for login, pw, role in DEMO_LOGINS:
            print(f"    {login:<14} / {pw:<6} — {role}")
        print("=" * 72 + "\n", flush=True)
        proc = subprocess.Popen(
            odoo_cmd(
                src,
                conf,
                "-d",
                DEMO_DB,
                "--db-filter",
                f"^{DEMO_DB}$",
                "--log-handler=py.warnings:ERROR",
            )
        )

        def interrupted(signum, frame):
            raise KeyboardInterrupt

        # explicit handlers: a shell that starts us in the background leaves
        # SIGINT ignored, and SIGTERM (e.g. from a service manager) must stop
        # Odoo and PostgreSQL as cleanly as Ctrl-C does
        signal.signal(signal.SIGINT, interrupted)
        signal.signal(signal.SIGTERM, interrupted)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            say("stopping Odoo")
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            return 0
    finally:
        # a cluster that was already running serves someone else too
        if pg.started_here:
            pg.stop()


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------
PYTEST_SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors|skipped)")
ODOO_RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")


def run_core_tests(extra: list[str]) -> tuple[int, int]:
    res = subprocess.run(
        [
            str(VPY),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests"),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sys.stdout.write(res.stdout)
    last = [ln for ln in res.stdout.splitlines() if ln.strip()][-1:] or [""]
    counts = {k: 0 for k in ("passed", "failed", "error", "errors", "skipped")}
    for n, kind in PYTEST_SUMMARY.findall(last[0]):
        counts[kind] = int(n)
    failed = counts["failed"] + counts["error"] + counts["errors"]
    if res.returncode not in (0, 5) and failed == 0:
        failed = 1  # pytest itself failed (collection error, crash)
    return counts["passed"], failed


def run_odoo_tests(src: Path, pg: Postgres, tags: str) -> tuple[int, int, str]:
    db = f"vctest_{os.getpid()}_{int(time.time())}"
    http_port = free_port()
    conf = write_odoo_conf(src, pg, http_port)
    log = STATE / "odoo-test.log"
    cmd = odoo_cmd(
        src,
        conf,
        "-d",
        db,
        "-i",
        ADDON,
        "--test-enable",
        "--test-tags",
        tags,
        "--stop-after-init",
        "--load-language",
        "vi_VN",
        "--http-port",
        str(http_port),
        "--log-level=test",
        "--max-cron-threads=0",
    )
    say(
        f"installing {ADDON} in a fresh database {db} and running its Odoo tests "
        f"(log: {log.relative_to(ROOT)})"
    )
    try:
        with log.open("w") as fh:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                fh.write(line)
                if (
                    " ERROR " in line
                    or " FAIL" in line
                    or "CRITICAL" in line
                    or "odoo.tests.result" in line
                    or "Ran " in line
                ):
                    sys.stdout.write(line)
            rc = proc.wait()
    finally:
        try:
            pg.drop_db(db)
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(STATE / "filestore" / "filestore" / db, ignore_errors=True)
    text = log.read_text()
    results = ODOO_RESULT.findall(text)
    if not results:
        return 0, 1, "no test result in the log (the install failed?)"
    failed, errors, total = (int(x) for x in results[-1])
    bad = failed + errors
    note = ""
    skipped_browser = re.findall(
        r"(websocket-client module is not installed|Chrome executable not found|"
        r"Error during Chrome)",
        text,
    )
    if skipped_browser:
        bad += 1
        note = f"browser tests were skipped: {skipped_browser[0]}"
    if "demo data failed to install" in text:
        bad += 1
        note = "the demo data failed to install (see the log)"
    if rc != 0 and bad == 0:
        bad = 1
        note = f"odoo exited with {rc}"
    return total - failed - errors, bad, note


def cmd_test(args: argparse.Namespace) -> int:
    src, why, pg = bootstrap(clone_odoo=not args.no_clone)
    core_passed, core_failed = (0, 0)
    if not args.odoo_only:
        core_passed, core_failed = run_core_tests(args.pytest_args)
    odoo_line = ""
    odoo_passed = odoo_failed = 0
    if args.core_only:
        odoo_line = "odoo: skipped — --core-only was given"
    elif src is None:
        odoo_line = f"odoo: skipped — {why}"
    else:
        pg.ensure()
        try:
            odoo_passed, odoo_failed, note = run_odoo_tests(src, pg, args.tags)
        finally:
            if pg.started_here and not os.environ.get("VC_KEEP_PG"):
                pg.stop()
        odoo_line = f"odoo: {odoo_passed} passed, {odoo_failed} failed"
        if note:
            odoo_line += f" ({note})"
    print()
    if not args.odoo_only:
        print(f"core: {core_passed} passed, {core_failed} failed")
    print(odoo_line)
    passed = core_passed + odoo_passed
    failed = core_failed + odoo_failed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


# --------------------------------------------------------------------------
# Lint and shell
# --------------------------------------------------------------------------
def cmd_lint(args: argparse.Namespace) -> int:
    ensure_venv()
    bindir = VENV / "bin"
    status = 0
    steps = [
        [str(bindir / "ruff"), "check", "."],
        [str(bindir / "ruff"), "format", "--check", "."],
        [str(bindir / "pylint"), "--rcfile", str(ROOT / ".pylintrc"), ADDON],
    ]
    npm = shutil.which("npm")
    node_dir = STATE / "node"
    if npm:
        if not (node_dir / "node_modules" / ".bin" / "prettier").exists():
            node_dir.mkdir(parents=True, exist_ok=True)
            run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(node_dir),
                    "--silent",
                    "prettier@3.3.3",
                    "@prettier/plugin-xml@3.4.1",
                ]
            )
        xml_files = [str(p) for p in sorted((ROOT / ADDON).rglob("*.xml"))]
        steps.append(
            [
                str(node_dir / "node_modules" / ".bin" / "prettier"),
                "--check",
                "--plugin",
                str(
                    node_dir
                    / "node_modules"
                    / "@prettier"
                    / "plugin-xml"
                    / "src"
                    / "plugin.js"
                ),
                *xml_files,
            ]
        )
    else:
        say("npm not found: prettier (XML) skipped")
    for step in steps:
        say(" ".join(Path(step[0]).name.split()) + " " + " ".join(step[1:3]))
        if subprocess.run(step, cwd=ROOT).returncode:
            status = 1
    return status


def cmd_i18n(args: argparse.Namespace) -> int:
    """Export the addon's .pot from a fresh database and merge it into vi.po."""
    src, pg, conf = start_odoo_environment(free_port())
    db = f"vci18n_{os.getpid()}"
    pot = ROOT / ADDON / "i18n" / f"{ADDON}.pot"
    pot.parent.mkdir(exist_ok=True)
    try:
        run(
            odoo_cmd(
                src,
                conf,
                "-d",
                db,
                "-i",
                ADDON,
                "--without-demo",
                "all",
                *ONE_SHOT,
            )
        )
        run(
            odoo_cmd(
                src,
                conf,
                "-d",
                db,
                "--i18n-export",
                str(pot),
                "--modules",
                ADDON,
                *ONE_SHOT,
            )
        )
    finally:
        pg.drop_db(db)
        if pg.started_here and not os.environ.get("VC_KEEP_PG"):
            pg.stop()
    return subprocess.run([str(VPY), str(ROOT / "tools" / "i18n_fill.py")]).returncode


def cmd_shell(args: argparse.Namespace) -> int:
    src, pg, conf = start_odoo_environment(HTTP_PORT)
    try:
        return subprocess.run(odoo_cmd(src, conf, "shell", "-d", DEMO_DB)).returncode
    finally:
        if pg.started_here:
            pg.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="./dev", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="serve the product with demo data")
    p_run.add_argument(
        "--update",
        action="store_true",
        help="update the addon in the existing database first",
    )
    p_run.add_argument(
        "--reset", action="store_true", help="drop the demo database and create it anew"
    )
    p_run.set_defaults(func=cmd_run)
    p_test = sub.add_parser("test", help="run the core and the Odoo tests")
    p_test.add_argument("--core-only", action="store_true")
    p_test.add_argument("--odoo-only", action="store_true")
    p_test.add_argument(
        "--no-clone",
        action="store_true",
        help="never try to clone Odoo when no tree is found",
    )
    p_test.add_argument(
        "--tags", default=f"/{ADDON}", help="Odoo --test-tags (default: /%(default)s)"
    )
    p_test.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    p_test.set_defaults(func=cmd_test)
    sub.add_parser("lint", help="ruff, pylint-odoo, prettier").set_defaults(
        func=cmd_lint
    )
    sub.add_parser("i18n", help="export the .pot and merge it into vi.po").set_defaults(
        func=cmd_i18n
    )
    sub.add_parser("shell", help="Odoo shell on the demo database").set_defaults(
        func=cmd_shell
    )
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DevError as exc:
        print(f"dev: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(
            f"dev: command failed ({exc.returncode}): {' '.join(exc.cmd)}",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
