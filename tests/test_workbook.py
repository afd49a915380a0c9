"""Offline workbooks: build, fill by defined names, read back; bad files."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from soffice_support import needs_soffice

from vcsurvey import forms, workbook
from vcsurvey.forms import Choice, FormDefinition, Question, Section

KEY = b"database-secret"
ROUND = {"id": 7, "name": "Khảo sát năm 2017"}
UNIT = {"id": 12, "name": "UBND huyện Bắc Quang"}
OTHER_UNIT = {"id": 13, "name": "UBND huyện Đồng Văn"}
EXPECTED = {
    "round_id": 7,
    "round_name": ROUND["name"],
    "unit_id": 12,
    "unit_name": UNIT["name"],
}

DISTRICT_ANSWERS: dict[str, object] = {
    "B.name": "Nguyễn Thị Mỹ",
    "B.position": "Chuyên viên",
    "B.unit": "UBND huyện Bắc Quang",
    "B.phone": "0912345678",
    "B.email": "my@bacquang.gov.vn",
    "I.1.location": "Hội trường UBND huyện",
    "I.1.ip": "10.1.2.3",
    "I.1.meetings": 48,
    "I.2": True,
    "I.3.camera": "stable",
    "I.3.microphone": "unstable",
    "I.3.audio": "stable",
    "I.3.vcs": "not_working",
    "I.4": "stable",
    "I.5": False,
    "I.6": [
        {
            "symptom": "Mất tiếng",
            "count": 3,
            "cause": "Micro hỏng",
            "fix": "Thay micro",
            "endpoint": "Điểm cầu huyện",
        }
    ],
    "I.7": True,
    "I.8": False,
    "I.9": "Tiết kiệm chi phí đi lại =)",
    "I.10": [
        {
            "name": "Trần Văn B",
            "position": "Kỹ thuật viên",
            "phone": "0987654321",
            "email": "b@bacquang.gov.vn",
            "unit": "Văn phòng HĐND-UBND",
        },
        {
            "name": "Lê Thị C",
            "position": None,
            "phone": "0211 3861 234",
            "email": "c@bacquang.gov.vn",
            "unit": None,
        },
    ],
    "I.11": "=Không có",  # text that looks like a formula stays text
    "II.1.endpoints": 23,
    "II.1.communes": 23,
    "II.1.communes_without_endpoint": 0,
    "II.1.meetings": 12,
    "II.2.camera": "stable",
    "II.2.microphone": "stable",
    "II.2.audio": "unstable",
    "II.2.vcs": "stable",
    "II.3": "stable",
    "II.4": True,
    "II.7": True,
    "II.6": False,
    "II.8": "Hiệu quả",
}
CENTER_ANSWERS: dict[str, object] = {
    "B.name": "Phạm Văn D",
    "B.phone": "0913000111",
    "C.1.name": "Hoàng Văn E",
    "C.1.phone": "0913222333",
    "C.1.email": "e@hagiang.gov.vn",
    "C.1.endpoint": "UBND tỉnh",
    "C.1.sessions": 120,
    "C.1.level4": 20,
    "C.1.level3": 30,
    "C.1.level2": 40,
    "C.2": True,
    "C.3": "at_meeting_time",
    "C.4": 12.5,
    "C.5.mcu_ip": "10.0.0.1",
    "C.5.maintenance": False,
    "C.6": [
        {
            "symptom": "Treo MCU",
            "count": 1,
            "cause": None,
            "fix": "Khởi động lại",
            "endpoint": None,
        }
    ],
    "C.7": True,
    "C.8.full": False,
    "C.8.partial": "Điểm cầu Đồng Văn",
}


def small_generic_form() -> FormDefinition:
    """A small non-2017 version whose codes are not all valid Excel names."""
    return FormDefinition(
        form_type="commune",
        version="2026",
        title="PHIẾU KHẢO SÁT NĂM {year}",
        audience="(dành cho UBND các xã, phường)",
        issued_with="",
        guidance=(),
        sections=(
            Section(
                "S1",
                "1. Thông tin chung",
                (
                    Question("q1", "Tên điểm cầu", "char", True),
                    Question("my-name", "Người điền phiếu", "char"),
                    Question("R1C1", "Số phòng họp", "integer"),
                    Question(
                        "kind",
                        "Loại kết nối",
                        "choice",
                        choices=(
                            Choice("wan", "Mạng TSLCD"),
                            Choice("net", "Internet"),
                        ),
                    ),
                    Question("share", "Tỷ lệ kết nối muộn", "percent"),
                    Question("A1", "Email", "email"),
                ),
            ),
        ),
        signoff=(),
    )


# ----------------------------------------------------------------- helpers ---


def build(
    form: Any, answers: dict | None = None, unit: dict = UNIT, **kw: Any
) -> bytes:
    return workbook.build_workbook(
        form,
        round_info=ROUND,
        unit_info=unit,
        answers=answers,
        year=2017,
        key=KEY,
        **kw,
    )


def _target(wb: openpyxl.Workbook, code: str) -> tuple[Any, str]:
    name = workbook.defined_name(code)
    found = [d for d in wb.defined_names.definedName if d.name == name]
    assert found, f"no defined name {name}"
    ((sheet, ref),) = list(found[0].destinations)
    return wb[sheet], ref.replace("$", "")


def fill(data: bytes, answers: dict[str, object], form: Any) -> bytes:
    """Fill a workbook by its defined names only, as any tool would."""
    return workbook.fill_workbook(data, form, answers)


def edit(data: bytes, change) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read(data: bytes, form: Any, **kw: Any):
    kw.setdefault("expected_meta", EXPECTED)
    kw.setdefault("key", KEY)
    return workbook.read_workbook(data, form, **kw)


def given(answers: dict) -> dict:
    return {k: v for k, v in answers.items() if v is not None}


def messages(problems: list[dict]) -> str:
    return "\n".join(p["message"] for p in problems)


# ------------------------------------------------------------------ names ---


@pytest.mark.parametrize(
    "code", ["I.3.camera", "B.name", "C.1.level4", "II.1.endpoints", "I.10", "C.3"]
)
def test_valid_codes_are_their_own_names(code):
    """2017 codes are valid Excel names and are used as they are."""
    assert workbook.defined_name(code) == code


@pytest.mark.parametrize(
    "code, name",
    [
        ("q1", "_q_q1"),
        ("A1", "_q_A1"),
        ("R1C1", "_q_R1C1"),
        ("C", "_q_C"),
        ("r", "_q_r"),
        ("my-name", "_q_my_002D_name"),
        ("ns:x", "_q_ns_003A_x"),
        ("_q_x", "_q__005F_q_005F_x"),
        ("TRUE", "_q_TRUE"),
        ("1abc", "_q_1abc"),
        ("xfd1048576.a", "_q_xfd1048576.a"),
    ],
)
def test_invalid_codes_are_mapped_reversibly(code, name):
    """Codes that are not valid defined names are escaped and decoded back."""
    assert workbook.defined_name(code) == name
    assert workbook.code_of_name(name) == code


@pytest.mark.parametrize("form_type", forms.FORM_TYPES)
def test_every_answer_cell_has_its_code_as_name(form_type):
    """Every question of the 2017 forms gets a workbook-level defined name."""
    form = forms.get_form(form_type, "2017")
    wb = openpyxl.load_workbook(io.BytesIO(build(form)))
    names = {d.name: d for d in wb.defined_names.definedName}
    assert set(names) == set(form.codes())
    for question in form.questions():
        ((sheet, ref),) = list(names[question.code].destinations)
        assert sheet == workbook.SHEET_TITLE
        cell = wb[sheet][ref.replace("$", "")]
        if question.kind in workbook.REPEAT_KINDS:
            header = [c.value for c in cell[0]]
            assert header[0].startswith(question.code + ".")
            assert len(cell) > max(question.min_items, workbook.DEFAULT_REPEAT_ROWS)
        else:
            assert cell.protection.locked is False


def test_layout_protection_validation_and_meta():
    """Labels locked, answers unlocked, sheet protected, lists, bounds, _meta."""
    form = forms.get_form("center", "2017")
    wb = openpyxl.load_workbook(io.BytesIO(build(form, {"C.4": 12})))
    ws = wb[workbook.SHEET_TITLE]
    assert ws.protection.sheet and not ws.protection.password
    assert wb[workbook.META_SHEET].sheet_state == "veryHidden"
    assert wb[workbook.LISTS_SHEET].sheet_state == "veryHidden"
    # unit and round prefilled and locked
    texts = {c.value: c for row in ws.iter_rows() for c in row if c.value}
    assert texts[UNIT["name"]].protection.locked
    assert texts[ROUND["name"]].protection.locked
    assert texts["3. Thời gian kiểm tra kết nối hệ thống".split(". ", 1)[1]]
    _, c3 = _target(wb, "C.3")
    _, c4 = _target(wb, "C.4")
    _, sessions = _target(wb, "C.1.sessions")
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert by_cell[c3].type == "list" and "_lists" in by_cell[c3].formula1
    assert (by_cell[c4].type, by_cell[c4].formula1, by_cell[c4].formula2) == (
        "decimal",
        "0",
        "100",
    )
    assert (by_cell[sessions].type, by_cell[sessions].operator) == (
        "whole",
        "greaterThanOrEqual",
    )
    assert ws[c4].value == 12
    meta = {r[0].value: r[1].value for r in wb[workbook.META_SHEET].iter_rows()}
    assert meta["unit_id"] == "12" and meta["form_code"] == workbook.form_code(form)
    assert len(meta["checksum"]) == 64


def test_simple_bounds():
    """Only simple bound constraints become Excel validation bounds."""
    assert workbook.simple_bounds(". >= 0 and . <= 100") == (0, 100)
    assert workbook.simple_bounds(".>=1") == (1, None)
    assert workbook.simple_bounds(". < 10") == (None, 10)
    assert workbook.simple_bounds(". >= ${x}") is None
    assert workbook.simple_bounds("regex(., '^a')") is None


@pytest.mark.parametrize(
    "text, number",
    [
        ("1.234,5", 1234.5),
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1.234", 1234),
        ("1.234.567", 1234567),
        ("1,234,567", 1234567),
        ("1,234.5", 1234.5),
        ("-3", -3),
        (" 42 ", 42),
        ("15%", 15),
        ("abc", None),
        ("1..2", None),
        ("", None),
    ],
)
def test_parse_number(text, number):
    """Numbers typed as text, Vietnamese decimal comma first."""
    assert workbook.parse_number(text) == number


# -------------------------------------------------------------- round trip ---


@pytest.mark.parametrize(
    "form_type, answers",
    [("district", DISTRICT_ANSWERS), ("center", CENTER_ANSWERS)],
)
def test_round_trip_fill_by_names(form_type, answers):
    """Build, fill by defined names, read: exactly those answers, no problem."""
    form = forms.get_form(form_type, "2017")
    data = fill(build(form), answers, form)
    read_answers, problems = read(data, form)
    assert problems == []
    assert given(read_answers) == answers
    assert set(read_answers) == set(form.codes())


@pytest.mark.parametrize(
    "form_type, answers",
    [("district", DISTRICT_ANSWERS), ("center", CENTER_ANSWERS)],
)
def test_round_trip_prefilled(form_type, answers):
    """A workbook built with the draft's answers reads back unchanged."""
    form = forms.get_form(form_type, "2017")
    read_answers, problems = read(build(form, answers), form)
    assert problems == []
    assert given(read_answers) == answers


def test_round_trip_generic_version():
    """A version with codes that need escaping round-trips through the names."""
    form = small_generic_form()
    answers = {
        "q1": "Điểm cầu xã",
        "my-name": "Vừ Mí Sính",
        "R1C1": 2,
        "kind": "net",
        "share": 7.5,
        "A1": "a@x.vn",
    }
    info = {"id": 3, "code": "commune-2026", "version": "2026"}
    data = fill(build(form, form_info=info), answers, form)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert {d.name for d in wb.defined_names.definedName} == {
        "_q_q1",
        "_q_my_002D_name",
        "_q_R1C1",
        "kind",
        "share",
        "_q_A1",
    }
    read_answers, problems = read(
        data,
        form,
        expected_meta={**EXPECTED, "form_id": 3, "form_code": "commune-2026"},
    )
    assert problems == []
    assert given(read_answers) == answers


def test_generic_version_with_new_kinds():
    """Date, decimal, select_multiple, repeat and note kinds (issue 10 forms)."""
    if "repeat" not in forms.KINDS:
        pytest.skip("forms-core's generalised kinds are not available yet")
    inner = (
        Question("op_name", "Họ tên", "char", True),
        Question("op_age", "Tuổi", "integer"),
    )
    form = FormDefinition(
        form_type="commune",
        version="2026",
        title="PHIẾU {year}",
        audience="",
        issued_with="",
        guidance=(),
        sections=(
            Section(
                "S",
                "1. Chung",
                (
                    Question("intro", "Đọc kỹ trước khi điền", "note"),
                    Question("since", "Ngày lắp đặt", "date"),
                    Question("bandwidth", "Băng thông (Mbps)", "decimal"),
                    Question(
                        "devices",
                        "Thiết bị có",
                        "select_multiple",
                        choices=(
                            Choice("cam", "Camera"),
                            Choice("mic", "Micro"),
                            Choice("tv", "Màn hình"),
                        ),
                    ),
                    Question("ops", "Cán bộ", "repeat", columns=inner),
                ),
            ),
        ),
        signoff=(),
    )
    answers = {
        "since": "2024-03-15",
        "bandwidth": 20.5,
        "devices": ["cam", "tv"],
        "ops": [{"op_name": "A", "op_age": 30}, {"op_name": "B", "op_age": None}],
    }
    data = fill(build(form), answers, form)
    read_answers, problems = read(data, form)
    assert problems == []
    assert given(read_answers) == answers


# ------------------------------------------------------- values as typed ---


def test_dates_and_numbers_typed_as_text():
    """Vietnamese decimal commas and numbers stored as text are accepted."""
    form = forms.get_form("center", "2017")

    def change(wb):
        ws, ref = _target(wb, "C.4")
        ws[ref].value = "12,5"
        ws, ref = _target(wb, "C.1.sessions")
        ws[ref].value = "1.200"
        ws, ref = _target(wb, "C.3")
        ws[ref].value = "  ngay vào giờ họp chính thức "
        ws, ref = _target(wb, "C.1.level4")
        ws[ref].value = "20"  # a count typed as text

    answers, problems = read(edit(build(form), change), form)
    assert problems == []
    assert answers["C.4"] == 12.5
    assert answers["C.1.sessions"] == 1200
    assert answers["C.3"] == "at_meeting_time"
    assert answers["C.1.level4"] == 20


def test_percent_typed_with_a_percent_sign():
    """Excel stores "12,5%" as 0.125 with a % format: read as 12.5."""
    form = forms.get_form("center", "2017")

    def change(wb):
        ws, ref = _target(wb, "C.4")
        ws[ref].value = 0.125
        ws[ref].number_format = "0.0%"

    answers, problems = read(edit(build(form), change), form)
    assert problems == []
    assert answers["C.4"] == 12.5


def test_parse_date_accepts_text_and_serials():
    """A date typed as dd/mm/yyyy text or left as a serial number is a date."""
    assert workbook.parse_date("15/03/2024") == date(2024, 3, 15)
    assert workbook.parse_date("5-3-2024") == date(2024, 3, 5)
    assert workbook.parse_date("2024-03-15") == date(2024, 3, 15)
    assert workbook.parse_date(45366) == date(2024, 3, 15)
    assert workbook.parse_date("31/02/2024") is None
    assert workbook.parse_date("hôm qua") is None


def test_wrong_values_are_reported_by_cell():
    """Bad values and validation problems name sheet, cell and question."""
    form = forms.get_form("district", "2017")
    answers = dict(DISTRICT_ANSWERS, **{"I.1.ip": "10.1.2"})
    answers["I.10"] = [dict(answers["I.10"][0], email="not-an-email")]  # type: ignore[index]
    data = fill(build(form), answers, form)

    def change(wb):
        ws, ref = _target(wb, "I.1.meetings")
        ws[ref].value = "nhiều"
        ws, ref = _target(wb, "I.3.camera")
        ws[ref].value = "Tốt"

    _, problems = read(edit(data, change), form)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    by_question = {p["question"]: p for p in problems}
    assert by_question["I.1.meetings"]["cell"] == _target(wb, "I.1.meetings")[1]
    assert "không phải là một số" in by_question["I.1.meetings"]["message"]
    assert "không thuộc các lựa chọn" in by_question["I.3.camera"]["message"]
    # conversion problems stop validation: fix them, then the rules run
    _, problems = read(data, form)
    by_question = {p["question"]: p for p in problems}
    assert by_question["I.1.ip"]["cell"] == _target(wb, "I.1.ip")[1]
    assert "I.1.ip" in by_question and "I.10[1].email" in by_question
    _, i10 = _target(wb, "I.10")
    first_line_row = int(i10.split(":")[0][1:]) + 1
    assert by_question["I.10[1].email"]["cell"] == f"E{first_line_row}"
    assert all(p["sheet"] == workbook.SHEET_TITLE for p in problems)


def test_missing_answers_do_not_block_a_draft():
    """Required answers still missing are reminders, not errors."""
    form = forms.get_form("district", "2017")
    report = workbook.read_report(build(form), form, expected_meta=EXPECTED, key=KEY)
    assert report.ok
    assert any(p["question"] == "I.1.ip" for p in report.pending)
    assert any(p["question"] == "I.10" for p in report.pending)


def test_rows_moved_names_followed():
    """A row inserted above moves the names with their cells; still read."""
    form = forms.get_form("center", "2017")
    data = fill(build(form), CENTER_ANSWERS, form)

    def change(wb):
        # what Excel does when a row is inserted above C.4: everything below
        # moves one row down, names included
        ws, ref = _target(wb, "C.4")
        ws.insert_rows(1)
        for merged in ws.merged_cells.ranges:
            merged.shift(0, 1)
        for d in wb.defined_names.definedName:
            ((sheet, r),) = list(d.destinations)
            if sheet != workbook.SHEET_TITLE:
                continue
            parts = [p.replace("$", "") for p in r.split(":")]
            moved = []
            for part in parts:
                col = "".join(ch for ch in part if ch.isalpha())
                row = int("".join(ch for ch in part if ch.isdigit())) + 1
                moved.append(f"${col}${row}")
            d.attr_text = f"'{sheet}'!" + ":".join(moved)

    answers, problems = read(edit(data, change), form)
    assert problems == []
    assert given(answers) == CENTER_ANSWERS


# ------------------------------------------------------------- bad files ---


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _replace_member(data: bytes, name: str, content: bytes | None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {n: source.read(n) for n in source.namelist() if n != name}
    if content is not None:
        members[name] = content
    return _zip(members)


def _million_rows(data: bytes) -> bytes:
    """The form with a sheet of a million (empty) rows, built in a stream."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            if name == "xl/worksheets/sheet2.xml":  # the hidden _lists sheet
                with archive.open(name, "w") as handle:
                    handle.write(
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>'
                    )
                    chunk = []
                    for n in range(1, 1_000_001):
                        chunk.append(b'<row r="%d"/>' % n)
                        if len(chunk) == 50_000:
                            handle.write(b"".join(chunk))
                            chunk = []
                    handle.write(b"".join(chunk) + b"</sheetData></worksheet>")
            else:
                archive.writestr(name, source.read(name))
    return out.getvalue()


def _huge(data: bytes) -> bytes:
    """A 50 MB workbook: the form plus an incompressible picture."""
    import os

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name in source.namelist():
            archive.writestr(name, source.read(name))
        archive.writestr("xl/media/image1.png", os.urandom(50 * 1024 * 1024))
    return out.getvalue()


def _xlsm(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    types = source.read("[Content_Types].xml").replace(
        b"spreadsheetml.sheet.main+xml",
        b"ms-excel.sheet.macroEnabled.main+xml",
    )
    data = _replace_member(data, "[Content_Types].xml", types)
    return _replace_member(data, "xl/vbaProject.bin", b"\x00" * 512)


def _encrypted() -> bytes:
    """What Excel writes for a password-protected file: an OLE container."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le").ljust(64, b"\x00")
    package = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00")
    return header + directory + package + b"\x00" * 4096


def _old_xls() -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + "Workbook".encode("utf-16-le").ljust(64, b"\x00")


def _remove_name(code: str):
    def change(wb):
        wb.defined_names.delete(workbook.defined_name(code))

    return change


def _point(code: str, ref: str):
    def change(wb):
        for d in wb.defined_names.definedName:
            if d.name == workbook.defined_name(code):
                d.attr_text = ref

    return change


def _formula(code: str, formula: str = "=10*5"):
    def change(wb):
        ws, ref = _target(wb, code)
        ws[ref].value = formula

    return change


def _merge(code: str):
    def change(wb):
        ws, ref = _target(wb, code)
        cell = ws[ref]
        ws.merge_cells(
            start_row=cell.row,
            start_column=cell.column - 1,
            end_row=cell.row,
            end_column=cell.column,
        )

    return change


def _edit_meta(key: str, value: str):
    def change(wb):
        for row in wb[workbook.META_SHEET].iter_rows():
            if row[0].value == key:
                row[1].value = value

    return change


def _hidden_sheet(wb):
    ws = wb.create_sheet("Trang ẩn")
    ws["A1"] = "=1/0"
    ws.sheet_state = "hidden"


def _doctype(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = source.read("xl/worksheets/sheet1.xml")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    )
    return _replace_member(data, "xl/worksheets/sheet1.xml", bomb + sheet)


BASE_FORM = forms.get_form("center", "2017")
# (case, how to make it from a filled file, words the message must contain)
BAD_FILES = [
    ("not a zip", lambda d: b"Hello, this is not a workbook" * 10, "không phải là sổ"),
    ("empty", lambda d: b"", "không phải là sổ"),
    ("truncated", lambda d: d[: len(d) // 2], "không"),
    ("zip not a workbook", lambda d: _zip({"a.txt": b"x"}), "không phải là sổ"),
    ("pdf", lambda d: b"%PDF-1.4\n" + b"0" * 1000, "không phải là sổ"),
    ("name removed", lambda d: edit(d, _remove_name("C.1.sessions")), "C.1.sessions"),
    (
        "name points to _meta",
        lambda d: edit(d, _point("C.4", "'_meta'!$B$2")),
        "không trỏ vào ô trả lời",
    ),
    (
        "name points to a range",
        lambda d: edit(d, _point("C.4", f"'{workbook.SHEET_TITLE}'!$A$1:$C$3")),
        "không trỏ vào ô trả lời",
    ),
    ("name deleted row", lambda d: edit(d, _point("C.4", "#REF!")), "C.4"),
    (
        "two names one cell",
        lambda d: edit(
            d,
            _point(
                "C.1.level2",
                "'%s'!$%s"
                % (
                    workbook.SHEET_TITLE,
                    "$".join(
                        _split(
                            _target(
                                openpyxl.load_workbook(io.BytesIO(d)), "C.1.level3"
                            )[1]
                        )
                    ),
                ),
            ),
        ),
        "cùng ô",
    ),
    (
        "name moved to a label",
        lambda d: edit(d, _point("C.4", f"'{workbook.SHEET_TITLE}'!$B$30")),
        "ô bị khoá",
    ),
    (
        "name moved far away",
        lambda d: edit(d, _point("C.4", f"'{workbook.SHEET_TITLE}'!$XFD$1048576")),
        "ô bị khoá",
    ),
    ("meta edited", lambda d: edit(d, _edit_meta("unit_id", "13")), "đã bị sửa"),
    ("meta removed", lambda d: edit(d, lambda wb: wb.remove(wb["_meta"])), "_meta"),
    (
        "another unit",
        lambda d: fill(build(BASE_FORM, unit=OTHER_UNIT), CENTER_ANSWERS, BASE_FORM),
        "Đồng Văn",
    ),
    (
        "signed with another key",
        lambda d: workbook.build_workbook(
            BASE_FORM, round_info=ROUND, unit_info=UNIT, year=2017, key=b"other"
        ),
        "đã bị sửa",
    ),
    ("50 MB", _huge, "quá lớn"),
    ("million rows", _million_rows, "quá nhiều dòng"),
    ("formula", lambda d: edit(d, _formula("C.1.sessions")), "công thức"),
    ("formula in text", lambda d: edit(d, _formula("C.1.name", "=A1")), "công thức"),
    ("merged", lambda d: edit(d, _merge("C.4")), "gộp"),
    ("xlsm", _xlsm, "macro"),
    ("password", lambda d: _encrypted(), "mật khẩu"),
    ("xls", lambda d: _old_xls(), ".xls"),
    ("doctype", _doctype, "DOCTYPE"),
    (
        "answer sheet renamed",
        lambda d: edit(d, lambda wb: setattr(wb.worksheets[0], "title", "Sheet1")),
        "trang tính",
    ),
]


def _split(ref: str) -> list[str]:
    col = "".join(ch for ch in ref if ch.isalpha())
    return [col, ref[len(col) :]]


@pytest.fixture(scope="module")
def filled_center() -> bytes:
    return fill(build(BASE_FORM), CENTER_ANSWERS, BASE_FORM)


@pytest.mark.parametrize(
    "case, make, words", BAD_FILES, ids=[case for case, _, _ in BAD_FILES]
)
def test_bad_files_refused_with_a_message(filled_center, case, make, words):
    """Each malformed file is refused with a Vietnamese message saying why."""
    data = make(filled_center)
    answers, problems = read(data, BASE_FORM)
    assert problems, case
    assert words in messages(problems) or any(words in p["question"] for p in problems)
    for entry in problems:
        assert set(entry) == {"sheet", "cell", "question", "message"}


def test_hidden_sheet_added_is_ignored(filled_center):
    """An extra (hidden) sheet with anything on it does not matter."""
    answers, problems = read(edit(filled_center, _hidden_sheet), BASE_FORM)
    assert problems == []
    assert given(answers) == CENTER_ANSWERS


def test_meta_read_for_matching(filled_center):
    """read_meta gives the file's unit and round (mail matching)."""
    meta, problems = workbook.read_meta(filled_center, key=KEY)
    assert problems == []
    assert (meta["unit_id"], meta["round_id"], meta["unit_name"]) == (
        "12",
        "7",
        UNIT["name"],
    )
    _, problems = workbook.read_meta(filled_center, key=b"wrong")
    assert problems


def test_report_workbook_lists_problems():
    """The downloadable report has one row per problem, text never a formula."""
    data = workbook.report_workbook(
        [workbook.problem("=HYPERLINK(1)", "S", "C3", "I.1.ip")],
        [workbook.problem("thiếu", "S", "C4", "I.2")],
    )
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows == [
        ("Lỗi", "S", "C3", "I.1.ip", "=HYPERLINK(1)"),
        ("Còn thiếu", "S", "C4", "I.2", "thiếu"),
    ]
    assert ws["E3"].data_type == "s"


def test_defined_names_survive_openpyxl_validation():
    """Every produced name is accepted by openpyxl's DefinedName."""
    for code in ("q1", "my-name", "I.3.camera", "ns:x"):
        DefinedName(workbook.defined_name(code), attr_text="'S'!$A$1")


# -------------------------------------------------------------------- CLI ---


def test_cli_workbook_and_import(tmp_path, capsys):
    """`workbook` writes a file; `import-workbook` prints the report."""
    from vcsurvey import cli

    answers = tmp_path / "answers.json"
    answers.write_text('{"C.4": 12, "C.3": "one_hour_before"}', encoding="utf-8")
    args = ["workbook", "--form", "center", "-o", str(tmp_path), "--unit-id", "12"]
    status = cli.main(
        [*args, "--unit-name", "Trung tâm", "--key", "k", "--answers", str(answers)]
    )
    assert status == 0
    (path,) = tmp_path.glob("phieu-*.xlsx")
    capsys.readouterr()
    status = cli.main(["import-workbook", str(path), "--form", "center", "--key", "k"])
    out = capsys.readouterr().out
    assert status == 0
    assert '"C.4": 12' in out and "THIẾU" in out
    status = cli.main(
        [
            "import-workbook",
            str(path),
            "--form",
            "center",
            "--key",
            "k",
            "--unit-id",
            "9",
        ]
    )
    captured = capsys.readouterr()
    assert status == 2
    assert "Trung tâm" in captured.out and "nothing imported" in captured.err


# ------------------------------------------------------------------- fuzz ---


def _mutations(data: bytes, seed: int) -> bytes:
    """A random corruption of a filled workbook: bytes, XML members or cells."""
    import random

    rng = random.Random(seed)
    choice = seed % 4
    if choice == 0:  # flip bytes anywhere
        raw = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    members = {}
    source = zipfile.ZipFile(io.BytesIO(data))
    for name in source.namelist():
        members[name] = source.read(name)
    name = rng.choice(sorted(n for n in members if n.endswith(".xml")))
    xml = members[name]
    if choice == 1:  # cut an XML member
        members[name] = xml[: rng.randrange(len(xml))]
    elif choice == 2:  # swap two slices of an XML member
        a, b = sorted(rng.randrange(len(xml)) for _ in range(2))
        members[name] = xml[b:] + xml[a:b] + xml[:a]
    else:  # odd values in the answer sheet and names
        sheet = members["xl/worksheets/sheet1.xml"]
        for old, new in (
            (b"<v>", rng.choice([b"<v>1e999", b"<v>-", b"<v>NaN", b"<v>99999999999"])),
            (b't="s"', rng.choice([b't="e"', b't="b"', b't="str"', b't="d"'])),
        ):
            sheet = sheet.replace(old, new, rng.randint(1, 5))
        members["xl/worksheets/sheet1.xml"] = sheet
        book = members["xl/workbook.xml"].replace(
            b"$C$", rng.choice([b"$XFD$", b"$C$0", b"$", b"$A$1:$"]), rng.randint(1, 3)
        )
        members["xl/workbook.xml"] = book
    return _zip(members)


@pytest.mark.parametrize("seed", range(48))
def test_fuzzed_files_never_crash(filled_center, seed):
    """Random corruptions give answers or problems, never an exception."""
    data = _mutations(filled_center, seed)
    answers, problems = read(data, BASE_FORM)
    assert isinstance(answers, dict) and isinstance(problems, list)
    for entry in problems:
        assert entry["message"]
    if not problems:  # read despite the change: the values are still typed
        assert set(answers) == set(BASE_FORM.codes())


@needs_soffice
def test_saved_again_by_libreoffice_still_reads(tmp_path):
    """A workbook re-saved by another tool (LibreOffice Calc) reads the same."""
    import subprocess

    from vcsurvey import render

    form = forms.get_form("district", "2017")
    source = tmp_path / "in.xlsx"
    source.write_bytes(fill(build(form), DISTRICT_ANSWERS, form))
    subprocess.run(
        [
            render.soffice_binary(),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    answers, problems = read((tmp_path / "out" / "in.xlsx").read_bytes(), form)
    assert problems == []
    assert given(answers) == DISTRICT_ANSWERS
