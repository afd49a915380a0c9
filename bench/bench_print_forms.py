"""Benchmark: print N filled forms as PDF, one LibreOffice start per document
against one start for the whole batch.  Not a test.

    .state/venv/bin/python bench/bench_print_forms.py [-n 12] [--parallel 4]

Each run fills N district forms with py3o (timed apart), then converts them
(1) one ``convert_one`` call per form, one after the other, (2) one
``convert`` call for all of them, and optionally (3) one call per form from
``--parallel`` threads at once (each soffice gets its own throwaway
profile, so they can run side by side).  Results: bench/README.md.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vcsurvey.documents import render_form_odt  # noqa: E402
from vcsurvey.forms import get_form  # noqa: E402
from vcsurvey.render import convert, convert_one, soffice_binary  # noqa: E402

UNITS = (
    "Bắc Mê",
    "Bắc Quang",
    "Đồng Văn",
    "Hoàng Su Phì",
    "Mèo Vạc",
    "Quản Bạ",
    "Quang Bình",
    "Vị Xuyên",
    "Xín Mần",
    "Yên Minh",
    "thành phố Hà Giang",
)


def answers(n: int) -> dict:
    status = ("stable", "unstable", "not_working")
    return {
        "B.name": f"Cán bộ số {n}",
        "B.phone": "0912345678",
        "I.1.location": f"Phòng họp UBND, điểm cầu {n}",
        "I.1.ip": f"10.160.1.{n % 250 + 1}",
        "I.1.meetings": 20 + n,
        "I.2": n % 2 == 0,
        "I.3.camera": status[n % 3],
        "I.3.microphone": status[(n + 1) % 3],
        "I.3.audio": "stable",
        "I.3.vcs": "stable",
        "I.4": "stable",
        "I.6": [
            {
                "symptom": "Mất tiếng",
                "count": n % 4,
                "cause": "Đường truyền",
                "fix": "Khởi động lại",
                "endpoint": "UBND huyện",
            }
        ],
        "I.9": "Tiết kiệm chi phí đi lại.",
        "I.10": [
            {"name": f"Kỹ thuật viên {n}.{k}", "position": "Chuyên viên"}
            for k in (1, 2)
        ],
    }


def fill(count: int) -> dict[str, bytes]:
    form = get_form("district")
    odts = {}
    for n in range(count):
        unit = f"UBND huyện {UNITS[n % len(UNITS)]} ({n + 1})"
        meta = {"unit_name": unit, "year": 2017, "dispatch_number": 5}
        odts[f"form{n:03d}"] = render_form_odt(form, answers(n), meta)
    return odts


def timed(label: str, func) -> float:
    start = time.perf_counter()
    func()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed:8.2f} s", flush=True)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=12, help="number of forms (12)")
    parser.add_argument(
        "--parallel", type=int, default=0, help="also time N threads, one per form"
    )
    args = parser.parse_args()
    binary = soffice_binary()
    version = subprocess.run(
        [binary, "--version"], capture_output=True, text=True
    ).stdout.strip()
    print(f"{version} on {platform.platform()}, Python {platform.python_version()}")
    print(f"N = {args.n} filled district forms (3 pages each)")
    odts: dict[str, bytes] = {}

    def do_fill() -> None:
        odts.update(fill(args.n))

    timed("py3o fill (all forms)", do_fill)
    one = timed(
        "PDF, one soffice start per document",
        lambda: [convert_one(odt, "pdf", key) for key, odt in odts.items()],
    )
    batch = timed("PDF, one soffice start for the batch", lambda: convert(odts, "pdf"))
    if args.parallel:
        with ThreadPoolExecutor(args.parallel) as pool:
            timed(
                f"PDF, one start per document, {args.parallel} at once",
                lambda: list(
                    pool.map(lambda item: convert_one(item[1], "pdf"), odts.items())
                ),
            )
    print(
        f"per document: {one / args.n:.2f} s vs {batch / args.n:.2f} s in a batch "
        f"({one / batch:.1f}x faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
