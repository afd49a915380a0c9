"""Survey form versions as plain data.

A :class:`FormDefinition` holds everything printed on a paper form: title,
audience, "issued with" line, general guidance (part A), the sections and
questions, and the sign-off block; plus the XLSForm attributes of issue 10
(``constraint``, ``relevant``, ``required_expr``, ``default``, ``role``,
repeat ``columns`` ...).  A version is data: it is read from an XLSForm
workbook (:mod:`vcsurvey.xlsform`) and stored as the JSON of
:func:`definition_to_dict` (:func:`definition_from_dict` reads it back
exactly).  The two 2017 forms ship as ``data/forms/vc_2017_district.xlsx``
and ``vc_2017_center.xlsx`` (:func:`get_form`); no question of theirs is
written in Python.

Text conventions:

* ``Section.title`` is the heading exactly as printed, with its number and
  its trailing colon when the paper has one ("1. Thông tin chính:").
* ``Question.text`` is the printed label without its bullet ("+ ", "- ") or
  number and without the trailing colon and dotted leader; the number or
  bullet is in ``Question.bullet`` and a printed parenthesis that follows the
  label is in ``Question.hint``.
* Placeholders (``str.format`` style, only these; the XLSForm reader refuses
  others) are kept in the texts that change from round to round; render them
  with the ``render_*`` helpers:

  - ``FormDefinition.title``: ``{province_upper}`` and ``{year}``
    (the round's year), see :meth:`FormDefinition.render_title`;
  - ``FormDefinition.issued_with``: ``{number}``, ``{day}``, ``{month}``,
    ``{year}`` of the dispatch the form is attached to (a blank prints the
    paper's dotted leader), see :meth:`FormDefinition.render_issued_with`;
  - ``FormDefinition.guidance``: ``{cutoff}`` (dd/mm/yyyy), see
    :meth:`FormDefinition.render_guidance`;
  - question texts: ``{next_year}`` = round year + 1, see :func:`render_text`
    and :meth:`FormDefinition.render_question_text`.

Answers (checked by :mod:`vcsurvey.validation`) are a dict keyed by question
code, plain JSON-safe values: char/text/ip/email/phone a str, integer an int,
decimal/percent an int or float, date an ISO "YYYY-MM-DD" str (a
``datetime.date`` is accepted), yesno a bool, status/choice a choice value,
select_multiple a list of choice values, repeat/operators/incidents a list of
dicts keyed by the codes of the question's ``columns``; unanswered = key
absent or None.  ``note`` questions take no answer.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

KINDS = (
    "char",
    "text",
    "integer",
    "percent",
    "ip",
    "email",
    "phone",
    "yesno",
    "status",
    "choice",
    "operators",
    "incidents",
    # XLSForm kinds (select_one is "choice")
    "decimal",
    "date",
    "select_multiple",
    "note",
    "repeat",
)
# Kinds answered by a list of lines (dicts keyed by the columns' codes).
LINE_KINDS = ("operators", "incidents", "repeat")
# Kinds whose answer is one of / some of ``choices``.
CHOICE_KINDS = ("yesno", "status", "choice", "select_multiple")
FORM_TYPES = ("district", "center")
CURRENT_VERSION = "2017"


@dataclass(frozen=True)
class Choice:
    """One printed tick box: stored ``value`` and its printed ``label``."""

    value: str
    label: str
    # Not compared: Choice("stable", "Ổn định") equals the defined choice.
    label_en: str = dataclasses.field(default="", compare=False)


STATUS_CHOICES: tuple[Choice, ...] = (
    Choice("stable", "Ổn định", "Stable"),
    Choice("unstable", "Không ổn định", "Unstable"),
    Choice("not_working", "Không hoạt động", "Not working"),
)
YESNO_CHOICES: tuple[Choice, ...] = (
    Choice("yes", "Có", "Yes"),
    Choice("no", "Không", "No"),
)
CHECK_TIME_CHOICES: tuple[Choice, ...] = (
    Choice(
        "one_hour_before",
        "Trước 1 giờ so với giờ họp chính thức",
        "One hour before the official meeting time",
    ),
    Choice(
        "at_meeting_time",
        "Ngay vào giờ họp chính thức.",
        "At the official meeting time",
    ),
)

# Keys of one line of an "operators" answer, with the labels printed in the
# two officer boxes of the 2017 "operators" question ("Thông tin cán bộ 1/2").
OPERATOR_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Họ tên", "Name"),
    ("position", "Chức vụ", "Position"),
    ("phone", "Số điện thoại", "Phone"),
    ("email", "Địa chỉ Email", "E-mail"),
    ("unit", "Đơn vị", "Unit"),
)
OPERATOR_SLOT_LABEL = "Thông tin cán bộ {n}"
OPERATOR_SLOT_LABEL_EN = "Officer {n}"
# Keys of one line of an "incidents" answer; the labels follow the centre
# form's question 6 ("nêu rõ dấu hiệu sự cố, số lượng sự cố, ...").
INCIDENT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("symptom", "Dấu hiệu sự cố", "Symptom"),
    ("count", "Số lượng sự cố", "Number of incidents"),
    ("cause", "Nguyên nhân sự cố", "Cause"),
    ("fix", "Cách khắc phục sự cố", "Fix"),
    ("endpoint", "Điểm cầu", "Endpoint"),
)
INCIDENT_LINE_LABEL = "Sự cố {n}"
INCIDENT_LINE_LABEL_EN = "Incident {n}"

_DOTS_NUMBER = "........"  # the paper's leaders for blank number / day / month
_DOTS_SHORT = "......"


def field_name(code: str) -> str:
    """Odoo field name of a question code: ``"B.name"`` -> ``"q_b_name"``."""
    return "q_" + code.lower().replace(".", "_")


def render_text(text: str, year: int) -> str:
    """Fill the round-dependent ``{next_year}`` placeholder of a text."""
    # replace() rather than format(): other braces must stay untouched.
    return text.replace("{next_year}", str(year + 1))


def nd30_number(number: str | int) -> str:
    """A document number as Nghị định 30/2020 writes it: "05", "12", "05a"."""
    text = str(number).strip()
    return "0" + text if text.isdigit() and len(text) == 1 else text


def nd30_month(month: int) -> str:
    """A month as Nghị định 30/2020 writes it: months 1-2 get a leading 0."""
    return f"{month:02d}" if month <= 2 else str(month)


def format_date(value: date) -> str:
    """Date as the forms print it: dd/mm/yyyy."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


@dataclass(frozen=True)
class Question:
    """One answerable item of a form.

    ``bullet`` is what the paper prints before the text ("2.", "+", "-" or
    nothing); ``line`` is the printed line when several questions share one
    ("Số lượng điểm cầu/ số lượng UBND cấp xã"); ``short`` is a short
    Vietnamese label for messages (defaults to ``text``); ``min_items`` is the
    least number of lines of an "operators"/"incidents" answer.
    """

    code: str
    text: str
    kind: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    field: str = ""
    hint: str = ""
    text_en: str = ""
    bullet: str = ""
    line: str = ""
    short: str = ""
    min_items: int = 0
    # XLSForm attributes (expressions in the subset of vcsurvey.expressions)
    constraint: str = ""
    constraint_message: str = ""
    constraint_message_en: str = ""
    relevant: str = ""
    required_expr: str = ""
    required_message: str = ""
    required_message_en: str = ""
    default: str = ""
    appearance: str = ""
    role: str = ""
    columns: tuple[Question, ...] = ()
    max_items: int = 0
    list_name: str = ""
    hint_en: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.code}: unknown kind {self.kind!r}")
        if self.kind in CHOICE_KINDS and not self.choices:
            raise ValueError(f"{self.code}: a {self.kind} question needs choices")
        if not self.field:
            # frozen: the derived default has to bypass __setattr__
            object.__setattr__(self, "field", field_name(self.code))
        if self.kind in ("operators", "incidents") and not self.columns:
            object.__setattr__(self, "columns", _default_columns(self.kind))
        if self.kind == "repeat" and not self.columns:
            raise ValueError(f"{self.code}: a repeat needs columns")
        if not self.list_name and self.choices:
            object.__setattr__(self, "list_name", _default_list_name(self))

    @property
    def ref(self) -> str:
        """Printed reference: the code without its word part ("I.1.ip" -> "I.1")."""
        parts = self.code.split(".")
        while len(parts) > 1 and not _is_number(parts[-1]):
            parts.pop()
        return ".".join(parts)

    @property
    def label(self) -> str:
        """Short Vietnamese label for messages, placeholders left as printed."""
        return self.short or self.text

    def choice_label(self, value: str) -> str:
        """Printed label of a choice value (KeyError if unknown)."""
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        raise KeyError(value)


def typed_default(question: Question) -> object:
    """The XLSForm ``default`` of ``question`` as an answer value, or None.

    integer -> int, decimal/percent -> float, yesno -> bool ("yes"/"no"),
    select_multiple -> list (space-separated values), others the text; a
    default that does not fit the kind is None (the importer refuses it).
    """
    text = question.default.strip()
    if not text:
        return None
    kind = question.kind
    values = [choice.value for choice in question.choices]
    try:
        if kind == "integer":
            return int(text) if text.lstrip("-").isdigit() else None
        if kind in ("decimal", "percent"):
            number = float(text)
            return number if number == number and abs(number) != float("inf") else None
        if kind == "date":
            return date.fromisoformat(text).isoformat()
    except ValueError:
        return None
    if kind == "yesno":
        return {"yes": True, "no": False}.get(text)
    if kind in ("choice", "status"):
        return text if text in values else None
    if kind == "select_multiple":
        chosen = text.split()
        return chosen if all(v in values for v in chosen) else None
    if kind in LINE_KINDS or kind == "note":
        return None
    return text


def default_answers(form: FormDefinition) -> dict[str, object]:
    """``{code: typed default}`` of the questions that have one."""
    found = {}
    for question in form.questions():
        value = typed_default(question)
        if value is not None:
            found[question.code] = value
    return found


def _default_columns(kind: str) -> tuple[Question, ...]:
    """The lines of the 2017 "operators"/"incidents" answers as columns."""
    if kind == "operators":
        kinds = {"phone": "phone", "email": "email"}
        required = ("name", "phone", "email")
        fields = OPERATOR_FIELDS
    else:
        kinds = {"count": "integer"}
        required = ("symptom",)
        fields = INCIDENT_FIELDS
    return tuple(
        Question(
            key,
            label,
            kinds.get(key, "char"),
            key in required,
            text_en=label_en,
            field=key,
        )
        for key, label, label_en in fields
    )


def _default_list_name(question: Question) -> str:
    if question.choices == STATUS_CHOICES:
        return "status"
    if question.choices == YESNO_CHOICES:
        return "yesno"
    if question.choices == CHECK_TIME_CHOICES:
        return "check_time"
    return "list_" + question.field.removeprefix("q_")


def _is_number(part: str) -> bool:
    # Roman part numbers ("I", "II") count as numbers in a printed reference.
    return part.isdigit() or (part != "" and set(part) <= set("IVX"))


@dataclass(frozen=True)
class Section:
    """A printed heading with its questions and sub-sections, in order."""

    code: str
    title: str
    children: tuple[Section | Question, ...]
    title_en: str = ""
    relevant: str = ""  # XLSForm group relevance: hides all its questions

    def questions(self) -> tuple[Question, ...]:
        """All questions below this section, depth-first in printed order."""
        found: list[Question] = []
        for child in self.children:
            if isinstance(child, Section):
                found.extend(child.questions())
            else:
                found.append(child)
        return tuple(found)

    def sections(self) -> tuple[Section, ...]:
        """This section and all sections below it, depth-first."""
        found: list[Section] = [self]
        for child in self.children:
            if isinstance(child, Section):
                found.extend(child.sections())
        return tuple(found)


@dataclass(frozen=True)
class FormDefinition:
    """One survey form (see the module docstring for its placeholders)."""

    form_type: str
    version: str
    title: str
    audience: str
    issued_with: str
    guidance: tuple[str, ...]
    sections: tuple[Section, ...]
    signoff: tuple[tuple[str, str], ...]
    guidance_title: str = "A. Hướng dẫn chung"
    title_en: str = ""
    # XLSForm settings: form_id, a name for lists, and the summary template
    # ("2017": the hand-written 2017 narrative; "generic" otherwise).
    code: str = ""
    name: str = ""
    summary: str = "generic"

    def __post_init__(self) -> None:
        codes = [q.code for q in self.questions()]
        duplicates = {c for c in codes if codes.count(c) > 1}
        if duplicates:
            raise ValueError(f"duplicate question codes: {sorted(duplicates)}")

    def questions(self) -> tuple[Question, ...]:
        """All questions, depth-first in printed order."""
        found: list[Question] = []
        for section in self.sections:
            found.extend(section.questions())
        return tuple(found)

    def question(self, code: str) -> Question:
        """The question with ``code`` (KeyError if the form has none)."""
        for question in self.questions():
            if question.code == code:
                return question
        raise KeyError(f"{self.form_type} form {self.version} has no question {code}")

    def codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions())

    def all_sections(self) -> tuple[Section, ...]:
        """Every section, depth-first."""
        found: list[Section] = []
        for section in self.sections:
            found.extend(section.sections())
        return tuple(found)

    def section(self, code: str) -> Section:
        for section in self.all_sections():
            if section.code == code:
                return section
        raise KeyError(f"{self.form_type} form {self.version} has no section {code}")

    def render_title(self, year: int, province: str = "Hà Giang") -> str:
        return self.title.format(year=year, province_upper=province.upper())

    def render_issued_with(
        self,
        number: str | int | None = None,
        day: int | None = None,
        month: int | None = None,
        year: int | None = None,
    ) -> str:
        """The "issued with dispatch ..." line; blanks print dotted leaders."""
        return self.issued_with.format(
            number=_DOTS_NUMBER if number in (None, "") else nd30_number(number),
            day=_DOTS_SHORT if day is None else f"{day:02d}",
            month=_DOTS_SHORT if month is None else nd30_month(month),
            year=_DOTS_SHORT if year is None else year,
        )

    def render_guidance(self, cutoff: date) -> tuple[str, ...]:
        """Part A with the data cut-off date filled in (usually 31/12/year)."""
        return tuple(item.format(cutoff=format_date(cutoff)) for item in self.guidance)

    def render_question_text(self, code: str, year: int) -> str:
        """A question's text for the round of ``year``."""
        return render_text(self.question(code).text, year)


def default_cutoff(year: int) -> date:
    """The paper's cut-off: data up to the end of the round's year."""
    return date(year, 12, 31)


# ------------------------------------------------------- shipped versions ---

DATA_DIR = Path(__file__).resolve().parent / "data" / "forms"
_FILE_NAME = re.compile(r"vc_(?P<version>[A-Za-z0-9_.-]+)_(?P<form_type>[a-z]+)\.xlsx")


def _shipped() -> dict[tuple[str, str], Path]:
    found: dict[tuple[str, str], Path] = {}
    for path in sorted(DATA_DIR.glob("vc_*.xlsx")):
        match = _FILE_NAME.fullmatch(path.name)
        if match:
            found[(match["form_type"], match["version"])] = path
    return found


@functools.cache
def _load(form_type: str, version: str) -> FormDefinition:
    from .xlsform import read_xlsform  # xlsform imports this module

    path = _shipped()[(form_type, version)]
    return read_xlsform(path.read_bytes(), path.name)


def versions() -> tuple[str, ...]:
    """Versions shipped with the core (XLSForm files), oldest first."""
    return tuple(sorted({version for _, version in _shipped()}))


def get_form(form_type: str, version: str = CURRENT_VERSION) -> FormDefinition:
    """The shipped form ``form_type`` in ``version`` (ValueError if none).

    The shipped versions are the XLSForm workbooks of ``vcsurvey/data/forms``
    (``vc_<version>_<form_type>.xlsx``), read once by
    :func:`vcsurvey.xlsform.read_xlsform`; the same object is returned on
    every call.
    """
    if form_type not in FORM_TYPES:
        raise ValueError(
            f"unknown form type {form_type!r}; expected one of {', '.join(FORM_TYPES)}"
        )
    if (form_type, version) not in _shipped():
        raise ValueError(
            f"no {form_type} form in version {version!r}; "
            f"known versions: {', '.join(versions())}"
        )
    return _load(form_type, version)


def device_status_codes(form: FormDefinition) -> dict[str, dict[str, str]]:
    """{network: {device: question code}} from the ``status:<network>:<device>``
    consolidation roles (``vc_role``) of ``form``'s questions."""
    found: dict[str, dict[str, str]] = {}
    for question in form.questions():
        parts = question.role.split(":")
        if len(parts) == 3 and parts[0] == "status":
            found.setdefault(parts[1], {})[parts[2]] = question.code
    return found


def __getattr__(name: str) -> object:
    # DEVICE_STATUS_CODES: the device-status questions of the 2017 district
    # form's two networks (province <-> district, district <-> commune), by
    # device; "overall" is the whole system's status.  It is read from the
    # shipped 2017 district form's roles, lazily: reading the workbook at
    # import would import xlsform first.
    if name == "DEVICE_STATUS_CODES":
        return device_status_codes(get_form("district", CURRENT_VERSION))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------- definition as data ---

DEFINITION_FORMAT = 1


def _question_to_dict(question: Question) -> dict[str, object]:
    data: dict[str, object] = {"type": "question"}
    for spec in dataclasses.fields(Question):
        value = getattr(question, spec.name)
        if spec.name == "field" and value == field_name(question.code):
            continue
        if spec.name == "choices":
            if value:
                data["choices"] = [
                    {"value": c.value, "label": c.label, "label_en": c.label_en}
                    for c in value
                ]
            continue
        if spec.name == "columns":
            if value:
                data["columns"] = [_question_to_dict(column) for column in value]
            continue
        if spec.name in ("code", "text", "kind") or value != spec.default:
            data[spec.name] = value
    return data


def _question_from_dict(data: dict[str, object]) -> Question:
    values = {k: v for k, v in data.items() if k != "type"}
    choices = values.pop("choices", ())
    columns = values.pop("columns", ())
    known = {spec.name for spec in dataclasses.fields(Question)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown question attributes: {sorted(unknown)}")
    return Question(
        **values,  # type: ignore[arg-type]
        choices=tuple(
            Choice(str(c["value"]), str(c["label"]), str(c.get("label_en", "")))
            for c in choices  # type: ignore[union-attr]
        ),
        columns=tuple(_question_from_dict(c) for c in columns),  # type: ignore[union-attr]
    )


def _section_to_dict(section: Section) -> dict[str, object]:
    return {
        "type": "section",
        "code": section.code,
        "title": section.title,
        "title_en": section.title_en,
        "relevant": section.relevant,
        "children": [
            _section_to_dict(c) if isinstance(c, Section) else _question_to_dict(c)
            for c in section.children
        ],
    }


def _section_from_dict(data: dict[str, object]) -> Section:
    children = tuple(
        _section_from_dict(c) if c.get("type") == "section" else _question_from_dict(c)
        for c in data["children"]  # type: ignore[union-attr]
    )
    return Section(
        str(data["code"]),
        str(data["title"]),
        children,
        str(data.get("title_en", "")),
        str(data.get("relevant", "")),
    )


def definition_to_dict(form: FormDefinition) -> dict[str, object]:
    """``form`` as plain JSON-safe data (see :func:`definition_from_dict`)."""
    return {
        "format": DEFINITION_FORMAT,
        "code": form.code,
        "name": form.name,
        "form_type": form.form_type,
        "version": form.version,
        "summary": form.summary,
        "title": form.title,
        "title_en": form.title_en,
        "audience": form.audience,
        "issued_with": form.issued_with,
        "guidance_title": form.guidance_title,
        "guidance": list(form.guidance),
        "signoff": [list(pair) for pair in form.signoff],
        "sections": [_section_to_dict(section) for section in form.sections],
    }


def definition_from_dict(data: dict[str, object]) -> FormDefinition:
    """The :class:`FormDefinition` of :func:`definition_to_dict`'s output.

    Raises ValueError (or KeyError/TypeError for a malformed document).
    """
    if data.get("format") != DEFINITION_FORMAT:
        raise ValueError(f"unknown definition format {data.get('format')!r}")
    return FormDefinition(
        form_type=str(data["form_type"]),
        version=str(data["version"]),
        title=str(data["title"]),
        audience=str(data.get("audience", "")),
        issued_with=str(data.get("issued_with", "")),
        guidance=tuple(str(g) for g in data.get("guidance", ())),  # type: ignore[union-attr]
        sections=tuple(
            _section_from_dict(s)
            for s in data["sections"]  # type: ignore[union-attr]
        ),
        signoff=tuple(
            (str(t), str(h))
            for t, h in data.get("signoff", ())  # type: ignore[union-attr,misc]
        ),
        guidance_title=str(data.get("guidance_title", "")),
        title_en=str(data.get("title_en", "")),
        code=str(data.get("code", "")),
        name=str(data.get("name", "")),
        summary=str(data.get("summary", "generic")),
    )
