"""Command line: print the dispatch, blank and filled forms, and the summary.

    python -m vcsurvey dispatch dispatch.yaml -o out/ [--format pdf,docx,odt]
    python -m vcsurvey blank-form district -o out/ [--year 2017]
    python -m vcsurvey form submission.json -o out/
    python -m vcsurvey summary round.yaml -o out/

Inputs are JSON or YAML (chosen by the file's suffix, else JSON first):
``dispatch`` takes the dispatch mapping documented in
:mod:`vcsurvey.documents`; ``form`` takes ``{"form_type": "district",
"version": "2017", "meta": {...}, "answers": {...}}``; ``summary`` takes the
round data of :mod:`vcsurvey.consolidate` with an optional ``"meta"``
mapping for the report (see :mod:`vcsurvey.summary`).  Bad input exits with
status 2 and one line saying what is wrong; a failed rendering exits with
status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from vcsurvey.render import FORMATS, RenderError

EXIT_RENDER = 1
EXIT_INPUT = 2


class InputError(Exception):
    """The command's input is missing or malformed (exit status 2)."""


# -------------------------------------------------------------- input ---


def load_input(path: str | Path) -> Mapping[str, Any]:
    """A mapping read from a JSON or YAML file; InputError says why not."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"input file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        data = _parse_yaml(text, path)
    elif suffix == ".json":
        data = _parse_json(text, path)
    else:
        try:
            data = _parse_json(text, path)
        except InputError:
            data = _parse_yaml(text, path)
    if not isinstance(data, Mapping):
        raise InputError(
            f"{path}: expected a mapping (key: value) at the top level, "
            f"got {type(data).__name__}"
        )
    return data


def _parse_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}"
        ) from None


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(
            f"{path}: reading YAML needs PyYAML (pip install PyYAML)"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{path}: invalid YAML{where}: {problem}") from None


def _formats(value: str) -> tuple[str, ...]:
    fmts = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown or not fmts:
        raise argparse.ArgumentTypeError(
            f"unknown format(s) {', '.join(unknown) or '(none)'}; "
            f"choose from {','.join(FORMATS)}"
        )
    return fmts


def slug(text: str) -> str:
    """ASCII file-name part of a Vietnamese name ("Vị Xuyên" -> "vi-xuyen")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words) or "unit"


def _write(outdir: Path, stem: str, outputs: Mapping[str, bytes]) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for key, data in outputs.items():
        # A key that is a format names the extension; others are file names.
        name = f"{stem}.{key}" if "." not in key else key
        target = outdir / name
        target.write_bytes(data)
        written.append(target)
    return written


# ----------------------------------------------------------- commands ---


def cmd_dispatch(args: argparse.Namespace) -> list[Path]:
    from vcsurvey.documents import render_dispatch

    data = load_input(args.input)
    outputs = render_dispatch(data, args.format, with_forms=not args.no_forms)
    number = data.get("number")
    stem = f"cong-van-{number:02d}" if isinstance(number, int) else "cong-van"
    return _write(args.output, stem, outputs)


def cmd_blank_form(args: argparse.Namespace) -> list[Path]:
    from vcsurvey.documents import render_form
    from vcsurvey.forms import get_form

    if args.xlsform:
        form = _read_xlsform(args.xlsform)
    elif args.form_type:
        form = _get_form(get_form, args.form_type, args.version)
    else:
        raise InputError("give a form type (district, center) or --xlsform FILE")
    meta = {"year": args.year, "province": args.province}
    outputs = render_form(form, None, meta, args.format)
    return _write(args.output, f"phieu-{slug(form.form_type)}-{args.year}", outputs)


def _read_xlsform(path: str | Path) -> Any:
    from vcsurvey.xlsform import XLSFormError, read_xlsform

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    try:
        return read_xlsform(data, path.name)
    except XLSFormError as exc:
        raise InputError(f"{path}:\n{exc}") from None


def cmd_xlsform_check(args: argparse.Namespace) -> list[Path]:
    form = _read_xlsform(args.file)
    questions = form.questions()
    print(
        f"{args.file}: OK — form_id {form.code}, version {form.version}, "
        f"{len(form.all_sections())} section(s), {len(questions)} question(s)"
    )
    return []


def cmd_xlsform_export(args: argparse.Namespace) -> list[Path]:
    from vcsurvey.forms import get_form
    from vcsurvey.xlsform import write_xlsform

    form = _get_form(get_form, args.form_type, args.version)
    stem = form.code or f"vc_{form.version}_{form.form_type}"
    return _write(args.output, stem, {"xlsx": write_xlsform(form)})


def cmd_form(args: argparse.Namespace) -> list[Path]:
    from vcsurvey.documents import render_form
    from vcsurvey.forms import CURRENT_VERSION, get_form

    data = load_input(args.input)
    for key in ("meta",) if args.xlsform else ("form_type", "meta"):
        if key not in data:
            raise InputError(f"{args.input}: missing required key {key!r}")
    meta, answers = data["meta"], data.get("answers") or {}
    if not isinstance(meta, Mapping):
        raise InputError(f"{args.input}: 'meta' must be a mapping")
    if not isinstance(answers, Mapping):
        raise InputError(f"{args.input}: 'answers' must be a mapping")
    version = str(data.get("version") or CURRENT_VERSION)
    if args.xlsform:
        form = _read_xlsform(args.xlsform)
    else:
        form = _get_form(get_form, str(data["form_type"]), version)
    outputs = render_form(form, answers, meta, args.format)
    unit = slug(str(meta.get("unit_name") or "")) if meta.get("unit_name") else ""
    stem = "-".join(
        p for p in ("phieu", form.form_type, unit, str(meta.get("year"))) if p
    )
    return _write(args.output, stem, outputs)


def cmd_summary(args: argparse.Namespace) -> list[Path]:
    # Imported lazily: the summary is another module's job and the other
    # commands must work without it.
    try:
        from vcsurvey.summary import OUTPUT_FORMATS, render_summary
    except ImportError as exc:
        if exc.name != "vcsurvey.summary":
            raise
        raise InputError(
            "the summary report is not available in this version "
            "(vcsurvey.summary is missing)"
        ) from None
    unknown = [f for f in args.format if f not in OUTPUT_FORMATS]
    if unknown:
        raise InputError(
            f"unknown summary format(s) {', '.join(unknown)}; "
            f"choose from {','.join(OUTPUT_FORMATS)}"
        )
    data = dict(load_input(args.input))
    # The round's data as vcsurvey.consolidate takes it, plus an optional
    # "meta" mapping for the report itself (number, date, signer, ...).
    meta = data.pop("meta", None)
    if meta is not None and not isinstance(meta, Mapping):
        raise InputError(f"{args.input}: 'meta' must be a mapping")
    try:
        if args.xlsform:
            from vcsurvey.summary import render_any

            versions = [_read_xlsform(path) for path in args.xlsform]
            outputs = render_any(
                data, {f.form_type: f for f in versions}, meta, args.format
            )
        else:
            outputs = render_summary(data, meta=meta, fmts=args.format)
    except RenderError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{args.input}: bad round data: {exc!r}") from None
    return _write(args.output, "bao-cao-tong-hop", outputs)


def _get_form(get_form: Callable[..., Any], form_type: str, version: str) -> Any:
    try:
        return get_form(form_type, version)
    except ValueError as exc:
        raise InputError(str(exc)) from None


# ------------------------------------------------------------- parser ---


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vcsurvey",
        description="Print the documents of the video-conference survey: the "
        "dispatch (công văn), blank and filled forms (phiếu) and the summary.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str,
        helptext: str,
        func: Callable[[argparse.Namespace], list[Path]],
        fmts: str,
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=helptext, description=helptext)
        sub.set_defaults(func=func)
        sub.add_argument(
            "-o", "--output", type=Path, required=True, help="output directory"
        )
        sub.add_argument(
            "--format",
            type=_formats if name != "summary" else _summary_formats,
            default=fmts,
            help=f"comma-separated output formats (default {fmts})",
        )
        return sub

    sub = add(
        "dispatch",
        "the dispatch, with the blank forms in its PDF",
        cmd_dispatch,
        "pdf,docx,odt",
    )
    sub.add_argument("input", help="dispatch data (JSON or YAML)")
    sub.add_argument(
        "--no-forms", action="store_true", help="leave the blank forms out of the PDF"
    )

    sub = add("blank-form", "a blank form to fill by hand", cmd_blank_form, "pdf,odt")
    sub.add_argument("form_type", nargs="?", choices=("district", "center"))
    sub.add_argument(
        "--xlsform", help="print the form version of this XLSForm workbook instead"
    )
    sub.add_argument("--year", type=int, default=2017, help="the survey's year")
    sub.add_argument("--version", default="2017", help="form version")
    sub.add_argument("--province", default="Hà Giang")

    sub = add("form", "a unit's filled form, ready for signature", cmd_form, "pdf,odt")
    sub.add_argument("input", help="form_type, meta and answers (JSON or YAML)")
    sub.add_argument("--xlsform", help="the form version's XLSForm workbook")

    sub = add("summary", "the consolidated summary of a round", cmd_summary, "pdf,xlsx")
    sub.add_argument("input", help="round data (JSON or YAML)")
    sub.add_argument(
        "--xlsform",
        action="append",
        help="XLSForm workbook of a form version of the round (repeatable); "
        "versions other than 2017 get the generic summary",
    )

    helptext = "check an XLSForm workbook; every problem is listed"
    sub = commands.add_parser("xlsform-check", help=helptext, description=helptext)
    sub.set_defaults(func=cmd_xlsform_check)
    sub.add_argument("file", help="the .xlsx workbook")
    helptext = "export a shipped form version as an XLSForm workbook"
    sub = commands.add_parser("xlsform-export", help=helptext, description=helptext)
    sub.set_defaults(func=cmd_xlsform_export)
    sub.add_argument("form_type", choices=("district", "center"))
    sub.add_argument("--version", default="2017", help="form version")
    sub.add_argument(
        "-o", "--output", type=Path, required=True, help="output directory"
    )
    from vcsurvey.cli_offline import register_offline  # workbook, import-workbook

    register_offline(commands)
    return parser


def _summary_formats(value: str) -> tuple[str, ...]:
    # The summary module knows its own formats (XLSX among them).
    return tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f))


def main(argv: Sequence[str] | None = None) -> int:
    from vcsurvey.documents import DocumentDataError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        written = args.func(args)
    except (InputError, DocumentDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RENDER
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
