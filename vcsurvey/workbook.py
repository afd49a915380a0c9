"""Offline replies: one fillable Excel workbook per unit, and reading it back.

:func:`build_workbook` lays a form version out on one sheet the way the paper
prints it (sections, numbering, labels, hints) with one answer cell per
question, Excel data validation, locked labels and a protected sheet (no
password), and returns the bytes of an ``.xlsx`` file.  :func:`read_workbook`
reads a filled file back against the same form and returns
``(answers, problems)``; the caller writes the answers only when there is no
problem.

How a file is read (any tool can do the same):

* **Defined names.** Every answer cell carries a workbook-level defined name
  equal to the question's code (``I.3.camera`` -> ``'Phiếu khảo sát'!$C$31``).
  Excel restricts names (a letter or ``_`` first, then letters, digits, ``_``
  and ``.``; not like a cell reference such as ``A1``, ``Q1`` or ``R1C1``;
  not ``C``/``R``).  A code that breaks a rule is written
  ``_q_`` + the code with every character other than an ASCII letter, digit
  or ``.`` replaced by ``_XXXX_`` (its code point in 4 hex digits): ``q1`` ->
  ``_q_q1``, ``my-name`` -> ``_q_my_002D_name``.  :func:`defined_name` and
  :func:`code_of_name` are the two directions.
* **Repeats** (``repeat``, ``operators``, ``incidents``): the defined name
  covers a table whose first row holds the inner questions' codes as
  ``<repeat>.<inner>`` (``I.10.phone``) and whose following rows are lines;
  blank rows are skipped.  Vietnamese column labels sit in the row above the
  named range.
* **``_meta``** is a very hidden sheet of ``key | value`` rows (round, unit,
  form version, the answer sheet's name) and ``checksum``: the HMAC-SHA256,
  with the caller's secret, of those values as canonical JSON.  Editing it,
  or sending another unit's file, is detected.
* Choice lists live on the very hidden sheet ``_lists``; a choice answer is
  its printed label ("Ổn định"), a yes/no answer "Có"/"Không", several
  choices (select_multiple) their labels separated by ";".

Reading is defensive: the size, the zip's members and their uncompressed
size, and the number of rows and cells of every sheet are checked before
openpyxl parses anything (``read_only=True``, formulas kept as formulas so
that they are reported, never evaluated).  Problems are dicts
``{"sheet", "cell", "question", "message"}`` with Vietnamese messages.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import (
    Alignment,
    Border,
    Font,
    NamedStyle,
    PatternFill,
    Protection,
    Side,
)
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from vcsurvey import forms, validation

FORMAT_ID = "vcsurvey-workbook/1"
SHEET_TITLE = "Phiếu khảo sát"
META_SHEET = "_meta"
LISTS_SHEET = "_lists"
META_KEYS = (
    "format",
    "round_id",
    "round_name",
    "unit_id",
    "unit_name",
    "form_id",
    "form_code",
    "form_version",
    "sheet",
)

# Limits checked before parsing: a filled 2017 form is about 20 KB.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_MEMBERS = 200
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_ROWS = 10_000  # per sheet
MAX_CELLS = 200_000  # whole workbook
DEFAULT_REPEAT_ROWS = 10
EXTRA_REPEAT_ROWS = 5

REPEAT_KINDS = ("repeat", "operators", "incidents")
TEXT_KINDS = ("char", "text", "ip", "email", "phone")
NUMBER_KINDS = ("integer", "decimal", "percent")
CHOICE_KINDS = ("choice", "status", "yesno", "select_multiple")
# validation rules about what is still missing rather than what is wrong:
# they do not stop an import into a draft (submitting checks them again)
COMPLETENESS_RULES = frozenset(
    {"required", "operators_min", "lines_min", "reason_required", "required_expr"}
)
MULTI_SEPARATOR = ";"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

_FONT = "Times New Roman"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")
_FIXED_FILL = PatternFill("solid", fgColor="E7E6E6")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


def _named_styles() -> list[NamedStyle]:
    """The sheet's styles, registered once per workbook: assigning a named
    style is far cheaper than setting font, fill and border cell by cell."""

    def style(name: str, font: dict | None = None, **attrs: Any) -> NamedStyle:
        named = NamedStyle(name=name)
        named.font = Font(name=_FONT, **(font or {}))
        named.alignment = attrs.pop("alignment", _WRAP)
        for attr, value in attrs.items():
            setattr(named, attr, value)
        return named

    answer = {"fill": _ANSWER_FILL, "border": _BORDER, "protection": _UNLOCKED}
    return [
        style("vc_text"),
        style("vc_bold", {"bold": True}),
        style("vc_title", {"bold": True, "size": 13}),
        style("vc_italic", {"italic": True}),
        style("vc_hint", {"italic": True, "color": "595959"}),
        style("vc_warn", {"italic": True, "color": "C00000"}),
        style("vc_center", alignment=Alignment(horizontal="center")),
        style("vc_answer", **answer),
        # text answers stay text: phones keep their leading 0
        style("vc_answer_text", number_format="@", **answer),
        style("vc_answer_date", number_format="DD/MM/YYYY", **answer),
        style("vc_fixed", fill=_FIXED_FILL, border=_BORDER),
        style("vc_header", {"bold": True}, fill=_HEADER_FILL, border=_BORDER),
        style("vc_code", {"size": 8, "color": "808080"}),
    ]


class WorkbookError(ValueError):
    """A workbook cannot be built for this form (e.g. clashing names)."""


# ------------------------------------------------------------ defined names ---

_NAME_OK = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_A1_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9]+\Z")
_R1C1_LIKE = re.compile(r"[Rr][0-9]*([Cc][0-9]*)?\Z|[Cc][0-9]*\Z")
_ESCAPE_PREFIX = "_q_"
_ESCAPED_CHAR = re.compile(r"_([0-9A-F]{4})_")


def _valid_name(name: str) -> bool:
    if not _NAME_OK.match(name) or len(name) > 255:
        return False
    # "C.1" is fine ("C" alone is not); "A1.x" is escaped to be safe
    if _A1_LIKE.match(name.split(".", 1)[0]) or _R1C1_LIKE.match(name):
        return False
    return name.upper() not in ("TRUE", "FALSE") and not name.lower().startswith(
        ("_xlnm", "_xll", _ESCAPE_PREFIX)
    )


def defined_name(code: str) -> str:
    """The Excel defined name of a question code (the code itself when valid)."""
    if _valid_name(code):
        return code
    escaped = "".join(
        c if (c.isascii() and c.isalnum()) or c == "." else f"_{ord(c):04X}_"
        for c in code
    )
    name = _ESCAPE_PREFIX + escaped
    if len(name) > 255:
        raise WorkbookError(f"question code too long for an Excel name: {code!r}")
    return name


def code_of_name(name: str) -> str:
    """The question code of a defined name (inverse of :func:`defined_name`)."""
    if not name.startswith(_ESCAPE_PREFIX):
        return name
    return _ESCAPED_CHAR.sub(
        lambda m: chr(int(m.group(1), 16)), name[len(_ESCAPE_PREFIX) :]
    )


# ------------------------------------------------------------------ layout ---


@dataclass(frozen=True)
class Column:
    """One inner question of a repeat (or a scalar question's own cell)."""

    key: str
    label: str
    kind: str
    choices: tuple[forms.Choice, ...] = ()
    constraint: str = ""


@dataclass(frozen=True)
class Slot:
    """Where one question's answer lives on the sheet (1-based row/col)."""

    code: str
    name: str
    kind: str
    row: int
    col: int
    column: Column
    columns: tuple[Column, ...] = ()
    lines: int = 0  # data rows of a repeat table

    @property
    def repeat(self) -> bool:
        return self.kind in REPEAT_KINDS


def _inner_columns(question: Any) -> tuple[Column, ...]:
    # lines are keyed by the inner questions' codes (forms.Question.columns)
    inner = getattr(question, "columns", ()) or ()
    if inner:
        return tuple(_column(q, q.code) for q in inner)
    if question.kind == "operators":
        kinds = {"phone": "phone", "email": "email"}
        return tuple(
            Column(key, label, kinds.get(key, "char"))
            for key, label, _ in forms.OPERATOR_FIELDS
        )
    if question.kind == "incidents":
        return tuple(
            Column(key, label, "integer" if key == "count" else "char")
            for key, label, _ in forms.INCIDENT_FIELDS
        )
    return ()


def _column(question: Any, key: str) -> Column:
    return Column(
        key,
        getattr(question, "label", "") or question.text,
        question.kind,
        tuple(question.choices),
        getattr(question, "constraint", "") or "",
    )


def _answerable(question: Any) -> bool:
    return question.kind != "note"


# -------------------------------------------------------- values <-> cells ---


def _clean_text(text: str) -> str:
    # Characters XML 1.0 cannot hold would make openpyxl refuse the file.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _label(choices: Sequence[forms.Choice], value: object) -> str:
    for choice in choices:
        if choice.value == value:
            return choice.label
    return str(value)


def _to_cell(column: Column, value: object) -> object:
    """The cell value that shows ``value`` (None for unanswered)."""
    if value is None:
        return None
    kind = column.kind
    if kind == "yesno":
        if isinstance(value, bool):
            return _label(column.choices, "yes" if value else "no")
        return _label(column.choices, value)
    if kind in ("choice", "status"):
        return _label(column.choices, value)
    if kind == "select_multiple":
        items = value if isinstance(value, list | tuple) else [value]
        return f"{MULTI_SEPARATOR} ".join(_label(column.choices, v) for v in items)
    if kind == "date":
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return _clean_text(value)
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return _clean_text(str(value))


def _set(cell: Any, value: object) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        # user text stays text: never turn an answer into a formula
        cell.data_type = "s"


_NUMBER_TEXT = re.compile(r"[+-]?[0-9][0-9.,]*\Z")


def parse_number(text: str) -> float | int | None:
    """A number typed as text, Vietnamese style first ("1.234,5" -> 1234.5).

    "," is the decimal separator and "." groups thousands, as Vietnamese
    Excel writes them; a lone "." followed by anything but exactly three
    digits is read as a decimal point ("12.5"), the way English Excel types
    it.  Spaces and a trailing "%" are ignored.  None when not a number.
    """
    raw = text.replace("\u00a0", "").replace(" ", "").rstrip("%")
    if not raw or not _NUMBER_TEXT.match(raw):
        return None
    sign = -1 if raw.startswith("-") else 1
    raw = raw.lstrip("+-")
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        group = "." if decimal == "," else ","
        raw = raw.replace(group, "").replace(decimal, ".")
    elif "," in raw:
        raw = raw.replace(",", ".") if raw.count(",") == 1 else raw.replace(",", "")
    elif re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", raw):
        raw = raw.replace(".", "")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", raw):
        return None
    number: float | int = float(raw) if "." in raw else int(raw)
    return sign * number


_DATE_TEXT = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})\Z")


def parse_date(value: object) -> date | None:
    """A date from a date cell, an Excel serial number or "dd/mm/yyyy" text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial dates (1900 system)
            return date(1899, 12, 30) + timedelta(days=int(value))
        return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _DATE_TEXT.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        return None


def _from_cell(column: Column, value: object) -> tuple[object, str | None]:
    """(answer, Vietnamese error or None) of one non-blank cell value."""
    kind = column.kind
    if kind in NUMBER_KINDS:
        return _number_from(kind, value)
    if kind == "date":
        found = parse_date(value)
        if found is None:
            return None, f"“{value}” không phải là ngày (dd/mm/yyyy)."
        return found.isoformat(), None
    if kind in CHOICE_KINDS:
        return _choice_from(column, value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), None
    if isinstance(value, datetime | date):
        return forms.format_date(value), None
    return str(value), None


def _number_from(kind: str, value: object) -> tuple[object, str | None]:
    number: object = parse_number(value) if isinstance(value, str) else value
    if (
        isinstance(number, bool)
        or not isinstance(number, int | float)
        or (isinstance(number, float) and not math.isfinite(number))
    ):
        return None, f"“{value}” không phải là một số."
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if kind == "integer" and not isinstance(number, int):
        return None, f"“{value}” không phải là số nguyên."
    return number, None


def _choice_from(column: Column, value: object) -> tuple[object, str | None]:
    if isinstance(value, bool) and column.kind == "yesno":
        return value, None
    text = str(value).strip()
    if column.kind == "select_multiple":
        picked: list[str] = []
        for item in re.split(r"[;\n]", text):
            if item.strip():
                choice = _match_choice(column.choices, item)
                if choice is None:
                    return None, _not_a_choice(item, column)
                if choice not in picked:
                    picked.append(choice)
        return picked, None
    choice = _match_choice(column.choices, text)
    if choice is None:
        return None, _not_a_choice(text, column)
    if column.kind == "yesno":
        return choice == "yes", None
    return choice, None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".")


def _match_choice(choices: Sequence[forms.Choice], text: str) -> str | None:
    wanted = _fold(text)
    for choice in choices:
        if wanted in (_fold(choice.label), _fold(choice.value)):
            return choice.value
    return None


def _not_a_choice(text: str, column: Column) -> str:
    labels = ", ".join(c.label for c in column.choices)
    return f"“{text.strip()}” không thuộc các lựa chọn ({labels})."


# ------------------------------------------------------------------- bounds ---

_BOUND = re.compile(r"\.\s*(>=|>|<=|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\Z")


def simple_bounds(constraint: str) -> tuple[float | None, float | None] | None:
    """(low, high) of ``. >= n``, ``. <= m`` or ``. >= n and . <= m``; else None."""
    text = (constraint or "").strip()
    if not text:
        return None
    low = high = None
    for part in re.split(r"\s+and\s+", text):
        match = _BOUND.match(part.strip())
        if not match:
            return None
        op, raw = match.groups()
        # a strict bound is kept loose in Excel; validation is exact
        if op.startswith(">"):
            low = float(raw)
        else:
            high = float(raw)
    return low, high


def _number_bounds(column: Column) -> tuple[float | None, float | None]:
    bounds = simple_bounds(column.constraint)
    if bounds:
        return bounds
    if column.kind == "percent":
        return 0, 100
    if column.kind == "integer":
        return 0, None  # counts (validation refuses negatives)
    return None, None


# ------------------------------------------------------------------- build ---


def _meta_checksum(meta: Mapping[str, str], key: bytes | str) -> str:
    body = json.dumps(
        {k: str(meta.get(k, "")) for k in META_KEYS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    secret = key.encode() if isinstance(key, str) else bytes(key or b"")
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def form_code(form: Any) -> str:
    """The form version's code (XLSForm form_id), "district-2017" for 2017."""
    return getattr(form, "code", "") or f"{form.form_type}-{form.version}"


def make_meta(
    form: Any,
    round_info: Mapping[str, Any],
    unit_info: Mapping[str, Any],
    form_info: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The ``_meta`` values (all strings) of a unit's workbook."""
    form_info = form_info or {}
    return {
        "format": FORMAT_ID,
        "round_id": str(round_info.get("id", "")),
        "round_name": str(round_info.get("name", "")),
        "unit_id": str(unit_info.get("id", "")),
        "unit_name": str(unit_info.get("name", "")),
        "form_id": str(form_info.get("id", "")),
        "form_code": str(form_info.get("code") or form_code(form)),
        "form_version": str(form_info.get("version") or form.version),
        "sheet": SHEET_TITLE,
    }


class _Builder:
    def __init__(self, form: Any, year: int, repeat_rows: int) -> None:
        self.form = form
        self.year = year
        self.repeat_rows = repeat_rows
        self.wb = Workbook()
        self.ws = self.wb.active
        self.ws.title = SHEET_TITLE
        for named in _named_styles():
            self.wb.add_named_style(named)
        self.lists = self.wb.create_sheet(LISTS_SHEET)
        self.lists.sheet_state = "veryHidden"
        self.list_col = 0
        self.row = 1
        self.slots: list[Slot] = []
        self.list_ranges: dict[tuple[str, ...], str] = {}

    # -- cells
    def write(self, row: int, col: int, value: object, style: str = "vc_text") -> Any:
        cell = self.ws.cell(row=row, column=col)
        _set(cell, _clean_text(value) if isinstance(value, str) else value)
        cell.style = style
        return cell

    def line(
        self, text: str, col: int = 1, span: int = 4, style: str = "vc_text"
    ) -> None:
        self.write(self.row, col, text, style)
        if span > 1:
            self.ws.merge_cells(
                start_row=self.row,
                start_column=col,
                end_row=self.row,
                end_column=col + span - 1,
            )
        self.ws.row_dimensions[self.row].height = max(15, 15 * (len(text) // 90 + 1))
        self.row += 1

    # -- choice lists on the hidden sheet
    def list_range(self, choices: Sequence[forms.Choice]) -> str:
        labels = tuple(c.label for c in choices)
        if labels not in self.list_ranges:
            self.list_col += 1
            letter = get_column_letter(self.list_col)
            for i, label in enumerate(labels, start=1):
                _set(self.lists.cell(row=i, column=self.list_col), label)
            self.list_ranges[labels] = (
                f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(labels)}"
            )
        return self.list_ranges[labels]

    def validation(self, column: Column, sqref: str) -> None:
        kind = column.kind
        common = {
            "allow_blank": True,
            "showErrorMessage": True,
            "errorTitle": "Giá trị không hợp lệ",
        }
        if kind in ("choice", "status", "yesno"):
            dv = DataValidation(
                type="list", formula1=self.list_range(column.choices), **common
            )
            dv.error = "Hãy chọn một giá trị trong danh sách."
        elif kind in NUMBER_KINDS:
            low, high = _number_bounds(column)
            dv = _number_validation(kind, low, high, common)
            if dv is None:
                return
        elif kind == "date":
            dv = DataValidation(
                type="date", operator="greaterThan", formula1="1", **common
            )
            dv.error = "Hãy nhập một ngày (dd/mm/yyyy)."
        else:
            return
        dv.add(sqref)
        self.ws.add_data_validation(dv)

    def answer_cell(
        self, row: int, col: int, column: Column, value: object, validate: bool = True
    ) -> None:
        style = {"date": "vc_answer_date"}.get(column.kind, "vc_answer")
        if column.kind in TEXT_KINDS:
            style = "vc_answer_text"
        cell = self.write(row, col, _to_cell(column, value), style)
        if validate:
            self.validation(column, cell.coordinate)

    # -- sections and questions
    def section(self, section: Any, answers: Mapping[str, object]) -> None:
        self.line(section.title, span=4, style="vc_bold")
        for child in section.children:
            if isinstance(child, forms.Section):
                self.section(child, answers)
            else:
                self.question(child, answers)

    def question(self, question: Any, answers: Mapping[str, object]) -> None:
        text = forms.render_text(question.text, self.year)
        bullet = getattr(question, "bullet", "")
        hint = getattr(question, "hint", "")
        if question.kind == "note":
            self.write(self.row, 1, bullet)
            self.line(text, col=2, span=3, style="vc_italic")
            return
        if question.kind in REPEAT_KINDS:
            self.repeat(question, text, bullet, hint, answers.get(question.code))
            return
        row = self.row
        self.write(row, 1, bullet)
        self.write(row, 2, text)
        if question.kind == "select_multiple":
            hint = " ".join(
                p for p in (hint, "(chọn một hay nhiều, cách nhau bởi dấu “;”)") if p
            )
        if hint:
            self.write(row, 4, hint, "vc_hint")
        column = _column(question, question.code)
        self.answer_cell(row, 3, column, answers.get(question.code))
        self.ws.row_dimensions[row].height = max(18, 15 * (len(text) // 60 + 1))
        self.slots.append(
            Slot(
                question.code,
                defined_name(question.code),
                question.kind,
                row,
                3,
                column,
            )
        )
        self.row += 1

    def repeat(
        self, question: Any, text: str, bullet: str, hint: str, value: object
    ) -> None:
        columns = _inner_columns(question)
        lines = value if isinstance(value, list | tuple) else []
        max_items = getattr(question, "max_items", 0) or 0
        count = max(
            self.repeat_rows,
            len(lines) + EXTRA_REPEAT_ROWS,
            getattr(question, "min_items", 0) or 0,
        )
        if max_items:
            count = max(min(count, max_items), len(lines))
        self.write(self.row, 1, bullet)
        self.line(text, col=2, span=3)
        if hint:
            self.line(hint, col=2, span=3, style="vc_hint")
        for offset, column in enumerate(columns):
            self.write(self.row, 2 + offset, column.label, "vc_header")
        self.row += 1
        header = self.row
        for offset, column in enumerate(columns):
            self.write(
                header,
                2 + offset,
                f"{question.code}.{column.key}",
                "vc_code",
            )
        for number in range(1, count + 1):
            row = header + number
            self.write(row, 1, number, "vc_center")
            line = lines[number - 1] if number <= len(lines) else {}
            line = line if isinstance(line, Mapping) else {}
            for offset, column in enumerate(columns):
                self.answer_cell(
                    row, 2 + offset, column, line.get(column.key), validate=False
                )
        for offset, column in enumerate(columns):  # one validation per column
            letter = get_column_letter(2 + offset)
            self.validation(column, f"{letter}{header + 1}:{letter}{header + count}")
        self.slots.append(
            Slot(
                question.code,
                defined_name(question.code),
                question.kind,
                header,
                2,
                _column(question, question.code),
                columns,
                count,
            )
        )
        self.row = header + count + 1

    def names(self) -> None:
        seen: dict[str, str] = {}
        sheet = quote_sheetname(SHEET_TITLE)
        for slot in self.slots:
            folded = slot.name.casefold()
            if folded in seen:
                raise WorkbookError(
                    f"questions {seen[folded]!r} and {slot.code!r} get the same "
                    "Excel name (names ignore case)"
                )
            seen[folded] = slot.code
            first = f"${get_column_letter(slot.col)}${slot.row}"
            ref = f"{sheet}!{first}"
            if slot.repeat:
                last_col = get_column_letter(slot.col + len(slot.columns) - 1)
                ref += f":${last_col}${slot.row + slot.lines}"
            self.wb.defined_names.append(DefinedName(slot.name, attr_text=ref))


def _number_validation(
    kind: str, low: float | None, high: float | None, common: dict[str, Any]
) -> DataValidation | None:
    dv_type = "whole" if kind == "integer" else "decimal"
    if low is None and high is None:
        dv = DataValidation(
            type=dv_type,
            operator="between",
            formula1="-1E+300",
            formula2="1E+300",
            **common,
        )
        dv.error = "Hãy nhập một số."
        return dv

    def fmt(n: float) -> str:
        return str(int(n)) if float(n).is_integer() else repr(float(n))

    if low is not None and high is not None:
        dv = DataValidation(
            type=dv_type,
            operator="between",
            formula1=fmt(low),
            formula2=fmt(high),
            **common,
        )
        dv.error = f"Hãy nhập một số từ {fmt(low)} đến {fmt(high)}."
    elif low is not None:
        dv = DataValidation(
            type=dv_type, operator="greaterThanOrEqual", formula1=fmt(low), **common
        )
        dv.error = f"Hãy nhập một số lớn hơn hoặc bằng {fmt(low)}."
    else:
        assert high is not None
        dv = DataValidation(
            type=dv_type, operator="lessThanOrEqual", formula1=fmt(high), **common
        )
        dv.error = f"Hãy nhập một số nhỏ hơn hoặc bằng {fmt(high)}."
    if kind == "integer":
        dv.error = dv.error.replace("một số", "một số nguyên")
    return dv


def layout(form: Any, year: int = 2017) -> list[Slot]:
    """Where :func:`build_workbook` puts each answer (for tests and tools)."""
    builder = _Builder(form, year, DEFAULT_REPEAT_ROWS)
    _fill(builder, form, {}, {}, {}, year, None)
    return builder.slots


def build_workbook(
    form: Any,
    *,
    round_info: Mapping[str, Any],
    unit_info: Mapping[str, Any],
    answers: Mapping[str, object] | None = None,
    year: int,
    key: bytes | str = b"",
    form_info: Mapping[str, Any] | None = None,
    province: str = "Hà Giang",
    cutoff: date | None = None,
    repeat_rows: int = DEFAULT_REPEAT_ROWS,
) -> bytes:
    """The unit's fillable workbook (bytes of an ``.xlsx``).

    ``round_info`` / ``unit_info`` are ``{"id", "name"}``; ``form_info``
    optionally ``{"id", "code", "version"}`` of the form version record;
    ``answers`` the known answers (registry prefill or the current draft);
    ``key`` the secret of the ``_meta`` checksum (the database secret).
    """
    builder = _Builder(form, year, repeat_rows)
    meta = make_meta(form, round_info, unit_info, form_info)
    _fill(builder, form, answers or {}, meta, {"province": province}, year, cutoff)
    builder.names()
    _write_meta(builder.wb, meta, key)
    ws = builder.ws
    for letter, width in zip(
        "ABCDEFGHIJ", (7, 55, 30, 26, 20, 20, 20, 20, 20, 20), strict=True
    ):
        ws.column_dimensions[letter].width = width
    ws.protection.sheet = True  # no password: the locks only guide the hand
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    builder.wb.security = WorkbookProtection(lockStructure=True)
    ws.sheet_view.showGridLines = False
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed like the paper
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    builder.wb.save(out)
    return out.getvalue()


def _fill(
    builder: _Builder,
    form: Any,
    answers: Mapping[str, object],
    meta: Mapping[str, str],
    extra: Mapping[str, str],
    year: int,
    cutoff: date | None,
) -> None:
    province = extra.get("province", "Hà Giang")
    try:
        title = form.render_title(year, province)
    except (KeyError, IndexError, ValueError, AttributeError):
        title = getattr(form, "title", "") or getattr(form, "name", "")
    builder.line(title, span=4, style="vc_title")
    if getattr(form, "audience", ""):
        builder.line(form.audience, span=4, style="vc_italic")
    builder.row += 1
    for label, key in (("Đơn vị:", "unit_name"), ("Đợt khảo sát:", "round_name")):
        builder.write(builder.row, 2, label, "vc_bold")
        builder.write(builder.row, 3, meta.get(key, ""), "vc_fixed")
        builder.row += 1
    builder.line(
        "Điền câu trả lời vào các ô màu vàng. Không xoá, không chèn dòng và không "
        "đổi tên trang tính; tệp được đọc theo tên của từng ô (tên câu hỏi).",
        col=2,
        span=3,
        style="vc_warn",
    )
    builder.row += 1
    guidance = tuple(getattr(form, "guidance", ()) or ())
    if guidance:
        builder.line(
            getattr(form, "guidance_title", "") or "Hướng dẫn", style="vc_bold"
        )
        cut = cutoff or forms.default_cutoff(year)
        for item in guidance:
            try:
                text = item.format(cutoff=forms.format_date(cut))
            except (KeyError, IndexError, ValueError):
                text = item
            builder.line(text, col=2, span=3)
    for section in form.sections:
        builder.section(section, answers)
    signoff = tuple(getattr(form, "signoff", ()) or ())
    if signoff:
        builder.row += 1
        for offset, (title_, note) in enumerate(signoff[:2]):
            builder.write(builder.row, 2 + offset, title_, "vc_bold")
            builder.write(builder.row + 1, 2 + offset, note, "vc_italic")
        builder.row += 2


def _write_meta(wb: Workbook, meta: Mapping[str, str], key: bytes | str) -> None:
    ws = wb.create_sheet(META_SHEET)
    ws.sheet_state = "veryHidden"
    rows = [*((k, meta.get(k, "")) for k in META_KEYS)]
    rows.append(("checksum", _meta_checksum(meta, key)))
    for number, (k, value) in enumerate(rows, start=1):
        _set(ws.cell(row=number, column=1), k)
        _set(ws.cell(row=number, column=2), _clean_text(str(value)))
    ws.protection.sheet = True


# ------------------------------------------------------------------- read ---


def problem(
    message: str, sheet: str = "", cell: str = "", question: str = ""
) -> dict[str, str]:
    """One entry of a validation report."""
    return {"sheet": sheet, "cell": cell, "question": question, "message": message}


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _SheetInfo:
    name: str
    state: str
    member: str
    rows: int = 0
    merges: list[str] = field(default_factory=list)
    protected: bool = False


@dataclass
class WorkbookReport:
    """What :func:`read_report` found: answers, blocking problems, reminders."""

    answers: dict[str, object]
    problems: list[dict[str, str]]
    pending: list[dict[str, str]]
    meta: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def _precheck(data: bytes) -> tuple[zipfile.ZipFile, dict[str, _SheetInfo]]:
    """Refuse what must not reach openpyxl; return the zip and its sheets."""
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(
            f"Tệp quá lớn ({_megabytes(len(data))}); phiếu khảo sát không vượt quá "
            f"{_megabytes(MAX_FILE_BYTES)}."
        )
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise _Refused(
                "Tệp được đặt mật khẩu (mã hoá): hãy bỏ mật khẩu (Tệp > Thông tin > "
                "Bảo vệ sổ làm việc) rồi lưu lại và gửi lại."
            )
        raise _Refused(
            "Tệp là định dạng Excel 97-2003 (.xls) hoặc tệp Office cũ: hãy mở phiếu "
            "đã tải về và lưu dưới dạng Sổ làm việc Excel (.xlsx)."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _Refused("Tệp không phải là sổ làm việc Excel (.xlsx).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, zlib.error):
        raise _Refused("Tệp .xlsx bị hỏng, không đọc được.") from None
    if len(members) > MAX_MEMBERS:
        raise _Refused(f"Tệp có quá nhiều thành phần ({len(members)}).")
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise _Refused(
            "Tệp giải nén ra quá lớn (hơn "
            f"{_megabytes(MAX_UNCOMPRESSED)}); phiếu khảo sát nhỏ hơn nhiều."
        )
    if any(m.flag_bits & 0x1 for m in members):
        raise _Refused("Tệp được mã hoá: hãy bỏ mật khẩu rồi gửi lại.")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _Refused(
            "Tệp là một tệp nén (zip) nhưng không phải là sổ làm việc Excel (.xlsx)."
        )
    content_types = _read_member(archive, "[Content_Types].xml")
    if (
        "xl/vbaProject.bin" in names
        or b"macroEnabled" in content_types
        or any(n.lower().endswith(".bin") and "vba" in n.lower() for n in names)
    ):
        raise _Refused(
            "Tệp có chứa macro (.xlsm): phiếu không nhận macro. Hãy lưu lại dưới "
            "dạng Sổ làm việc Excel (.xlsx) rồi gửi lại."
        )
    sheets = _sheet_members(archive)
    cells = 0
    for info in sheets.values():
        cells += _scan_sheet(archive, info, MAX_CELLS - cells)
    return archive, sheets


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        with archive.open(name) as handle:
            data = handle.read(MAX_UNCOMPRESSED + 1)
    except _ZIP_ERRORS:
        raise _Refused("Tệp .xlsx bị hỏng, không đọc được.") from None
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise _Refused("Tệp chứa khai báo XML không được phép (DOCTYPE).")
    return data


_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    KeyError,
    RuntimeError,
    EOFError,
    NotImplementedError,  # a member compressed with an unknown method
)
_BROKEN = "Tệp bị hỏng, không đọc được như một sổ làm việc Excel (.xlsx)."
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, _SheetInfo]:
    try:
        book = etree.fromstring(_read_member(archive, "xl/workbook.xml"), _PARSER)
        rels_xml = _read_member(archive, "xl/_rels/workbook.xml.rels")
        rels = etree.fromstring(rels_xml, _PARSER)
    except (etree.XMLSyntaxError, _Refused):
        raise _Refused(
            "Tệp .xlsx bị hỏng: không đọc được danh sách trang tính."
        ) from None
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[rel.get("Id")] = target
    sheets = {}
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        name = sheet.get("name", "")
        member = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        sheets[name] = _SheetInfo(name, sheet.get("state", "visible"), member)
    return sheets


def _scan_sheet(archive: zipfile.ZipFile, info: _SheetInfo, cells_left: int) -> int:
    """Count rows and cells (stopping at the limits); collect merged ranges."""
    if info.member not in archive.namelist():
        return 0
    cells = 0
    try:
        with archive.open(info.member) as handle:
            head = handle.peek(4096)[:4096] if hasattr(handle, "peek") else b""
            if b"<!DOCTYPE" in head.upper():
                raise _Refused("Tệp chứa khai báo XML không được phép (DOCTYPE).")
            for _, element in etree.iterparse(
                handle,
                events=("end",),
                resolve_entities=False,
                no_network=True,
                huge_tree=False,
                load_dtd=False,
            ):
                tag = etree.QName(element).localname
                if tag == "c":
                    cells += 1
                    if cells > cells_left:
                        raise _Refused(
                            f"Trang tính “{info.name}” có quá nhiều ô (hơn "
                            f"{MAX_CELLS} ô); phiếu khảo sát nhỏ hơn nhiều."
                        )
                elif tag == "row":
                    info.rows += 1
                    element.clear()
                    if info.rows > MAX_ROWS:
                        raise _Refused(
                            f"Trang tính “{info.name}” có quá nhiều dòng (hơn "
                            f"{MAX_ROWS} dòng); phiếu khảo sát nhỏ hơn nhiều."
                        )
                elif tag == "sheetProtection":
                    info.protected = element.get("sheet") in ("1", "true")
                elif tag == "mergeCell":
                    info.merges.append(element.get("ref", ""))
    except etree.XMLSyntaxError:
        raise _Refused(f"Trang tính “{info.name}” bị hỏng, không đọc được.") from None
    except _ZIP_ERRORS:
        raise _Refused("Tệp .xlsx bị hỏng, không đọc được.") from None
    return cells


def _load(data: bytes) -> tuple[Any, dict[str, _SheetInfo]]:
    archive, sheets = _precheck(data)
    archive.close()
    try:
        wb = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception:  # noqa: BLE001 - any parser failure is "unreadable"
        raise _Refused(
            "Tệp không đọc được như một sổ làm việc Excel (.xlsx)."
        ) from None
    return wb, sheets


def _meta_of(wb: Any) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        raise _Refused(
            "Tệp không phải là phiếu khảo sát tải từ hệ thống (thiếu trang _meta): "
            "hãy dùng tệp đã tải về cho đơn vị mình."
        )
    meta: dict[str, str] = {}
    for row in wb[META_SHEET].iter_rows(min_row=1, max_row=40, max_col=2):
        cells = list(row)
        if len(cells) < 2 or cells[0].value is None:
            continue
        value = cells[1].value
        meta[str(cells[0].value)] = "" if value is None else str(value)
    return meta


def read_meta(data: bytes, *, key: bytes | str) -> tuple[dict[str, str], list[dict]]:
    """The ``_meta`` values of a file, checked against their checksum.

    Used to match a mailed file to its unit before reading the answers.
    """
    try:
        wb, _ = _load(data)
        try:
            meta = _meta_of(wb)
            _check_checksum(meta, key)
        finally:
            wb.close()
    except _Refused as exc:
        return {}, [problem(exc.message)]
    except Exception:  # noqa: BLE001 - hostile input: any failure is "broken"
        return {}, [problem(_BROKEN)]
    return meta, []


def _check_checksum(meta: Mapping[str, str], key: bytes | str) -> None:
    if meta.get("format") != FORMAT_ID:
        raise _Refused(
            "Tệp không phải là phiếu khảo sát tải từ hệ thống (trang _meta không "
            "đúng định dạng)."
        )
    expected = _meta_checksum(meta, key)
    if not hmac.compare_digest(expected, meta.get("checksum", "")):
        raise _Refused(
            "Thông tin nhận dạng của tệp (trang _meta) đã bị sửa: hãy tải lại phiếu "
            "từ hệ thống hoặc dùng đúng tệp đã được gửi cho đơn vị."
        )


def _check_ties(meta: Mapping[str, str], expected: Mapping[str, Any]) -> None:
    def differs(key: str) -> bool:
        return key in expected and str(expected[key]) != meta.get(key, "")

    def named(key: str, id_key: str) -> str:
        return str(expected.get(key) or f"mã {expected.get(id_key, '?')}")

    if differs("unit_id"):
        raise _Refused(
            f"Tệp này là phiếu của đơn vị “{meta.get('unit_name', '?')}”, không phải "
            f"của đơn vị “{named('unit_name', 'unit_id')}”."
        )
    if differs("round_id"):
        raise _Refused(
            f"Tệp này thuộc đợt khảo sát “{meta.get('round_name', '?')}”, không phải "
            f"đợt “{named('round_name', 'round_id')}”."
        )
    if differs("form_id") or differs("form_code") or differs("form_version"):
        raise _Refused(
            f"Tệp này dùng mẫu phiếu “{meta.get('form_code', '?')}” phiên bản "
            f"{meta.get('form_version', '?')}, không phải mẫu của phiếu cần nhập "
            f"(“{expected.get('form_code') or expected.get('form_id', '?')}”): hãy "
            "tải lại phiếu."
        )


def read_workbook(
    data: bytes,
    form: Any,
    *,
    expected_meta: Mapping[str, Any] | None = None,
    key: bytes | str = b"",
) -> tuple[dict[str, object], list[dict[str, str]]]:
    """``(answers, problems)`` of a filled workbook; write only if no problem.

    ``answers`` has every answerable question of ``form`` (None when left
    blank).  ``expected_meta`` (``round_id``, ``unit_id``, ``form_id`` /
    ``form_code`` / ``form_version``, and the names for messages) ties the
    file to one unit's form; None skips that check (the checksum is always
    checked with ``key``).
    """
    report = read_report(data, form, expected_meta=expected_meta, key=key)
    return report.answers, report.problems


def read_report(
    data: bytes,
    form: Any,
    *,
    expected_meta: Mapping[str, Any] | None = None,
    key: bytes | str = b"",
) -> WorkbookReport:
    """As :func:`read_workbook`, plus what is still missing before submission."""
    try:
        wb, sheets = _load(data)
    except _Refused as exc:
        return WorkbookReport({}, [problem(exc.message)], [], {})
    except Exception:  # noqa: BLE001 - hostile input: any failure is "broken"
        return WorkbookReport({}, [problem(_BROKEN)], [], {})
    try:
        meta = _meta_of(wb)
        _check_checksum(meta, key)
        if expected_meta:
            _check_ties(meta, expected_meta)
        return _Reader(form, wb, sheets, meta).read()
    except _Refused as exc:
        return WorkbookReport({}, [problem(exc.message)], [], {})
    except Exception:  # noqa: BLE001 - hostile input: any failure is "broken"
        return WorkbookReport({}, [problem(_BROKEN)], [], {})
    finally:
        wb.close()


class _Reader:
    def __init__(
        self, form: Any, wb: Any, sheets: Mapping[str, _SheetInfo], meta: dict
    ) -> None:
        self.form = form
        self.wb = wb
        self.sheets = sheets
        self.meta = meta
        self.sheet = meta.get("sheet") or SHEET_TITLE
        self.problems: list[dict[str, str]] = []
        self.slots: dict[str, Slot] = {}
        self.line_rows: dict[str, list[int]] = {}
        self.columns_at: dict[str, dict[str, int]] = {}
        self.unlocked: set[tuple[int, int]] = set()

    def fail(self, message: str, cell: str = "", question: str = "") -> None:
        self.problems.append(problem(message, self.sheet, cell, question))

    def read(self) -> WorkbookReport:
        if self.sheet not in self.wb.sheetnames:
            raise _Refused(
                f"Không tìm thấy trang tính “{self.sheet}” của phiếu: đừng đổi tên "
                "hay xoá trang tính."
            )
        names = {
            d.name.casefold(): d
            for d in self.wb.defined_names.definedName
            if d.localSheetId is None
        }
        questions = [q for q in self.form.questions() if _answerable(q)]
        self.locate(questions, names)
        cells = self.cells()
        merged = self.merged()
        self.check_answer_cells(merged)
        answers: dict[str, object] = {}
        for question in questions:
            slot = self.slots.get(question.code)
            if slot is None:
                continue
            if slot.repeat:
                answers[question.code] = self.read_repeat(slot, cells, merged)
            else:
                answers[question.code] = self.read_cell(
                    slot.column, question.code, slot.row, slot.col, cells, merged
                )
        pending = []
        if not self.problems:
            for found in validation.validate(self.form, answers):
                entry = problem(
                    found.message("vi"),
                    self.sheet,
                    self.cell_of(found.code),
                    found.code,
                )
                if found.rule in COMPLETENESS_RULES:
                    pending.append(entry)
                else:
                    self.problems.append(entry)
        return WorkbookReport(answers, self.problems, pending, dict(self.meta))

    # -- names
    def locate(self, questions: Iterable[Any], names: Mapping[str, Any]) -> None:
        used: dict[tuple[int, int], str] = {}
        for question in questions:
            name = defined_name(question.code)
            found = names.get(name.casefold())
            if found is None:
                self.fail(
                    f"Thiếu tên ô “{name}” của câu hỏi {question.code}: tên đã bị "
                    "xoá. Hãy dùng tệp tải về, không xoá dòng hay tên.",
                    question=question.code,
                )
                continue
            slot = self.slot_of(question, name, found)
            if slot is None:
                continue
            first = (slot.row, slot.col)
            if first in used:
                self.fail(
                    f"Tên “{name}” trỏ vào cùng ô với câu hỏi {used[first]}.",
                    _coord(*first),
                    question.code,
                )
                continue
            used[first] = question.code
            self.slots[question.code] = slot

    def slot_of(self, question: Any, name: str, found: Any) -> Slot | None:
        elsewhere = (
            f"Tên “{name}” của câu hỏi {question.code} không trỏ vào ô trả lời trên "
            f"trang “{self.sheet}” ({found.attr_text}). Hãy dùng tệp tải về."
        )
        if found.type != "RANGE":
            self.fail(elsewhere, question=question.code)
            return None
        destinations = list(found.destinations)
        if len(destinations) != 1 or destinations[0][0] != self.sheet:
            self.fail(elsewhere, question=question.code)
            return None
        ref = destinations[0][1].replace("$", "")
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            self.fail(elsewhere, question=question.code)
            return None
        if None in (min_col, min_row, max_col, max_row):
            self.fail(elsewhere, question=question.code)
            return None
        column = _column(question, question.code)
        if question.kind not in REPEAT_KINDS:
            if (min_col, min_row) != (max_col, max_row):
                self.fail(elsewhere, question=question.code)
                return None
            return Slot(question.code, name, question.kind, min_row, min_col, column)
        columns = _inner_columns(question)
        if max_row - min_row > MAX_ROWS:
            self.fail(elsewhere, question=question.code)
            return None
        if max_col - min_col + 1 < len(columns) or max_row <= min_row:
            self.fail(elsewhere, question=question.code)
            return None
        return Slot(
            question.code,
            name,
            question.kind,
            min_row,
            min_col,
            column,
            columns,
            max_row - min_row,
        )

    # -- cells
    def cells(self) -> dict[tuple[int, int], tuple[object, str]]:
        wanted: set[tuple[int, int]] = set()
        for slot in self.slots.values():
            if slot.repeat:
                width = len(slot.columns)
                for row in range(slot.row, slot.row + slot.lines + 1):
                    for col in range(slot.col, slot.col + width + 4):
                        wanted.add((row, col))
            else:
                wanted.add((slot.row, slot.col))
        if not wanted:
            return {}
        ws = self.wb[self.sheet]
        min_row = min(r for r, _ in wanted)
        max_row = max(r for r, _ in wanted)
        max_col = max(c for _, c in wanted)
        found: dict[tuple[int, int], tuple[object, str]] = {}
        for row in ws.iter_rows(min_row=min_row, max_row=max_row, max_col=max_col):
            for cell in row:
                position = (getattr(cell, "row", None), getattr(cell, "column", None))
                if position not in wanted:
                    continue
                if cell.value is not None:
                    value = cell.value
                    if (
                        isinstance(value, int | float)
                        and not isinstance(value, bool)
                        and "%" in (getattr(cell, "number_format", "") or "")
                    ):
                        # "12,5%" typed in Excel is stored as 0.125 shown as %
                        value = round(value * 100, 10)
                    found[position] = (value, cell.data_type)  # type: ignore[index]
                protection = getattr(cell, "protection", None)
                if protection is not None and not protection.locked:
                    self.unlocked.add(position)  # type: ignore[arg-type]
        return found

    def check_answer_cells(self, merged: set[tuple[int, int]]) -> None:
        """On a protected sheet a name must point at an (unlocked) answer cell:
        a name moved onto a label or an empty cell is "pointing elsewhere"."""
        info = self.sheets.get(self.sheet)
        if not (info and info.protected):
            return  # unprotected by the unit or by another tool: trust names
        for code, slot in list(self.slots.items()):
            first = (slot.row + 1, slot.col) if slot.repeat else (slot.row, slot.col)
            if first not in self.unlocked and first not in merged:
                self.fail(
                    f"Tên “{slot.name}” của câu hỏi {code} không trỏ vào ô trả lời "
                    f"(ô {_coord(*first)} là ô bị khoá). Hãy dùng tệp tải về.",
                    _coord(*first),
                    code,
                )
                del self.slots[code]

    def merged(self) -> set[tuple[int, int]]:
        info = self.sheets.get(self.sheet)
        covered: set[tuple[int, int]] = set()
        for ref in info.merges if info else ():
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except (ValueError, TypeError):
                continue
            if None in (min_col, min_row, max_col, max_row):
                continue
            if (max_row - min_row + 1) * (max_col - min_col + 1) > MAX_CELLS:
                continue
            for row in range(min_row, max_row + 1):
                for col in range(min_col, max_col + 1):
                    covered.add((row, col))
        return covered

    def read_cell(
        self,
        column: Column,
        code: str,
        row: int,
        col: int,
        cells: Mapping[tuple[int, int], tuple[object, str]],
        merged: set[tuple[int, int]],
    ) -> object:
        coordinate = _coord(row, col)
        if (row, col) in merged:
            self.fail(
                "Ô trả lời nằm trong vùng ô đã gộp (merge): hãy bỏ gộp ô.",
                coordinate,
                code,
            )
            return None
        value, data_type = cells.get((row, col), (None, "n"))
        if data_type == "f":
            self.fail(
                f"Ô chứa công thức ({value}) ở chỗ cần một giá trị: hãy nhập giá "
                "trị, không dùng công thức.",
                coordinate,
                code,
            )
            return None
        if data_type == "e":
            self.fail(f"Ô chứa lỗi Excel ({value}).", coordinate, code)
            return None
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        answer, error = _from_cell(column, value)
        if error:
            self.fail(error, coordinate, code)
            return None
        return answer

    def read_repeat(
        self,
        slot: Slot,
        cells: Mapping[tuple[int, int], tuple[object, str]],
        merged: set[tuple[int, int]],
    ) -> list[dict[str, object]] | None:
        positions: dict[str, int] = {}
        header_end = slot.col + len(slot.columns) + 4
        for col in range(slot.col, header_end):
            value = cells.get((slot.row, col), (None, ""))[0]
            if isinstance(value, str):
                positions.setdefault(value.strip(), col)
        columns: list[tuple[Column, int]] = []
        for column in slot.columns:
            header = f"{slot.code}.{column.key}"
            if header not in positions:
                self.fail(
                    f"Bảng {slot.code} thiếu cột “{header}” ở dòng tiêu đề: đừng "
                    "sửa hay xoá dòng tiêu đề của bảng.",
                    _coord(slot.row, slot.col),
                    slot.code,
                )
                return []
            columns.append((column, positions[header]))
        lines: list[dict[str, object]] = []
        rows: list[int] = []
        for row in range(slot.row + 1, slot.row + slot.lines + 1):
            raw = [cells.get((row, col), (None, ""))[0] for _, col in columns]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            line = {
                column.key: self.read_cell(
                    column,
                    f"{slot.code}[{len(lines) + 1}].{column.key}",
                    row,
                    col,
                    cells,
                    merged,
                )
                for column, col in columns
            }
            lines.append(line)
            rows.append(row)
        self.line_rows[slot.code] = rows
        self.columns_at[slot.code] = {c.key: col for c, col in columns}
        return lines or None

    def cell_of(self, code: str) -> str:
        """The cell a validation problem code ("I.10[2].phone") points at."""
        base, _, rest = code.partition("[")
        slot = self.slots.get(base)
        if slot is None:
            return ""
        if not rest:
            return _coord(slot.row, slot.col)
        number_text, _, key = rest.partition("]")
        rows = self.line_rows.get(base, [])
        try:
            row = rows[int(number_text) - 1]
        except (ValueError, IndexError):
            return _coord(slot.row, slot.col)
        col = self.columns_at.get(base, {}).get(key.lstrip("."))
        return _coord(row, col or slot.col)


def _coord(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


# -------------------------------------------------------------- helpers ---


def report_lines(problems: Iterable[Mapping[str, str]]) -> Iterator[str]:
    """One printable line per problem ("Phiếu khảo sát!C31 [I.3.camera] …")."""
    for entry in problems:
        where = "!".join(p for p in (entry.get("sheet"), entry.get("cell")) if p)
        code = f"[{entry['question']}] " if entry.get("question") else ""
        yield f"{where + ': ' if where else ''}{code}{entry['message']}"


def report_workbook(
    problems: Sequence[Mapping[str, str]],
    pending: Sequence[Mapping[str, str]] = (),
    title: str = "Báo cáo kiểm tra phiếu nhập từ Excel",
) -> bytes:
    """The validation report as a small XLSX (downloadable from the wizard)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append([title])
    ws["A1"].font = Font(name=_FONT, bold=True, size=13)
    ws.append(["Mức", "Trang tính", "Ô", "Câu hỏi", "Nội dung"])
    for cell in ws[2]:
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = _HEADER_FILL
    for level, entries in (("Lỗi", problems), ("Còn thiếu", pending)):
        for entry in entries:
            row = [
                level,
                entry.get("sheet", ""),
                entry.get("cell", ""),
                entry.get("question", ""),
                entry.get("message", ""),
            ]
            ws.append([_clean_text(str(v)) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    for letter, width in zip("ABCDE", (12, 18, 8, 22, 90), strict=True):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fill_workbook(
    data: bytes, form: Any, answers: Mapping[str, object], *, clear: bool = False
) -> bytes:
    """Write ``answers`` into a workbook through its defined names only.

    What any tool can do with the file (tests, benchmarks, scripts): each
    answer goes to the cell its question's name points at, each repeat line
    to the next row of its table, by the header ``<repeat>.<inner>``.  With
    ``clear`` every other answer cell is emptied first.
    """
    wb = load_workbook(io.BytesIO(data))
    names = {d.name: d for d in wb.defined_names.definedName}
    for question in form.questions():
        if not _answerable(question):
            continue
        if question.code not in answers and not clear:
            continue
        value = answers.get(question.code)
        ((sheet, ref),) = list(names[defined_name(question.code)].destinations)
        ws = wb[sheet]
        if question.kind in REPEAT_KINDS:
            rows = ws[ref.replace("$", "")]
            header = {cell.value: cell.column for cell in rows[0]}
            for row in rows[1:]:
                for cell in row:
                    cell.value = None
            lines = value if isinstance(value, list | tuple) else []
            for offset, line in enumerate(lines, start=1):
                for column in _inner_columns(question):
                    cell = ws.cell(
                        rows[0][0].row + offset,
                        header[f"{question.code}.{column.key}"],
                    )
                    _set(cell, _to_cell(column, line.get(column.key)))
            continue
        _set(
            ws[ref.replace("$", "")], _to_cell(_column(question, question.code), value)
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
