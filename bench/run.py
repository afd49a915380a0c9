"""Entry point of the round benchmark (not a test).

    .state/venv/bin/python bench/run.py [-n 11 200 3321] [--large] [--jobs]

Starts the worktree's private PostgreSQL (tools/dev.py), creates the
database ``vcbench`` with the addon (no demo data) once, then for every N
runs ``bench_round.bench(env, n)`` in a fresh round, each step timed against
its floor measured in the same run. Writes ``bench/results/round-<date>.md``
and prints the ratio table. ``--jobs`` also runs ``bench_jobs`` (two job
runner processes splitting one job). ``--reset`` recreates the database.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import dev  # noqa: E402

DB = os.environ.get("VC_BENCH_DB", "vcbench")
RESULTS = ROOT / "bench" / "results"


def odoo_env(src: Path, conf: Path, db: str):
    """An Odoo registry for ``db`` in this process (Odoo used as a library)."""
    sys.path.insert(0, str(src))
    import odoo  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", str(conf), "-d", db, "--log-level=warn"])
    return Registry(db)


def prepare(reset: bool):
    src, why, pg = dev.bootstrap(clone_odoo=False)
    if src is None:
        raise SystemExit(why)
    pg.ensure()
    conf = dev.write_odoo_conf(src, pg, dev.free_port())
    if reset and pg.db_exists(DB):
        pg.drop_db(DB)
    if not pg.db_exists(DB):
        dev.say(f"creating the benchmark database {DB}")
        subprocess.run(
            dev.odoo_cmd(
                src,
                conf,
                "-d",
                DB,
                "-i",
                dev.ADDON,
                "--without-demo=all",
                "--load-language",
                "vi_VN",
                *dev.ONE_SHOT,
                "--max-cron-threads=0",
            ),
            check=True,
        )
    else:  # the addon as in this worktree
        subprocess.run(
            dev.odoo_cmd(
                src,
                conf,
                "-d",
                DB,
                "-u",
                dev.ADDON,
                *dev.ONE_SHOT,
                "--max-cron-threads=0",
            ),
            check=True,
        )
    return src, conf, pg


def machine() -> str:
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    distro = ""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs, {mem}, {distro}, Python {platform.python_version()}, "
        "PostgreSQL 15 (private cluster, fsync off), LibreOffice "
        + subprocess.run(
            ["soffice", "--version"], capture_output=True, text=True, check=False
        ).stdout.split(" ")[1:2][0]
        if subprocess.run(["which", "soffice"], capture_output=True).returncode == 0
        else ""
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, nargs="*", default=[11, 200, 3321])
    parser.add_argument("--large", action="store_true", help="also N = 10,000")
    parser.add_argument("--jobs", action="store_true", help="two job runners demo")
    parser.add_argument("--reset", action="store_true", help="recreate the database")
    parser.add_argument(
        "--no-summary", action="store_true", help="skip the summary (LibreOffice)"
    )
    parser.add_argument(
        "--actions-up-to",
        type=int,
        default=200,
        help="fill and sign every form through the per-unit actions up to this N "
        "(above: the answers JSON, line models and reporting rows set_answers "
        "stores, written in batches; sign-off written in bulk)",
    )
    args = parser.parse_args(argv)
    sizes = list(args.n) + ([10000] if args.large else [])
    src, conf, pg = prepare(args.reset)
    registry = odoo_env(src, conf, DB)
    import bench_round  # noqa: PLC0415

    results = []
    for n in sizes:
        dev.say(f"N = {n}")
        results.append(
            bench_round.bench(
                registry,
                n,
                summary=not args.no_summary,
                actions_up_to=args.actions_up_to,
            )
        )
        print(bench_round.ratio_table([results[-1]]))
    jobs = None
    if args.jobs:
        import bench_jobs  # noqa: PLC0415

        jobs = bench_jobs.bench(registry, src, conf, DB)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d-%H%M")
    out = RESULTS / f"round-{stamp}.md"
    text = bench_round.markdown(results, machine(), stamp, jobs)
    out.write_text(text)
    print(bench_round.ratio_table(results))
    if jobs:
        print(jobs)
    dev.say(f"results written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
