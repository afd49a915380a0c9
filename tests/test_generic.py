"""Tests of vcsurvey.generic: consolidation and summary for any version."""

from __future__ import annotations

import io
import subprocess
import zipfile
from typing import Any

import openpyxl
import pytest
from soffice_support import needs_soffice
from xlsform_samples import commune_2026, commune_2026_answers

from vcsurvey import generic, summary
from vcsurvey.forms import get_form
from vcsurvey.xlsform import read_xlsform

FORM = read_xlsform(commune_2026(), "vc_2026_commune.xlsx")
META = {
    "parent_agency": "UBND TỈNH TUYÊN QUANG",
    "agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    "agency_in_text": "Sở Khoa học và Công nghệ",
    "notation": "BC-SKHCN",
    "place": "Tuyên Quang",
    "number": 3,
    "date": "2027-01-20",
    "signer": {"title": "GIÁM ĐỐC", "name": "Trần Văn Bình"},
}


def _round(**second: Any) -> dict[str, Any]:
    first = commune_2026_answers()
    other = commune_2026_answers() | {
        "endpoints": 3,
        "uptime": 80,
        "network": "unstable",
        "devices": ["screen"],
        "upgraded": False,
        "upgrade_note": "hidden: upgraded is no",
        "incidents": [],
        "recommendations": '=HYPERLINK("http://evil")',
    }
    other.update(second)
    return {
        "year": 2026,
        "province": "Tuyên Quang",
        "deadline": "2027-01-10",
        "addressed": [
            {
                "unit_code": "MX",
                "unit_name": "UBND xã Minh Xuân",
                "form_type": "commune",
            },
            {
                "unit_code": "AT",
                "unit_name": "UBND phường An Tường",
                "form_type": "commune",
            },
            {
                "unit_code": "TB",
                "unit_name": "UBND xã Thái Bình",
                "form_type": "commune",
            },
        ],
        "submissions": [
            {
                "unit_code": "MX",
                "state": "approved",
                "approved_on": "2027-01-05",
                "answers": first,
            },
            {
                "unit_code": "AT",
                "state": "received",
                "approved_on": "2027-01-12",
                "answers": other,
            },
            {"unit_code": "TB", "state": "draft", "answers": {"endpoints": 99}},
        ],
    }


def _tables(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        table["code"]: table
        for section in result["forms"][0]["sections"]
        for table in section["tables"]
    }


def test_overview_counts_only_approved_replies() -> None:
    result = generic.consolidate(_round(), FORM)
    overview = result["overview"]
    assert (overview["addressed"], overview["replied"], overview["late"]) == (3, 2, 1)
    assert overview["missing"] == ["UBND xã Thái Bình"]
    assert result["forms"][0]["units"] == ["UBND phường An Tường", "UBND xã Minh Xuân"]
    assert result["forms"][0]["title"].endswith("TỈNH TUYÊN QUANG NĂM 2026")


def test_numbers_are_summed_per_section_percentages_averaged() -> None:
    table = _tables(generic.consolidate(_round(), FORM))["endpoints,meetings,uptime"]
    assert table["header"][1:] == [
        "1. Số lượng điểm cầu",
        "2. Số cuộc họp trực tuyến",
        "3. Tỷ lệ thời gian hoạt động",
    ]
    assert table["rows"] == [
        ["UBND phường An Tường", "3", "14", "80"],
        ["UBND xã Minh Xuân", "2", "14", "97,5"],
    ]
    assert table["sums"] == {"endpoints": 5, "meetings": 28, "uptime": 88.75}
    assert table["totals"] == ["Tổng số", "5", "28", "TB 88,75"]


def test_choices_are_counted_per_unit_and_in_total() -> None:
    tables = _tables(generic.consolidate(_round(), FORM))
    network = tables["network"]
    assert network["header"] == [
        "Đơn vị",
        "Ổn định",
        "Không ổn định",
        "Không hoạt động",
        "Chưa trả lời",
    ]
    assert network["counts"] == {"stable": 1, "unstable": 1, "not_working": 0, "": 0}
    assert tables["devices"]["counts"] == {"camera": 1, "micro": 1, "screen": 1, "": 0}
    assert tables["upgraded"]["counts"] == {"yes": 1, "no": 1, "": 0}
    unanswered = _tables(generic.consolidate(_round(network=None), FORM))["network"]
    assert unanswered["counts"][""] == 1
    assert unanswered["rows"][0] == ["UBND phường An Tường", "", "", "", "x"]


def test_texts_listed_by_unit_hidden_answers_dropped() -> None:
    tables = _tables(generic.consolidate(_round(), FORM))
    # An Tường answered "no" to upgraded: its upgrade_note is hidden, dropped
    assert tables["upgrade_note"]["rows"] == [["UBND xã Minh Xuân", "Thay micro"]]
    assert tables["installed"]["rows"][0] == ["UBND phường An Tường", "01/07/2025"]


def test_repeat_rows_become_a_table() -> None:
    table = _tables(generic.consolidate(_round(), FORM))["incidents"]
    assert table["header"] == ["Đơn vị", "Dấu hiệu sự cố", "Số lần", "Ngày"]
    assert table["rows"] == [
        ["UBND xã Minh Xuân", "Mất tiếng", "2", "04/03/2026"],
        ["UBND xã Minh Xuân", "Mất hình", "", ""],
    ]


def test_forms_by_type_and_odd_answers_do_not_break() -> None:
    data = _round(endpoints="ba", devices="camera", incidents="none", uptime=True)
    tables = _tables(generic.consolidate(data, {"commune": FORM}))
    assert tables["endpoints,meetings,uptime"]["rows"][0] == [
        "UBND phường An Tường",
        "",
        "14",
        "",
    ]
    assert tables["devices"]["counts"]["camera"] == 2
    assert generic.consolidate(data, {"other": FORM})["forms"] == []


def test_workbook_keeps_user_text_as_text() -> None:
    out = generic.render_summary(_round(), FORM, META, fmts=("xlsx",))
    workbook = openpyxl.load_workbook(io.BytesIO(out["xlsx"]))
    assert workbook.sheetnames == ["Tổng quan", "vc_2026_commune"]
    sheet = workbook["vc_2026_commune"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    evil = [c for c in cells if str(c.value).startswith("=HYPERLINK")]
    assert evil and all(c.data_type == "s" for c in evil)
    values = [c.value for c in cells]
    assert "TB 88,75" in values and "Mất tiếng" in values
    assert workbook["Tổng quan"]["B4"].value == 2


def _odt_text(odt: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(odt)) as archive:
        return archive.read("content.xml").decode("utf-8")


def test_render_any_picks_the_summary_by_version() -> None:
    odt = summary.render_any(_round(), FORM, META, fmts=("odt",))["odt"]
    text = _odt_text(odt)
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "Số: 03/BC-SKHCN" in text
    assert "Tuyên Quang, ngày 20 tháng 01 năm 2027" in text
    assert "của Sở Khoa học và Công nghệ" in text
    assert "Tình trạng đường truyền" in text
    # the 2017 versions keep the hand-written 2017 report
    pair = {"district": get_form("district"), "center": get_form("center")}
    empty_round = {"year": 2017, "province": "Hà Giang", "addressed": []}
    odt_2017 = summary.render_any(empty_round, pair, None, fmts=("odt",))["odt"]
    text_2017 = _odt_text(odt_2017)
    direct = summary.render_summary(empty_round, None, fmts=("odt",))["odt"]
    assert text_2017 == _odt_text(direct)
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text_2017
    assert "Tình trạng đường truyền" not in text_2017


def test_xml_illegal_characters_are_dropped() -> None:
    odt = generic.render_summary(
        _round(recommendations="bad\x00\x1f text"), FORM, META, fmts=("odt",)
    )["odt"]
    assert "bad text" in _odt_text(odt)


@needs_soffice
@pytest.mark.libreoffice
def test_generic_summary_pdf(tmp_path: Any) -> None:
    out = generic.render_summary(_round(), FORM, META, fmts=("pdf",))
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(out["pdf"])
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    for fragment in (
        "UBND TỈNH TUYÊN QUANG",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "Số: 03/BC-SKHCN",
        "Còn 1 đơn vị chưa gửi báo cáo: UBND xã Thái Bình.",
        "TB 88,75",
        "Mất tiếng",
        "Trần Văn Bình",
    ):
        assert fragment in text, fragment
