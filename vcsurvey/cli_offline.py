"""CLI commands for offline replies (registered by :mod:`vcsurvey.cli`).

    python -m vcsurvey workbook district -o out/ --unit-name "UBND huyện Bắc Quang"
    python -m vcsurvey workbook --xlsform phieu-2026.xlsx -o out/ --unit-id 12
    python -m vcsurvey import-workbook out/phieu.xlsx --form district

``workbook`` writes one unit's fillable workbook (see :mod:`vcsurvey.workbook`);
``import-workbook`` reads a filled one, prints the validation report and,
when it is clean, the answers as JSON (or writes them with ``--answers-out``).
The ``_meta`` checksum key comes from ``--key`` or ``$VCSURVEY_WORKBOOK_KEY``
(the Odoo database secret for files made by the addon).  A file with problems
exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from vcsurvey import workbook

KEY_ENV = "VCSURVEY_WORKBOOK_KEY"


def _form(args: argparse.Namespace) -> Any:
    from vcsurvey.cli import InputError

    if args.xlsform:
        from vcsurvey.xlsform import XLSFormError, read_xlsform

        path = Path(args.xlsform)
        if not path.is_file():
            raise InputError(f"XLSForm file not found: {path}")
        try:
            return read_xlsform(path.read_bytes(), path.name)
        except XLSFormError as exc:
            lines = [f"{p.sheet}!{p.column}{p.row}: {p.message}" for p in exc.problems]
            raise InputError(f"{path}: invalid XLSForm\n" + "\n".join(lines)) from None
    form_type = args.form_type or args.form_option
    if not form_type:
        raise InputError("give a form type (district, center) or --xlsform FILE")
    from vcsurvey.forms import get_form

    try:
        return get_form(form_type, args.version)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _key(args: argparse.Namespace) -> str:
    return args.key if args.key is not None else os.environ.get(KEY_ENV, "")


def cmd_workbook(args: argparse.Namespace) -> list[Path]:
    from vcsurvey.cli import InputError, load_input, slug

    form = _form(args)
    answers = dict(load_input(args.answers)) if args.answers else {}
    unknown = sorted(set(answers) - set(form.codes()))
    if unknown:
        raise InputError(f"{args.answers}: not questions of this form: {unknown}")
    data = workbook.build_workbook(
        form,
        round_info={"id": args.round_id, "name": args.round_name},
        unit_info={"id": args.unit_id, "name": args.unit_name},
        answers=answers,
        year=args.year,
        key=_key(args),
        province=args.province,
    )
    args.output.mkdir(parents=True, exist_ok=True)
    target = (
        args.output
        / f"phieu-{slug(workbook.form_code(form))}-{slug(args.unit_name)}.xlsx"
    )
    target.write_bytes(data)
    return [target]


def cmd_import_workbook(args: argparse.Namespace) -> list[Path]:
    from vcsurvey.cli import InputError

    form = _form(args)
    path = Path(args.input)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    expected = {}
    if args.unit_id is not None:
        expected["unit_id"] = args.unit_id
    if args.round_id is not None:
        expected["round_id"] = args.round_id
    report = workbook.read_report(
        path.read_bytes(), form, expected_meta=expected or None, key=_key(args)
    )
    for line in workbook.report_lines(report.problems):
        print(f"LỖI  {line}")
    for line in workbook.report_lines(report.pending):
        print(f"THIẾU {line}")
    if not report.ok:
        raise InputError(f"{path}: {len(report.problems)} problem(s); nothing imported")
    answers = {k: v for k, v in report.answers.items() if v is not None}
    text = json.dumps(answers, ensure_ascii=False, indent=2)
    if args.answers_out:
        Path(args.answers_out).write_text(text + "\n", encoding="utf-8")
        return [Path(args.answers_out)]
    print(text)
    return []


def register_offline(commands: Any) -> None:
    """Add ``workbook`` and ``import-workbook`` to the CLI's subcommands."""

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "form_type", nargs="?", choices=("district", "center"), help="2017 form"
        )
        sub.add_argument(
            "--form",
            dest="form_option",
            choices=("district", "center"),
            help="2017 form (same as FORM_TYPE)",
        )
        sub.add_argument("--xlsform", help="an XLSForm workbook (any version)")
        sub.add_argument("--version", default="2017", help="form version")
        sub.add_argument(
            "--key", help=f"_meta checksum key (default ${KEY_ENV}, else empty)"
        )

    text = "a unit's fillable Excel workbook (offline reply)"
    sub = commands.add_parser("workbook", help=text, description=text)
    common(sub)
    sub.set_defaults(func=cmd_workbook)
    sub.add_argument(
        "-o", "--output", type=Path, required=True, help="output directory"
    )
    sub.add_argument("--year", type=int, default=2017)
    sub.add_argument("--province", default="Hà Giang")
    sub.add_argument("--unit-id", default="")
    sub.add_argument("--unit-name", default="Đơn vị")
    sub.add_argument("--round-id", default="")
    sub.add_argument("--round-name", default="")
    sub.add_argument("--answers", help="known answers to fill in (JSON or YAML)")

    text = "read a filled workbook back and print the validation report"
    sub = commands.add_parser("import-workbook", help=text, description=text)
    sub.add_argument("input", help="the filled .xlsx")
    common(sub)
    sub.set_defaults(func=cmd_import_workbook)
    sub.add_argument("--unit-id", help="refuse a file of another unit")
    sub.add_argument("--round-id", help="refuse a file of another round")
    sub.add_argument("--answers-out", help="write the answers (JSON) here")
