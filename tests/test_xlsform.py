"""Tests of vcsurvey.xlsform: the XLSForm subset, the shipped 2017 files."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsform_samples import (
    COMMUNE_2026_CHOICES,
    COMMUNE_2026_SETTINGS,
    COMMUNE_2026_SURVEY,
    build_xlsform,
    commune_2026,
)

from vcsurvey import forms, xlsform
from vcsurvey.forms import definition_from_dict, definition_to_dict, get_form
from vcsurvey.xlsform import XLSFormError, read_xlsform, write_xlsform

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SETTINGS = {"form_title": "Phiếu thử", "form_id": "test_form", "version": "1"}


def _problems(
    data: bytes, filename: str = "form.xlsx"
) -> list[tuple[str, object, str]]:
    with pytest.raises(XLSFormError) as info:
        read_xlsform(data, filename)
    return [(p.sheet, p.row, p.column) for p in info.value.problems]


def _messages(data: bytes) -> str:
    with pytest.raises(XLSFormError) as info:
        read_xlsform(data, "form.xlsx")
    return str(info.value)


# ----------------------------------------------------------- the 2017 files ---


@pytest.mark.parametrize("form_type", ["district", "center"])
def test_shipped_2017_files_equal_the_frozen_definitions(form_type: str) -> None:
    # The snapshot was written from the hand-written Python definitions before
    # they were removed: every text, bullet, hint, choice and order.
    snapshot = json.loads((DATA / f"form_2017_{form_type}.json").read_text("utf-8"))
    path = forms.DATA_DIR / f"vc_2017_{form_type}.xlsx"
    form = read_xlsform(path.read_bytes(), path.name)
    assert definition_to_dict(form) == snapshot
    assert form == definition_from_dict(snapshot)
    assert get_form(form_type, "2017") == form
    assert (form.code, form.version, form.summary) == (
        f"vc_2017_{form_type}",
        "2017",
        "2017",
    )


@pytest.mark.parametrize("form_type", ["district", "center"])
def test_round_trip_write_read(form_type: str) -> None:
    form = get_form(form_type, "2017")
    again = read_xlsform(write_xlsform(form), "again.xlsx")
    assert again == form
    assert definition_to_dict(again) == definition_to_dict(form)
    # choices' English labels are not compared by ==; the dicts hold them
    assert json.dumps(definition_to_dict(again)) == json.dumps(definition_to_dict(form))


def test_definition_dict_round_trip_is_exact_and_json_safe() -> None:
    for form in (get_form("district"), get_form("center"), _commune()):
        data = definition_to_dict(form)
        back = definition_from_dict(json.loads(json.dumps(data)))
        assert back == form
        assert definition_to_dict(back) == data
    with pytest.raises(ValueError, match="unknown definition format"):
        definition_from_dict({"format": 99})
    data = definition_to_dict(_commune())
    data["sections"][0]["children"][0]["evil"] = "x"  # type: ignore[index]
    with pytest.raises(ValueError, match="unknown question attributes"):
        definition_from_dict(data)


def test_2017_cross_checks_are_constraints_of_the_files() -> None:
    district = get_form("district")
    assert district.question("II.1.communes_without_endpoint").constraint == (
        ". <= ${II.1.communes}"
    )
    assert district.question("II.1.reason").required_expr == (
        "${II.1.communes_without_endpoint} > 0"
    )
    assert "${C.1.level4}" in get_form("center").question("C.1.sessions").constraint


def test_device_status_roles() -> None:
    assert forms.DEVICE_STATUS_CODES["province_district"]["camera"] == "I.3.camera"
    assert forms.DEVICE_STATUS_CODES["district_commune"]["overall"] == "II.3"
    assert forms.device_status_codes(get_form("center")) == {}


def test_no_2017_question_code_in_python_outside_the_2017_summary() -> None:
    # issue 10: the 2017 codes live in the 2017 XLSForm files; only the 2017
    # summary template (consolidate / summary / xlsx) and tests may name them.
    pattern = re.compile(
        r"""["'](B\.(name|position|unit|phone|email)|I{1,2}\.\d+(\.\w+)?"""
        r"""|C\.\d+(\.\w+)?)["']"""
    )
    allowed = {"consolidate.py", "summary.py", "xlsx.py", "summary2017.py"}
    offenders = []
    for path in sorted((ROOT / "vcsurvey").rglob("*.py")):
        if path.name in allowed:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith(("#", '"""')):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_shipped_files_are_package_data() -> None:
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    assert '"data/forms/*.xlsx"' in text
    assert forms.versions() == ("2017",)


# ------------------------------------------------------------ reading forms ---


def _commune() -> forms.FormDefinition:
    return read_xlsform(commune_2026(), "vc_2026_commune.xlsx")


def test_generic_form_kinds_and_settings() -> None:
    form = _commune()
    kinds = {q.code: q.kind for q in form.questions()}
    assert kinds == {
        "provider": "char",
        "phone": "phone",
        "email": "email",
        "endpoints": "integer",
        "meetings": "integer",
        "uptime": "percent",
        "installed": "date",
        "network": "status",
        "devices": "select_multiple",
        "upgraded": "yesno",
        "upgrade_note": "char",
        "incidents_note": "note",
        "incidents": "repeat",
        "recommendations": "text",
    }
    assert (form.code, form.version, form.form_type, form.summary) == (
        "vc_2026_commune",
        "2026",
        "commune",
        "generic",
    )
    assert form.render_title(2026, "Tuyên Quang").endswith("TỈNH TUYÊN QUANG NĂM 2026")
    assert form.signoff[1] == ("CHỦ TỊCH UBND", "(Ký, đóng dấu và ghi rõ họ tên)")
    assert form.render_guidance(forms.default_cutoff(2026))[1].endswith("31/12/2026.")
    repeat = form.question("incidents")
    assert [c.code for c in repeat.columns] == ["symptom", "count", "day"]
    assert repeat.columns[0].required and repeat.max_items == 5
    assert form.question("upgrade_note").relevant == "${upgraded} = 'yes'"
    assert form.question("network").role == "status:commune:network"
    assert [c.value for c in form.question("devices").choices] == [
        "camera",
        "micro",
        "screen",
    ]
    assert form.question("provider").text_en == "Full name"
    assert read_xlsform(write_xlsform(form), "x.xlsx") == form


def test_vietnamese_label_preferred_over_other_languages() -> None:
    survey = [
        {
            "type": "text",
            "name": "a",
            "label::English (en)": "Name",
            "label::Français (fr)": "Nom",
            "label::Vietnamese (vi)": "Họ tên",
            "hint::English (en)": "as on the ID card",
            "hint::Vietnamese (vi)": "như trên CCCD",
        },
        {"type": "text", "name": "b", "label::English (en)": "Only English"},
        {"type": "text", "name": "c", "label": "Mặc định", "label::English (en)": "X"},
    ]
    form = read_xlsform(build_xlsform(survey, (), SETTINGS), "f.xlsx")
    a, b, c = form.questions()
    assert (a.text, a.text_en, a.hint, a.hint_en) == (
        "Họ tên",
        "Name",
        "như trên CCCD",
        "as on the ID card",
    )
    assert (b.text, b.text_en) == ("Only English", "Only English")
    assert (c.text, c.text_en) == ("Mặc định", "X")


def test_required_yes_or_expression_and_loose_questions() -> None:
    survey = [
        {"type": "integer", "name": "n", "label": "Số", "required": "TRUE"},
        {"type": "text", "name": "why", "label": "Lý do", "required": "${n} > 0"},
        {"type": "select one yn", "name": "ok", "label": "Đồng ý"},
    ]
    choices = [
        {"list_name": "yn", "name": "y", "label": "Có"},
        {"list_name": "yn", "name": "n", "label": "Không"},
    ]
    form = read_xlsform(build_xlsform(survey, choices, SETTINGS), "f.xlsx")
    n, why, ok = form.questions()
    assert n.required and not n.required_expr
    assert not why.required and why.required_expr == "${n} > 0"
    assert ok.kind == "choice" and ok.list_name == "yn"
    # questions outside any group form an untitled section
    assert [s.title for s in form.sections] == [""]


def test_every_problem_is_reported_at_once() -> None:
    survey = [
        {"type": "begin_group", "name": "g1", "label": "Nhóm 1"},
        {"type": "text", "name": "a", "label": "A"},
        {"type": "text", "name": "a", "label": "A lần hai"},  # duplicate
        {"type": "geopoint", "name": "where", "label": "Vị trí"},  # type
        {"type": "text", "name": "1bad", "label": "Tên sai"},  # invalid name
        {"type": "integer", "name": "b", "label": "B", "constraint": ". < ${nothing}"},
        {"type": "integer", "name": "c", "label": "C", "constraint": "pow(., 2) > 1"},
        {"type": "integer", "name": "d", "label": "D", "relevant": "${a} = = 'x'"},
        {"type": "select_one missing", "name": "e", "label": "E"},
        {"type": "text", "name": "f"},  # no label
        {"type": "text", "name": "g", "label": "G", "vc_kind": "status"},
        {"type": "text", "name": "h", "label": "H", "calculation": "1 + 1"},
        {"type": "text", "name": "i", "label": "I {__class__}"},
        {"type": "text", "name": "j", "label": "J", "relevant": "${g1} = 1"},
        {"type": "begin_repeat", "name": "r", "label": "Bảng"},
        {"type": "text", "name": "x", "label": "X"},
        # end_repeat missing, end_group missing
    ]
    problems = _problems(build_xlsform(survey, (), SETTINGS))
    assert len(problems) == 14
    text = _messages(build_xlsform(survey, (), SETTINGS))
    for fragment in (
        "trang survey, dòng 5, cột type: Kiểu 'geopoint' không được hỗ trợ",
        "dòng 6, cột name: Tên '1bad' không hợp lệ",
        "dòng 10, cột type: Danh sách lựa chọn 'missing' không có trong trang choices",
        "dòng 11, cột label: Thiếu nhãn",
        "dòng 12, cột vc_kind: vc_kind 'status' không dùng được với kiểu text",
        "dòng 13, cột calculation: Cột calculation chưa được hỗ trợ",
        "begin_group g1 không được đóng",
        "begin_repeat r không được đóng",
    ):
        assert fragment in text, fragment


def test_names_references_and_expressions_are_checked() -> None:
    survey = [
        {"type": "begin_group", "name": "g1", "label": "Nhóm 1"},
        {"type": "text", "name": "a", "label": "A"},
        {"type": "text", "name": "a", "label": "A lần hai"},
        {"type": "integer", "name": "b", "label": "B", "constraint": ". < ${nothing}"},
        {"type": "integer", "name": "c", "label": "C", "constraint": "pow(., 2) > 1"},
        {"type": "integer", "name": "d", "label": "D", "relevant": "${a} = = 'x'"},
        {"type": "text", "name": "e", "label": "E", "required": "${g1} = 1"},
        {
            "type": "text",
            "name": "f",
            "label": "F {__class__}",
            "constraint_message": "xem ${ghost}",
            "constraint": ". != ''",
        },
        {"type": "end_group", "name": "g1"},
    ]
    with pytest.raises(XLSFormError) as info:
        read_xlsform(build_xlsform(survey, (), SETTINGS), "f.xlsx")
    found = [(p.row, p.column, p.message) for p in info.value.problems]
    assert [(row, column) for row, column, _ in found] == [
        (4, "name"),
        (5, "constraint"),
        (6, "constraint"),
        (7, "relevant"),
        (8, "required"),
        (9, "constraint_message"),
        (9, "label"),
    ]
    messages = [message for _, _, message in found]
    assert "Tên 'a' bị trùng" in messages[0]
    assert "${nothing} không phải là câu hỏi của phiếu" in messages[1]
    assert "Không hỗ trợ hàm pow()" in messages[2]
    assert "Cần một giá trị" in messages[3]
    assert "${g1} là một nhóm" in messages[4]
    assert "${ghost}" in messages[5]
    assert "{__class__}" in messages[6]
    english = [p.message_en for p in info.value.problems]
    assert "Unsupported function pow()" in english[2]
    assert info.value.text("en").startswith("The XLSForm workbook has 7 problem(s):")


def test_choices_and_settings_are_checked() -> None:
    survey = [
        {"type": "select_one yn", "name": "a", "label": "A", "vc_kind": "yesno"},
        {"type": "select_multiple l", "name": "b", "label": "B"},
    ]
    choices = [
        {"list_name": "yn", "name": "yes", "label": "Có"},
        {"list_name": "yn", "name": "maybe", "label": "Có thể"},
        {"list_name": "l", "name": "x", "label": "X"},
        {"list_name": "l", "name": "x", "label": "X lần hai"},
        {"list_name": "l", "name": "two words", "label": "Y"},
        {"list_name": "l", "name": "z"},
        {"name": "orphan", "label": "?"},
    ]
    settings = {
        "form_title": "Năm {year} {0.__class__}",
        "form_id": "bad id",
        "vc_summary": "fancy",
        "vc_issued_with": "số {number:>{year}}",
    }
    text = _messages(build_xlsform(survey, choices, settings))
    for fragment in (
        "trang choices, dòng 5, cột name: Giá trị 'x' lặp lại trong danh sách l",
        "trang choices, dòng 6, cột name: Giá trị lựa chọn 'two words'",
        "trang choices, dòng 7, cột label: Lựa chọn 'z' thiếu nhãn",
        "trang choices, dòng 8, cột list_name: Thiếu tên danh sách",
    ):
        assert fragment in text, fragment
    for fragment in (
        "dòng 2, cột vc_kind: Câu hỏi yesno cần danh sách có đúng hai giá trị",
        "trang settings, dòng 2, cột form_id: Mã phiếu (form_id) 'bad id'",
        "trang settings, dòng 2, cột version: Thiếu phiên bản",
        "cột vc_summary: vc_summary phải là generic hoặc 2017",
        "cột form_title: Chỗ thay thế {0.__class__} không hợp lệ",
        "cột vc_issued_with: Chỗ thay thế {number} không hợp lệ",
    ):
        assert fragment in text, fragment


def test_missing_sheets_and_columns() -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "other"
    out = io.BytesIO()
    wb.save(out)
    assert "Thiếu trang survey" in _messages(out.getvalue())
    data = build_xlsform([{"kind": "text", "name": "a", "label": "A"}], (), SETTINGS)
    assert "cột type: Thiếu cột type" in _messages(data)
    empty = [
        {"type": "begin_group", "name": "g", "label": "G"},
        {"type": "end_group", "name": "g"},
    ]
    assert "Phiếu không có câu hỏi nào" in _messages(build_xlsform(empty, (), SETTINGS))


def test_unbalanced_groups() -> None:
    survey = [
        {"type": "end_group", "name": "x"},
        {"type": "begin_group", "name": "g", "label": "G"},
        {"type": "text", "name": "a", "label": "A"},
        {"type": "end_repeat"},
        {"type": "end_group"},
        {"type": "begin_repeat", "name": "r", "label": "R"},
        {"type": "begin_group", "name": "inner", "label": "I"},
    ]
    text = _messages(build_xlsform(survey, (), SETTINGS))
    assert "dòng 2, cột type: end_group không có begin_group tương ứng" in text
    assert "dòng 5, cột type: end_repeat không có begin_repeat tương ứng" in text
    assert "dòng 8, cột type: Không hỗ trợ nhóm hoặc bảng lặp lồng" in text


# -------------------------------------------------------------- hostile files ---


def test_not_a_workbook() -> None:
    assert "không phải là bảng tính Excel .xlsx" in _messages(b"PK\x03\x04 nothing")
    assert "không phải là bảng tính Excel .xlsx" in _messages(b"<html></html>")
    assert _problems(commune_2026(), "form.exe") == [("", None, "")]
    with pytest.raises(XLSFormError):
        read_xlsform("text", "form.xlsx")  # type: ignore[arg-type]


def test_a_zip_that_is_no_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "Không đọc được bảng tính Excel" in _messages(out.getvalue())


def test_size_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Tệp lớn hơn 5 MB" in _messages(b"x" * (xlsform.MAX_FILE_BYTES + 1))
    # a zip bomb: small on disk, huge unpacked
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"\0" * (xlsform.MAX_UNPACKED_BYTES + 1))
    assert len(out.getvalue()) < xlsform.MAX_FILE_BYTES
    assert "quá lớn khi giải nén" in _messages(out.getvalue())
    monkeypatch.setitem(xlsform.MAX_ROWS, "survey", 5)
    survey = [{"type": "text", "name": f"q{n}", "label": "Q"} for n in range(10)]
    assert "Trang có quá 5 dòng" in _messages(build_xlsform(survey, (), SETTINGS))
    long = [{"type": "text", "name": "a", "label": "x" * (xlsform.MAX_CELL + 1)}]
    assert "Ô dài hơn 5000 ký tự" in _messages(build_xlsform(long, (), SETTINGS))


def test_formulas_are_never_written() -> None:
    data = definition_to_dict(_commune())
    data["sections"][0]["children"][0]["text"] = '=HYPERLINK("http://x")'  # type: ignore[index]
    form = definition_from_dict(data)
    data = write_xlsform(form)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["survey"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value]
    assert any(c.value == '=HYPERLINK("http://x")' for c in cells)
    assert all(c.data_type == "s" for c in cells)
    assert read_xlsform(data, "f.xlsx") == form


# ---------------------------------------------------------------- pyxform ---


def _pyxform_convert(tmp_path: Path, name: str, data: bytes) -> None:
    xls2xform = pytest.importorskip("pyxform.xls2xform")
    source = tmp_path / f"{name}.xlsx"
    source.write_bytes(data)
    warnings = xls2xform.xls2xform_convert(
        str(source), str(tmp_path / f"{name}.xml"), validate=False
    )
    assert (tmp_path / f"{name}.xml").read_text("utf-8").count("<bind") > 5
    assert not [w for w in warnings if "error" in w.lower()]


@pytest.mark.parametrize("form_type", ["district", "center"])
def test_2017_exports_are_valid_xlsform_for_pyxform(
    tmp_path: Path, form_type: str
) -> None:
    _pyxform_convert(tmp_path, form_type, write_xlsform(get_form(form_type)))


def test_generic_form_and_its_export_are_valid_xlsform_for_pyxform(
    tmp_path: Path,
) -> None:
    _pyxform_convert(tmp_path, "commune", commune_2026())
    _pyxform_convert(tmp_path, "commune_export", write_xlsform(_commune()))


def test_cli_xlsform_check_and_export(tmp_path: Path) -> None:
    good = tmp_path / "commune.xlsx"
    good.write_bytes(commune_2026())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        build_xlsform([{"type": "geopoint", "name": "a", "label": "A"}], (), SETTINGS)
    )
    python = str(ROOT / ".state" / "venv" / "bin" / "python")
    if not Path(python).exists():
        import sys

        python = sys.executable
    run = subprocess.run(
        [python, "-m", "vcsurvey", "xlsform-check", str(good)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "vc_2026_commune" in run.stdout
    run = subprocess.run(
        [python, "-m", "vcsurvey", "xlsform-check", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 2  # input error
    assert "dòng 2, cột type: Kiểu 'geopoint' không được hỗ trợ" in run.stderr
    run = subprocess.run(
        [python, "-m", "vcsurvey", "xlsform-export", "district", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    exported = (tmp_path / "vc_2017_district.xlsx").read_bytes()
    assert read_xlsform(exported, "vc_2017_district.xlsx") == get_form("district")
    round_file = tmp_path / "round.json"
    round_file.write_text(
        json.dumps(
            {
                "year": 2026,
                "province": "Tuyên Quang",
                "addressed": [
                    {
                        "unit_code": "MX",
                        "unit_name": "UBND xã Minh Xuân",
                        "form_type": "commune",
                    }
                ],
                "submissions": [
                    {
                        "unit_code": "MX",
                        "state": "approved",
                        "answers": {"endpoints": 2, "provider": "Lan"},
                    }
                ],
                "meta": {"agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ"},
            }
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            python,
            "-m",
            "vcsurvey",
            "summary",
            str(round_file),
            "--xlsform",
            str(good),
            "--format",
            "xlsx",
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    book = openpyxl.load_workbook(tmp_path / "out" / "bao-cao-tong-hop.xlsx")
    assert book.sheetnames == ["Tổng quan", "vc_2026_commune"]


def test_sample_constants_are_used() -> None:
    # the builder keeps the given columns: label stays the plain column
    assert COMMUNE_2026_SURVEY[1]["label"] == "Họ tên"
    assert COMMUNE_2026_CHOICES[0]["list_name"] == "status"
    assert COMMUNE_2026_SETTINGS["version"] == "2026"


def test_odk_metadata_rows_are_skipped() -> None:
    survey = [
        {"type": "start", "name": "start"},
        {"type": "end", "name": "end"},
        {"type": "deviceid", "name": "deviceid"},
        {"type": "text", "name": "a", "label": "A"},
    ]
    form = read_xlsform(build_xlsform(survey, (), SETTINGS), "kobo.xlsx")
    assert form.codes() == ("a",)


_VALID = commune_2026()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=20,
    )
)
def test_corrupted_workbooks_raise_only_xlsform_error(
    flips: list[tuple[int, int]],
) -> None:
    data = bytearray(_VALID)
    for position, value in flips:
        data[position] = value
    try:
        read_xlsform(bytes(data), "fuzz.xlsx")
    except XLSFormError as error:
        assert error.problems


def test_defaults_are_typed_and_checked() -> None:
    survey = [
        {"type": "integer", "name": "n", "label": "N", "default": "3"},
        {"type": "decimal", "name": "d", "label": "D", "default": "2.5"},
        {"type": "date", "name": "t", "label": "T", "default": "2026-01-31"},
        {
            "type": "select_one yn",
            "name": "y",
            "label": "Y",
            "vc_kind": "yesno",
            "default": "no",
        },
        {"type": "select_multiple yn", "name": "m", "label": "M", "default": "yes no"},
        {"type": "text", "name": "s", "label": "S", "default": "Hà Giang"},
    ]
    choices = [
        {"list_name": "yn", "name": "yes", "label": "Có"},
        {"list_name": "yn", "name": "no", "label": "Không"},
    ]
    form = read_xlsform(build_xlsform(survey, choices, SETTINGS), "f.xlsx")
    assert forms.default_answers(form) == {
        "n": 3,
        "d": 2.5,
        "t": "2026-01-31",
        "y": False,
        "m": ["yes", "no"],
        "s": "Hà Giang",
    }
    bad = [
        {"type": "integer", "name": "n", "label": "N", "default": "ba"},
        {"type": "date", "name": "t", "label": "T", "default": "31/01/2026"},
        {"type": "select_one yn", "name": "y", "label": "Y", "default": "maybe"},
    ]
    assert _problems(build_xlsform(bad, choices, SETTINGS)) == [
        ("survey", 2, "default"),
        ("survey", 3, "default"),
        ("survey", 4, "default"),
    ]


_TYPES = st.sampled_from(
    [
        "text",
        "integer",
        "decimal",
        "date",
        "note",
        "select_one l",
        "select_multiple l",
        "select_one nolist",
        "begin_group",
        "end_group",
        "begin_repeat",
        "end_repeat",
        "geopoint",
        "",
    ]
)
_NAMES = st.sampled_from(["a", "b", "c", "g", "r", "x.1", "1bad", ""])
_EXPRESSIONS = st.sampled_from(
    ["", ". > 1", "${a} = 'x'", "${b} + 1 > ${c}", "${zz} = 1", "pow(.)", "((", "${g}"]
)
_ROW = st.fixed_dictionaries(
    {"type": _TYPES, "name": _NAMES},
    optional={
        "label": st.sampled_from(["", "Câu hỏi", "Tiêu đề {year}", "={1+1}"]),
        "relevant": _EXPRESSIONS,
        "constraint": _EXPRESSIONS,
        "required": st.sampled_from(["", "yes", "no", "${a} > 0", "maybe("]),
        "vc_kind": st.sampled_from(["", "phone", "yesno", "percent", "bogus"]),
        "default": st.sampled_from(["", "1", "x", "2026-01-01"]),
    },
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ROW, max_size=12))
def test_random_surveys_fail_cleanly_or_round_trip(rows: list[dict[str, str]]) -> None:
    choices = [
        {"list_name": "l", "name": "yes", "label": "Có"},
        {"list_name": "l", "name": "no", "label": "Không"},
    ]
    data = build_xlsform(rows, choices, SETTINGS)
    try:
        form = read_xlsform(data, "random.xlsx")
    except XLSFormError as error:
        assert error.problems
        assert all(p.message and p.message_en for p in error.problems)
        return
    again = read_xlsform(write_xlsform(form), "again.xlsx")
    assert definition_to_dict(again) == definition_to_dict(form)


_VALID_ROW = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "text",
                "integer",
                "decimal",
                "date",
                "note",
                "select_one l",
                "select_multiple l",
            ]
        ),
        "label": st.text(
            alphabet="abcđơnvịHàGiang =+-'\"<>&\n", min_size=1, max_size=20
        ).filter(lambda text: text.strip() != "" and "{" not in text),
    },
    optional={
        "relevant": st.sampled_from(["${q0} != ''", "not(${q0} = 'x')"]),
        "constraint": st.sampled_from([". != ''", "string-length(.) < 50"]),
        "required": st.sampled_from(["yes", "no", "${q0} != ''"]),
        "hint": st.text(alphabet="xyz ()", max_size=10),
        "vc_bullet": st.sampled_from(["1.", "+", "-"]),
        "appearance": st.sampled_from(["", "multiline", "minimal"]),
    },
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_VALID_ROW, min_size=1, max_size=8), st.booleans())
def test_random_valid_surveys_round_trip(
    rows: list[dict[str, str]], grouped: bool
) -> None:
    survey = []
    for index, row in enumerate(rows):
        row = dict(row, name=f"q{index}")
        if index == 0:
            row.pop("relevant", None)  # q0 may not depend on itself
            row.pop("required", None)
        survey.append(row)
    if grouped:
        survey = [
            {"type": "begin_group", "name": "g", "label": "Nhóm"},
            *survey[:-1],
            {"type": "begin_repeat", "name": "r", "label": "Bảng"},
            survey[-1],
            {"type": "end_repeat"},
            {"type": "end_group"},
        ]
    choices = [
        {"list_name": "l", "name": "yes", "label": "Có"},
        {"list_name": "l", "name": "no", "label": "Không"},
    ]
    form = read_xlsform(build_xlsform(survey, choices, SETTINGS), "valid.xlsx")
    # grouped, the last row is the repeat's column and the repeat a question
    assert len(form.questions()) == len(rows)
    again = read_xlsform(write_xlsform(form), "again.xlsx")
    assert definition_to_dict(again) == definition_to_dict(form)
    assert again == form


def test_the_list_of_problems_is_bounded() -> None:
    survey = [{"type": "geopoint", "name": f"q{n}", "label": "Q"} for n in range(250)]
    with pytest.raises(XLSFormError) as info:
        read_xlsform(build_xlsform(survey, (), SETTINGS), "many.xlsx")
    assert len(info.value.problems) == xlsform.MAX_PROBLEMS + 1
    assert "chỉ liệt kê 200 lỗi đầu tiên" in info.value.problems[-1].message
