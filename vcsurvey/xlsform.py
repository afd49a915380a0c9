"""Form versions as XLSForm workbooks (the exchange format of ODK/Kobo).

:func:`read_xlsform` turns an uploaded ``.xlsx`` into a
:class:`~vcsurvey.forms.FormDefinition`, checking everything first and
raising one :class:`XLSFormError` that lists every problem (sheet, row,
column, Vietnamese and English message); :func:`write_xlsform` writes any
definition back (the 2017 forms included, which ship as XLSForm files).

The supported subset (documented in the README, "Form versions (XLSForm)"):

* sheet ``survey``: ``type``, ``name``, ``label`` (or ``label::<language>
  (<code>)``, Vietnamese preferred, English kept as the English label),
  ``hint``, ``required`` (yes/no or an expression), ``required_message``,
  ``constraint``, ``constraint_message``, ``relevant``, ``default``,
  ``appearance``; types ``text``, ``integer``, ``decimal``, ``date``,
  ``select_one LIST``, ``select_multiple LIST``, ``note``, ``begin_group`` /
  ``end_group`` (sections, nested), ``begin_repeat`` / ``end_repeat``
  (tables whose rows are the repeat's questions);
* our columns: ``vc_kind`` (ip, email, phone, percent, yesno, status, char,
  text, operators, incidents), ``vc_bullet``, ``vc_line``, ``vc_short``,
  ``vc_role``, ``vc_min_items``, ``vc_max_items``, ``vc_text_en``,
  ``vc_hint_en``;
* sheet ``choices``: ``list_name``, ``name``, ``label`` (languages as above);
* sheet ``settings``: ``form_title``, ``form_id``, ``version`` and ours:
  ``vc_form_type``, ``vc_name``, ``vc_summary`` (``generic`` or ``2017``),
  ``vc_title_en``, ``vc_audience``, ``vc_issued_with``, ``vc_guidance_title``,
  ``vc_guidance`` (one line per item), ``vc_signoff`` and
  ``vc_signoff_notes`` (one line per signature box).

Uploads are hostile: the file size, the zip's unpacked size and member count,
rows, columns and cell lengths are limited before and while parsing; the
workbook is read with ``read_only=True``; expressions are only parsed by
:mod:`vcsurvey.expressions`; placeholders in texts are limited to the known
ones (``{year}`` ...), so ``str.format`` never sees anything else.
"""

from __future__ import annotations

import io
import re
import string
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import expressions
from .forms import (
    CHOICE_KINDS,
    Choice,
    FormDefinition,
    Question,
    Section,
    field_name,
    typed_default,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_MEMBERS = 500
MAX_ROWS = {"survey": 3000, "choices": 20000, "settings": 10}
MAX_COLUMNS = 100
MAX_CELL = 5000
MAX_PROBLEMS = 200
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,99}")

VI = "Vietnamese (vi)"
EN = "English (en)"

# XLSForm type -> our kinds allowed for it through vc_kind (first = default)
_TYPE_KINDS: dict[str, tuple[str, ...]] = {
    "text": ("char", "text", "ip", "email", "phone"),
    "integer": ("integer",),
    "decimal": ("decimal", "percent"),
    "date": ("date",),
    "select_one": ("choice", "status", "yesno"),
    "select_multiple": ("select_multiple",),
    "note": ("note",),
    "begin_repeat": ("repeat", "operators", "incidents"),
}
_KIND_TYPES = {kind: t for t, kinds in _TYPE_KINDS.items() for kind in kinds}
_TYPE_ALIASES = {
    "int": "integer",
    "select one": "select_one",
    "select multiple": "select_multiple",
    "begin group": "begin_group",
    "end group": "end_group",
    "begin repeat": "begin_repeat",
    "end repeat": "end_repeat",
}
_STRUCTURE = ("begin_group", "end_group", "begin_repeat", "end_repeat")
# ODK metadata rows (no question is asked): skipped, as Kobo adds them.
_METADATA_TYPES = (
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "audit",
)
# XLSForm columns whose meaning we do not support: a value there is refused
# rather than silently ignored.
_UNSUPPORTED_COLUMNS = (
    "calculation",
    "choice_filter",
    "repeat_count",
    "read_only",
    "readonly",
    "trigger",
    "parameters",
)
_TRUE = ("yes", "true", "true()", "1")
_FALSE = ("", "no", "false", "false()", "0")
_PLACEHOLDERS = {
    "title": ("year", "province_upper"),
    "issued_with": ("number", "day", "month", "year"),
    "guidance": ("cutoff",),
}
_SURVEY_ORDER = (
    "type",
    "name",
    f"label::{VI}",
    f"label::{EN}",
    f"hint::{VI}",
    f"hint::{EN}",
    "required",
    f"required_message::{VI}",
    f"required_message::{EN}",
    "constraint",
    f"constraint_message::{VI}",
    f"constraint_message::{EN}",
    "relevant",
    "default",
    "appearance",
    "vc_kind",
    "vc_bullet",
    "vc_line",
    "vc_short",
    "vc_role",
    "vc_min_items",
    "vc_max_items",
)


@dataclass(frozen=True)
class XLSFormProblem:
    """One problem of a workbook: where (sheet, 1-based row, column) and what."""

    sheet: str
    row: int | None
    column: str
    message: str  # Vietnamese
    message_en: str = ""

    def __str__(self) -> str:
        return self.text("vi")

    def text(self, lang: str = "vi") -> str:
        vi = lang.startswith("vi")
        where = [f"{'trang' if vi else 'sheet'} {self.sheet}"] if self.sheet else []
        if self.row:
            where.append(f"{'dòng' if vi else 'row'} {self.row}")
        if self.column:
            where.append(f"{'cột' if vi else 'column'} {self.column}")
        message = self.message if vi else (self.message_en or self.message)
        return f"{', '.join(where)}: {message}" if where else message


class XLSFormError(ValueError):
    """A workbook that is not a valid form version; ``problems`` lists all."""

    def __init__(self, problems: list[XLSFormProblem]):
        self.problems = list(problems)
        super().__init__(self.text("vi"))

    def text(self, lang: str = "vi") -> str:
        head = (
            f"Tệp XLSForm có {len(self.problems)} lỗi:"
            if lang.startswith("vi")
            else f"The XLSForm workbook has {len(self.problems)} problem(s):"
        )
        return "\n".join([head, *(f"- {p.text(lang)}" for p in self.problems)])


# ------------------------------------------------------------------ reading ---


@dataclass
class _Row:
    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class _Sheet:
    name: str
    columns: list[str]
    rows: list[_Row]


class _Collector:
    def __init__(self) -> None:
        self.problems: list[XLSFormProblem] = []

    def add(self, sheet: str, row: int | None, column: str, vi: str, en: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(XLSFormProblem(sheet, row, column, vi, en))
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(
                XLSFormProblem(
                    "",
                    None,
                    "",
                    f"Còn các lỗi khác: chỉ liệt kê {MAX_PROBLEMS} lỗi đầu tiên.",
                    f"There are more problems: only the first {MAX_PROBLEMS} are "
                    "listed.",
                )
            )

    def fail(self) -> None:
        if self.problems:
            raise XLSFormError(self.problems)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_zip(data: bytes, problems: _Collector) -> bool:
    if len(data) > MAX_FILE_BYTES:
        problems.add(
            "",
            None,
            "",
            f"Tệp lớn hơn {MAX_FILE_BYTES // (1024 * 1024)} MB.",
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.",
        )
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
    except (zipfile.BadZipFile, ValueError, OSError):
        problems.add(
            "",
            None,
            "",
            "Tệp không phải là bảng tính Excel .xlsx.",
            "The file is not an Excel .xlsx workbook.",
        )
        return False
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
        problems.add(
            "",
            None,
            "",
            "Tệp .xlsx quá lớn khi giải nén.",
            "The .xlsx file is too large once unpacked.",
        )
        return False
    return True


def _read_sheets(data: bytes, problems: _Collector) -> dict[str, _Sheet]:
    import openpyxl  # imported late: the CLI's other commands do not need it

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except Exception:  # noqa: BLE001 - any failure of a hostile file is one problem
        problems.add(
            "",
            None,
            "",
            "Không đọc được bảng tính Excel.",
            "The Excel workbook cannot be read.",
        )
        return {}
    sheets: dict[str, _Sheet] = {}
    try:
        for title in workbook.sheetnames:
            key = title.strip().lower()
            if key not in MAX_ROWS:
                continue
            sheet = _read_sheet(workbook[title], key, problems)
            if sheet is not None:
                sheets[key] = sheet
    except Exception:  # noqa: BLE001
        problems.add(
            "",
            None,
            "",
            "Không đọc được bảng tính Excel.",
            "The Excel workbook cannot be read.",
        )
    finally:
        workbook.close()
    return sheets


def _header(name: str) -> str:
    text = " ".join(name.split())
    if "::" in text:
        base, language = text.split("::", 1)
        return f"{base.strip().lower()}::{language.strip()}"
    return text.lower()


def _read_sheet(worksheet: Any, name: str, problems: _Collector) -> _Sheet | None:
    columns: list[str] = []
    rows: list[_Row] = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS[name] + 1:
            problems.add(
                name,
                number,
                "",
                f"Trang có quá {MAX_ROWS[name]} dòng.",
                f"The sheet has more than {MAX_ROWS[name]} rows.",
            )
            return None
        values = tuple(values or ())
        if not columns:
            if not any(v is not None and _cell_text(v) for v in values):
                continue
            if len(values) > MAX_COLUMNS:
                values = values[:MAX_COLUMNS]
            columns = [_header(_cell_text(v)) for v in values]
            header_row = number
            continue
        cells: dict[str, str] = {}
        for index, value in enumerate(values[: len(columns)]):
            text = _cell_text(value)
            if not text or not columns[index]:
                continue
            if len(text) > MAX_CELL:
                problems.add(
                    name,
                    number,
                    columns[index],
                    f"Ô dài hơn {MAX_CELL} ký tự.",
                    f"The cell is longer than {MAX_CELL} characters.",
                )
                text = text[:MAX_CELL]
            cells[columns[index]] = text
        if cells:
            rows.append(_Row(number, cells))
    if not columns:
        return _Sheet(name, [], [])
    seen: set[str] = set()
    for column in columns:
        if column and column in seen:
            problems.add(
                name,
                header_row,
                column,
                "Tên cột bị lặp lại.",
                "The column name is repeated.",
            )
        seen.add(column)
    return _Sheet(name, columns, rows)


def _language_code(language: str) -> str:
    match = re.search(r"\(([^()]*)\)\s*$", language)
    code = match.group(1).strip().lower() if match else ""
    lowered = language.lower()
    if code == "vi" or lowered.startswith(("vietnamese", "tiếng việt")):
        return "vi"
    if code == "en" or lowered.startswith("english"):
        return "en"
    return code or lowered


def _texts(row: _Row, base: str, default_language: str = "") -> tuple[str, str]:
    """(Vietnamese-preferred text, English text) of a translatable column."""
    plain = row.get(base)
    by_language: dict[str, str] = {}
    others: list[str] = []
    for column, value in row.cells.items():
        if column.startswith(base + "::"):
            code = _language_code(column.split("::", 1)[1])
            by_language.setdefault(code, value)
            others.append(value)
    english = by_language.get("en", "") or row.get(f"vc_{base}_en")
    if base == "label":
        english = english or row.get("vc_text_en")
    default_code = _language_code(default_language) if default_language else ""
    if "vi" in by_language:
        main = by_language["vi"]
    elif plain and default_code != "en":
        main = plain
    elif default_code and default_code in by_language:
        main = by_language[default_code]
    else:
        main = plain or next(iter(others), "") or english
    if plain and default_code == "en" and not english:
        english = plain
    return main, english


@dataclass
class _Group:
    row: _Row
    kind: str  # "group" or "repeat"
    children: list[Any] = field(default_factory=list)


class _Reader:
    def __init__(self, sheets: dict[str, _Sheet], filename: str):
        self.sheets = sheets
        self.filename = filename
        self.problems = _Collector()
        self.settings: dict[str, str] = {}
        self.default_language = ""
        self.lists: dict[str, tuple[Choice, ...]] = {}
        self.list_rows: dict[str, int] = {}

    def add(self, sheet: str, row: int | None, column: str, vi: str, en: str) -> None:
        self.problems.add(sheet, row, column, vi, en)

    # -- settings --------------------------------------------------------
    def read_settings(self) -> None:
        sheet = self.sheets.get("settings")
        if sheet and sheet.rows:
            self.settings = dict(sheet.rows[0].cells)
            self.settings_row = sheet.rows[0].number
        else:
            self.settings_row = 2
        self.default_language = self.settings.get("default_language", "")

    def setting(self, name: str) -> str:
        return self.settings.get(name, "")

    # -- choices ---------------------------------------------------------
    def read_choices(self) -> None:
        sheet = self.sheets.get("choices")
        if sheet is None:
            return
        for column in ("list_name", "name"):
            if sheet.columns and column not in sheet.columns:
                self.add(
                    "choices",
                    1,
                    column,
                    f"Thiếu cột {column}.",
                    f"The column {column} is missing.",
                )
        lists: dict[str, list[Choice]] = {}
        for row in sheet.rows:
            list_name, name = row.get("list_name"), row.get("name")
            label, label_en = _texts(row, "label", self.default_language)
            if not list_name:
                self.add(
                    "choices",
                    row.number,
                    "list_name",
                    "Thiếu tên danh sách.",
                    "The list name is missing.",
                )
                continue
            if not NAME.fullmatch(list_name):
                self.add(
                    "choices",
                    row.number,
                    "list_name",
                    f"Tên danh sách {list_name!r} không hợp lệ.",
                    f"Invalid list name {list_name!r}.",
                )
            if not name or " " in name:
                self.add(
                    "choices",
                    row.number,
                    "name",
                    f"Giá trị lựa chọn {name!r} trống hoặc có dấu cách.",
                    f"The choice value {name!r} is empty or contains a space.",
                )
                continue
            if any(choice.value == name for choice in lists.get(list_name, [])):
                self.add(
                    "choices",
                    row.number,
                    "name",
                    f"Giá trị {name!r} lặp lại trong danh sách {list_name}.",
                    f"The value {name!r} is repeated in the list {list_name}.",
                )
                continue
            if not label:
                self.add(
                    "choices",
                    row.number,
                    "label",
                    f"Lựa chọn {name!r} thiếu nhãn.",
                    f"The choice {name!r} has no label.",
                )
            lists.setdefault(list_name, []).append(Choice(name, label, label_en))
            self.list_rows.setdefault(list_name, row.number)
        self.lists = {name: tuple(choices) for name, choices in lists.items()}

    # -- survey ----------------------------------------------------------
    def read_survey(self) -> tuple[Section, ...]:
        sheet = self.sheets.get("survey")
        if sheet is None:
            self.add(
                "survey",
                None,
                "",
                "Thiếu trang survey.",
                "The sheet survey is missing.",
            )
            return ()
        if not self.has_columns(sheet, ("type", "name")):
            return ()
        self.check_unsupported_columns(sheet)
        stack: list[_Group] = [_Group(_Row(0, {}), "root")]
        unclosed: list[_Group] = []
        for row in sheet.rows:
            type_text, base = _type_of(row)
            if base in _METADATA_TYPES and len(type_text.split()) == 1:
                continue
            if not type_text:
                self.add(
                    "survey",
                    row.number,
                    "type",
                    "Thiếu kiểu câu hỏi.",
                    "The type is missing.",
                )
                continue
            if base in ("begin_group", "begin_repeat"):
                kind = "group" if base == "begin_group" else "repeat"
                if stack[-1].kind == "repeat":
                    self.add(
                        "survey",
                        row.number,
                        "type",
                        "Không hỗ trợ nhóm hoặc bảng lặp lồng trong bảng lặp.",
                        "A group or repeat inside a repeat is not supported.",
                    )
                stack.append(_Group(row, kind))
                continue
            if base in ("end_group", "end_repeat"):
                kind = "group" if base == "end_group" else "repeat"
                if stack[-1].kind != kind:
                    self.add(
                        "survey",
                        row.number,
                        "type",
                        f"{base} không có begin_{kind} tương ứng.",
                        f"{base} without a matching begin_{kind}.",
                    )
                    continue
                group = stack.pop()
                built = self.build_group(group)
                if built is not None:
                    stack[-1].children.append(built)
                continue
            question = self.build_question(row, type_text, base, stack[-1].kind)
            if question is not None:
                stack[-1].children.append(question)
        for group in reversed(stack[1:]):
            # still built, so that the questions inside are checked too
            unclosed.insert(0, group)
            built = self.build_group(stack.pop())
            if built is not None:
                stack[-1].children.append(built)
        for group in unclosed:
            self.add(
                "survey",
                group.row.number,
                "type",
                f"begin_{group.kind} {group.row.get('name')} không được đóng "
                f"(thiếu end_{group.kind}).",
                f"begin_{group.kind} {group.row.get('name')} is not closed "
                f"(end_{group.kind} is missing).",
            )
        return self.top_sections(stack[0].children)

    def has_columns(self, sheet: _Sheet, columns: tuple[str, ...]) -> bool:
        missing = [column for column in columns if column not in sheet.columns]
        for column in missing:
            self.add(
                sheet.name,
                1,
                column,
                f"Thiếu cột {column}.",
                f"The column {column} is missing.",
            )
        return not missing

    def check_unsupported_columns(self, sheet: _Sheet) -> None:
        for column in _UNSUPPORTED_COLUMNS:
            for row in sheet.rows:
                if row.get(column):
                    self.add(
                        "survey",
                        row.number,
                        column,
                        f"Cột {column} chưa được hỗ trợ.",
                        f"The column {column} is not supported.",
                    )

    def top_sections(self, children: list[Any]) -> tuple[Section, ...]:
        sections: list[Section] = []
        loose: list[Question] = []
        for child in children:
            if isinstance(child, Section):
                if loose:
                    sections.append(
                        Section(f"part{len(sections) + 1}", "", tuple(loose))
                    )
                    loose = []
                sections.append(child)
            else:
                loose.append(child)
        if loose:
            sections.append(Section(f"part{len(sections) + 1}", "", tuple(loose)))
        if not any(section.questions() for section in sections):
            self.add(
                "survey",
                None,
                "",
                "Phiếu không có câu hỏi nào.",
                "The form has no question.",
            )
        return tuple(sections)

    def check_name(self, row: _Row) -> str:
        name = row.get("name")
        if not name:
            self.add("survey", row.number, "name", "Thiếu tên.", "The name is missing.")
        elif not NAME.fullmatch(name):
            self.add(
                "survey",
                row.number,
                "name",
                f"Tên {name!r} không hợp lệ: bắt đầu bằng chữ cái hoặc '_', chỉ "
                "gồm chữ cái không dấu, chữ số, '_', '.', '-' (tối đa 100 ký tự).",
                f"Invalid name {name!r}: start with a letter or '_', then only "
                "ASCII letters, digits, '_', '.', '-' (at most 100 characters).",
            )
        return name

    def build_group(self, group: _Group) -> Section | Question | None:
        row = group.row
        name = self.check_name(row)
        label, label_en = _texts(row, "label", self.default_language)
        if group.kind == "group":
            return Section(
                name or f"row{row.number}",
                label,
                tuple(group.children),
                label_en,
                relevant=row.get("relevant"),
            )
        vc_kind = row.get("vc_kind").lower() or "repeat"
        if vc_kind not in _TYPE_KINDS["begin_repeat"]:
            self.bad_kind(row, "begin_repeat", vc_kind)
            vc_kind = "repeat"
        if not group.children:
            self.add(
                "survey",
                row.number,
                "type",
                "Bảng lặp không có cột nào.",
                "The repeat has no question.",
            )
            return None
        if not label:
            self.missing_label(row)
        columns = tuple(
            child for child in group.children if isinstance(child, Question)
        )
        return self.make_question(row, name, label, label_en, vc_kind, columns=columns)

    def bad_kind(self, row: _Row, base: str, vc_kind: str) -> None:
        allowed = ", ".join(_TYPE_KINDS.get(base, ()))
        self.add(
            "survey",
            row.number,
            "vc_kind",
            f"vc_kind {vc_kind!r} không dùng được với kiểu {base} "
            f"(được dùng: {allowed or 'không có'}).",
            f"vc_kind {vc_kind!r} does not fit the type {base} "
            f"(allowed: {allowed or 'none'}).",
        )

    def missing_label(self, row: _Row) -> None:
        self.add(
            "survey",
            row.number,
            "label",
            "Thiếu nhãn (label).",
            "The label is missing.",
        )

    def build_question(
        self, row: _Row, type_text: str, base: str, container: str
    ) -> Question | None:
        name = self.check_name(row)
        if base not in _TYPE_KINDS or base == "begin_repeat":
            self.add(
                "survey",
                row.number,
                "type",
                f"Kiểu {type_text!r} không được hỗ trợ (được dùng: text, integer, "
                "decimal, date, select_one, select_multiple, note, begin_group, "
                "end_group, begin_repeat, end_repeat).",
                f"Unsupported type {type_text!r} (supported: text, integer, "
                "decimal, date, select_one, select_multiple, note, begin_group, "
                "end_group, begin_repeat, end_repeat).",
            )
            return None
        label, label_en = _texts(row, "label", self.default_language)
        if not label:
            self.missing_label(row)
        vc_kind = row.get("vc_kind").lower()
        kinds = _TYPE_KINDS[base]
        if vc_kind and vc_kind not in kinds:
            self.bad_kind(row, base, vc_kind)
            vc_kind = ""
        if not vc_kind:
            vc_kind = kinds[0]
            if base == "text" and "multiline" in row.get("appearance").lower():
                vc_kind = "text"
        choices: tuple[Choice, ...] = ()
        list_name = ""
        if base in ("select_one", "select_multiple"):
            parts = type_text.split(" ")
            list_name = parts[1] if len(parts) == 2 else ""
            if not list_name:
                self.add(
                    "survey",
                    row.number,
                    "type",
                    f"{base} cần đúng một tên danh sách lựa chọn.",
                    f"{base} needs exactly one choice list name.",
                )
            elif list_name not in self.lists:
                self.add(
                    "survey",
                    row.number,
                    "type",
                    f"Danh sách lựa chọn {list_name!r} không có trong trang choices.",
                    f"The choice list {list_name!r} is not in the choices sheet.",
                )
            choices = self.lists.get(list_name, ())
            if (
                vc_kind == "yesno"
                and choices
                and {c.value for c in choices}
                != {
                    "yes",
                    "no",
                }
            ):
                self.add(
                    "survey",
                    row.number,
                    "vc_kind",
                    "Câu hỏi yesno cần danh sách có đúng hai giá trị yes và no.",
                    "A yesno question needs a list of exactly the values yes and no.",
                )
        if not choices and vc_kind in CHOICE_KINDS:
            choices = (Choice("?", "?"),)  # placeholder; the problem is reported
        return self.make_question(
            row,
            name,
            label,
            label_en,
            vc_kind,
            choices=choices,
            list_name=list_name,
            column=container == "repeat",
        )

    def make_question(
        self,
        row: _Row,
        name: str,
        label: str,
        label_en: str,
        kind: str,
        choices: tuple[Choice, ...] = (),
        list_name: str = "",
        columns: tuple[Question, ...] = (),
        column: bool = False,
    ) -> Question | None:
        hint, hint_en = _texts(row, "hint", self.default_language)
        required_text = row.get("required")
        required = required_text.lower() in _TRUE
        required_expr = ""
        if not required and required_text.lower() not in _FALSE:
            required_expr = required_text
        required_message, required_message_en = _texts(
            row, "required_message", self.default_language
        )
        constraint_message, constraint_message_en = _texts(
            row, "constraint_message", self.default_language
        )
        numbers = {}
        for key in ("vc_min_items", "vc_max_items"):
            text = row.get(key)
            numbers[key] = 0
            if text:
                if text.isdigit() and int(text) <= 1000:
                    numbers[key] = int(text)
                else:
                    self.add(
                        "survey",
                        row.number,
                        key,
                        f"{key} phải là số nguyên từ 0 đến 1000.",
                        f"{key} must be a whole number from 0 to 1000.",
                    )
        if not name:
            return None
        try:
            question = Question(
                code=name,
                text=label,
                kind=kind,
                required=required,
                choices=choices,
                field=name if column else field_name(name),
                hint=hint,
                text_en=label_en,
                bullet=row.get("vc_bullet"),
                line=row.get("vc_line"),
                short=row.get("vc_short"),
                min_items=numbers["vc_min_items"],
                constraint=row.get("constraint"),
                constraint_message=constraint_message,
                constraint_message_en=constraint_message_en,
                relevant=row.get("relevant"),
                required_expr=required_expr,
                required_message=required_message,
                required_message_en=required_message_en,
                default=row.get("default"),
                appearance=row.get("appearance"),
                role=row.get("vc_role"),
                columns=columns,
                max_items=numbers["vc_max_items"],
                list_name=list_name,
                hint_en=hint_en,
            )
        except ValueError as error:
            self.add("survey", row.number, "type", str(error), str(error))
            return None
        if question.default and typed_default(question) is None:
            self.add(
                "survey",
                row.number,
                "default",
                f"Giá trị mặc định {question.default!r} không hợp với kiểu câu hỏi "
                f"{question.kind}.",
                f"The default {question.default!r} does not fit the question's "
                f"kind {question.kind}.",
            )
        return question

    # -- cross checks ----------------------------------------------------
    def check_names_and_expressions(self, sections: tuple[Section, ...]) -> None:
        row_of: dict[str, list[int]] = {}
        for row in self.sheets["survey"].rows:
            if row.get("name") and not _type_of(row)[1].startswith("end_"):
                row_of.setdefault(row.get("name"), []).append(row.number)
        rows = {name: numbers[0] for name, numbers in row_of.items()}
        top: dict[str, str] = {}  # name -> "question" / "section"
        for section in sections:
            self.register_names(section, top, row_of)
        questions = {name for name, what in top.items() if what == "question"}
        for section in sections:
            for node, scope in _expression_owners(section, questions):
                number = rows.get(node.code)
                for column, text in _expressions_of(node):
                    self.check_expression(text, number, column, scope, top)
                self.check_messages(node, number, scope)
                if isinstance(node, Question):
                    self.check_placeholders(node.text, (), "survey", number, "label")

    def register_names(
        self, section: Section, top: dict[str, str], row_of: dict[str, list[int]]
    ) -> None:
        def register(name: str, what: str) -> None:
            where = _next_row(row_of, name)
            if name in top:
                self.add(
                    "survey",
                    where,
                    "name",
                    f"Tên {name!r} bị trùng.",
                    f"The name {name!r} is used more than once.",
                )
            else:
                top[name] = what

        if not section.code.startswith(("part", "row")) or section.title:
            register(section.code, "section")
        for child in section.children:
            if isinstance(child, Section):
                self.register_names(child, top, row_of)
                continue
            register(child.code, "question")
            seen: set[str] = set()
            for column in child.columns:
                if column.code in seen:
                    self.add(
                        "survey",
                        _next_row(row_of, column.code),
                        "name",
                        f"Tên {column.code!r} bị trùng trong bảng lặp {child.code}.",
                        f"The name {column.code!r} is repeated in the repeat "
                        f"{child.code}.",
                    )
                else:
                    _next_row(row_of, column.code)
                seen.add(column.code)

    def check_messages(
        self, node: Section | Question, number: int | None, scope: set[str]
    ) -> None:
        for column in ("constraint_message", "required_message"):
            message = getattr(node, column, "")
            for ref in re.findall(r"\$\{([^{}]*)\}", message):
                if ref not in scope:
                    self.add(
                        "survey",
                        number,
                        column,
                        f"${{{ref}}} không phải là câu hỏi của phiếu.",
                        f"${{{ref}}} is not a question of the form.",
                    )

    def check_expression(
        self,
        text: str,
        number: int | None,
        column: str,
        scope: set[str],
        top: dict[str, str],
    ) -> None:
        try:
            tree = expressions.parse(text)
        except expressions.ExpressionError as error:
            self.add("survey", number, column, error.message_vi, error.message)
            return
        for ref in expressions.names(tree):
            if ref in scope:
                continue
            if top.get(ref) == "section":
                self.add(
                    "survey",
                    number,
                    column,
                    f"${{{ref}}} là một nhóm, không phải câu hỏi.",
                    f"${{{ref}}} is a group, not a question.",
                )
            else:
                self.add(
                    "survey",
                    number,
                    column,
                    f"${{{ref}}} không phải là câu hỏi của phiếu.",
                    f"${{{ref}}} is not a question of the form.",
                )

    def check_placeholders(
        self,
        text: str,
        allowed: tuple[str, ...],
        sheet: str,
        number: int | None,
        column: str,
    ) -> None:
        if "{" not in text and "}" not in text:
            return
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError:
            parsed = [("", "?", "", None)]
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name in allowed and not spec and not conversion:
                continue
            if (
                sheet == "survey"
                and name == "next_year"
                and not spec
                and not conversion
            ):
                continue
            known = ", ".join("{" + a + "}" for a in allowed) or "{next_year}"
            self.add(
                sheet,
                number,
                column,
                f"Chỗ thay thế {{{name}}} không hợp lệ (được dùng: {known}); "
                "dấu ngoặc nhọn khác phải viết đôi {{ }}.",
                f"Invalid placeholder {{{name}}} (allowed: {known}); other "
                "braces must be doubled {{ }}.",
            )

    # -- whole form ------------------------------------------------------
    def read(self) -> FormDefinition:
        self.read_settings()
        self.read_choices()
        sections = self.read_survey()
        if "survey" not in self.sheets or not sections:
            self.problems.fail()
        self.check_names_and_expressions(sections)
        settings = self.settings
        number = self.settings_row
        form_id = self.setting("form_id") or re.sub(
            r"[^A-Za-z0-9_]", "_", self.filename.rsplit(".", 1)[0]
        )
        if not form_id or not NAME.fullmatch(form_id):
            self.add(
                "settings",
                number,
                "form_id",
                f"Mã phiếu (form_id) {form_id!r} thiếu hoặc không hợp lệ.",
                f"The form_id {form_id!r} is missing or invalid.",
            )
        version = self.setting("version")
        if not version:
            self.add(
                "settings",
                number,
                "version",
                "Thiếu phiên bản (version).",
                "The version is missing.",
            )
        summary = self.setting("vc_summary") or "generic"
        form_type = self.setting("vc_form_type") or form_id
        if summary not in ("generic", "2017"):
            self.add(
                "settings",
                number,
                "vc_summary",
                "vc_summary phải là generic hoặc 2017.",
                "vc_summary must be generic or 2017.",
            )
        elif summary == "2017" and form_type not in ("district", "center"):
            self.add(
                "settings",
                number,
                "vc_summary",
                "Mẫu tổng hợp 2017 chỉ dùng cho phiếu district hoặc center.",
                "The 2017 summary is only for the district or center forms.",
            )
        title = self.setting("form_title")
        if not title:
            self.add(
                "settings",
                number,
                "form_title",
                "Thiếu tên phiếu (form_title).",
                "The form_title is missing.",
            )
        for key, column in (
            ("title", "form_title"),
            ("issued_with", "vc_issued_with"),
            ("guidance", "vc_guidance"),
        ):
            self.check_placeholders(
                settings.get(column, ""), _PLACEHOLDERS[key], "settings", number, column
            )
        guidance = tuple(
            line for line in self.setting("vc_guidance").splitlines() if line.strip()
        )
        titles = self.setting("vc_signoff").splitlines()
        notes = self.setting("vc_signoff_notes").splitlines()
        signoff = tuple(
            (t, notes[i] if i < len(notes) else "") for i, t in enumerate(titles)
        )
        self.problems.fail()
        try:
            return FormDefinition(
                form_type=form_type,
                version=version,
                title=title,
                audience=self.setting("vc_audience"),
                issued_with=self.setting("vc_issued_with"),
                guidance=guidance,
                sections=sections,
                signoff=signoff,
                guidance_title=self.setting("vc_guidance_title"),
                title_en=self.setting("vc_title_en"),
                code=form_id,
                name=self.setting("vc_name") or title,
                summary=summary,
            )
        except ValueError as error:
            raise XLSFormError(
                [XLSFormProblem("survey", None, "name", str(error), str(error))]
            ) from None


def _type_of(row: _Row) -> tuple[str, str]:
    """(normalised type text, its base type) of a survey row."""
    type_text = " ".join(row.get("type").split())
    base = type_text.split(" ", 1)[0].lower() if type_text else ""
    lowered = type_text.lower()
    if lowered in _TYPE_ALIASES:
        base = _TYPE_ALIASES[lowered]
    elif lowered.startswith(("select one ", "select multiple ")):
        base = "select_" + lowered.split(" ")[1]
        type_text = base + " " + type_text.split(" ", 2)[2]
    return type_text, base


def _next_row(row_of: dict[str, list[int]], name: str) -> int | None:
    numbers = row_of.get(name) or []
    return numbers.pop(0) if numbers else None


def _expression_owners(
    section: Section, questions: set[str]
) -> Iterator[tuple[Section | Question, set[str]]]:
    yield section, questions
    for child in section.children:
        if isinstance(child, Section):
            yield from _expression_owners(child, questions)
        else:
            yield child, questions
            inner = questions | {column.code for column in child.columns}
            for column in child.columns:
                yield column, inner


def _expressions_of(node: Section | Question) -> Iterator[tuple[str, str]]:
    if node.relevant:
        yield "relevant", node.relevant
    if isinstance(node, Question):
        if node.constraint:
            yield "constraint", node.constraint
        if node.required_expr:
            yield "required", node.required_expr


def read_xlsform(data: bytes, filename: str = "") -> FormDefinition:
    """The form version of an XLSForm workbook (raises :class:`XLSFormError`)."""
    problems = _Collector()
    if not isinstance(data, bytes | bytearray):
        raise XLSFormError(
            [XLSFormProblem("", None, "", "Tệp trống.", "The file is empty.")]
        )
    if filename and not filename.lower().endswith(".xlsx"):
        problems.add(
            "",
            None,
            "",
            f"Tệp {filename!r} không phải là tệp .xlsx.",
            f"The file {filename!r} is not an .xlsx file.",
        )
        problems.fail()
    if not _check_zip(bytes(data), problems):
        problems.fail()
    sheets = _read_sheets(bytes(data), problems)
    problems.fail()
    return _Reader(sheets, filename).read()


# ------------------------------------------------------------------ writing ---


def _survey_rows(form: FormDefinition) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def question_row(question: Question) -> dict[str, str]:
        kind = question.kind
        xls_type = _KIND_TYPES[kind]
        row: dict[str, str] = {}
        if xls_type in ("select_one", "select_multiple"):
            row["type"] = f"{xls_type} {question.list_name}"
        else:
            row["type"] = xls_type
        default_kind = _TYPE_KINDS[xls_type][0]
        if kind != default_kind:
            row["vc_kind"] = kind
        row.update(
            {
                "name": question.code,
                f"label::{VI}": question.text,
                f"label::{EN}": question.text_en,
                f"hint::{VI}": question.hint,
                f"hint::{EN}": question.hint_en,
                "required": "yes" if question.required else question.required_expr,
                f"required_message::{VI}": question.required_message,
                f"required_message::{EN}": question.required_message_en,
                "constraint": question.constraint,
                f"constraint_message::{VI}": question.constraint_message,
                f"constraint_message::{EN}": question.constraint_message_en,
                "relevant": question.relevant,
                "default": question.default,
                "appearance": question.appearance,
                "vc_bullet": question.bullet,
                "vc_line": question.line,
                "vc_short": question.short,
                "vc_role": question.role,
                "vc_min_items": str(question.min_items or ""),
                "vc_max_items": str(question.max_items or ""),
            }
        )
        if kind == "text" and "multiline" in question.appearance.lower():
            row.pop("vc_kind", None)
        return row

    def visit(section: Section) -> None:
        rows.append(
            {
                "type": "begin_group",
                "name": section.code,
                f"label::{VI}": section.title,
                f"label::{EN}": section.title_en,
                "relevant": section.relevant,
            }
        )
        for child in section.children:
            if isinstance(child, Section):
                visit(child)
                continue
            row = question_row(child)
            if child.kind in ("repeat", "operators", "incidents"):
                row["type"] = "begin_repeat"
                rows.append(row)
                rows.extend(question_row(column) for column in child.columns)
                rows.append({"type": "end_repeat", "name": child.code})
            else:
                rows.append(row)
        rows.append({"type": "end_group", "name": section.code})

    for section in form.sections:
        visit(section)
    return rows


def _choice_rows(form: FormDefinition) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    written: dict[str, tuple[Choice, ...]] = {}

    def visit(question: Question) -> None:
        if question.choices and question.list_name not in written:
            written[question.list_name] = question.choices
            for choice in question.choices:
                rows.append(
                    {
                        "list_name": question.list_name,
                        "name": choice.value,
                        f"label::{VI}": choice.label,
                        f"label::{EN}": choice.label_en,
                    }
                )
        elif question.choices and written[question.list_name] != question.choices:
            raise ValueError(
                f"{question.code}: the list {question.list_name} has other choices "
                "in another question"
            )
        for column in question.columns:
            visit(column)

    for question in form.questions():
        visit(question)
    return rows


def _write_sheet(sheet: Any, columns: list[str], rows: list[dict[str, str]]) -> None:
    for index, column in enumerate(columns, start=1):
        _set(sheet.cell(row=1, column=index), column)
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            value = row.get(column, "")
            if value:
                _set(sheet.cell(row=number, column=index), value)


def _set(cell: Any, value: str) -> None:
    # Always a string cell: a text starting with "=" must never become a formula.
    cell.value = value
    cell.data_type = "s"


def write_xlsform(form: FormDefinition) -> bytes:
    """``form`` as an XLSForm workbook (``read_xlsform`` reads it back equal)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey_rows = _survey_rows(form)
    used = {key for row in survey_rows for key, value in row.items() if value}
    always = ("type", "name", f"label::{VI}")
    columns = [c for c in _SURVEY_ORDER if c in used or c in always]
    _write_sheet(survey, columns, survey_rows)
    choice_rows = _choice_rows(form)
    choices = workbook.create_sheet("choices")
    choice_columns = ["list_name", "name", f"label::{VI}", f"label::{EN}"]
    _write_sheet(choices, choice_columns, choice_rows)
    settings = workbook.create_sheet("settings")
    values = {
        "form_title": form.title,
        "form_id": form.code or form.form_type,
        "version": form.version,
        "default_language": VI,
        "vc_form_type": form.form_type,
        "vc_name": form.name,
        "vc_summary": form.summary,
        "vc_title_en": form.title_en,
        "vc_audience": form.audience,
        "vc_issued_with": form.issued_with,
        "vc_guidance_title": form.guidance_title,
        "vc_guidance": "\n".join(form.guidance),
        "vc_signoff": "\n".join(title for title, _ in form.signoff),
        "vc_signoff_notes": "\n".join(note for _, note in form.signoff),
    }
    _write_sheet(settings, list(values), [values])
    for sheet in (survey, choices, settings):
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
