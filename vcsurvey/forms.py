"""The two survey forms of the 2017 dispatch, as plain data.

A :class:`FormDefinition` holds everything printed on a paper form: title,
audience, "issued with" line, general guidance (part A), the sections and
questions of parts B and C, and the sign-off block.  Texts are the Vietnamese
of the reference forms, character for character (including the paper's own
quirks such as "24/7/2017của"), so that a printed form reproduces the paper.

Text conventions:

* ``Section.title`` is the heading exactly as printed, with its number and
  its trailing colon when the paper has one ("1. Thông tin chính:").
* ``Question.text`` is the printed label without its bullet ("+ ", "- ") or
  number and without the trailing colon and dotted leader; the number or
  bullet is in ``Question.bullet`` and a printed parenthesis that follows the
  label is in ``Question.hint``.
* Placeholders (``str.format`` style) are kept in the few texts that change
  from round to round; render them with the ``render_*`` helpers:

  - ``FormDefinition.title``: ``{province_upper}`` and ``{year}``
    (the round's year), see :meth:`FormDefinition.render_title`;
  - ``FormDefinition.issued_with``: ``{number}``, ``{day}``, ``{month}``,
    ``{year}`` of the dispatch the form is attached to (a blank prints the
    paper's dotted leader), see :meth:`FormDefinition.render_issued_with`;
  - ``FormDefinition.guidance[3]``: ``{cutoff}`` (dd/mm/yyyy), see
    :meth:`FormDefinition.render_guidance`;
  - question I.10: ``{next_year}`` = round year + 1, see :func:`render_text`
    and :meth:`FormDefinition.render_question_text`.

Answers (checked by :mod:`vcsurvey.validation`) are a dict keyed by question
code: char/text/ip/email/phone a str, integer an int, percent an int or
float, yesno a bool, status/choice a choice value, operators/incidents a list
of dicts keyed as :data:`OPERATOR_FIELDS` / :data:`INCIDENT_FIELDS`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

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
# The device-status questions of the district form's two networks (part I:
# province <-> district, part II: district <-> commune), by device; "overall"
# is the whole system's status.  Consolidation and the addon's pivot lines
# read the statuses through this one table.
DEVICE_STATUS_CODES: dict[str, dict[str, str]] = {
    "province_district": {
        "camera": "I.3.camera",
        "microphone": "I.3.microphone",
        "audio": "I.3.audio",
        "vcs": "I.3.vcs",
        "overall": "I.4",
    },
    "district_commune": {
        "camera": "II.2.camera",
        "microphone": "II.2.microphone",
        "audio": "II.2.audio",
        "vcs": "II.2.vcs",
        "overall": "II.3",
    },
}
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
# two officer boxes of question I.10 ("Thông tin cán bộ 1/2").
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
    """Odoo field name of a question code: ``"I.3.camera"`` -> ``"q_i_3_camera"``."""
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


# ---------------------------------------------------------------- texts ---

_GUIDANCE: tuple[str, ...] = (
    "1. Phạm vi khảo sát gồm các cơ quan, đơn vị được trang bị thiết bị hệ "
    "thống giao ban điện trực tuyến trên địa bàn tỉnh.",
    "2. Cán bộ đầu mối là cán bộ được giao nhiệm vụ vận hành hệ thống giao ban "
    "điện tử tại các điểm cầu. (Được định nghĩa theo quyết định 1373/QĐ-UBND "
    "ngày 24/7/2017).",
    "3. Cán bộ kỹ thuật điều khiển cuộc họp là kỹ thuật viên có trách nhiệm "
    "phối hợp với cán bộ quản lý phòng họp tại điểm cầu chủ tọa, chủ trì điều "
    "khiển hệ thống trực tuyến theo diễn biến cuộc họp. (điểm cầu Văn phòng "
    "UBND tỉnh và Văn phòng Tỉnh ủy). (Được định nghĩa theo quyết định "
    "1373/QĐ-UBND ngày 24/7/2017).",
    "4. Số liệu tính đến hết ngày {cutoff}.",
)
_ISSUED_WITH = (
    "(Ban hành kèm theo công văn số:{number}/STTTT-CNTT ngày {day} tháng "
    "{month} năm {year} của Sở Thông tin và Truyền thông tỉnh Hà Giang)"
)
_SIGNOFF: tuple[tuple[str, str], ...] = (
    ("NGƯỜI LẬP BIỂU", "(Ký và ghi rõ họ tên)"),
    ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký, đóng dấu và ghi rõ họ tên)"),
)
# Printed verbatim, the missing space in "24/7/2017của" included.
_DECISION_1373 = (
    "Cán bộ đầu mối hoặc cán bộ kỹ thuật điều khiển cuộc họp có nhận và biết "
    "quyết định 1373/QĐ-UBND ngày 24/7/2017của UBND tỉnh về việc ban hành quy "
    "chế quản lý, vận hành và sử dụng các hệ thống giao ban điện tử trên địa "
    "bàn tỉnh Hà Giang."
)
_DECISION_1373_SHORT = "Nhận và biết Quyết định 1373/QĐ-UBND ngày 24/7/2017"
_DECISION_1373_EN = "Focal officer or technician received and knows Decision 1373"
_UPGRADED = (
    "Phòng họp giao ban điện tử đa phương tiện có được bổ sung, nâng cấp để "
    "nâng cao chất lượng âm thanh, hình ảnh của hệ thống không"
)
_UPGRADED_SHORT = "Phòng họp được bổ sung, nâng cấp"
_INCIDENTS = "Các sự cố gặp phải trong quá trình vận hành hệ thống"
_INCIDENTS_HINT = "(liệt kê các sự cố, nguyên nhân)"
_MAINTENANCE = "Nhu cầu kiểm tra, bảo dưỡng tại điểm cầu"
_TRAINING = "Nhu cầu tập huấn đào tạo lại"
_EFFICIENCY = "Dự kiến hiệu quả kinh tế so với phương thức họp truyền thống"
_RECOMMENDATIONS = "Kiến nghị, đề xuất để nâng cao hiệu quả hoạt động của hệ thống"


def _provider_section() -> Section:
    return Section(
        "B",
        "B. Thông tin người cung cấp",
        (
            Question("B.name", "Họ tên", "char", True, text_en="Full name"),
            Question("B.position", "Chức vụ", "char", text_en="Position"),
            Question("B.unit", "Đơn vị công tác", "char", text_en="Unit"),
            Question("B.phone", "Điện thoại", "phone", True, text_en="Phone"),
            Question("B.email", "Email", "email", text_en="E-mail"),
        ),
        title_en="B. Information provider",
    )


def _status(
    code: str, text: str, text_en: str, bullet: str = "+", role: str = ""
) -> Question:
    return Question(
        code,
        text,
        "status",
        True,
        STATUS_CHOICES,
        text_en=text_en,
        bullet=bullet,
        role=role,
    )


_NETWORKS = {"I": "province_district", "II": "district_commune"}


def _yesno(
    code: str, text: str, text_en: str, bullet: str, short: str = ""
) -> Question:
    return Question(
        code,
        text,
        "yesno",
        True,
        YESNO_CHOICES,
        text_en=text_en,
        bullet=bullet,
        short=short,
    )


def _devices(prefix: str) -> Section:
    number = prefix.rsplit(".", maxsplit=1)[-1]
    network = _NETWORKS[prefix.split(".", 1)[0]]
    return Section(
        prefix,
        f"{number}. Tình trạng hoạt động của các thiết bị tại điểm cầu",
        (
            _status(
                f"{prefix}.camera",
                "Tình trạng hoạt động của thiết bị Camera",
                "Camera status",
                role=f"status:{network}:camera",
            ),
            _status(
                f"{prefix}.microphone",
                "Tình trạng hoạt động của bộ Micro",
                "Microphone set status",
                role=f"status:{network}:microphone",
            ),
            _status(
                f"{prefix}.audio",
                "Tình trạng hoạt động của thiết bị Âm thanh cuộc họp",
                "Meeting audio equipment status",
                role=f"status:{network}:audio",
            ),
            _status(
                f"{prefix}.vcs",
                "Tình trạng hoạt động của thiết bị đầu cuối VCS",
                "VCS terminal status",
                role=f"status:{network}:vcs",
            ),
        ),
        title_en=f"{number}. Status of the endpoint's devices",
    )


def _common_tail(part: str, first: int) -> tuple[Question, ...]:
    """Overall status .. upgrade .. incidents .. needs .. efficiency.

    Parts I and II print the same six questions, numbered from 4 (I.4-I.9)
    and from 3 (II.3-II.8).
    """

    def code(offset: int) -> str:
        return f"{part}.{first + offset}"

    def bullet(offset: int) -> str:
        return f"{first + offset}."

    return (
        _status(
            code(0),
            "Tình trạng hoạt động chung của hệ thống",
            "Overall system status",
            bullet(0),
            role=f"status:{_NETWORKS[part]}:overall",
        ),
        _yesno(
            code(1),
            _UPGRADED,
            "Meeting room upgraded for better sound and image",
            bullet(1),
            _UPGRADED_SHORT,
        ),
        Question(
            code(2),
            _INCIDENTS,
            "incidents",
            hint=_INCIDENTS_HINT,
            text_en="Incidents during operation and their causes",
            bullet=bullet(2),
        ),
        _yesno(code(3), _MAINTENANCE, "Needs inspection and maintenance", bullet(3)),
        _yesno(code(4), _TRAINING, "Needs retraining", bullet(4)),
        Question(
            code(5),
            _EFFICIENCY,
            "text",
            text_en="Expected economic efficiency against traditional meetings",
            bullet=bullet(5),
        ),
    )


def _district_2017() -> FormDefinition:
    part_one = Section(
        "C.I",
        "I. Hệ thống giao ban trực tuyến giữa UBND tỉnh và UBND các huyện, "
        "thành phố.",
        (
            Section(
                "I.1",
                "1. Thông tin chính:",
                (
                    Question(
                        "I.1.location",
                        "Địa điểm lắp đặt điểm cầu",
                        "char",
                        True,
                        text_en="Endpoint location",
                        bullet="+",
                    ),
                    Question(
                        "I.1.ip",
                        "Địa chỉ IP của điểm cầu",
                        "ip",
                        True,
                        text_en="Endpoint IP address",
                        bullet="+",
                    ),
                    Question(
                        "I.1.meetings",
                        "Số lượng cuộc họp trực tuyến",
                        "integer",
                        True,
                        text_en="Number of online meetings",
                        bullet="+",
                    ),
                ),
                title_en="1. Main information",
            ),
            _yesno(
                "I.2", _DECISION_1373, _DECISION_1373_EN, "2.", _DECISION_1373_SHORT
            ),
            _devices("I.3"),
            *_common_tail("I", 4),
            Question(
                "I.10",
                "Đăng ký cán bộ quản lý vận hành hệ thống giao ban điện tử năm "
                "{next_year}.",
                "operators",
                True,
                hint="(Đề nghị đơn vị bố trí ít nhất 02 cán bộ kỹ thuật vận hành)",
                text_en="Officers operating the system next year (at least 2)",
                bullet="10.",
                short="Đăng ký cán bộ quản lý vận hành hệ thống giao ban điện tử",
                min_items=2,
            ),
            Question(
                "I.11",
                _RECOMMENDATIONS,
                "text",
                text_en="Recommendations",
                bullet="11.",
            ),
        ),
        title_en="I. Province – district video-conference system",
    )
    endpoints_line = "Số lượng điểm cầu/ số lượng UBND cấp xã"
    part_two = Section(
        "C.II",
        "II. Hệ thống giao ban trực tuyến giữa UBND các huyện, thành phố và các "
        "xã, phường, thị trấn.",
        (
            Section(
                "II.1",
                "1. Thông tin chính:",
                (
                    Question(
                        "II.1.endpoints",
                        "Số lượng điểm cầu",
                        "integer",
                        True,
                        text_en="Number of endpoints",
                        bullet="+",
                        line=endpoints_line,
                        constraint=". >= ${II.1.communes} - "
                        "${II.1.communes_without_endpoint} or "
                        "${II.1.communes_without_endpoint} > ${II.1.communes}",
                        constraint_message="${II.1.endpoints} điểm cầu ít hơn số xã "
                        "đã có điểm cầu (${II.1.communes} xã - "
                        "${II.1.communes_without_endpoint} xã chưa có điểm cầu).",
                        constraint_message_en="${II.1.endpoints} endpoint(s) are "
                        "fewer than the communes that have one (${II.1.communes} "
                        "communes - ${II.1.communes_without_endpoint} without an "
                        "endpoint).",
                    ),
                    Question(
                        "II.1.communes",
                        "Số lượng UBND cấp xã",
                        "integer",
                        True,
                        text_en="Number of commune People's Committees",
                        line=endpoints_line,
                        constraint=". >= 1",
                        constraint_message="${II.1.communes} nhỏ hơn 1: một huyện "
                        "có ít nhất một UBND cấp xã.",
                        constraint_message_en="${II.1.communes} is less than 1: a "
                        "district has at least one commune.",
                    ),
                    Question(
                        "II.1.communes_without_endpoint",
                        "Số lượng xã chưa có điểm cầu",
                        "integer",
                        True,
                        text_en="Communes without an endpoint",
                        bullet="+",
                        constraint=". <= ${II.1.communes}",
                        constraint_message="${II.1.communes_without_endpoint} lớn "
                        "hơn số lượng UBND cấp xã (${II.1.communes}).",
                        constraint_message_en="${II.1.communes_without_endpoint} is "
                        "more than the number of communes (${II.1.communes}).",
                    ),
                    Question(
                        "II.1.reason",
                        "Lý do",
                        "text",
                        text_en="Reason",
                        short="Lý do xã chưa có điểm cầu",
                        required_expr="${II.1.communes_without_endpoint} > 0",
                        required_message="cần nêu lý do "
                        "${II.1.communes_without_endpoint} xã chưa có điểm cầu.",
                        required_message_en="give the reason why "
                        "${II.1.communes_without_endpoint} commune(s) have no "
                        "endpoint.",
                    ),
                    Question(
                        "II.1.meetings",
                        "Số lượng cuộc họp trực tuyến",
                        "integer",
                        True,
                        text_en="Number of online meetings",
                        bullet="+",
                    ),
                ),
                title_en="1. Main information",
            ),
            _devices("II.2"),
            *_common_tail("II", 3),
            Question(
                "II.9",
                _RECOMMENDATIONS,
                "text",
                text_en="Recommendations",
                bullet="9.",
            ),
        ),
        title_en="II. District – commune video-conference system",
    )
    return FormDefinition(
        form_type="district",
        version="2017",
        title="PHIẾU KHẢO SÁT TÌNH HÌNH HOẠT ĐỘNG HỆ THỐNG GIAO BAN ĐIỆN TỬ "
        "TỈNH {province_upper} NĂM {year}.",
        audience="(dành cho UBND các huyện, thành phố)",
        issued_with=_ISSUED_WITH,
        guidance=_GUIDANCE,
        sections=(
            _provider_section(),
            Section(
                "C",
                "C. Thông tin khảo sát",
                (part_one, part_two),
                title_en="C. Survey",
            ),
        ),
        signoff=_SIGNOFF,
        title_en="Survey of the electronic meeting system (districts and city)",
        code="vc_2017_district",
        name="Phiếu khảo sát UBND huyện, thành phố 2017",
        summary="2017",
    )


def _center_2017() -> FormDefinition:
    technician = Section(
        "C.1",
        "1. Thông tin cán bộ kỹ thuật điều khiển cuộc họp trên hệ thống giao ban "
        "trực tuyến.",
        (
            Question("C.1.name", "Họ tên", "char", True, text_en="Full name"),
            Question("C.1.phone", "Số điện thoại", "phone", True, text_en="Phone"),
            Question("C.1.email", "Địa chỉ Email", "email", text_en="E-mail"),
            Question(
                "C.1.endpoint",
                "Điều khiển cuộc họp tại điểm cầu",
                "char",
                True,
                text_en="Endpoint controlled",
            ),
            Question(
                "C.1.sessions",
                "Số lượng các phiên họp trực tuyến đã điều khiển",
                "integer",
                True,
                hint="(nếu không có số liệu chính xác thì có thể ước tính)",
                text_en="Online sessions controlled (may be estimated)",
                constraint=". >= ${C.1.level4} + ${C.1.level3} + ${C.1.level2}",
                constraint_message="các số liệu trong đó (Liên thông 4 cấp, Liên "
                "thông 3 cấp, Liên thông 2 cấp) cộng lại lớn hơn tổng số "
                "${C.1.sessions}.",
                constraint_message_en="the of-which figures (4-level, 3-level, "
                "2-level) add up to more than the total ${C.1.sessions}.",
            ),
            Section(
                "C.1.of_which",
                "Trong đó:",
                (
                    Question(
                        "C.1.level4",
                        "Liên thông 4 cấp",
                        "integer",
                        hint="(TW, tỉnh, huyện xã)",
                        text_en="4-level (central, province, district, commune)",
                        bullet="+",
                    ),
                    Question(
                        "C.1.level3",
                        "Liên thông 3 cấp",
                        "integer",
                        hint="(tỉnh, huyện xã)",
                        text_en="3-level (province, district, commune)",
                        bullet="+",
                    ),
                    Question(
                        "C.1.level2",
                        "Liên thông 2 cấp",
                        "integer",
                        hint="(tỉnh, huyện)",
                        text_en="2-level (province, district)",
                        bullet="+",
                    ),
                ),
                title_en="Of which:",
            ),
        ),
        title_en="1. Meeting control technician",
    )
    mcu = Section(
        "C.5",
        "5. Tình hình hoạt động của MCU (thiết bị điều khiển đa điểm).",
        (
            Question(
                "C.5.mcu_ip", "Địa chỉ IP của MCU", "ip", True, text_en="MCU IP address"
            ),
            Question(
                "C.5.operating_time",
                "Thời gian hoạt động",
                "char",
                text_en="Operating time",
            ),
            Question(
                "C.5.incidents",
                "Các sự cố trong quá trình vận hành",
                "text",
                hint="(nếu có)",
                text_en="Incidents during operation",
            ),
            Question(
                "C.5.remedies",
                "Biện pháp xử lý",
                "text",
                hint="(nếu có)",
                text_en="Remedies",
            ),
            _yesno(
                "C.5.maintenance", "Nhu cầu bảo dưỡng MCU", "MCU needs maintenance", ""
            ),
            Question(
                "C.5.difficulties",
                "Những khó khăn vướng mắc trong quá trình hoạt động của MCU",
                "text",
                text_en="Difficulties in operating the MCU",
            ),
            Question(
                "C.5.recommendations",
                "Kiến nghị",
                "text",
                hint="(nếu có)",
                text_en="Recommendations on the MCU",
            ),
        ),
        title_en="5. MCU (multipoint control unit) operation",
    )
    maintenance = Section(
        "C.8",
        "8. Nhu cầu bảo dưỡng",
        (
            _yesno(
                "C.8.full",
                "Bảo dưỡng, kiểm tra toàn bộ lại hệ thống",
                "Maintenance and check of the whole system",
                "+",
            ),
            Question(
                "C.8.partial",
                "Bảo dưỡng, kiểm tra một phần hệ thống",
                "text",
                hint="(xin chỉ rõ bảo dưỡng phần nào, điểm cầu nào)",
                text_en="Maintenance of part of the system (which part, endpoint)",
                bullet="+",
            ),
        ),
        title_en="8. Maintenance needs",
    )
    survey = Section(
        "C",
        "C. Thông tin khảo sát",
        (
            technician,
            _yesno(
                "C.2", _DECISION_1373, _DECISION_1373_EN, "2.", _DECISION_1373_SHORT
            ),
            Question(
                "C.3",
                "Thời gian kiểm tra kết nối hệ thống",
                "choice",
                True,
                CHECK_TIME_CHOICES,
                text_en="When the connection is checked",
                bullet="3.",
            ),
            Question(
                "C.4",
                "Ước tính tỷ lệ các điểm cầu tham gia kết nối không đúng thời gian "
                "đã thông báo trước",
                "percent",
                True,
                hint="(%)",
                text_en="Estimated % of endpoints connecting late",
                bullet="4.",
                short="Tỷ lệ điểm cầu kết nối không đúng thời gian",
            ),
            mcu,
            Question(
                "C.6",
                "Liệt kê các sự cố gặp phải trong quá trình điều khiển hệ thống "
                "giao ban điện tử",
                "incidents",
                hint="(nêu rõ dấu hiệu sự cố, số lượng sự cố, nguyên nhân sự cố, "
                "cách khắc phục sự cố)",
                text_en="Incidents while controlling the system",
                bullet="6.",
                short="Các sự cố trong quá trình điều khiển hệ thống",
            ),
            _yesno("C.7", "Nhu cầu tập huấn, đào tạo", "Needs training", "7."),
            maintenance,
            Question(
                "C.9",
                "Kiến nghị, đề xuất",
                "text",
                hint="(nếu có)",
                text_en="Recommendations",
                bullet="9.",
            ),
        ),
        title_en="C. Survey",
    )
    return FormDefinition(
        form_type="center",
        version="2017",
        title="PHIẾU KHẢO SÁT TÌNH HÌNH HOẠT ĐỘNG CÁC HỆ THỐNG GIAO BAN TRỰC "
        "TUYẾN TỈNH {province_upper} NĂM {year}.",
        audience="(Dành riêng cho Trung tâm CNTT&TT tỉnh Hà Giang)",
        issued_with=_ISSUED_WITH,
        guidance=_GUIDANCE,
        sections=(_provider_section(), survey),
        signoff=_SIGNOFF,
        title_en="Survey of the online meeting systems (provincial IT centre)",
        code="vc_2017_center",
        name="Phiếu khảo sát Trung tâm CNTT&TT 2017",
        summary="2017",
    )


_FORMS: dict[tuple[str, str], FormDefinition] = {
    ("district", "2017"): _district_2017(),
    ("center", "2017"): _center_2017(),
}


def versions() -> tuple[str, ...]:
    """Known form versions, oldest first."""
    return tuple(sorted({version for _, version in _FORMS}))


def get_form(form_type: str, version: str = CURRENT_VERSION) -> FormDefinition:
    """The form definition of ``form_type`` in ``version`` (ValueError if none)."""
    if form_type not in FORM_TYPES:
        raise ValueError(
            f"unknown form type {form_type!r}; expected one of {', '.join(FORM_TYPES)}"
        )
    try:
        return _FORMS[(form_type, version)]
    except KeyError:
        raise ValueError(
            f"no {form_type} form in version {version!r}; "
            f"known versions: {', '.join(versions())}"
        ) from None


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
