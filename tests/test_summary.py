"""The summary report: template data, the shipped template, the rendered PDF."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from vcsurvey.consolidate import consolidate
from vcsurvey.render import RenderError
from vcsurvey.summary import SUMMARY_TEMPLATE, render_summary, summary_template_data
from vcsurvey.templates import template_path

try:  # the fixture round lives with the consolidation tests
    from tests.test_consolidate import make_round
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from test_consolidate import make_round

ROOT = Path(__file__).resolve().parent.parent
META = {
    "number": 7,
    "date": date(2018, 1, 15),
    "signer": {
        "title": "GIÁM ĐỐC",
        "name": "Nguyễn Văn Tuệ",
        "delegation": "KT.",
        "position": "PHÓ GIÁM ĐỐC",
    },
}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return summary_template_data(consolidate(make_round()), META)


def _strings_only(value: Any, where: str = "data") -> None:
    """The engine prints nothing for a false value: a 0 must come as "0"."""
    if isinstance(value, dict):
        for key, item in value.items():
            _strings_only(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _strings_only(item, f"{where}[{index}]")
    else:
        assert isinstance(value, str), f"{where} is {value!r}, not text"


def test_all_template_values_are_text(data: dict) -> None:
    _strings_only(data)
    assert data["totals"]["without"] == "9"
    assert data["part2_rows"][0]["without"] == "0"  # Bắc Mê: prints "0"


def test_heading_blocks_follow_nd30(data: dict) -> None:
    assert data["parent_agency"] == "UBND TỈNH HÀ GIANG"
    assert data["agency"] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert data["number_line"] == "Số: 07/BC-STTTT"
    assert data["date_line"] == "Hà Giang, ngày 15 tháng 01 năm 2018"
    assert data["doc_type"] == "BÁO CÁO"
    assert data["subject"] == (
        "Kết quả khảo sát tình hình quản lý, vận hành hệ thống giao ban trực "
        "tuyến trên địa bàn tỉnh năm 2017"
    )
    assert data["recipient_lines"] == ["Kính gửi: Ủy ban nhân dân tỉnh Hà Giang."]


def test_cc_and_signer(data: dict) -> None:
    assert data["cc_lines"] == [
        "- UBND tỉnh (b/c);",
        "- Lãnh đạo Sở;",
        "- Lưu: VT, CNTT.",
    ]
    assert data["signer_authority"] == "KT. GIÁM ĐỐC"
    assert data["signer_position"] == "PHÓ GIÁM ĐỐC"
    assert data["signer_name"] == "Nguyễn Văn Tuệ"


def test_unnumbered_draft_keeps_blanks() -> None:
    data = summary_template_data(consolidate(make_round()), None)
    assert data["number_line"] == "Số:        /BC-STTTT"
    assert data["date_line"].startswith("Hà Giang, ngày     tháng")
    assert data["signer_authority"] == "GIÁM ĐỐC"
    assert data["signer_position"] == ""


def test_several_recipients_are_listed() -> None:
    meta = {"recipients": ["UBND tỉnh Hà Giang", "Bộ Thông tin và Truyền thông"]}
    data = summary_template_data(consolidate(make_round()), meta)
    assert data["recipient_lines"] == [
        "Kính gửi:",
        "- UBND tỉnh Hà Giang;",
        "- Bộ Thông tin và Truyền thông.",
    ]


def test_intro_cites_the_dispatch(data: dict) -> None:
    (intro,) = data["intro"]
    assert intro.startswith("Thực hiện Công văn số 05/STTTT-CNTT ngày 20/12/2017")
    assert "số liệu tính đến hết ngày 31/12/2017" in intro


def test_response_lines(data: dict) -> None:
    first, timeliness, missing = data["response_lines"]
    assert "đề nghị 7 cơ quan, đơn vị" in first
    assert "5/7 báo cáo" in first and "71,4%" in first
    assert timeliness == (
        "Số báo cáo gửi đúng hạn (đến hết ngày 10/01/2018): 4; gửi quá hạn: 1 "
        "(UBND huyện Bắc Mê)."
    )
    assert missing.startswith(
        "Còn 2 đơn vị chưa gửi báo cáo: UBND huyện Mèo Vạc, UBND huyện Yên Minh"
    )
    assert "đang chờ thủ trưởng đơn vị phê duyệt (UBND huyện Mèo Vạc)" in missing


def test_part_tables(data: dict) -> None:
    dong_van = data["part1_rows"][2]
    assert dong_van == {
        "no": "3",
        "unit": "UBND huyện Đồng Văn",
        "location": "Phòng họp trực tuyến UBND huyện",
        "ip": "IP: 10.160.2.2",
        "meetings": "45",
        "camera": "Không ổn định",
        "microphone": "Không hoạt động",
        "audio": "Không ổn định",
        "vcs": "Ổn định",
        "overall": "Không ổn định",
    }
    assert data["part2_rows"][2]["endpoints"] == "10/19"
    assert data["part2_rows"][3]["meetings"] == ""  # Hà Giang did not say
    assert data["totals"]["meetings_i"] == "185"
    assert data["totals"]["endpoints"] == "54/63"
    assert data["totals"]["meetings_ii"] == "62"
    assert "3/4 đơn vị" in data["part1_lines"][1]


def test_device_rows_carry_the_counts(data: dict) -> None:
    rows = {r["device"]: r for r in data["device_rows"]}
    assert list(rows) == [
        "Camera",
        "Bộ micro",
        "Âm thanh cuộc họp",
        "Thiết bị đầu cuối VCS",
        "Tình trạng chung",
    ]
    micro = rows["Bộ micro"]
    assert [micro[k] for k in ("s1", "u1", "n1", "a1")] == ["2", "1", "1", "0"]
    assert [micro[k] for k in ("s2", "u2", "n2", "a2")] == ["3", "1", "0", "0"]
    assert data["device_lines"][1] == (
        "Thiết bị không hoạt động: UBND huyện Đồng Văn: bộ micro (hệ thống tỉnh "
        "- huyện); camera, thiết bị đầu cuối VCS (hệ thống huyện - xã)."
    )


def test_communes_and_incidents(data: dict) -> None:
    assert data["communes_rows"] == [
        {
            "no": "1",
            "unit": "UBND huyện Đồng Văn",
            "count": "9",
            "reason": "Chưa được đầu tư thiết bị",
        }
    ]
    assert data["communes_lines"][0].startswith("Còn 9 xã chưa có điểm cầu")
    assert len(data["incident_rows"]) == 5
    assert data["incident_rows"][0]["network"] == "MCU"
    assert data["incident_rows"][0]["endpoint"] == ""  # not "MCU" twice
    assert data["totals"]["incidents"] == "14"
    assert "tổng số 14 lần" in data["incident_lines"][0]


def test_needs_and_centre(data: dict) -> None:
    assert [r["unit"] for r in data["need_rows"]] == [
        "UBND huyện Bắc Mê",
        "UBND huyện Bắc Quang",
        "UBND huyện Đồng Văn",
        "UBND thành phố Hà Giang",
    ]
    assert data["need_rows"][1]["maintenance_ii"] == "Có"
    assert data["need_rows"][1]["maintenance_i"] == "Không"
    assert [data["totals"][k] for k in ("maintenance_i", "maintenance_ii")] == [
        "1",
        "2",
    ]
    assert [data["totals"][k] for k in ("training_i", "training_ii")] == ["1", "3"]
    assert data["centre_need_lines"][0].startswith(
        "Trung tâm CNTT&TT: nhu cầu tập huấn, đào tạo: Có"
    )
    centre = " ".join(data["centre_lines"])
    assert "Số phiên họp trực tuyến đã điều khiển: 120" in centre
    assert "liên thông 4 cấp (TW, tỉnh, huyện, xã): 10" in centre
    assert "liên thông 3 cấp (tỉnh, huyện, xã): 35" in centre
    assert "liên thông 2 cấp (tỉnh, huyện): 75" in centre
    assert "trước 1 giờ so với giờ họp chính thức" in centre
    assert "ước tính 15%" in centre
    assert "địa chỉ IP 10.160.0.10" in centre


def test_recommendations_and_operators(data: dict) -> None:
    assert data["efficiency_lines"] == [
        "- UBND huyện Bắc Mê (hệ thống huyện - xã): Giảm thời gian đi lại của cán "
        "bộ xã.",
        "- UBND huyện Bắc Quang (hệ thống tỉnh - huyện): Tiết kiệm khoảng 70% chi "
        "phí so với họp truyền thống.",
    ]
    assert len(data["recommendation_lines"]) == 4
    assert data["recommendation_lines"][0] == (
        "- Trung tâm CNTT&TT (MCU): Nâng cấp bản quyền MCU."
    )
    assert data["next_year"] == "2018"
    assert len(data["operator_rows"]) == 7
    assert data["operator_rows"][0]["position"] == "Chuyên viên, Văn phòng HĐND và UBND"
    assert data["operator_lines"][1].endswith("theo đề nghị: UBND huyện Bắc Mê.")


def test_round_without_centre_or_incidents() -> None:
    round_data = make_round()
    round_data["submissions"] = [
        s for s in round_data["submissions"] if s["unit_code"] != "TTCNTT"
    ]
    for submission in round_data["submissions"]:
        submission["answers"].pop("I.6", None)
        submission["answers"].pop("II.5", None)
    data = summary_template_data(consolidate(round_data), META)
    assert data["centre_lines"] == ["Trung tâm CNTT&TT chưa gửi báo cáo."]
    assert data["centre_need_lines"] == []
    assert data["incident_rows"] == []
    assert data["incident_lines"] == [
        "Các đơn vị không báo cáo sự cố trong quá trình vận hành."
    ]


def test_shipped_template_is_built_from_its_source() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_templates", ROOT / "tools" / "build_templates.py"
    )
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    source = (ROOT / "tools" / "templates_src" / "summary.fodt").read_bytes()
    assert template_path(SUMMARY_TEMPLATE).read_bytes() == builder.build_odt(source)


def test_render_odt_fills_every_directive() -> None:
    out = render_summary(make_round(), META, fmts=("odt",))
    assert list(out) == ["odt"]
    with zipfile.ZipFile(io.BytesIO(out["odt"])) as odt:
        content = odt.read("content.xml").decode("utf-8")
    assert "UBND huyện Đồng Văn" in content
    assert "Không hoạt động" in content
    assert "py3o://" not in content  # every for/if was consumed
    assert 'text:name="py3o.' not in content.split("</text:user-field-decls>")[1]


def test_render_xlsx_needs_no_libreoffice() -> None:
    out = render_summary(make_round(), META, fmts=("xlsx",))
    wb = openpyxl.load_workbook(io.BytesIO(out["xlsx"]))
    assert (
        wb["Tổng quan"]["A2"].value == "Kèm theo Báo cáo số 07/BC-STTTT ngày 15/01/2018"
    )


def test_meta_may_come_with_the_round_data() -> None:
    round_data = {**make_round(), "meta": {"number": 9, "date": "2018-01-20"}}
    out = render_summary(round_data, fmts=("xlsx",))
    wb = openpyxl.load_workbook(io.BytesIO(out["xlsx"]))
    assert (
        wb["Tổng quan"]["A2"].value == "Kèm theo Báo cáo số 09/BC-STTTT ngày 20/01/2018"
    )


def test_formats_passed_as_meta_are_refused() -> None:
    with pytest.raises(TypeError, match="fmts="):
        render_summary(make_round(), ("pdf",))  # type: ignore[arg-type]


def test_empty_round_still_renders() -> None:
    empty = {"year": 2017, "province": "Hà Giang", "addressed": [], "submissions": []}
    out = render_summary(empty, META, fmts=("odt", "xlsx"))
    with zipfile.ZipFile(io.BytesIO(out["odt"])) as odt:
        content = odt.read("content.xml").decode("utf-8")
    assert "Trung tâm CNTT&amp;TT chưa gửi báo cáo." in content
    assert "Chưa có huyện, thành phố nào gửi báo cáo phần này." in content


def test_unknown_format_is_refused() -> None:
    with pytest.raises(RenderError, match="'html'"):
        render_summary(make_round(), META, fmts=("pdf", "html"))


# ------------------------------------------------------------ LibreOffice


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = render_summary(make_round(), META, fmts=("pdf", "docx", "xlsx"))
    folder = tmp_path_factory.mktemp("summary")
    paths = {}
    for fmt, blob in out.items():
        paths[fmt] = folder / f"summary.{fmt}"
        paths[fmt].write_bytes(blob)
    return paths


def _pdftotext(pdf: Path, *pages: int) -> str:
    command = [_tool("pdftotext"), "-layout"]
    if pages:
        command += ["-f", str(pages[0]), "-l", str(pages[-1])]
    text = subprocess.run(
        [*command, str(pdf), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    return unicodedata.normalize("NFC", text)


@pytest.mark.libreoffice
def test_pdf_text_has_headings_names_and_totals(rendered: dict[str, Path]) -> None:
    text = _pdftotext(rendered["pdf"])
    flat = " ".join(text.split())
    for expected in (
        "UBND TỈNH HÀ GIANG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 07/BC-STTTT",
        "Hà Giang, ngày 15 tháng 01 năm 2018",
        "BÁO CÁO",
        "Kính gửi: Ủy ban nhân dân tỉnh Hà Giang.",
        "I. TÌNH HÌNH GỬI BÁO CÁO CỦA CÁC ĐƠN VỊ",
        "IV. TỔNG HỢP TÌNH TRẠNG HOẠT ĐỘNG CỦA THIẾT BỊ TẠI CÁC ĐIỂM CẦU",
        "V. CÁC SỰ CỐ GẶP PHẢI VÀ NGUYÊN NHÂN",
        "VI. NHU CẦU KIỂM TRA, BẢO DƯỠNG VÀ TẬP HUẤN",
        "VII. KẾT QUẢ ĐIỀU KHIỂN HỆ THỐNG CỦA TRUNG TÂM CNTT&TT",
        "IX. CÁN BỘ QUẢN LÝ VẬN HÀNH HỆ THỐNG ĐĂNG KÝ NĂM 2018",
        "UBND huyện Đồng Văn",
        "Chưa được đầu tư thiết bị",
        "Sùng Mí Dính",
        "đạt tỷ lệ 71,4%",
        "Nơi nhận:",
        "- UBND tỉnh (b/c);",
        "- Lưu: VT, CNTT.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn Tuệ",
    ):
        assert expected in flat, expected
    # The totals rows: meetings of parts I and II, endpoints/communes.
    assert any("Tổng cộng" in line and "185" in line for line in text.splitlines())
    assert any(
        "Tổng cộng" in line and "54/63" in line and "62" in line
        for line in text.splitlines()
    )
    assert any(
        "Tổng số lần sự cố" in line and "14" in line for line in text.splitlines()
    )


@pytest.mark.libreoffice
def test_pdf_fonts_are_embedded_liberation_serif(rendered: dict[str, Path]) -> None:
    report = subprocess.run(
        [_tool("pdffonts"), str(rendered["pdf"])], check=True, capture_output=True
    ).stdout.decode()
    fonts = report.splitlines()[2:]
    assert fonts, report
    for line in fonts:
        assert "LiberationSerif" in line, line
        # columns: name type encoding emb sub uni object-id generation
        assert line.split()[-5] == "yes", line


@pytest.mark.libreoffice
def test_pdf_pages_are_a4_and_numbered_from_page_two(
    rendered: dict[str, Path],
) -> None:
    info = subprocess.run(
        [_tool("pdfinfo"), str(rendered["pdf"])], check=True, capture_output=True
    ).stdout.decode()
    assert "(A4)" in info, info
    pages = int(
        next(ln for ln in info.splitlines() if ln.startswith("Pages:")).split()[1]
    )
    assert pages >= 3
    first = _pdftotext(rendered["pdf"], 1).split()
    second = _pdftotext(rendered["pdf"], 2).split()
    assert first[0] == "UBND"  # no page number on the first page
    assert second[0] == "2"


@pytest.mark.libreoffice
def test_pdf_text_stays_within_nd30_margins(rendered: dict[str, Path]) -> None:
    """Left 30 mm, right 15 mm, top 20 mm (page 1), bottom 20 mm."""
    html = subprocess.run(
        [_tool("pdftotext"), "-bbox", str(rendered["pdf"]), "-"],
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")
    mm = 72 / 25.4
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        words = re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', page
        )
        assert words, f"page {number} has no text"
        boxes = [tuple(map(float, w)) for w in words]
        assert min(b[0] for b in boxes) >= 30 * mm - 1, number
        assert max(b[2] for b in boxes) <= 210 * mm - 15 * mm + 1, number
        assert max(b[3] for b in boxes) <= 297 * mm - 20 * mm + 1, number
        if number == 1:
            assert min(b[1] for b in boxes) >= 20 * mm - 1


@pytest.mark.libreoffice
def test_docx_and_xlsx_outputs(rendered: dict[str, Path]) -> None:
    with zipfile.ZipFile(rendered["docx"]) as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert "UBND huyện Đồng Văn" in body
    assert "Liberation Serif" in docx_fonts(rendered["docx"])
    wb = openpyxl.load_workbook(rendered["xlsx"])
    assert wb.sheetnames[0] == "Tổng quan"


def docx_fonts(path: Path) -> str:
    with zipfile.ZipFile(path) as docx:
        return docx.read("word/fontTable.xml").decode("utf-8")
