"""Raw data export of a round's answers (XLSX and CSV)."""

from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest
from soffice_support import needs_soffice

from vcsurvey import forms, rawexport, render

DISTRICT = forms.get_form("district", "2017")
CENTER = forms.get_form("center", "2017")


def entries() -> list[dict]:
    return [
        {
            "unit_code": "HG-BQ",
            "unit_name": "UBND huyện Bắc Quang",
            "state": "approved",
            "state_label": "Đã duyệt",
            "form": DISTRICT,
            "answers": {
                "B.name": '=HYPERLINK("http://evil","x")',
                "B.phone": "+84912345678",
                "I.1.meetings": 48,
                "I.2": True,
                "I.3.camera": "stable",
                "I.10": [
                    {"name": "Trần Văn B", "phone": "0987654321", "email": "b@x.vn"},
                    {"name": "@Lê Thị C", "phone": "0211386", "email": "c@x.vn"},
                ],
            },
        },
        {
            "unit_code": "HG-DV",
            "unit_name": "UBND huyện Đồng Văn",
            "state": "draft",
            "form": DISTRICT,
            "answers": {"I.1.meetings": 0, "I.2": False, "I.10": None},
        },
        {
            "unit_code": "HG-TT",
            "unit_name": "Trung tâm CNTT&TT",
            "state": "received",
            "form": CENTER,
            "answers": {"C.4": 12.5, "C.3": "at_meeting_time", "B.name": "-1+2"},
        },
    ]


def test_xlsx_one_row_per_unit_and_repeat_sheets():
    """Codes in row 1, labels in row 2, one row per unit, repeats on sheets."""
    wb = openpyxl.load_workbook(io.BytesIO(rawexport.export_answers(entries(), "xlsx")))
    ws = wb[rawexport.MAIN_SHEET]
    codes = [c.value for c in ws[1]]
    assert codes[:4] == ["unit_code", "unit_name", "form", "state"]
    assert "I.3.camera" in codes and "C.4" in codes  # both versions' questions
    assert codes.count("B.name") == 1
    labels = dict(zip(codes, (c.value for c in ws[2]), strict=True))
    assert labels["I.3.camera"] == DISTRICT.question("I.3.camera").text
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == ["HG-BQ", "HG-DV", "HG-TT"]
    first = dict(zip(codes, rows[0], strict=True))
    assert first["state"] == "Đã duyệt"
    assert first["I.2"] == "Có" and first["I.3.camera"] == "Ổn định"
    assert first["I.1.meetings"] == 48 and first["I.10"] == 2
    assert dict(zip(codes, rows[1], strict=True))["I.1.meetings"] == 0
    assert dict(zip(codes, rows[2], strict=True))["C.4"] == 12.5
    # user text is a string cell, never a formula
    cell = ws.cell(row=3, column=codes.index("B.name") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    operators = wb["I.10"]
    assert [c.value for c in operators[1]][:5] == [
        "unit_code",
        "unit_name",
        "line",
        "I.10.name",
        "I.10.position",
    ]
    lines = list(operators.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2], r[3]) for r in lines] == [
        ("HG-BQ", 1, "Trần Văn B"),
        ("HG-BQ", 2, "@Lê Thị C"),
    ]


def test_csv_bom_headers_and_injection():
    """UTF-8 with BOM, codes then labels, repeats spread, formulas neutralised."""
    data = rawexport.export_answers(entries(), "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    codes, labels, *units = rows
    assert len(units) == 3
    assert "I.10[2].name" in codes and "I.10[3].name" not in codes
    assert labels[codes.index("unit_name")] == "Đơn vị"
    first = dict(zip(codes, units[0], strict=True))
    assert first["B.name"].startswith("'=HYPERLINK")
    assert first["B.phone"] == "'+84912345678"
    assert first["I.10[2].name"] == "'@Lê Thị C"
    assert first["I.3.camera"] == "Ổn định" and first["I.1.meetings"] == "48"
    third = dict(zip(codes, units[2], strict=True))
    assert third["B.name"] == "'-1+2" and third["C.4"] == "12.5"
    assert third["I.10[1].name"] == ""


def test_unknown_format():
    """Only xlsx and csv."""
    with pytest.raises(ValueError):
        rawexport.export_answers(entries(), "pdf")


@needs_soffice
def test_libreoffice_opens_the_xlsx_one_row_per_unit():
    """soffice --convert-to csv of the XLSX: two header rows + one per unit."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "raw.xlsx"
        source.write_bytes(rawexport.export_answers(entries(), "xlsx"))
        profile = Path(tmp) / "profile"
        subprocess.run(
            [
                render.soffice_binary(),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        text = (Path(tmp) / "raw.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 + 3
    assert [r[0] for r in rows[2:]] == ["HG-BQ", "HG-DV", "HG-TT"]
    assert rows[2][1] == "UBND huyện Bắc Quang"
