"""Developer workflow of hg_videoconf_survey (stdlib only, runs with any Python 3).

    ./dev run     bootstrap, create the demo database, serve http://localhost:8069
    ./dev serve   production mode: no demo, prefork workers, behind a TLS proxy
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
import json
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
VENV = Path(os.environ.get("VC_VENV") or STATE / "venv").absolute()
VPY = VENV / "bin" / "python"
PG_DIR = STATE / "pg"
ODOO_REMEMBERED = STATE / "odoo_src"
ODOO_CLONE = STATE / "odoo-18.0"
ODOO_GIT_URL = os.environ.get("ODOO_GIT_URL", "https://github.com/odoo/odoo.git")
ADDON = "hg_videoconf_survey"
DEMO_DB = os.environ.get("VC_DB", "hg_videoconf")
DB_USER = "odoo"
# the private cluster's max_connections; ./dev serve sizes db_maxconn from it
PG_MAX_CONNECTIONS = 200
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

    host = "127.0.0.1"
    user = DB_USER
    password: str | None = None

    def ensure(self, durable: bool = False) -> None:
        """Create and start the cluster if needed.  ``durable`` (``./dev
        serve``) keeps PostgreSQL's fsync on; dev and test runs turn it off."""
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
            if durable and self.psql("SHOW fsync") == "off":
                say(
                    "warning: the private PostgreSQL runs with fsync=off (started "
                    "by ./dev run or test); stop it and start ./dev serve first "
                    "so that it runs durably"
                )
            return
        self.port = free_port(self.port)
        (self.dir / "port").write_text(str(self.port))
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-k {self.data} -c max_connections={PG_MAX_CONNECTIONS}"
            + ("" if durable else " -c fsync=off")
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
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                db,
                "-Atc",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
            env=self.env(),
        )
        return res.stdout.strip()

    def env(self) -> dict[str, str]:
        """Environment for libpq clients (psql, pg_dump) of this cluster."""
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def conf_lines(self) -> str:
        return (
            f"db_host = {self.host}\n"
            f"db_port = {self.port}\n"
            f"db_user = {self.user}\n"
            f"db_password = {self.password or False}\n"
        )

    def db_exists(self, name: str) -> bool:
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"

    def drop_db(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ExternalPostgres(Postgres):
    """A PostgreSQL server run by someone else (the system's, for
    production): ``VC_DB_HOST``, ``VC_DB_PORT``, ``VC_DB_USER`` and
    ``VC_DB_PASSWORD``.  Never started nor stopped here."""

    def __init__(self) -> None:
        self.bindir = pg_bindir()
        self.started_here = False
        self.host = os.environ["VC_DB_HOST"]
        self.port = int(os.environ.get("VC_DB_PORT", "5432"))
        self.user = os.environ.get("VC_DB_USER", DB_USER)
        self.password = os.environ.get("VC_DB_PASSWORD") or None

    def running(self) -> bool:
        try:
            self.psql("SELECT 1")
        except subprocess.CalledProcessError:
            return False
        return True

    def ensure(self, durable: bool = False) -> None:
        if not self.running():
            raise DevError(
                f"cannot connect to PostgreSQL at {self.host}:{self.port} as "
                f"{self.user} (VC_DB_HOST / VC_DB_PORT / VC_DB_USER / "
                "VC_DB_PASSWORD); the role needs CREATEDB"
            )

    def stop(self) -> None:
        pass


def postgres() -> Postgres:
    """The private cluster, or the server named by ``VC_DB_HOST``."""
    return ExternalPostgres() if os.environ.get("VC_DB_HOST") else Postgres()


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
    """odoo-bin with the configuration; a sub-command (``shell``) goes first."""
    sub = [args[0]] if args and args[0] in ("shell", "server") else []
    rest = args[len(sub) :]
    return [str(VPY), str(src / "odoo-bin"), *sub, "-c", str(conf), *rest]


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


def serve_foreground(cmd: list[str], **popen_kw) -> int:
    """Run a server until it exits, or stop it on Ctrl-C / SIGTERM."""
    proc = subprocess.Popen(cmd, **popen_kw)

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
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0


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
        return serve_foreground(
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
    finally:
        # a cluster that was already running serves someone else too
        if pg.started_here:
            pg.stop()


# --------------------------------------------------------------------------
# Production: ./dev serve
# --------------------------------------------------------------------------
PROD_CONF = STATE / "odoo-prod.conf"
PROD_DATA = STATE / "prod"
PROD_MASTER_FILE = STATE / "odoo-prod.master_passwd"
PROD_DB = os.environ.get("VC_PROD_DB", "hg_videoconf_prod")
SERVICE_USER = os.environ.get("VC_SERVICE_USER", "vcsurvey")
MiB = 1024 * 1024
# connections kept free for psql, pg_dump (backups) and the superuser
PG_RESERVED_CONNECTIONS = 10


def machine_resources() -> tuple[int, int]:
    """(CPU cores usable by this process, RAM in bytes)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return cores, mem


def prod_sizing(
    cores: int, mem_bytes: int, pg_max_connections: int, workers: int | None = None
) -> dict[str, int]:
    """Odoo's prefork settings for a machine.

    - ``workers``: 2 × cores + 1 (Odoo's rule of thumb), at least 2, at most
      17, and no more than the RAM (a quarter of it, at least 1 GiB, left to
      PostgreSQL, LibreOffice and the system) holds at 512 MiB a process.
    - ``limit_memory_hard``: the RAM left divided among the Odoo processes
      (workers, the cron worker, the websocket process), at most Odoo's
      default 2.5 GiB; ``limit_memory_soft`` is 80 % of it (a worker above
      it is recycled after its request).
    - ``db_maxconn``: each process has its own pool and a prefork worker
      serves one request at a time, so 8 is ample; together with the
      websocket process's pool (``db_maxconn_gevent``) they stay below
      PostgreSQL's ``max_connections`` minus a reserve for backups and psql.
    """
    cron = 1
    usable = max(mem_bytes - max(mem_bytes // 4, 1024 * MiB), 512 * MiB)
    if workers is None:
        workers = min(max(2, 2 * cores + 1), 17)
        workers = max(2, min(workers, usable // (512 * MiB) - cron - 1))
    processes = workers + cron + 1
    hard = min(2560 * MiB, usable // processes)
    budget = pg_max_connections - PG_RESERVED_CONNECTIONS
    db_maxconn = min(8, (budget - 4) // (workers + cron))
    if db_maxconn < 2:
        raise DevError(
            f"PostgreSQL's max_connections ({pg_max_connections}) is too low for "
            f"{workers} workers: raise it or choose fewer workers (--workers)"
        )
    gevent_maxconn = min(32, budget - db_maxconn * (workers + cron))
    return {
        "workers": workers,
        "max_cron_threads": cron,
        "limit_memory_hard": hard,
        "limit_memory_soft": hard * 4 // 5,
        "db_maxconn": db_maxconn,
        "db_maxconn_gevent": gevent_maxconn,
    }


def hash_master_password(password: str) -> str:
    """The hash Odoo itself stores for ``admin_passwd`` (passlib, in the venv)."""
    res = subprocess.run(
        [
            str(VPY),
            "-c",
            "import sys\n"
            "from passlib.context import CryptContext\n"
            "ctx = CryptContext(['pbkdf2_sha512'], pbkdf2_sha512__rounds=600_000)\n"
            "print(ctx.hash(sys.stdin.read()))",
        ],
        input=password,
        capture_output=True,
        text=True,
        check=True,
    )
    return res.stdout.strip()


def password_is_default(stored_hash: str) -> bool:
    """Whether Odoo's stored hash is that of a well-known password."""
    res = subprocess.run(
        [
            str(VPY),
            "-c",
            "import sys\n"
            "from passlib.context import CryptContext\n"
            "ctx = CryptContext(['pbkdf2_sha512'])\n"
            "stored = sys.stdin.read().strip()\n"
            "print(any(ctx.verify(p, stored) for p in ('admin', '')))",
        ],
        input=stored_hash,
        capture_output=True,
        text=True,
        check=True,
    )
    return res.stdout.strip() == "True"


def check_new_password(password: str, what: str) -> str:
    if len(password) < 10:
        raise DevError(f"the {what} must have at least 10 characters")
    if password.lower() in {"admin", "administrator", "demo", "password", "odoo"}:
        raise DevError(f"the {what} must not be a default password")
    return password


def admin_password_from_user() -> str:
    """``VC_ADMIN_PASSWORD``, else asked twice on the terminal."""
    given = os.environ.get("VC_ADMIN_PASSWORD")
    if given:
        return check_new_password(given, "admin password (VC_ADMIN_PASSWORD)")
    if not sys.stdin.isatty():
        raise DevError(
            "choose the password of the Odoo 'admin' user: set VC_ADMIN_PASSWORD "
            "or run ./dev serve on a terminal to be asked for it"
        )
    import getpass

    first = getpass.getpass("dev: password for the Odoo user 'admin': ")
    check_new_password(first, "admin password")
    if getpass.getpass("dev: the same password again: ") != first:
        raise DevError("the two passwords differ")
    return first


def master_password_hash() -> str:
    """The master password (database manager / ``db`` RPC service), hashed.

    ``VC_MASTER_PASSWORD`` when given; otherwise a random one is made once and
    kept, readable by root only, in ``.state/odoo-prod.master_passwd``.
    """
    given = os.environ.get("VC_MASTER_PASSWORD")
    if given:
        return hash_master_password(check_new_password(given, "master password"))
    if not PROD_MASTER_FILE.exists():
        PROD_MASTER_FILE.touch(mode=0o600)
        PROD_MASTER_FILE.write_text(secrets.token_urlsafe(24) + "\n")
        say(
            f"a random master password was written to {PROD_MASTER_FILE} "
            "(mode 600): keep it in a safe place"
        )
    return hash_master_password(PROD_MASTER_FILE.read_text().strip())


def ensure_service_user() -> str | None:
    """When started as root, Odoo runs as the system account ``vcsurvey``
    (created if missing, no shell, no login); otherwise as the current user."""
    if not is_root():
        return None
    if subprocess.run(["id", "-u", SERVICE_USER], capture_output=True).returncode:
        say(f"creating the system user {SERVICE_USER} that runs Odoo")
        run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--home-dir",
                str(PROD_DATA),
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ]
        )
    return SERVICE_USER


def service_kwargs(user: str | None) -> dict:
    """subprocess arguments that run a command as the service user."""
    if user is None:
        return {}
    env = dict(os.environ, HOME=str(PROD_DATA), USER=user, LOGNAME=user)
    return {"user": user, "group": user, "extra_groups": [], "env": env}


def prod_conf_text(
    src: Path,
    pg: Postgres,
    db: str,
    interface: str,
    http_port: int,
    gevent_port: int,
    sizing: dict[str, int],
    data_dir: Path,
    master_hash: str,
) -> str:
    """The production configuration; every key is explained in
    deploy/odoo.conf.example.  ``workers = 0`` in ``sizing`` gives the
    threaded server (what the load test compares against)."""
    return (
        "# Written by ./dev; see deploy/odoo.conf.example for every key.\n"
        "[options]\n"
        f"addons_path = {addons_path(src)},{ROOT / 'deploy' / 'addons'}\n"
        # a listen backlog that holds a burst of requests (see that module)
        "server_wide_modules = base,web,hg_videoconf_prefork\n"
        "listen_backlog = 1024\n"
        f"data_dir = {data_dir}\n"
        f"{pg.conf_lines()}"
        f"admin_passwd = {master_hash}\n"
        f"db_name = {db}\n"
        f"dbfilter = ^{re.escape(db)}$\n"
        "list_db = False\n"
        "without_demo = all\n"
        f"http_interface = {interface}\n"
        f"http_port = {http_port}\n"
        f"gevent_port = {gevent_port}\n"
        "proxy_mode = True\n"
        f"workers = {sizing['workers']}\n"
        f"max_cron_threads = {sizing['max_cron_threads']}\n"
        f"db_maxconn = {sizing['db_maxconn']}\n"
        f"db_maxconn_gevent = {sizing['db_maxconn_gevent']}\n"
        "limit_time_cpu = 300\n"
        "limit_time_real = 600\n"
        "limit_time_real_cron = 900\n"
        f"limit_memory_soft = {sizing['limit_memory_soft']}\n"
        f"limit_memory_hard = {sizing['limit_memory_hard']}\n"
        "limit_request = 65536\n"
        "log_level = info\n"
        "log_handler = :INFO,werkzeug:WARNING,py.warnings:ERROR\n"
    )


def write_prod_conf(
    src: Path,
    pg: Postgres,
    db: str,
    interface: str,
    http_port: int,
    gevent_port: int,
    sizing: dict[str, int],
    service_user: str | None,
) -> Path:
    """``.state/odoo-prod.conf``, filled for this machine."""
    text = prod_conf_text(
        src,
        pg,
        db,
        interface,
        http_port,
        gevent_port,
        sizing,
        PROD_DATA,
        master_password_hash(),
    )
    PROD_CONF.touch(mode=0o640)
    os.chmod(PROD_CONF, 0o640)
    PROD_CONF.write_text(text)
    PROD_DATA.mkdir(mode=0o750, exist_ok=True)
    if service_user:
        run(["chown", f"root:{service_user}", str(PROD_CONF)])
        run(["chown", "-R", f"{service_user}:{service_user}", str(PROD_DATA)])
        os.chmod(PROD_DATA, 0o750)
        check_service_user_access(service_user, src)
    return PROD_CONF


def check_service_user_access(user: str, src: Path) -> None:
    """The service user must reach the interpreter, Odoo and the project."""

    def can(flag: str, path: Path) -> bool:
        cmd = ["runuser", "-u", user, "--", "test", flag, str(path)]
        return subprocess.run(cmd, capture_output=True).returncode == 0

    if not can("-x", VPY):
        raise DevError(
            f"the service user {user} cannot run the virtualenv's Python "
            f"({VPY.resolve()}): it lives in a folder only root may enter. "
            f"Recreate the virtualenv with a system-wide Python: "
            f"rm -rf {VENV} && PYTHON=/usr/bin/python3 ./dev serve"
        )
    for path in (PROD_CONF, src / "odoo-bin", ROOT / ADDON / "__manifest__.py"):
        if not can("-r", path):
            raise DevError(
                f"the service user {user} cannot read {path}: put the checkout "
                "and Odoo where other users may enter (e.g. under /opt)"
            )


def set_admin_password(src: Path, conf: Path, db: str, password: str, user) -> None:
    """Odoo stores it hashed (pbkdf2-sha512) when written through the ORM."""
    script = (
        "import os\n"
        "admin = env.ref('base.user_admin')\n"
        "admin.password = os.environ['VC_NEW_ADMIN_PASSWORD']\n"
        "env.cr.commit()\n"
    )
    kw = service_kwargs(user)
    env = dict(kw.pop("env", os.environ), VC_NEW_ADMIN_PASSWORD=password)
    run(
        odoo_cmd(src, conf, "shell", "-d", db, "--no-http", "--log-level=warn"),
        input=script,
        text=True,
        env=env,
        stdout=subprocess.DEVNULL,
        **kw,
    )


def setup_prod_database(
    args: argparse.Namespace,
) -> tuple[Path, Postgres, Path, str | None]:
    """Everything ``./dev serve`` does before serving."""
    interface = args.interface
    for port in (args.port, args.gevent_port):
        if not port_is_free(port, interface):
            raise DevError(
                f"port {port} is busy on {interface}: stop what uses it, or "
                "choose others with --port / --gevent-port"
            )
    src, why, _ = bootstrap()
    if src is None:
        raise DevError(why)
    pg = postgres()
    pg.ensure(durable=True)
    try:
        return (src, pg, *_setup_prod_database(args, src, pg))
    except BaseException:
        if pg.started_here:
            pg.stop()
        raise


def _setup_prod_database(
    args: argparse.Namespace, src: Path, pg: Postgres
) -> tuple[Path, str | None]:
    interface = args.interface
    db = args.db
    new_db = not pg.db_exists(db)
    password = admin_password_from_user() if new_db or args.admin_password else None
    cores, mem = machine_resources()
    max_conn = int(pg.psql("SHOW max_connections"))
    sizing = prod_sizing(cores, mem, max_conn, args.workers)
    user = ensure_service_user()
    conf = write_prod_conf(
        src, pg, db, interface, args.port, args.gevent_port, sizing, user
    )
    as_service = service_kwargs(user)
    if new_db:
        say(f"creating database {db} with {ADDON}, without demo data")
        run(
            odoo_cmd(
                src,
                conf,
                "-d",
                db,
                "-i",
                ADDON,
                "--without-demo=all",
                "--load-language",
                "vi_VN",
                *ONE_SHOT,
            ),
            **as_service,
        )
    elif args.update:
        say(f"upgrading {ADDON} in {db}")
        run(odoo_cmd(src, conf, "-d", db, "-u", ADDON, *ONE_SHOT), **as_service)
    if password:
        set_admin_password(src, conf, db, password, user)
    stored = pg.psql("SELECT password FROM res_users WHERE login = 'admin'", db=db)
    if not stored.startswith("$pbkdf2-sha512$") or password_is_default(stored):
        # also when an earlier set-up stopped between creating and securing
        raise DevError(
            "the admin user still has no password of its own: "
            "./dev serve --admin-password (VC_ADMIN_PASSWORD or asked)"
        )
    if password:
        say("the admin password is set (stored hashed by Odoo)")
    say(
        f"{conf.relative_to(ROOT)}: {sizing['workers']} workers on {cores} cores, "
        f"db_maxconn {sizing['db_maxconn']} (+{sizing['db_maxconn_gevent']} "
        f"websocket) of max_connections {max_conn}, "
        f"limit_memory_hard {sizing['limit_memory_hard'] // MiB} MiB"
        + (f", running as {user}" if user else "")
    )
    return conf, user


def cmd_serve(args: argparse.Namespace) -> int:
    src, pg, conf, user = setup_prod_database(args)
    try:
        if args.setup_only:
            say(
                "set up; serve with: "
                + " ".join(odoo_cmd(src, conf))
                + " (see deploy/hg-videoconf-survey.service)"
            )
            return 0
        print("\n" + "=" * 72)
        print(
            f"  hg_videoconf_survey (production mode) on "
            f"http://{args.interface}:{args.port} (websocket :{args.gevent_port})"
        )
        print(f"  database: {args.db}; put the TLS proxy of deploy/ in front")
        print("  log in as admin with the password chosen at set-up")
        print("  Ctrl-C stops Odoo" + (" and PostgreSQL" if pg.started_here else ""))
        print("=" * 72 + "\n", flush=True)
        return serve_foreground(odoo_cmd(src, conf), **service_kwargs(user))
    finally:
        if pg.started_here:
            pg.stop()


# --------------------------------------------------------------------------
# Backup and restore (tools/backup.py) of the ./dev serve database
# --------------------------------------------------------------------------
def _backup_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "vc_backup", ROOT / "tools" / "backup.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _prod_postgres() -> tuple[Postgres, object]:
    """The running cluster of ./dev serve and tools/backup.py's view of the
    production configuration, pointing at it."""
    if not PROD_CONF.exists():
        raise DevError(f"no {PROD_CONF.relative_to(ROOT)}: run ./dev serve first")
    ensure_venv()
    pg = postgres()
    pg.ensure(durable=True)
    text = PROD_CONF.read_text()
    fixed = re.sub(r"(?m)^db_port = .*$", f"db_port = {pg.port}", text)
    if fixed != text:  # the private cluster moved to another free port
        PROD_CONF.write_text(fixed)
    conf = _backup_module().OdooConf(PROD_CONF)
    return pg, conf


def cmd_backup(args: argparse.Namespace) -> int:
    bk = _backup_module()
    pg, conf = _prod_postgres()
    try:
        db = args.db or conf.db_name
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        out = (
            Path(args.output)
            if args.output
            else STATE / "backups" / f"{db}-{stamp}Z.tar"
        )
        manifest = bk.backup(conf, db, out)
        say(
            f"backup of {db}: {out} ({manifest['filestore_files']} filestore files, "
            f"{out.stat().st_size // 1024} KiB)"
        )
        return 0
    except bk.BackupError as exc:
        raise DevError(str(exc)) from exc
    finally:
        if pg.started_here:
            pg.stop()


def cmd_restore(args: argparse.Namespace) -> int:
    bk = _backup_module()
    src, why = find_odoo(clone=False)
    if src is None and not args.no_check:
        raise DevError(why)
    pg, conf = _prod_postgres()
    try:
        user = SERVICE_USER if is_root() and _user_exists(SERVICE_USER) else None
        ids = (
            (
                int(subprocess.check_output(["id", "-u", user])),
                int(subprocess.check_output(["id", "-g", user])),
            )
            if user
            else None
        )
        manifest = bk.restore(
            conf, Path(args.archive), args.db, copy=args.copy, owner=ids
        )
        say(
            f"restored {manifest['database']} of {manifest['created']} "
            f"as {args.db} with {manifest['filestore_files']} filestore files"
        )
        if args.no_check:
            return 0
        kw = service_kwargs(user)
        report = bk.check_archives(
            PROD_CONF, args.db, str(src / "odoo-bin"), str(VPY), **kw
        )
        failed = 0
        for item in report:
            if item["ok"]:
                say(f"archive check: {item['round']}: {item['files']} files intact")
            else:
                failed += 1
                say(f"archive check FAILED: {item['round']}: " + ", ".join(item["bad"]))
        if not report:
            say("no archived round in this database: nothing to check")
        say(
            f"serve it with ./dev serve --db {args.db} (dbfilter follows), or "
            f"point db_name/dbfilter of the production configuration at it"
        )
        return 1 if failed else 0
    except bk.BackupError as exc:
        raise DevError(str(exc)) from exc
    finally:
        if pg.started_here:
            pg.stop()


def _user_exists(name: str) -> bool:
    return subprocess.run(["id", "-u", name], capture_output=True).returncode == 0


# --------------------------------------------------------------------------
# Load test: ./dev loadtest (not a test; results in bench/README.md)
# --------------------------------------------------------------------------
BENCH_DIR = STATE / "bench"
BENCH_DB = "vcbench"
BENCH_PASSWORD = "bench-Passw0rd"


def wait_http(port: int, proc: subprocess.Popen, seconds: float = 180) -> None:
    """Until Odoo answers /web/login on 127.0.0.1:port."""
    import urllib.error
    import urllib.request

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise DevError(f"the server exited ({proc.returncode}) while starting")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/web/login", timeout=10
            ) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise DevError(f"the server did not answer on port {port} in {seconds:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_round_bench(args: argparse.Namespace) -> int:
    """Synthetic rounds (bench/run.py): every heavy step against its floor."""
    ensure_venv()
    return subprocess.run(
        [str(VPY), str(ROOT / "bench" / "run.py"), *args.bench_args]
    ).returncode


def cmd_bench(args: argparse.Namespace) -> int:
    """Bench database with synthetic units, then for each server mode: a
    fresh round, the server, the client (bench/load_client.py), the server
    stopped.  Everything on 127.0.0.1; bounded in time."""
    src, why, pg = bootstrap()
    if src is None:
        raise DevError(why)
    pg.ensure(durable=True)
    BENCH_DIR.mkdir(exist_ok=True)
    results = []
    try:
        cores, mem = machine_resources()
        max_conn = int(pg.psql("SHOW max_connections"))
        prefork = prod_sizing(cores, mem, max_conn, args.workers)
        # the threaded server as ./dev run starts it: Odoo's defaults
        threaded = dict(prefork, workers=0, max_cron_threads=1, db_maxconn=64)
        master = hash_master_password(secrets.token_urlsafe(24))

        def conf_for(mode: str, sizing: dict, port: int) -> Path:
            conf = BENCH_DIR / f"odoo-{mode}.conf"
            conf.write_text(
                prod_conf_text(
                    src,
                    pg,
                    BENCH_DB,
                    "127.0.0.1",
                    port,
                    free_port(),
                    sizing,
                    BENCH_DIR / "data",
                    master,
                )
            )
            return conf

        setup_conf = conf_for("setup", prefork, free_port())
        if args.reset and pg.db_exists(BENCH_DB):
            pg.drop_db(BENCH_DB)
            shutil.rmtree(BENCH_DIR / "data", ignore_errors=True)
        if not pg.db_exists(BENCH_DB):
            say(f"creating the bench database {BENCH_DB} (no demo data)")
            run(
                odoo_cmd(
                    src,
                    setup_conf,
                    "-d",
                    BENCH_DB,
                    "-i",
                    ADDON,
                    "--without-demo=all",
                    "--load-language",
                    "vi_VN",
                    *ONE_SHOT,
                )
            )
        env = dict(
            os.environ,
            VC_BENCH_UNITS=str(args.units),
            VC_BENCH_PASSWORD=BENCH_PASSWORD,
        )
        for mode in args.modes.split(","):
            sizing = {"prefork": prefork, "threaded": threaded}[mode]
            say(f"{mode}: a fresh round for {args.units} units")
            out = subprocess.run(
                odoo_cmd(
                    src, setup_conf, "shell", "-d", BENCH_DB, "--no-http", *ONE_SHOT[1:]
                ),
                input=(ROOT / "bench" / "load_setup.py").read_text(),
                text=True,
                capture_output=True,
                env=env,
            )
            line = [ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")]
            if out.returncode or not line:
                sys.stderr.write(out.stdout[-3000:] + out.stderr[-3000:])
                raise DevError("the bench set-up script failed")
            forms = BENCH_DIR / f"forms-{mode}.json"
            forms.write_text(line[0][len("BENCH ") :])
            port = free_port()
            conf = conf_for(mode, sizing, port)
            log = BENCH_DIR / f"odoo-{mode}.log"
            say(
                f"{mode}: starting Odoo on 127.0.0.1:{port} "
                f"(workers={sizing['workers']}, db_maxconn={sizing['db_maxconn']}; "
                f"log {log.relative_to(ROOT)})"
            )
            with log.open("w") as fh:
                proc = subprocess.Popen(
                    odoo_cmd(src, conf), stdout=fh, stderr=subprocess.STDOUT
                )
            try:
                wait_http(port, proc)
                client = subprocess.run(
                    [
                        str(VPY),
                        str(ROOT / "bench" / "load_client.py"),
                        "--url",
                        f"http://127.0.0.1:{port}",
                        "--db",
                        BENCH_DB,
                        "--password",
                        BENCH_PASSWORD,
                        "--forms",
                        str(forms),
                        "--max-seconds",
                        str(args.max_seconds),
                        "--label",
                        mode,
                        "--sessions",
                        str(BENCH_DIR / "sessions.json"),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=args.max_seconds * 3 + 600,
                )
            finally:
                stop_server(proc)
            res = [ln for ln in client.stdout.splitlines() if ln.startswith("RESULT ")]
            if client.returncode or not res:
                sys.stderr.write(client.stdout[-3000:] + client.stderr[-3000:])
                raise DevError(f"the load client failed in {mode} mode")
            summary = json.loads(res[0][len("RESULT ") :])
            summary["workers"] = sizing["workers"]
            summary["db_maxconn"] = sizing["db_maxconn"]
            results.append(summary)
            say(
                f"{mode}: {summary['requests']} requests from {summary['users']} "
                f"users at once, {summary['errors']} errors "
                f"{summary['error_kinds'] or ''}, p50 {summary['p50']} s, "
                f"p95 {summary['p95']} s, max {summary['max']} s, "
                f"{summary['wall_seconds']} s"
            )
    finally:
        if pg.started_here:
            pg.stop()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_file = BENCH_DIR / f"results-{stamp}.json"
    out_file.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print()
    print(
        "| mode | workers | db_maxconn | users | requests | errors | p50 s | p95 s "
        "| max s | wall s |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in results:
        print(
            f"| {r['label']} | {r['workers']} | {r['db_maxconn']} | {r['users']} "
            f"| {r['requests']} | {r['errors']} | {r['p50']} | {r['p95']} "
            f"| {r['max']} | {r['wall_seconds']} |"
        )
    print(f"\n(details: {out_file.relative_to(ROOT)})")
    return 0


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
    if argv[:1] == ["bench"]:
        # everything after "bench" belongs to bench/run.py (-n 200, --large, ...)
        return cmd_round_bench(argparse.Namespace(bench_args=argv[1:]))
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
    p_serve = sub.add_parser(
        "serve",
        help="production mode: no demo data, prefork workers, behind a TLS proxy",
    )
    p_serve.add_argument("--db", default=PROD_DB, help="database (%(default)s)")
    p_serve.add_argument(
        "--interface",
        default=os.environ.get("VC_HTTP_INTERFACE", "127.0.0.1"),
        help="address Odoo listens on; the proxy connects there (%(default)s)",
    )
    p_serve.add_argument("--port", type=int, default=HTTP_PORT)
    p_serve.add_argument(
        "--gevent-port",
        type=int,
        default=int(os.environ.get("VC_GEVENT_PORT", "8072")),
        help="the websocket (longpolling) process (%(default)s)",
    )
    p_serve.add_argument(
        "--workers", type=int, help="instead of 2 × cores + 1 (bounded by the RAM)"
    )
    p_serve.add_argument(
        "--update", action="store_true", help="upgrade the addon before serving"
    )
    p_serve.add_argument(
        "--admin-password",
        action="store_true",
        help="set the admin password again (VC_ADMIN_PASSWORD or asked)",
    )
    p_serve.add_argument(
        "--setup-only",
        action="store_true",
        help="write the configuration and create/upgrade the database, then exit",
    )
    p_serve.set_defaults(func=cmd_serve)
    p_round = sub.add_parser(
        "bench",
        help="benchmark rounds of N units against their floors (bench/run.py)",
    )
    p_round.add_argument("bench_args", nargs=argparse.REMAINDER)
    p_round.set_defaults(func=cmd_round_bench)
    p_bench = sub.add_parser(
        "loadtest",
        help="load test: unit users at once against prefork and threaded Odoo",
    )
    p_bench.add_argument(
        "--units", type=int, default=100, help="synthetic units, 2 users each"
    )
    p_bench.add_argument("--modes", default="prefork,threaded")
    p_bench.add_argument("--workers", type=int, help="prefork workers")
    p_bench.add_argument(
        "--max-seconds", type=int, default=300, help="deadline of one run"
    )
    p_bench.add_argument(
        "--reset", action="store_true", help="recreate the bench database"
    )
    p_bench.set_defaults(func=cmd_bench)
    p_backup = sub.add_parser(
        "backup", help="dump the ./dev serve database and its filestore (one .tar)"
    )
    p_backup.add_argument("--db", help="default: the production database")
    p_backup.add_argument(
        "-o", "--output", help="default: .state/backups/<db>-<time>.tar"
    )
    p_backup.set_defaults(func=cmd_backup)
    p_restore = sub.add_parser(
        "restore", help="restore a backup into a new database, then check its archive"
    )
    p_restore.add_argument("archive")
    p_restore.add_argument("--db", required=True, help="a new database name")
    p_restore.add_argument(
        "--copy", action="store_true", help="new database.uuid (a copy, not a move)"
    )
    p_restore.add_argument(
        "--no-check", action="store_true", help="skip the archive check"
    )
    p_restore.set_defaults(func=cmd_restore)
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
