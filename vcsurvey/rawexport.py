"""Raw data export of a round: every answer, one row per unit (XLSX or CSV).

:func:`export_answers` takes one entry per unit::

    {"unit_code": "HG-BQ", "unit_name": "UBND huyện Bắc Quang",
     "state": "approved", "state_label": "Đã duyệt",   # label optional
     "form": FormDefinition, "answers": {code: value}}

and returns the bytes of the export.  Columns are the question codes of the
round's form versions, in printed order (a code shared by two versions is one
column); the first header row holds the codes, the second the Vietnamese
labels.  Choices are written as their printed labels ("Ổn định", "Có").

* **XLSX**: sheet "Trả lời" with one row per unit; a repeat question
  (operators, incidents, any ``repeat``) shows its number of lines there and
  has its own sheet, one row per line, keyed by unit and line number, with
  the columns ``<repeat>.<inner>``.  Numbers and dates are typed cells; user
  text is always a string cell, never a formula.
* **CSV**: UTF-8 with a BOM (so that Excel reads the Vietnamese), one row per
  unit; repeats are spread over ``<repeat>[n].<inner>`` columns up to the
  largest number of lines in the round.  A text cell starting with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe
  (CSV injection: spreadsheet programs would run it as a formula); numbers
  are written as numbers and are not touched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMATS = ("xlsx", "csv")
MAIN_SHEET = "Trả lời"
REPEAT_KINDS = ("repeat", "operators", "incidents")
UNIT_COLUMNS = (
    ("unit_code", "Mã đơn vị"),
    ("unit_name", "Đơn vị"),
    ("form", "Mẫu phiếu"),
    ("state", "Trạng thái"),
)
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_FONT = "Times New Roman"
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _questions(entries: Iterable[Mapping[str, Any]]) -> list[Any]:
    """Answerable questions of the entries' forms, first definition wins."""
    seen: dict[str, Any] = {}
    done: set[int] = set()
    for entry in entries:
        form = entry["form"]
        if id(form) in done:
            continue
        done.add(id(form))
        for question in form.questions():
            if question.kind != "note":
                seen.setdefault(question.code, question)
    return list(seen.values())


def _label(question: Any) -> str:
    return getattr(question, "short", "") or question.text


def _form_name(form: Any) -> str:
    return getattr(form, "code", "") or f"{form.form_type}-{form.version}"


def _choice_label(question: Any, value: object) -> object:
    for choice in question.choices:
        if choice.value == value:
            return choice.label
    return value


def cell_value(question: Any, value: object) -> object:
    """An answer as the export shows it (None when unanswered)."""
    if value is None:
        return None
    kind = question.kind
    if kind == "yesno":
        if isinstance(value, bool):
            return _choice_label(question, "yes" if value else "no")
        return _choice_label(question, value)
    if kind in ("choice", "status"):
        return _choice_label(question, value)
    if kind == "select_multiple" and isinstance(value, list | tuple):
        return "; ".join(str(_choice_label(question, v)) for v in value)
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, bool) or not isinstance(value, int | float | date):
        return str(value)
    return value


def _lines(value: object) -> list[Mapping[str, object]]:
    if not isinstance(value, list | tuple):
        return []
    return [line for line in value if isinstance(line, Mapping)]


def _columns(question: Any) -> list[Any]:
    return list(getattr(question, "columns", ()) or ())


def _unit_values(entry: Mapping[str, Any]) -> list[object]:
    return [
        entry.get("unit_code") or "",
        entry.get("unit_name") or "",
        _form_name(entry["form"]),
        entry.get("state_label") or entry.get("state") or "",
    ]


def export_answers(entries: Sequence[Mapping[str, Any]], fmt: str) -> bytes:
    """The raw export of ``entries`` in ``fmt`` ("xlsx" or "csv")."""
    if fmt == "xlsx":
        return _xlsx(entries)
    if fmt == "csv":
        return _csv(entries)
    raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")


# ------------------------------------------------------------------- xlsx ---


def _text_safe(cell: Any) -> None:
    if isinstance(cell.value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", cell.value)
        cell.data_type = "s"  # user text never becomes a formula


def _header(ws: Any, codes: Sequence[str], labels: Sequence[str]) -> None:
    ws.append(list(codes))
    ws.append(list(labels))
    for row in (1, 2):
        for cell in ws[row]:
            _text_safe(cell)
            cell.font = Font(name=_FONT, bold=row == 2, size=9 if row == 1 else 11)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C3"
    for index in range(1, len(codes) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 18 if index > 2 else 28


def _append(ws: Any, values: Sequence[object]) -> None:
    ws.append([_xlsx_value(v) for v in values])
    for cell in ws[ws.max_row]:
        _text_safe(cell)
        if isinstance(cell.value, date):
            cell.number_format = "DD/MM/YYYY"


def _xlsx_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _xlsx(entries: Sequence[Mapping[str, Any]]) -> bytes:
    questions = _questions(entries)
    wb = Workbook()
    ws = wb.active
    ws.title = MAIN_SHEET
    _header(
        ws,
        [c for c, _ in UNIT_COLUMNS] + [q.code for q in questions],
        [label for _, label in UNIT_COLUMNS] + [_label(q) for q in questions],
    )
    for entry in entries:
        answers = entry.get("answers") or {}
        row = _unit_values(entry)
        for question in questions:
            value = answers.get(question.code)
            if question.kind in REPEAT_KINDS:
                row.append(len(_lines(value)) if value is not None else None)
            else:
                row.append(cell_value(question, value))
        _append(ws, row)
    used_titles = {MAIN_SHEET}
    for question in (q for q in questions if q.kind in REPEAT_KINDS):
        title = _sheet_title(question.code, used_titles)
        sheet = wb.create_sheet(title)
        inner = _columns(question)
        _header(
            sheet,
            ["unit_code", "unit_name", "line"]
            + [f"{question.code}.{c.code}" for c in inner],
            ["Mã đơn vị", "Đơn vị", "Dòng"] + [_label(c) for c in inner],
        )
        for entry in entries:
            answers = entry.get("answers") or {}
            for number, line in enumerate(_lines(answers.get(question.code)), 1):
                _append(
                    sheet,
                    [entry.get("unit_code") or "", entry.get("unit_name") or "", number]
                    + [cell_value(c, line.get(c.code)) for c in inner],
                )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_title(code: str, used: set[str]) -> str:
    base = "".join("_" if c in "[]:*?/\\'" else c for c in code)[:28] or "repeat"
    title, n = base, 1
    while title.casefold() in {u.casefold() for u in used}:
        n += 1
        title = f"{base[:25]}~{n}"
    used.add(title)
    return title


# -------------------------------------------------------------------- csv ---


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_DANGEROUS) else text


def _csv(entries: Sequence[Mapping[str, Any]]) -> bytes:
    questions = _questions(entries)
    codes = [c for c, _ in UNIT_COLUMNS]
    labels = [label for _, label in UNIT_COLUMNS]
    spread: dict[str, int] = {}
    for question in questions:
        if question.kind in REPEAT_KINDS:
            most = max(
                (
                    len(_lines((e.get("answers") or {}).get(question.code)))
                    for e in entries
                ),
                default=0,
            )
            spread[question.code] = most
            for number in range(1, most + 1):
                for inner in _columns(question):
                    codes.append(f"{question.code}[{number}].{inner.code}")
                    labels.append(f"{_label(question)} {number} – {_label(inner)}")
        else:
            codes.append(question.code)
            labels.append(_label(question))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_text(c) for c in codes])
    writer.writerow([_csv_text(label) for label in labels])
    for entry in entries:
        answers = entry.get("answers") or {}
        row: list[object] = list(_unit_values(entry))
        for question in questions:
            value = answers.get(question.code)
            if question.kind not in REPEAT_KINDS:
                row.append(cell_value(question, value))
                continue
            lines = _lines(value)
            for number in range(spread[question.code]):
                line = lines[number] if number < len(lines) else {}
                for inner in _columns(question):
                    row.append(cell_value(inner, line.get(inner.code)))
        writer.writerow([_csv_text(v) for v in row])
    return "\ufeff".encode() + out.getvalue().encode()
