"""Offline workbooks for a whole round, at the core level (no Odoo).

Builds one workbook per unit for a round of N synthetic units (3,321 = one
per commune and ward of the country) with the unit's answers in it (what a
unit sends back), zips them as the round's ZIP, then imports every file
(``read_workbook``: limits, names, conversion, validation) and prints the
time per file.  ``--fill`` also times filling each file through its defined
names with openpyxl (what a script of the unit would do).

    .state/venv/bin/python bench/bench_offline.py            # N = 3321
    .state/venv/bin/python bench/bench_offline.py -n 200 --form center
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vcsurvey import forms, workbook  # noqa: E402

KEY = "bench-secret"
ANSWERS = {
    "district": {
        "B.name": "Nguyễn Văn A",
        "B.phone": "0912345678",
        "I.1.location": "Hội trường UBND",
        "I.1.ip": "10.1.2.3",
        "I.1.meetings": 24,
        "I.2": True,
        "I.3.camera": "stable",
        "I.4": "stable",
        "I.10": [
            {"name": "Trần B", "phone": "0987654321", "email": "b@x.gov.vn"},
            {"name": "Lê C", "phone": "02193856123", "email": "c@x.gov.vn"},
        ],
        "II.1.endpoints": 12,
        "II.1.communes": 12,
        "II.1.communes_without_endpoint": 0,
    },
    "center": {
        "C.1.name": "Phạm D",
        "C.1.phone": "0913000111",
        "C.1.sessions": 40,
        "C.3": "one_hour_before",
        "C.4": 12.5,
    },
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3321, help="number of units")
    parser.add_argument("--form", default="district", choices=forms.FORM_TYPES)
    parser.add_argument("--fill", action="store_true", help="also time filling")
    args = parser.parse_args()
    form = forms.get_form(args.form, "2017")
    answers = ANSWERS[args.form]
    rnd = {"id": 1, "name": "Khảo sát năm 2026"}

    build_times, files = [], []
    start = time.perf_counter()
    archive_buffer = io.BytesIO()
    with zipfile.ZipFile(archive_buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for unit in range(1, args.n + 1):
            t0 = time.perf_counter()
            data = workbook.build_workbook(
                form,
                round_info=rnd,
                unit_info={"id": unit, "name": f"UBND xã số {unit}"},
                answers=answers,
                year=2026,
                key=KEY,
            )
            archive.writestr(f"phieu-xa-{unit:04d}.xlsx", data)
            build_times.append(time.perf_counter() - t0)
            files.append((unit, data))
    zip_seconds = time.perf_counter() - start

    fill_times, read_times = [], []
    for unit, data in files:
        t0 = time.perf_counter()
        filled = workbook.fill_workbook(data, form, answers) if args.fill else data
        t1 = time.perf_counter()
        read, problems = workbook.read_workbook(
            filled, form, expected_meta={"unit_id": unit, "round_id": 1}, key=KEY
        )
        read_times.append(time.perf_counter() - t1)
        fill_times.append(t1 - t0)
        if problems or read.get("I.1.meetings", read.get("C.4")) is None:
            print(f"unit {unit}: unexpected {problems}", file=sys.stderr)
            return 1

    def line(label: str, times: list[float]) -> str:
        return (
            f"{label:<28} total {sum(times):8.1f} s   per file "
            f"mean {statistics.mean(times) * 1000:6.0f} ms   "
            f"median {statistics.median(times) * 1000:6.0f} ms   "
            f"max {max(times) * 1000:6.0f} ms"
        )

    print(f"{args.n} units, {args.form} form 2017, Python {sys.version.split()[0]}")
    print(
        f"ZIP of workbooks: {len(archive_buffer.getvalue()) / 1e6:.1f} MB in "
        f"{zip_seconds:.1f} s"
    )
    print(line("build one workbook", build_times))
    if args.fill:
        print(line("fill by names (openpyxl)", fill_times))
    print(line("import (read_workbook)", read_times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
