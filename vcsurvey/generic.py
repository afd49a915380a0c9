"""Consolidation and summary of a round for any form version ("generic").

The 2017 forms keep their hand-written narrative (:mod:`vcsurvey.consolidate`,
:mod:`vcsurvey.summary`, :mod:`vcsurvey.xlsx`: the 2017 summary template);
every other version (``FormDefinition.summary == "generic"``) is summed up
here from its definition alone, section by section, one table per question
kind:

* choices (choice, status, yes/no, select_multiple): a row per replying unit
  ticking its choice(s), a totals row counting each choice, and "chưa trả
  lời" (unanswered);
* numbers (integer, decimal, percent): a table per section with a column per
  question, a row per unit, and a totals row: sums (the mean for
  percentages);
* texts (char, text, ip, e-mail, phone, date): the non-empty answers listed
  by unit;
* repeats (repeat, operators, incidents): every line of every unit, one row
  each, with the unit in the first column.

Answers of hidden questions (``relevant`` false) are dropped first
(:func:`vcsurvey.validation.clear_hidden`).  Round data and replies follow
:func:`vcsurvey.consolidate.consolidate` (same ``addressed`` /
``submissions`` input, same choice of the standing reply per unit, same
overview).

Outputs: :func:`consolidate` (plain data), :func:`render_summary` (an ODT
written here, converted through LibreOffice to PDF/DOCX, and an XLSX
workbook whose user texts are always string cells, never formulas);
:func:`vcsurvey.summary.render_any` picks this module or the 2017 one by
``form.summary``.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from vcsurvey import nd30
from vcsurvey.consolidate import (
    _by_name,
    _overview,
    _replied,
    _units,
    to_date,
)
from vcsurvey.forms import LINE_KINDS, FormDefinition, Question, Section
from vcsurvey.render import FORMATS, RenderError, convert
from vcsurvey.validation import clear_hidden

CHOICE_KINDS = ("choice", "status", "yesno", "select_multiple")
NUMBER_KINDS = ("integer", "decimal", "percent")
TEXT_KINDS = ("char", "text", "ip", "email", "phone", "date")
UNANSWERED = "Chưa trả lời"
TICK = "x"
OUTPUT_FORMATS = (*FORMATS, "xlsx")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    """Text for a document cell: XML-illegal characters dropped."""
    if text is None:
        return ""
    return _XML_ILLEGAL.sub("", str(text))


def _number_text(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def _label(question: Question) -> str:
    return " ".join(p for p in (question.bullet, question.text) if p)


# ------------------------------------------------------------ consolidate ---


def _forms_for(
    forms: FormDefinition | Mapping[str, FormDefinition],
) -> dict[str, FormDefinition]:
    if isinstance(forms, FormDefinition):
        return {"": forms}
    return dict(forms)


def _form_of(
    forms: dict[str, FormDefinition], unit: Mapping[str, Any]
) -> FormDefinition | None:
    if "" in forms:
        return forms[""]
    submission = unit.get("submission") or {}
    for key in (submission.get("form_code"), unit.get("form_type")):
        if key in forms:
            return forms[key]
    return None


def _choice_table(question: Question, replies: list[tuple[str, dict]]) -> dict:
    labels = [c.label for c in question.choices]
    totals = [0] * len(labels)
    unanswered = 0
    rows = []
    for unit, answers in replies:
        value = answers.get(question.code)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        chosen = set(value) if isinstance(value, list | tuple) else {value}
        ticks = []
        for index, choice in enumerate(question.choices):
            hit = choice.value in chosen
            totals[index] += hit
            ticks.append(TICK if hit else "")
        missing = not any(ticks)
        unanswered += missing
        rows.append([unit, *ticks, TICK if missing else ""])
    return {
        "kind": "choices",
        "code": question.code,
        "title": _label(question),
        "header": ["Đơn vị", *labels, UNANSWERED],
        "rows": rows,
        "totals": ["Tổng số", *map(str, totals), str(unanswered)],
        "counts": dict(zip([c.value for c in question.choices], totals, strict=True))
        | {"": unanswered},
    }


def _as_number(value: object) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number_table(questions: list[Question], replies: list[tuple[str, dict]]) -> dict:
    rows = []
    columns: list[list[float | int]] = [[] for _ in questions]
    for unit, answers in replies:
        row = [unit]
        for index, question in enumerate(questions):
            value = _as_number(answers.get(question.code))
            if value is not None:
                columns[index].append(value)
            row.append(_number_text(value))
        rows.append(row)
    totals = ["Tổng số"]
    sums: dict[str, float | int] = {}
    for question, values in zip(questions, columns, strict=True):
        if question.kind == "percent":
            mean = sum(values) / len(values) if values else None
            totals.append(f"TB {_number_text(mean)}" if mean is not None else "")
            if mean is not None:
                sums[question.code] = mean
        else:
            total = sum(values)
            totals.append(_number_text(total))
            sums[question.code] = total
    return {
        "kind": "numbers",
        "code": ",".join(q.code for q in questions),
        "title": "",
        "header": ["Đơn vị", *(_label(q) for q in questions)],
        "rows": rows,
        "totals": totals,
        "sums": sums,
    }


def _text_value(question: Question, value: object) -> str:
    if value is None or value is False:
        return ""
    if question.kind == "date":
        try:
            day = to_date(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            day = None
        return nd30.format_date(day) if day else str(value)
    return " ".join(str(value).split())


def _text_table(question: Question, replies: list[tuple[str, dict]]) -> dict:
    rows = []
    for unit, answers in replies:
        text = _text_value(question, answers.get(question.code))
        if text:
            rows.append([unit, text])
    return {
        "kind": "texts",
        "code": question.code,
        "title": _label(question),
        "header": ["Đơn vị", "Nội dung"],
        "rows": rows,
        "totals": [],
    }


def _cell(column: Question, value: object) -> str:
    if column.kind in CHOICE_KINDS:
        if isinstance(value, bool):
            value = "yes" if value else "no"
        values = value if isinstance(value, list | tuple) else [value]
        return ", ".join(c.label for c in column.choices if c.value in values)
    if column.kind in NUMBER_KINDS:
        return _number_text(_as_number(value))
    return _text_value(column, value)


def _line_table(question: Question, replies: list[tuple[str, dict]]) -> dict:
    rows = []
    for unit, answers in replies:
        lines = answers.get(question.code)
        if not isinstance(lines, list | tuple):
            continue
        for line in lines:
            if isinstance(line, Mapping):
                rows.append(
                    [unit, *(_cell(c, line.get(c.code)) for c in question.columns)]
                )
    return {
        "kind": "lines",
        "code": question.code,
        "title": _label(question),
        "header": ["Đơn vị", *(c.text for c in question.columns)],
        "rows": rows,
        "totals": [],
    }


def _section_tables(
    section: Section, replies: list[tuple[str, dict]], depth: int
) -> list[dict[str, Any]]:
    tables: list[dict[str, Any]] = []
    numbers: list[Question] = []
    subsections: list[dict[str, Any]] = []
    for child in section.children:
        if isinstance(child, Section):
            subsections += _section_tables(child, replies, depth + 1)
            continue
        if child.kind in NUMBER_KINDS:
            numbers.append(child)
        elif child.kind in CHOICE_KINDS:
            tables.append(_choice_table(child, replies))
        elif child.kind in TEXT_KINDS:
            tables.append(_text_table(child, replies))
        elif child.kind in LINE_KINDS:
            tables.append(_line_table(child, replies))
    if numbers:
        tables.insert(0, _number_table(numbers, replies))
    own = {
        "code": section.code,
        "title": section.title,
        "depth": depth,
        "tables": tables,
    }
    return [own, *subsections]


def _title(form: FormDefinition, round_data: Mapping[str, Any]) -> str:
    year = round_data.get("year")
    province = str(round_data.get("province") or "")
    if not isinstance(year, int) or not province:
        return form.title.replace("{province_upper}", province.upper()).replace(
            "{year}", str(year or "")
        )
    return form.render_title(year, province)


def consolidate(
    round_data: Mapping[str, Any],
    forms: FormDefinition | Mapping[str, FormDefinition],
) -> dict[str, Any]:
    """The generic summary's data (see the module docstring).

    ``forms`` is the one version of the round or ``{form_type: version}``
    (a submission's ``form_code`` is tried first, then its unit's
    ``form_type``).
    """
    by_key = _forms_for(forms)
    units = list(_units(round_data).values())
    deadline = to_date(round_data.get("deadline"))
    overview = _overview(units, deadline)
    per_form: dict[int, dict[str, Any]] = {}
    for unit in _by_name(units):
        if not _replied(unit):
            continue
        form = _form_of(by_key, unit)
        if form is None:
            continue
        entry = per_form.setdefault(id(form), {"form": form, "replies": []})
        answers = unit["submission"].get("answers") or {}
        entry["replies"].append((unit["name"], clear_hidden(form, answers)))
    result_forms = []
    for entry in per_form.values():
        form: FormDefinition = entry["form"]
        replies = entry["replies"]
        sections = []
        for section in form.sections:
            sections += _section_tables(section, replies, 0)
        result_forms.append(
            {
                "code": form.code,
                "name": form.name,
                "title": _title(form, round_data),
                "version": form.version,
                "form_type": form.form_type,
                "units": [name for name, _ in replies],
                "sections": sections,
            }
        )
    return {
        "round": {
            "year": round_data.get("year"),
            "province": round_data.get("province") or "",
            "deadline": deadline,
            "cutoff": to_date(round_data.get("cutoff")),
            "dispatch": round_data.get("dispatch") or {},
        },
        "overview": overview,
        "forms": result_forms,
    }


# ---------------------------------------------------------------- ODT -----

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


_STYLES = {
    # name: (family, paragraph props, text props)
    "Center": ("paragraph", {"text-align": "center"}, {}),
    "CenterBold": ("paragraph", {"text-align": "center"}, {"font-weight": "bold"}),
    "Right": ("paragraph", {"text-align": "end"}, {"font-style": "italic"}),
    "Body": ("paragraph", {"text-align": "justify", "text-indent": "1cm"}, {}),
    "H1": ("paragraph", {"margin-top": "0.3cm"}, {"font-weight": "bold"}),
    "H2": ("paragraph", {"margin-top": "0.2cm"}, {"font-weight": "bold"}),
    "Cell": ("paragraph", {}, {"font-size": "11pt"}),
    "HeadCell": ("paragraph", {"text-align": "center"}, {"font-weight": "bold"}),
}


def _odt(data: Mapping[str, Any]) -> bytes:
    """A minimal ODT (content.xml + styles.xml) for the generic summary."""
    root = etree.Element(_q("office", "document-content"), nsmap=_NS)
    root.set(_q("office", "version"), "1.2")
    fonts = etree.SubElement(root, _q("office", "automatic-styles"))
    cell_style = etree.SubElement(fonts, _q("style", "style"))
    cell_style.set(_q("style", "name"), "Grid")
    cell_style.set(_q("style", "family"), "table-cell")
    props = etree.SubElement(cell_style, _q("style", "table-cell-properties"))
    props.set(_q("fo", "border"), "0.5pt solid #000000")
    props.set(_q("fo", "padding"), "0.05cm")
    body = etree.SubElement(
        etree.SubElement(root, _q("office", "body")), _q("office", "text")
    )

    def para(text: str, style: str = "Body") -> None:
        node = etree.SubElement(body, _q("text", "p"))
        node.set(_q("text", "style-name"), style)
        node.text = clean(text)

    def table(header: list[str], rows: list[list[str]], totals: list[str]) -> None:
        node = etree.SubElement(body, _q("table", "table"))
        etree.SubElement(node, _q("table", "table-column")).set(
            _q("table", "number-columns-repeated"), str(len(header))
        )
        for cells, style in (
            [(header, "HeadCell")]
            + [(row, "Cell") for row in rows]
            + ([(totals, "HeadCell")] if totals else [])
        ):
            row_node = etree.SubElement(node, _q("table", "table-row"))
            for value in cells:
                cell = etree.SubElement(row_node, _q("table", "table-cell"))
                cell.set(_q("table", "style-name"), "Grid")
                cell.set(_q("office", "value-type"), "string")
                text = etree.SubElement(cell, _q("text", "p"))
                text.set(_q("text", "style-name"), style)
                text.text = clean(value)

    para(data["parent_agency"], "Center")
    para(data["agency"], "CenterBold")
    para(nd30.NATIONAL_MOTTO, "CenterBold")
    para(nd30.NATIONAL_SLOGAN, "CenterBold")
    para(data["number_line"], "Center")
    para(data["date_line"], "Right")
    para(data["doc_type"], "CenterBold")
    para(data["subject"], "CenterBold")
    for line in data["recipient_lines"]:
        para(line, "Center")
    for line in data["intro"]:
        para(line)
    for line in data["response_lines"]:
        para(line)
    for form in data["forms"]:
        para(form["title"], "H1")
        for section in form["sections"]:
            if section["title"]:
                para(section["title"], "H1" if section["depth"] == 0 else "H2")
            for item in section["tables"]:
                if item["title"]:
                    para(item["title"], "H2")
                if item["rows"]:
                    table(item["header"], item["rows"], item["totals"])
                else:
                    para("Không có số liệu.")
    para(data["closing"])
    para("Nơi nhận:", "H2")
    for line in data["cc_lines"]:
        para(line, "Cell")
    para(data["signer_authority"], "CenterBold")
    if data["signer_position"]:
        para(data["signer_position"], "CenterBold")
    para("", "Center")
    para(data["signer_name"], "CenterBold")
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return _package(content, _styles_xml())


def _styles_xml() -> bytes:
    root = etree.Element(_q("office", "document-styles"), nsmap=_NS)
    root.set(_q("office", "version"), "1.2")
    styles = etree.SubElement(root, _q("office", "styles"))
    default = etree.SubElement(styles, _q("style", "default-style"))
    default.set(_q("style", "family"), "paragraph")
    text = etree.SubElement(default, _q("style", "text-properties"))
    text.set(_q("style", "font-name"), "Liberation Serif")
    text.set(_q("fo", "font-family"), "'Liberation Serif'")
    text.set(_q("fo", "font-size"), "13pt")
    for name, (family, para_props, text_props) in _STYLES.items():
        style = etree.SubElement(styles, _q("style", "style"))
        style.set(_q("style", "name"), name)
        style.set(_q("style", "family"), family)
        paragraph = etree.SubElement(style, _q("style", "paragraph-properties"))
        for key, value in para_props.items():
            paragraph.set(_q("fo", key), value)
        if text_props:
            node = etree.SubElement(style, _q("style", "text-properties"))
            for key, value in text_props.items():
                node.set(_q("fo", key), value)
    automatic = etree.SubElement(root, _q("office", "automatic-styles"))
    layout = etree.SubElement(automatic, _q("style", "page-layout"))
    layout.set(_q("style", "name"), "A4")
    props = etree.SubElement(layout, _q("style", "page-layout-properties"))
    for key, value in (
        ("page-width", "21cm"),
        ("page-height", "29.7cm"),
        ("margin-top", "2cm"),
        ("margin-bottom", "2cm"),
        ("margin-left", "3cm"),
        ("margin-right", "2cm"),
    ):
        props.set(_q("fo", key), value)
    master = etree.SubElement(
        etree.SubElement(root, _q("office", "master-styles")),
        _q("style", "master-page"),
    )
    master.set(_q("style", "name"), "Standard")
    master.set(_q("style", "page-layout-name"), "A4")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _package(content: bytes, styles: bytes) -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
        'manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" '
        'manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("styles.xml", styles, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(
            "META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED
        )
    return out.getvalue()


# ------------------------------------------------------------ document data ---


def summary_data(
    summary: Mapping[str, Any], meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What the generic report prints (texts only)."""
    from vcsurvey.summary import (  # the shared header/footer rules
        DOC_TYPE,
        _agency_in_text,
        _intro,
        _recipient_lines,
        _response_lines,
        resolve_meta,
    )

    meta = resolve_meta(summary, meta)
    who = _agency_in_text(meta["agency"], str(meta.get("agency_in_text") or ""))
    year = summary["round"].get("year") or ""
    signer: nd30.Signer = meta["signer"]
    subject = meta.get("subject") or (
        f"Kết quả khảo sát hệ thống giao ban trực tuyến trên địa bàn tỉnh năm {year}"
    )
    return {
        "parent_agency": meta["parent_agency"].upper(),
        "agency": meta["agency"].upper(),
        "number_line": nd30.format_number(meta["number"], meta["notation"]),
        "date_line": nd30.format_date_line(meta["place"], meta["date"]),
        "doc_type": DOC_TYPE,
        "subject": str(subject),
        "recipient_lines": _recipient_lines(meta["recipients"]),
        "intro": _intro(summary, who),
        "response_lines": _response_lines(summary, who),
        "forms": summary["forms"],
        "closing": f"Trên đây là báo cáo kết quả khảo sát năm {year} của {who}./.",
        "cc_lines": nd30.cc_lines(meta["cc"], meta["archive"], first=""),
        "signer_authority": signer.authority_line,
        "signer_position": signer.position_line,
        "signer_name": signer.name,
    }


# ---------------------------------------------------------------- XLSX ----


def summary_workbook(summary: Mapping[str, Any], meta: Mapping[str, Any]) -> bytes:
    """The generic summary as a workbook: an overview, one sheet per form."""
    import openpyxl

    workbook = openpyxl.Workbook()
    overview = workbook.active
    overview.title = "Tổng quan"
    info = summary["overview"]
    year = summary["round"].get("year") or ""
    _put(overview, 1, 1, f"Kết quả khảo sát năm {year}", bold=True)
    facts = [
        ("Số đơn vị được gửi phiếu", info["addressed"]),
        ("Số đơn vị đã gửi phiếu", info["replied"]),
        ("Đúng hạn", info["on_time"]),
        ("Muộn", info["late"]),
        ("Tỷ lệ phản hồi (%)", info["response_rate"]),
        ("Đơn vị chưa gửi", ", ".join(info["missing"])),
    ]
    for index, (label, value) in enumerate(facts, start=3):
        _put(overview, index, 1, label)
        if isinstance(value, int | float) and not isinstance(value, bool):
            overview.cell(row=index, column=2, value=value)
        else:
            _put(overview, index, 2, str(value))
    used: set[str] = {"Tổng quan"}
    for form in summary["forms"]:
        title = _sheet_title(form["code"] or form["form_type"] or "Phiếu", used)
        sheet = workbook.create_sheet(title)
        row = 1
        _put(sheet, row, 1, form["name"] or form["title"], bold=True)
        row += 2
        for section in form["sections"]:
            if section["title"]:
                _put(sheet, row, 1, section["title"], bold=True)
                row += 1
            for item in section["tables"]:
                if item["title"]:
                    _put(sheet, row, 1, item["title"], bold=True)
                    row += 1
                for column, text in enumerate(item["header"], start=1):
                    _put(sheet, row, column, text, bold=True)
                row += 1
                for values in item["rows"] + (
                    [item["totals"]] if item["totals"] else []
                ):
                    for column, text in enumerate(values, start=1):
                        _put(sheet, row, column, text)
                    row += 1
                row += 1
        sheet.column_dimensions["A"].width = 32
    overview.column_dimensions["A"].width = 34
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _put(sheet: Any, row: int, column: int, text: object, bold: bool = False) -> None:
    from openpyxl.styles import Font

    cell = sheet.cell(row=row, column=column)
    # user text is always a string cell: "=..." must never become a formula
    cell.value = clean(text)
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)


def _sheet_title(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", text)[:28] or "Phiếu"
    title, n = base, 2
    while title in used:
        title = f"{base[:25]}_{n}"
        n += 1
    used.add(title)
    return title


# ---------------------------------------------------------------- render --


def render_summary(
    round_data: Mapping[str, Any],
    forms: FormDefinition | Mapping[str, FormDefinition],
    meta: Mapping[str, Any] | None = None,
    fmts: Iterable[str] = ("odt", "pdf", "xlsx"),
) -> dict[str, bytes]:
    """The generic summary of ``round_data`` in each of ``fmts``."""
    from vcsurvey.summary import resolve_meta

    if meta is None:
        meta = round_data.get("meta")
    fmts = list(dict.fromkeys(fmts))
    unknown = [f for f in fmts if f not in OUTPUT_FORMATS]
    if unknown:
        raise RenderError(
            f"unknown output format(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(OUTPUT_FORMATS)}"
        )
    summary = consolidate(round_data, forms)
    out: dict[str, bytes] = {}
    documents = [f for f in fmts if f != "xlsx"]
    if documents:
        odt = _odt(summary_data(summary, meta))
        for fmt in documents:
            out[fmt] = (
                odt if fmt == "odt" else convert({"summary": odt}, fmt)["summary"]
            )
    if "xlsx" in fmts:
        out["xlsx"] = summary_workbook(summary, resolve_meta(summary, meta))
    return {fmt: out[fmt] for fmt in fmts}
