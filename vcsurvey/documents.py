"""The dispatch (công văn) and the survey forms (phiếu): template data and output.

The data handed to a template is built here and nowhere else
(:func:`dispatch_data`, :func:`form_data`: plain data in, plain dict out); the
``render_*`` functions fill the shipped ODT templates with it and convert them
through LibreOffice (:mod:`vcsurvey.render`).

Dispatch input
--------------
What the Odoo addon (or a JSON/YAML file given to the CLI) passes to
:func:`dispatch_data` / :func:`render_dispatch`; *required* keys are marked::

    {
      "parent_agency": "UBND TỈNH HÀ GIANG",
      "agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",            # required
      "agency_in_text": "Sở Thông tin và Truyền thông",  # inside sentences
      "notation": "STTTT-CNTT",                            # required
      "number": 5,                       # int, or None for an unnumbered draft
      "place": "Hà Giang",
      "date": "2017-12-20",              # date, ISO text or None (draft)
      "subject": "báo cáo công tác quản lý, …",  # required; printed "V/v …"
      "recipients": ["UBND các huyện, thành phố",
                     "Trung tâm CNTT & Truyền thông"],    # required
      "legal_bases": ["Quyết định số 1373/QĐ-UBND …"],   # printed "Căn cứ …"
      "body": ["…", "…"],  # paragraphs; default: the 2017 text for ``year``
      "deadline": "2018-01-10",          # required when body is not given
      "email": "ltmy.stttt@hagiang.gov.vn",   # soft copy, in the default body
      "cc": ["Lãnh đạo Sở", "Vnptioffice"],
      "archive": "Lưu: VT, CNTT.",
      "signer": {"title": "GIÁM ĐỐC", "name": "Nguyễn Văn Tuệ",   # required
                 "delegation": "" | "KT.", "position": "PHÓ GIÁM ĐỐC"},
      "year": 2017,                                        # required
      "cutoff": "2017-12-31",            # data cut-off; default 31/12/year
      "forms": ["district", "center"],   # attached blank forms: shipped
                                         # types, FormDefinitions or their
                                         # definition_to_dict() data
      "province": "Hà Giang",
    }

Dispatch template data (:func:`dispatch_data`)
----------------------------------------------
``parent_agency``, ``agency`` (capitals), ``number_line`` ("Số: 05/STTTT-CNTT"),
``date_line`` ("Hà Giang, ngày 20 tháng 12 năm 2017"), ``subject_line``
("V/v …"), ``recipient_lines`` (list), ``legal_bases`` (list, "Căn cứ …;"),
``body`` (list of paragraphs), ``closing`` ("Trân trọng./."), ``cc_lines``
(list, "- Như kính gửi;" … "- Lưu: VT, CNTT."), ``signer_authority``
("KT. GIÁM ĐỐC"), ``signer_position`` ("PHÓ GIÁM ĐỐC" or ""),
``signer_name``; and for callers: ``subject``, ``number``, ``notation``,
``date`` (ISO or ""), ``year``, ``deadline``, ``cutoff`` (dd/mm/yyyy or ""),
``email``, ``province``, ``forms``.

Form meta and template data (:func:`form_data`)
-----------------------------------------------
``meta``: ``year`` (required), ``unit_name``, ``province`` ("Hà Giang"),
``dispatch_number``, ``dispatch_date``, ``cutoff`` (default 31/12/year),
``preparer_name``, ``head_name``, ``signed_as`` ("" or "KT."),
``head_title`` (optional: the unit's title of its head, e.g. "Chủ tịch";
default the form's "THỦ TRƯỞNG ĐƠN VỊ"), ``head_position`` (optional, printed
under the head's title: a deputy's own title, e.g. "Phó Chủ tịch").

Template data: ``title``, ``audience``, ``issued_with``, ``unit_line``
("Đơn vị: …" or ""), ``blocks`` (list of dicts, each with all of ``kind``,
``text``, ``value``, ``code`` (always empty: the paper prints no question
code), ``qcode`` (the question code) and ``rows``; kinds: ``h1`` ``h2`` ``h3``
headings, ``para`` guidance, ``field`` "label: answer" on one line,
``question`` a label whose answer follows, ``answer`` one line of a free-text
answer (``answer_keep`` for the lines that end the form, kept with the
sign-off), ``choices`` the tick boxes, ``operators`` / ``incidents`` tables whose
``rows`` are dicts with ``no`` and the keys of :data:`forms.OPERATOR_FIELDS` /
:data:`forms.INCIDENT_FIELDS`), ``preparer_title``, ``preparer_hint``,
``preparer_name``, ``head_title``, ``head_position``, ``head_hint``,
``head_name``, and ``form_type``, ``year``, ``province``.

Outputs
-------
The dispatch's PDF carries the attached blank forms after it (PDFs merged);
its ODT and DOCX hold the dispatch only, because joining ODT documents needs
a LibreOffice macro or a merge of their styles, while the forms are printed
on their own from :func:`render_form` anyway.  Every ``render_*`` function
takes ``template=`` (a path or the bytes of an administrator's replacement
ODT); without it the shipped template (:func:`templates.template_path`) is
used.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from vcsurvey import dates, nd30
from vcsurvey.forms import (
    CURRENT_VERSION,
    INCIDENT_FIELDS,
    OPERATOR_FIELDS,
    FormDefinition,
    Question,
    Section,
    default_cutoff,
    definition_from_dict,
    get_form,
    render_text,
)
from vcsurvey.render import FORMATS, RenderError, convert, render_odt, render_odts
from vcsurvey.template_check import SCHEMAS
from vcsurvey.templates import template_path

TemplateSource = str | Path | bytes
DISPATCH_TEMPLATE = "dispatch.odt"
FORM_TEMPLATE = "form.odt"
CLOSING = "Trân trọng./."
# Casing of agency names inside running text; capitals cannot be lowered
# mechanically ("Sở Thông tin và Truyền thông", not "Sở thông tin …").
_AGENCY_IN_TEXT = {"SỞ THÔNG TIN VÀ TRUYỀN THÔNG": "Sở Thông tin và Truyền thông"}

# Tick boxes.  Liberation Serif has no such glyphs: LibreOffice falls back
# to DejaVu Sans (fonts-dejavu-core) and embeds it in the PDF like the rest.
CHECKED = "☒"
UNCHECKED = "☐"
# EM SPACE separates the boxes: ODF collapses runs of ordinary spaces.
_GAP = "\u2003\u2003"
_NBSP = "\u00a0"
# Dotted leaders of the paper forms where an answer is to be handwritten.
LEADER_SHORT = "." * 45
LEADER_LINE = "." * 115
# Empty lines printed in a blank table: the paper leaves room for two
# officers and a handful of incidents.
_BLANK_OPERATOR_ROWS = 2
_BLANK_INCIDENT_ROWS = 3
_INLINE_KINDS = (
    "char",
    "integer",
    "percent",
    "ip",
    "email",
    "phone",
    "decimal",
    "date",
)
_CHOICE_KINDS = ("yesno", "status", "choice", "select_multiple")
# Sign-off boxes of a version that defines none (the 2017 paper's).
DEFAULT_SIGNOFF: tuple[tuple[str, str], ...] = (
    ("NGƯỜI LẬP BIỂU", "(Ký và ghi rõ họ tên)"),
    ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký, đóng dấu và ghi rõ họ tên)"),
)
_BLANK_REPEAT_ROWS = 2


class DocumentDataError(ValueError):
    """The data given for a document is incomplete or malformed."""


# ------------------------------------------------------------ helpers ---


def _require(data: Mapping[str, Any], key: str, what: str) -> Any:
    value = data.get(key)
    if value is None or value == "" or value == []:
        raise DocumentDataError(f"{what}: missing required key {key!r}")
    return value


def parse_date(value: Any, key: str) -> date | None:
    """``date``/``datetime``/ISO ``"2017-12-20"``/``"20/12/2017"``/None
    (False, Odoo's empty field, counts as None)."""
    try:
        return dates.parse_date(value, key)
    except ValueError as exc:
        raise DocumentDataError(str(exc)) from None


def _year(value: Any, what: str) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise DocumentDataError(f"{what}: year {value!r} is not a number") from None
    if not 1900 < year < 3000:
        raise DocumentDataError(f"{what}: year {year} is out of range")
    return year


def _number(value: Any, what: str) -> int | None:
    """A document number: a positive int (or its digits); None/False: none yet."""
    if value is None or value is False or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DocumentDataError(f"{what}: number {value!r} is not a positive integer")
    return value


def _strings(value: Any, key: str) -> list[str]:
    if value is None or value is False:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        raise DocumentDataError(f"{key}: expected a list of texts, got {value!r}")
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def agency_in_text(agency: str, given: str = "") -> str:
    """The agency's name as written inside a sentence.

    ``given`` (the input's ``agency_in_text``, e.g. "Sở Khoa học và Công
    nghệ") wins; else a known name, else the capitals lowered after the first
    letter.
    """
    if given and given.strip():
        return " ".join(given.split())
    name = " ".join(agency.split())
    known = _AGENCY_IN_TEXT.get(name.upper())
    if known:
        return known
    return name[:1].upper() + name[1:].lower() if name.isupper() else name


def _legal_basis_lines(bases: list[str]) -> list[str]:
    """ND30: each basis starts "Căn cứ", ";" after each, "." after the last."""
    lines = []
    for basis in bases:
        text = basis.rstrip(" ;.")
        if not text.lower().startswith("căn cứ"):
            text = f"Căn cứ {text}"
        lines.append(text + ";")
    if lines:
        lines[-1] = lines[-1][:-1] + "."
    return lines


def default_body(
    *,
    year: int,
    agency: str,
    deadline: date,
    email: str = "",
    with_forms: bool = True,
    in_text: str = "",
) -> list[str]:
    """The 2017 dispatch's two paragraphs, for the round of ``year``."""
    who = agency_in_text(agency, in_text)
    attached = " (theo mẫu phiếu kèm theo)" if with_forms else ""
    first = (
        "Nhằm đánh giá công tác quản lý, vận hành hệ thống giao ban trực tuyến "
        f"trên địa bàn tỉnh năm {year}, {who} đề nghị các cơ quan, đơn vị báo "
        "cáo công tác quản lý, vận hành hệ thống giao ban trực tuyến"
        f"{attached}."
    )
    second = (
        f"Báo cáo gửi về {who} trước ngày {nd30.format_date(deadline)} để tổng "
        "hợp, theo dõi, đánh giá, báo cáo UBND tỉnh."
    )
    if email:
        second += f" Bản mềm gửi vào địa chỉ Email: {email}."
    return [first, second]


# ----------------------------------------------------------- dispatch ---


def dispatch_data(dispatch: Mapping[str, Any]) -> dict[str, Any]:
    """Template data of the dispatch (see the module docstring)."""
    what = "dispatch"
    if not isinstance(dispatch, Mapping):
        raise DocumentDataError(f"{what}: expected a mapping, got {dispatch!r}")
    agency = str(_require(dispatch, "agency", what)).strip()
    notation = str(_require(dispatch, "notation", what)).strip()
    subject = str(_require(dispatch, "subject", what)).strip()
    recipients = _strings(_require(dispatch, "recipients", what), "recipients")
    year = _year(_require(dispatch, "year", what), what)
    signer = _signer(_require(dispatch, "signer", what))
    number = _number(dispatch.get("number"), what)
    day = parse_date(dispatch.get("date"), "date")
    deadline = parse_date(dispatch.get("deadline"), "deadline")
    cutoff = parse_date(dispatch.get("cutoff"), "cutoff") or default_cutoff(year)
    email = str(dispatch.get("email") or "").strip()
    forms = _form_names(dispatch.get("forms", ["district", "center"]))
    body = _strings(dispatch.get("body"), "body")
    if not body:
        if deadline is None:
            raise DocumentDataError(
                f"{what}: missing required key 'deadline' (needed by the default "
                "body; or give 'body')"
            )
        body = default_body(
            year=year,
            agency=agency,
            deadline=deadline,
            email=email,
            with_forms=bool(forms),
            in_text=str(dispatch.get("agency_in_text") or ""),
        )
    if subject.lower().startswith("v/v"):
        subject = subject[3:].strip()
    place = str(dispatch.get("place") or "Hà Giang").strip()
    return {
        "parent_agency": str(dispatch.get("parent_agency") or "").strip().upper(),
        "agency": agency.upper(),
        "number_line": nd30.format_number(number, notation),
        "date_line": nd30.format_date_line(place, day),
        "subject_line": f"V/v {subject}",
        "recipient_lines": nd30.recipient_lines(recipients),
        "legal_bases": _legal_basis_lines(
            _strings(dispatch.get("legal_bases"), "legal_bases")
        ),
        "body": body,
        "closing": CLOSING,
        "cc_lines": nd30.cc_lines(
            _strings(dispatch.get("cc"), "cc"),
            str(dispatch.get("archive") or "Lưu: VT, CNTT."),
        ),
        "signer_authority": signer.authority_line,
        "signer_position": signer.position_line,
        "signer_name": signer.name,
        "subject": subject,
        "number": number,
        "notation": notation,
        "date": day.isoformat() if day else "",
        "year": year,
        "deadline": nd30.format_date(deadline) if deadline else "",
        "cutoff": nd30.format_date(cutoff),
        "email": email,
        "province": str(dispatch.get("province") or "Hà Giang").strip(),
        "forms": forms,
    }


def _signer(value: Any) -> nd30.Signer:
    if not isinstance(value, Mapping):
        raise DocumentDataError(f"dispatch: signer must be a mapping, got {value!r}")
    title = str(_require(value, "title", "dispatch signer")).strip()
    name = str(_require(value, "name", "dispatch signer")).strip()
    delegation = str(value.get("delegation") or "").strip()
    position = str(value.get("position") or "").strip()
    if delegation and not position:
        raise DocumentDataError(
            f"dispatch signer: delegation {delegation!r} needs the signer's own "
            "'position' (e.g. 'PHÓ GIÁM ĐỐC')"
        )
    try:
        return nd30.Signer(title, name, delegation, position)
    except ValueError as exc:
        raise DocumentDataError(f"dispatch signer: {exc}") from None


def _form_names(entries: Any) -> list[str]:
    """The form types of a dispatch's ``forms`` entries (for callers)."""
    if entries is None:
        return []
    if not isinstance(entries, list | tuple):
        raise DocumentDataError(f"forms: expected a list, got {entries!r}")
    names = []
    for entry in entries:
        if isinstance(entry, FormDefinition):
            names.append(entry.form_type)
        elif isinstance(entry, Mapping):
            names.append(str(entry.get("form_type") or ""))
        elif entry is not None and str(entry).strip():
            names.append(str(entry).strip())
    return names


def attached_forms(dispatch: Mapping[str, Any]) -> list[FormDefinition]:
    """The blank forms attached to a dispatch, from its ``forms`` entries.

    ``form_definitions`` (if given) wins over ``forms``.  An entry is a
    shipped form type ("district", "center": the 2017 pair by default), a
    :class:`FormDefinition`, or its :func:`~vcsurvey.forms.definition_to_dict`
    data (what the addon stores).
    """
    entries = dispatch.get("form_definitions")
    if entries is None:
        entries = dispatch.get("forms", ["district", "center"])
    if entries is None:
        return []
    if not isinstance(entries, list | tuple):
        raise DocumentDataError(f"forms: expected a list, got {entries!r}")
    found: list[FormDefinition] = []
    for entry in entries:
        if isinstance(entry, FormDefinition):
            found.append(entry)
        elif isinstance(entry, Mapping):
            try:
                found.append(definition_from_dict(dict(entry)))
            except (KeyError, TypeError, ValueError) as exc:
                raise DocumentDataError(f"forms: bad form definition: {exc}") from None
        elif isinstance(entry, str) and entry.strip():
            version = str(dispatch.get("form_version") or CURRENT_VERSION)
            try:
                found.append(get_form(entry.strip(), version))
            except ValueError as exc:
                raise DocumentDataError(f"dispatch forms: {exc}") from None
        elif entry not in (None, ""):
            raise DocumentDataError(f"forms: unknown entry {entry!r}")
    return found


def attached_form_meta(data: Mapping[str, Any]) -> dict[str, Any]:
    """Meta of the blank forms attached to a dispatch, from its template data."""
    return {
        "unit_name": "",
        "year": data["year"],
        "province": data["province"],
        "dispatch_number": data["number"],
        "dispatch_date": data["date"] or None,
        "cutoff": parse_date(data["cutoff"], "cutoff"),
    }


# -------------------------------------------------------------- forms ---


def form_data(
    form: FormDefinition, answers: Mapping[str, Any] | None, meta: Mapping[str, Any]
) -> dict[str, Any]:
    """Template data of ``form`` filled with ``answers`` (None: blank form)."""
    what = f"{form.form_type} form"
    year = _year(_require(meta, "year", f"{what} meta"), f"{what} meta")
    province = str(meta.get("province") or "Hà Giang").strip()
    issued = parse_date(meta.get("dispatch_date"), "dispatch_date")
    cutoff = parse_date(meta.get("cutoff"), "cutoff") or default_cutoff(year)
    number = _number(meta.get("dispatch_number"), f"{what} meta")
    answers = {} if answers is None else dict(answers)
    blocks = [_block("h1", form.guidance_title)] if form.guidance_title else []
    blocks += [_block("para", text) for text in form.render_guidance(cutoff)]
    for section in form.sections:
        blocks += _section_blocks(section, answers, year, depth=0)
    _keep_last_answers_with_signoff(blocks)
    signed_as = str(meta.get("signed_as") or "").strip()
    if signed_as not in nd30.DELEGATIONS:
        raise DocumentDataError(f"{what} meta: unknown signed_as {signed_as!r}")
    signoff = (*form.signoff, *DEFAULT_SIGNOFF[len(form.signoff) :])
    (preparer_title, preparer_hint), (head_title, head_hint) = signoff[:2]
    unit_name = str(meta.get("unit_name") or "").strip()
    return {
        "form_type": form.form_type,
        "year": year,
        "province": province,
        "title": form.render_title(year, province),
        "audience": form.audience,
        "issued_with": form.render_issued_with(
            number,
            issued.day if issued else None,
            issued.month if issued else None,
            issued.year if issued else None,
        ),
        "unit_line": f"Đơn vị: {unit_name}" if unit_name else "",
        "blocks": blocks,
        "preparer_title": preparer_title,
        "preparer_hint": preparer_hint,
        "preparer_name": str(meta.get("preparer_name") or "").strip(),
        # the unit's own title of its head (e.g. "CHỦ TỊCH") when known,
        # else the form's generic one; a deputy's own title goes below "KT."
        "head_title": " ".join(
            p for p in (signed_as, _title(meta, "head_title") or head_title) if p
        ),
        "head_position": str(meta.get("head_position") or "").strip().upper(),
        "head_hint": head_hint,
        "head_name": str(meta.get("head_name") or "").strip(),
    }


def _keep_last_answers_with_signoff(blocks: list[dict[str, Any]]) -> None:
    """The answer lines that end the form are printed "keep with next" (kind
    ``answer_keep``), so the sign-off never stands alone on a new page."""
    for block in reversed(blocks):
        if block["kind"] != "answer":
            break
        block["kind"] = "answer_keep"


def _title(meta: Mapping[str, Any], key: str) -> str:
    return str(meta.get(key) or "").strip().upper()


def _block(
    kind: str,
    text: str = "",
    value: str = "",
    code: str = "",
    rows: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    # Every block carries every key: the template tests b.kind and reads the
    # others, and a key missing from a dict is an error in py3o's strict mode.
    # The paper prints no question code: ``code`` (which templates print)
    # stays empty; ``qcode`` keeps the code for whoever needs it.
    return {
        "kind": kind,
        "text": text,
        "value": value,
        "code": "",
        "qcode": code,
        "rows": list(rows),
    }


def _section_blocks(
    section: Section, answers: Mapping[str, Any], year: int, depth: int
) -> list[dict[str, Any]]:
    title = section.title
    if depth == 0:
        kind = "h1"
    elif title.split(".", 1)[0] in {"I", "II", "III", "IV", "V"}:
        kind = "h2"
    else:
        kind = "h3"
    blocks = [_block(kind, title)]
    shared: list[Question] = []  # questions printed on one line ("A/ B: 12/13")
    for child in section.children:
        same_line = (
            isinstance(child, Question) and shared and child.line == shared[0].line
        )
        if shared and not same_line:
            blocks.append(_shared_line_block(shared, answers))
            shared = []
        if isinstance(child, Section):
            blocks += _section_blocks(child, answers, year, depth + 1)
        elif child.line:
            shared.append(child)
        else:
            blocks += _question_blocks(child, answers, year)
    if shared:
        blocks.append(_shared_line_block(shared, answers))
    return blocks


def _label(question: Question, year: int, inline: bool = False) -> str:
    parts = [question.bullet, render_text(question.text, year), question.hint]
    label = " ".join(p for p in parts if p)
    # An answer written on the same line always follows a colon; a label
    # whose answer goes below keeps the paper's own final punctuation.
    ends = (":",) if inline else (".", ":", ")", "?")
    if not label.endswith(ends):
        label += ":"
    return label


def _shared_line_block(
    group: list[Question], answers: Mapping[str, Any]
) -> dict[str, Any]:
    first = group[0]
    label = " ".join(p for p in (first.bullet, first.line) if p) + ":"
    values = [_scalar_text(q, answers.get(q.code)) for q in group]
    value = " / ".join(v if v else LEADER_SHORT[:15] for v in values)
    code = ", ".join(q.code for q in group)
    return _block("field", label, value, code)


def _question_blocks(
    question: Question, answers: Mapping[str, Any], year: int
) -> list[dict[str, Any]]:
    raw = _answer(question, answers)
    kind = question.kind
    if kind in _INLINE_KINDS:
        value = _scalar_text(question, raw) or LEADER_SHORT
        return [_block("field", _label(question, year, True), value, question.code)]
    head = _block("question", _label(question, year), code=question.code)
    if kind in _CHOICE_KINDS:
        return [head, _block("choices", value=_choices_line(question, raw))]
    if kind == "text":
        lines = _text_lines(raw)
        if not lines:
            # Two dotted lines to write on, as the paper leaves.
            lines = [LEADER_LINE, LEADER_LINE]
        return [head] + [_block("answer", value=line) for line in lines]
    if kind == "operators":
        return [head, _table_block(question, raw, OPERATOR_FIELDS)]
    if kind == "incidents":
        return [head, _table_block(question, raw, INCIDENT_FIELDS)]
    if kind == "note":
        return [_block("para", _label(question, year).rstrip(":"), code=question.code)]
    if kind == "repeat":
        return [head, *_repeat_blocks(question, raw)]
    raise DocumentDataError(f"{question.code}: kind {kind!r} cannot be printed")


def _repeat_blocks(question: Question, value: Any) -> list[dict[str, Any]]:
    """A repeat's lines, one printed line each ("1. Họ tên: …; Đơn vị: …")."""
    if value is None:
        count = max(question.min_items, _BLANK_REPEAT_ROWS)
        return [
            _block(
                "answer",
                value=f"{n}. "
                + "; ".join(f"{c.text}: {LEADER_SHORT[:20]}" for c in question.columns),
            )
            for n in range(1, count + 1)
        ]
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise DocumentDataError(f"{question.code}: expected a list of lines")
    if not value:
        return [_block("answer", value="Không có.")]
    blocks = []
    for n, line in enumerate(value, start=1):
        if not isinstance(line, Mapping):
            raise DocumentDataError(
                f"{question.code}: line {n} is not a mapping: {line!r}"
            )
        cells = []
        for column in question.columns:
            raw = line.get(column.code)
            if column.kind in _CHOICE_KINDS:
                text = _chosen_labels(column, raw)
            else:
                text = _scalar_text(column, None if raw is False else raw)
            cells.append(f"{column.text}: {text or '…'}")
        blocks.append(_block("answer", value=f"{n}. " + "; ".join(cells)))
    return blocks


def _chosen_labels(question: Question, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    values = value if isinstance(value, list | tuple) else [value]
    chosen = {_choice_value(question, v) for v in values}
    return ", ".join(c.label for c in question.choices if c.value in chosen)


def _answer(question: Question, answers: Mapping[str, Any]) -> Any:
    value = answers.get(question.code)
    # Odoo hands an empty field over as False; only a yes/no means "no" by it.
    if value is False and question.kind != "yesno":
        return None
    return value


def _scalar_text(question: Question, value: Any) -> str:
    if value is False:
        value = None
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if question.kind in ("integer", "percent"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise DocumentDataError(f"{question.code}: {value!r} is not a number")
        text = str(value).strip()
        if isinstance(value, float):
            # Vietnamese decimal comma; whole numbers print without ",0".
            text = f"{value:g}".replace(".", ",")
        return f"{text}%" if question.kind == "percent" else text
    if question.kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DocumentDataError(f"{question.code}: {value!r} is not a number")
        return (
            f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)
        )
    if question.kind == "date":
        day = parse_date(value, question.code)
        return nd30.format_date(day) if day else ""
    return " ".join(str(value).split())


def _text_lines(value: Any) -> list[str]:
    if value is None:
        return []
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def _choice_value(question: Question, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if question.kind == "yesno" and isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text not in {c.value for c in question.choices}:
        known = ", ".join(c.value for c in question.choices)
        raise DocumentDataError(
            f"{question.code}: {value!r} is not one of its choices ({known})"
        )
    return text


def _choices_line(question: Question, value: Any) -> str:
    if question.kind == "select_multiple":
        values = value if isinstance(value, list | tuple) else []
        if value not in (None, "", []) and not isinstance(value, list | tuple):
            raise DocumentDataError(f"{question.code}: {value!r} is not a list")
        chosen = {_choice_value(question, v) for v in values}
    else:
        chosen = {_choice_value(question, value)}
    return _GAP.join(
        f"{CHECKED if c.value in chosen else UNCHECKED}{_NBSP}{c.label}"
        for c in question.choices
    )


def _table_block(
    question: Question, value: Any, fields: tuple[tuple[str, str, str], ...]
) -> dict[str, Any]:
    keys = [key for key, _, _ in fields]
    if value is None:
        blank = (
            _BLANK_OPERATOR_ROWS
            if question.kind == "operators"
            else _BLANK_INCIDENT_ROWS
        )
        count = max(question.min_items, blank)
        rows = [{"no": str(n), **dict.fromkeys(keys, "")} for n in range(1, count + 1)]
        return _block(question.kind, rows=rows)
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise DocumentDataError(f"{question.code}: expected a list of lines")
    if not value:
        # Answered "none": one line says so rather than an empty table.
        return _block("answer", value="Không có.")
    rows = []
    for n, line in enumerate(value, start=1):
        if not isinstance(line, Mapping):
            raise DocumentDataError(
                f"{question.code}: line {n} is not a mapping: {line!r}"
            )
        rows.append(
            {"no": str(n)} | {k: " ".join(str(line.get(k) or "").split()) for k in keys}
        )
    return _block(question.kind, rows=rows)


# ------------------------------------------------------------ outputs ---


def _check_formats(fmts: Iterable[str]) -> tuple[str, ...]:
    fmts = tuple(fmts)
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown:
        raise RenderError(
            f"unknown output format(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(FORMATS)}"
        )
    return fmts


def _template(override: TemplateSource | None, name: str) -> str | Path | bytes:
    # The addon passes an administrator's uploaded template as bytes; the
    # shipped one is the fallback.
    return template_path(name) if override is None else override


def render_dispatch_odt(
    dispatch: Mapping[str, Any], *, template: TemplateSource | None = None
) -> bytes:
    """The dispatch as filled ODT (``template``: a replacement template)."""
    return render_odt(
        _template(template, DISPATCH_TEMPLATE),
        dispatch_data(dispatch),
        name=DISPATCH_TEMPLATE,
        schema=SCHEMAS["dispatch"],
    )


def render_form_odt(
    form: FormDefinition,
    answers: Mapping[str, Any] | None,
    meta: Mapping[str, Any],
    *,
    template: TemplateSource | None = None,
) -> bytes:
    """One form as filled ODT (``template``: a replacement template)."""
    return render_odt(
        _template(template, FORM_TEMPLATE),
        form_data(form, answers, meta),
        name=FORM_TEMPLATE,
        schema=SCHEMAS["form"],
    )


def render_dispatch(
    dispatch: Mapping[str, Any],
    fmts: Iterable[str] = ("odt", "pdf", "docx"),
    with_forms: bool = True,
    *,
    template: TemplateSource | None = None,
    form_template: TemplateSource | None = None,
) -> dict[str, bytes]:
    """The dispatch in each of ``fmts`` (keys are the formats).

    With ``with_forms`` the PDF continues with the blank forms listed in
    ``dispatch["forms"]`` (converted in the same LibreOffice start); ODT and
    DOCX hold the dispatch only.  ``template`` / ``form_template`` replace
    the shipped templates (path or bytes).
    """
    fmts = _check_formats(fmts)
    data = dispatch_data(dispatch)
    odt = render_odt(
        _template(template, DISPATCH_TEMPLATE),
        data,
        name=DISPATCH_TEMPLATE,
        schema=SCHEMAS["dispatch"],
    )
    out: dict[str, bytes] = {}
    if "odt" in fmts:
        out["odt"] = odt
    if "pdf" in fmts:
        batch = {"dispatch": odt}
        if with_forms:
            meta = attached_form_meta(data)
            for index, form in enumerate(attached_forms(dispatch)):
                batch[f"form_{index}_{form.form_type}"] = render_form_odt(
                    form, None, meta, template=form_template
                )
        pdfs = convert(batch, "pdf")
        out["pdf"] = merge_pdfs([pdfs[key] for key in batch])
    if "docx" in fmts:
        out["docx"] = convert({"dispatch": odt}, "docx")["dispatch"]
    return out


def render_form(
    form: FormDefinition,
    answers: Mapping[str, Any] | None,
    meta: Mapping[str, Any],
    fmts: Iterable[str] = ("odt", "pdf"),
    *,
    template: TemplateSource | None = None,
) -> dict[str, bytes]:
    """One form (``answers`` None: blank) in each of ``fmts``."""
    fmts = _check_formats(fmts)
    odt = render_form_odt(form, answers, meta, template=template)
    out: dict[str, bytes] = {}
    for fmt in fmts:
        out[fmt] = (
            odt if fmt == "odt" else convert({form.form_type: odt}, fmt)[form.form_type]
        )
    return out


def render_forms_batch(
    items: Sequence[tuple[FormDefinition, Mapping[str, Any] | None, Mapping[str, Any]]],
    fmt: str = "pdf",
    *,
    template: TemplateSource | None = None,
) -> list[bytes]:
    """Many forms in one LibreOffice start, in the order of ``items``."""
    _check_formats((fmt,))
    # every form filled in one child process (vcsurvey.render.render_odts)
    source = _template(template, FORM_TEMPLATE)
    filled = render_odts(
        [
            (source, form_data(form, answers, meta), FORM_TEMPLATE, SCHEMAS["form"])
            for form, answers, meta in items
        ]
    )
    odts = {
        f"form{index}_{form.form_type}": odt
        for index, ((form, _answers, _meta), odt) in enumerate(
            zip(items, filled, strict=True)
        )
    }
    if fmt == "odt":
        return list(odts.values())
    converted = convert(odts, fmt)
    return [converted[key] for key in odts]


def merge_pdfs(pdfs: Sequence[bytes]) -> bytes:
    """One PDF with the pages of ``pdfs`` in order."""
    if len(pdfs) == 1:
        return pdfs[0]
    from PyPDF2 import PdfMerger

    merger = PdfMerger()
    try:
        for pdf in pdfs:
            merger.append(io.BytesIO(pdf))
        buffer = io.BytesIO()
        merger.write(buffer)
    except Exception as exc:  # PyPDF2's errors share no base class
        raise RenderError(f"could not merge the PDFs: {exc}") from exc
    finally:
        merger.close()
    return buffer.getvalue()
