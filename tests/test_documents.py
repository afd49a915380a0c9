"""Tests of vcsurvey.documents: template data, and the printed documents
read back from the PDF LibreOffice makes (pdftotext, pdffonts)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from soffice_support import have_soffice, needs_soffice, soffice_problem

from vcsurvey import documents, render, templates
from vcsurvey.documents import (
    CHECKED,
    UNCHECKED,
    DocumentDataError,
    dispatch_data,
    form_data,
    render_dispatch,
    render_form,
    render_forms_batch,
)
from vcsurvey.forms import get_form, render_text
from vcsurvey.render import RenderError

ROOT = Path(__file__).resolve().parent.parent
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "x": "http://www.w3.org/1999/xhtml",
}
A4 = (595.3, 841.9)  # points
MM = 72 / 25.4


needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdffonts"),
    reason="poppler-utils (pdftotext, pdffonts) is not installed",
)

SUBJECT = (
    "báo cáo công tác quản lý, vận hành hệ thống giao ban trực tuyến trên địa "
    "bàn tỉnh năm 2017"
)
DECISION = (
    "Quyết định số 1373/QĐ-UBND ngày 24/7/2017 của UBND tỉnh Hà Giang về việc "
    "ban hành quy chế quản lý, vận hành và sử dụng các hệ thống giao ban trực "
    "tuyến trên địa bàn tỉnh"
)


def dispatch_input(**changes) -> dict:
    data = {
        "parent_agency": "UBND TỈNH HÀ GIANG",
        "agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "notation": "STTTT-CNTT",
        "number": 5,
        "place": "Hà Giang",
        "date": date(2017, 12, 20),
        "subject": SUBJECT,
        "recipients": ["UBND các huyện, thành phố", "Trung tâm CNTT & Truyền thông"],
        "legal_bases": [DECISION],
        "deadline": "2018-01-10",
        "email": "ltmy.stttt@hagiang.gov.vn",
        "cc": ["Lãnh đạo Sở", "Vnptioffice"],
        "archive": "Lưu: VT, CNTT.",
        "signer": {
            "title": "GIÁM ĐỐC",
            "name": "Nguyễn Văn Tuệ",
            "delegation": "KT.",
            "position": "PHÓ GIÁM ĐỐC",
        },
        "year": 2017,
        "forms": ["district", "center"],
        "province": "Hà Giang",
    }
    data.update(changes)
    return data


DISTRICT_ANSWERS = {
    "B.name": "Nguyễn Thị Lan",
    "B.position": "Chuyên viên",
    "B.unit": "Văn phòng HĐND-UBND huyện Vị Xuyên",
    "B.phone": "0912345678",
    "B.email": "lan.vx@hagiang.gov.vn",
    "I.1.location": "Phòng họp tầng 2, UBND huyện Vị Xuyên",
    "I.1.ip": "10.160.1.21",
    "I.1.meetings": 24,
    "I.2": True,
    "I.3.camera": "stable",
    "I.3.microphone": "unstable",
    "I.3.audio": "stable",
    "I.3.vcs": "not_working",
    "I.4": "unstable",
    "I.5": False,
    "I.6": [
        {
            "symptom": "Mất tiếng điểm cầu",
            "count": 3,
            "cause": "Đường truyền chập chờn",
            "fix": "Khởi động lại thiết bị",
            "endpoint": "UBND huyện",
        }
    ],
    "I.7": True,
    "I.8": False,
    "I.9": "Tiết kiệm khoảng 60% chi phí đi lại.\nGiảm thời gian hội họp.",
    "I.10": [
        {
            "name": "Trần Văn Hùng",
            "position": "Kỹ thuật viên",
            "phone": "0987654321",
            "email": "hung.vx@hagiang.gov.vn",
            "unit": "Văn phòng UBND",
        },
        {
            "name": "Lý Thị Mai",
            "position": "Chuyên viên",
            "phone": "0977111222",
            "email": "mai.vx@hagiang.gov.vn",
            "unit": "Phòng Văn hóa",
        },
    ],
    "I.11": "Đề nghị nâng cấp đường truyền cáp quang.",
    "II.1.endpoints": 12,
    "II.1.communes": 24,
    "II.1.communes_without_endpoint": 12,
    "II.1.reason": "Chưa bố trí được kinh phí",
    "II.1.meetings": 10,
    "II.2.camera": "stable",
    "II.2.microphone": "stable",
    "II.2.audio": "unstable",
    "II.2.vcs": "stable",
    "II.3": "stable",
    "II.4": True,
    "II.5": [],
    "II.6": False,
    "II.7": True,
    "II.8": "Giảm chi phí cho cấp xã.",
    "II.9": "Trang bị thêm điểm cầu cho 12 xã.",
}
CENTER_ANSWERS = {
    "B.name": "Hoàng Minh Đức",
    "B.position": "Phó Giám đốc",
    "B.unit": "Trung tâm CNTT&TT",
    "B.phone": "02193866666",
    "B.email": "duc.ttcntt@hagiang.gov.vn",
    "C.1.name": "Vũ Quang Huy",
    "C.1.phone": "0915000111",
    "C.1.email": "huy.ttcntt@hagiang.gov.vn",
    "C.1.endpoint": "Văn phòng UBND tỉnh",
    "C.1.sessions": 86,
    "C.1.level4": 6,
    "C.1.level3": 30,
    "C.1.level2": 50,
    "C.2": True,
    "C.3": "one_hour_before",
    "C.4": 12.5,
    "C.5.mcu_ip": "10.160.0.5",
    "C.5.operating_time": "Từ tháng 3/2015",
    "C.5.incidents": "Treo MCU hai lần",
    "C.5.remedies": "Khởi động lại MCU",
    "C.5.maintenance": True,
    "C.5.difficulties": "Thiếu linh kiện thay thế",
    "C.5.recommendations": "Nâng cấp phần mềm MCU",
    "C.6": [
        {
            "symptom": "Mất hình điểm cầu huyện",
            "count": 4,
            "cause": "Mất điện",
            "fix": "Dùng bộ lưu điện",
            "endpoint": "UBND huyện Mèo Vạc",
        }
    ],
    "C.7": False,
    "C.8.full": True,
    "C.8.partial": "Điểm cầu huyện Đồng Văn",
    "C.9": "Đầu tư MCU dự phòng",
}


def form_meta(**changes) -> dict:
    meta = {
        "unit_name": "UBND huyện Vị Xuyên",
        "year": 2017,
        "province": "Hà Giang",
        "dispatch_number": 5,
        "dispatch_date": "2017-12-20",
        "cutoff": None,
        "preparer_name": "Nguyễn Thị Lan",
        "head_name": "Hoàng Văn Nam",
        "signed_as": "KT.",
        "head_position": "Phó Chủ tịch",
    }
    meta.update(changes)
    return meta


# -------------------------------------------------------------- helpers ---


def pdftotext(pdf: bytes, *args: str) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Text with page-number lines dropped and all whitespace made one space,
    so that a sentence wrapped over lines (or pages) is found whole."""
    kept = [line for line in text.splitlines() if not re.fullmatch(r"\s*\d+\s*", line)]
    return re.sub(r"\s+", " ", " ".join(kept).replace("\f", " ")).strip()


def squeeze(text: str) -> str:
    """Text without any whitespace (words broken inside narrow table cells)."""
    return re.sub(r"\s+", "", text)


def pdffonts(pdf: bytes, tmp_path: Path) -> list[dict]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout
    lines = out.splitlines()[2:]
    fonts = []
    for line in lines:
        fields = line.split()
        # name type... encoding emb sub uni object id: read from the right
        fonts.append({"name": fields[0], "emb": fields[-5], "type": fields[1]})
    return fonts


def words(pdf: bytes, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """(text, xMin, yMin, xMax, yMax) of each word on ``page``."""
    html = pdftotext(pdf, "-bbox", "-f", str(page), "-l", str(page))
    tree = etree.fromstring(html.encode("utf-8"))
    return [
        (
            w.text or "",
            float(w.get("xMin")),
            float(w.get("yMin")),
            float(w.get("xMax")),
            float(w.get("yMax")),
        )
        for w in tree.iter("{%s}word" % NS["x"])
    ]


def first_word(ws, text: str, after_y: float = -1.0):
    for word in ws:
        if word[0] == text and word[2] > after_y:
            return word
    raise AssertionError(f"word {text!r} not found on the page")


def odt_paragraphs(odt: bytes) -> dict[str, str]:
    """Text of each paragraph -> its style name."""
    with zipfile.ZipFile(io.BytesIO(odt)) as archive:
        content = etree.fromstring(archive.read("content.xml"))
    found = {}
    for p in content.iter("{%s}p" % NS["text"]):
        found["".join(p.itertext())] = p.get("{%s}style-name" % NS["text"])
    return found


def odt_style(odt: bytes, name: str) -> dict[str, str]:
    """The properties of a style, its parents' merged in (fo:/style: names)."""
    with zipfile.ZipFile(io.BytesIO(odt)) as archive:
        trees = [
            etree.fromstring(archive.read(p)) for p in ("content.xml", "styles.xml")
        ]
    styles = {}
    for tree in trees:
        for style in tree.iter("{%s}style" % NS["style"]):
            styles.setdefault(style.get("{%s}name" % NS["style"]), style)
    props: dict[str, str] = {}
    chain = []
    while name:
        style = styles[name]
        chain.append(style)
        name = style.get("{%s}parent-style-name" % NS["style"])
    # The document's default paragraph style is the root of every chain.
    defaults = [
        default
        for tree in trees
        for default in tree.iter("{%s}default-style" % NS["style"])
        if default.get("{%s}family" % NS["style"]) == "paragraph"
    ]
    for style in [*defaults, *reversed(chain)]:
        for child in style:
            for key, value in child.attrib.items():
                local = etree.QName(key)
                prefix = "fo" if local.namespace == NS["fo"] else "style"
                props[f"{prefix}:{local.localname}"] = value
    return props


def style_of(odt: bytes, text: str) -> dict[str, str]:
    paragraphs = odt_paragraphs(odt)
    matches = [style for para, style in paragraphs.items() if para == text]
    assert matches, f"no paragraph {text!r} in {list(paragraphs)[:40]}"
    return odt_style(odt, matches[0])


# -------------------------------------------------------- dispatch data ---


def test_dispatch_data_follows_nd30():
    """Number, date line, V/v, recipients, bases, Nơi nhận and signer lines."""
    data = dispatch_data(dispatch_input())
    assert data["parent_agency"] == "UBND TỈNH HÀ GIANG"
    assert data["agency"] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert data["number_line"] == "Số: 05/STTTT-CNTT"
    assert data["date_line"] == "Hà Giang, ngày 20 tháng 12 năm 2017"
    assert data["subject_line"] == f"V/v {SUBJECT}"
    assert data["recipient_lines"] == [
        "- UBND các huyện, thành phố;",
        "- Trung tâm CNTT & Truyền thông.",
    ]
    assert data["legal_bases"] == [f"Căn cứ {DECISION}."]
    assert data["cc_lines"] == [
        "- Như kính gửi;",
        "- Lãnh đạo Sở;",
        "- Vnptioffice;",
        "- Lưu: VT, CNTT.",
    ]
    assert data["signer_authority"] == "KT. GIÁM ĐỐC"
    assert data["signer_position"] == "PHÓ GIÁM ĐỐC"
    assert data["signer_name"] == "Nguyễn Văn Tuệ"
    assert data["closing"] == "Trân trọng./."
    assert data["cutoff"] == "31/12/2017"


def test_dispatch_default_body_has_deadline_email_and_forms():
    """The default body is the 2017 text with the deadline and soft-copy mail."""
    body = " ".join(dispatch_data(dispatch_input())["body"])
    assert "năm 2017, Sở Thông tin và Truyền thông đề nghị" in body
    assert "(theo mẫu phiếu kèm theo)" in body
    assert "trước ngày 10/01/2018" in body
    assert "Email: ltmy.stttt@hagiang.gov.vn" in body
    later = " ".join(
        dispatch_data(dispatch_input(year=2019, deadline=date(2020, 1, 8)))["body"]
    )
    assert "năm 2019" in later and "trước ngày 08/01/2020" in later


def test_dispatch_explicit_body_is_kept():
    """A given body replaces the default and needs no deadline."""
    data = dispatch_data(dispatch_input(body=["Đoạn một.", "Đoạn hai."], deadline=None))
    assert data["body"] == ["Đoạn một.", "Đoạn hai."]


def test_dispatch_without_delegation_or_number():
    """The director signing himself: "GIÁM ĐỐC" alone; a draft keeps blanks."""
    data = dispatch_data(
        dispatch_input(
            signer={"title": "Giám đốc", "name": "Nguyễn Văn Tuệ"},
            number=None,
            date=None,
            recipients=["UBND huyện Vị Xuyên"],
        )
    )
    assert data["signer_authority"] == "GIÁM ĐỐC"
    assert data["signer_position"] == ""
    assert data["number_line"].startswith("Số: ")
    assert data["number_line"].endswith("/STTTT-CNTT")
    assert "05" not in data["number_line"]
    assert data["date_line"].startswith("Hà Giang, ngày ")
    assert data["recipient_lines"] == ["UBND huyện Vị Xuyên"]


def test_dispatch_dates_as_text():
    """Dates may be ISO or dd/mm/yyyy text; a bad one is named."""
    data = dispatch_data(dispatch_input(date="2018-01-05", cutoff="30/11/2017"))
    assert data["date_line"] == "Hà Giang, ngày 05 tháng 01 năm 2018"
    assert data["cutoff"] == "30/11/2017"
    with pytest.raises(DocumentDataError, match="deadline"):
        dispatch_data(dispatch_input(deadline="tomorrow"))


@pytest.mark.parametrize("key", ["agency", "notation", "subject", "recipients", "year"])
def test_dispatch_missing_required_key_is_named(key):
    """Each required key, when absent, is named in the error."""
    data = dispatch_input()
    del data[key]
    with pytest.raises(DocumentDataError, match=repr(key)):
        dispatch_data(data)


def test_dispatch_bad_signer_is_reported():
    """A deputy without own position, or an unknown delegation, is an error."""
    with pytest.raises(DocumentDataError, match="position"):
        dispatch_data(
            dispatch_input(signer={"title": "GĐ", "name": "A", "delegation": "KT."})
        )
    with pytest.raises(DocumentDataError, match="delegation"):
        dispatch_data(
            dispatch_input(
                signer={"title": "GĐ", "name": "A", "delegation": "XX", "position": "P"}
            )
        )
    with pytest.raises(DocumentDataError, match="'name'"):
        dispatch_data(dispatch_input(signer={"title": "GIÁM ĐỐC"}))


# ------------------------------------------------------------ form data ---


def _blocks(data: dict, kind: str) -> list[dict]:
    return [b for b in data["blocks"] if b["kind"] == kind]


@pytest.mark.parametrize("form_type", ["district", "center"])
def test_blank_form_data_has_every_question_unmarked(form_type):
    """A blank form lists every question code and ticks no box."""
    form = get_form(form_type)
    data = form_data(form, None, {"year": 2017})
    codes = " ".join(b["qcode"] for b in data["blocks"])
    assert not any(b["code"] for b in data["blocks"])  # none printed
    for question in form.questions():
        assert question.code in codes
    for block in _blocks(data, "choices"):
        assert CHECKED not in block["value"]
        assert UNCHECKED in block["value"]
    assert data["unit_line"] == ""
    assert data["head_title"] == "THỦ TRƯỞNG ĐƠN VỊ"
    assert data["title"].endswith("TỈNH HÀ GIANG NĂM 2017.")
    assert "4. Số liệu tính đến hết ngày 31/12/2017." in [
        b["text"] for b in data["blocks"]
    ]
    for block in data["blocks"]:
        assert set(block) == {"kind", "text", "value", "code", "qcode", "rows"}


def test_blank_form_tables_leave_room_to_write():
    """Blank operator/incident tables have empty numbered lines."""
    data = form_data(get_form("district"), None, {"year": 2017})
    operators = _blocks(data, "operators")[0]["rows"]
    incidents = _blocks(data, "incidents")[0]["rows"]
    assert [r["no"] for r in operators] == ["1", "2"]
    assert len(incidents) == 3 and incidents[0]["symptom"] == ""


def test_filled_form_data_marks_the_answers():
    """Chosen boxes are ticked, values and lines printed, 'KT.' applied."""
    data = form_data(get_form("district"), DISTRICT_ANSWERS, form_meta())
    by_code = {b["qcode"]: b for b in data["blocks"] if b["qcode"]}
    assert by_code["I.1.ip"]["value"] == "10.160.1.21"
    assert by_code["I.1.meetings"]["value"] == "24"
    assert by_code["II.1.endpoints, II.1.communes"]["value"] == "12 / 24"
    choices = _blocks(data, "choices")
    camera = choices[1]["value"]  # after I.2's yes/no
    assert camera.startswith(f"{CHECKED}\u00a0Ổn định")
    assert f"{UNCHECKED}\u00a0Không ổn định" in camera
    assert choices[0]["value"].startswith(f"{CHECKED}\u00a0Có")
    assert data["unit_line"] == "Đơn vị: UBND huyện Vị Xuyên"
    assert data["head_title"] == "KT. THỦ TRƯỞNG ĐƠN VỊ"
    assert data["head_position"] == "PHÓ CHỦ TỊCH"
    assert data["issued_with"].startswith(
        "(Ban hành kèm theo công văn số:05/STTTT-CNTT"
    )
    assert "ngày 20 tháng 12 năm 2017" in data["issued_with"]
    operators = _blocks(data, "operators")[0]["rows"]
    assert operators[1]["email"] == "mai.vx@hagiang.gov.vn"
    # II.5 answered with no incident at all: said so, no empty table
    answers = [b["value"] for b in _blocks(data, "answer")]
    assert "Không có." in answers
    assert "Giảm thời gian hội họp." in answers


def test_form_data_treats_odoo_false_as_blank():
    """False (Odoo's empty field) is blank except for a yes/no (= "no")."""
    data = form_data(
        get_form("district"),
        {"I.1.location": False, "I.3.camera": False, "I.2": False, "I.9": False},
        {"year": 2017},
    )
    by_code = {b["qcode"]: b for b in data["blocks"] if b["qcode"]}
    assert by_code["I.1.location"]["value"].startswith("....")
    choices = _blocks(data, "choices")
    assert choices[0]["value"].endswith(f"{CHECKED}\u00a0Không")
    assert CHECKED not in choices[1]["value"]


def test_form_data_percent_uses_a_decimal_comma():
    """12.5 % prints the Vietnamese way."""
    data = form_data(get_form("center"), {"C.4": 12.5}, {"year": 2017})
    assert [b["value"] for b in data["blocks"] if b["qcode"] == "C.4"] == ["12,5%"]


def test_form_data_rejects_bad_answers_and_meta():
    """Unknown choice, non-list table, missing year: clear errors."""
    form = get_form("district")
    with pytest.raises(DocumentDataError, match=r"I\.3\.camera.*broken"):
        form_data(form, {"I.3.camera": "broken"}, {"year": 2017})
    with pytest.raises(DocumentDataError, match=r"I\.10.*list"):
        form_data(form, {"I.10": "Trần Văn Hùng"}, {"year": 2017})
    with pytest.raises(DocumentDataError, match="'year'"):
        form_data(form, None, {})
    with pytest.raises(DocumentDataError, match="signed_as"):
        form_data(form, None, {"year": 2017, "signed_as": "XX"})


# -------------------------------------------------- templates and errors ---


def test_missing_template_is_named(monkeypatch, tmp_path):
    """An empty template directory: RenderError naming dispatch.odt."""
    monkeypatch.setenv(templates.TEMPLATE_DIR_ENV, str(tmp_path))
    with pytest.raises(RenderError, match=r"'dispatch\.odt' not found"):
        render_dispatch(dispatch_input(), fmts=("odt",))


def test_mismatched_template_is_named(monkeypatch, tmp_path):
    """A replacement template asking for data the dispatch lacks."""
    shipped = ROOT / "hg_videoconf_survey" / "report" / "templates" / "dispatch.odt"
    with (
        zipfile.ZipFile(shipped) as source,
        zipfile.ZipFile(tmp_path / "dispatch.odt", "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "content.xml":
                data = data.replace(b'"py3o.signer_name"', b'"py3o.signer_nickname"')
            target.writestr(info, data)
    monkeypatch.setenv(templates.TEMPLATE_DIR_ENV, str(tmp_path))
    with pytest.raises(RenderError) as info:
        render_dispatch(dispatch_input(), fmts=("odt",))
    assert "'dispatch.odt'" in str(info.value)
    assert "signer_nickname" in str(info.value)


def test_unknown_format_is_refused_before_rendering():
    """Formats other than odt/pdf/docx are refused."""
    with pytest.raises(RenderError, match="'html'"):
        render_dispatch(dispatch_input(), fmts=("html",))


def test_dispatch_odt_styles_follow_nd30():
    """The rendered ODT: italic date and bases, 12 pt bold-italic Nơi nhận,
    11 pt entries, justified body with first-line indent, A4 margins."""
    odt = render_dispatch(dispatch_input(), fmts=("odt",))["odt"]
    date_line = style_of(odt, "Hà Giang, ngày 20 tháng 12 năm 2017")
    assert date_line["fo:font-style"] == "italic"
    basis = style_of(odt, f"Căn cứ {DECISION}.")
    assert basis["fo:font-style"] == "italic"
    assert basis["fo:text-align"] == "justify"
    body = style_of(odt, dispatch_data(dispatch_input())["body"][0])
    assert body["fo:text-align"] == "justify"
    assert body["fo:text-indent"] == "1.27cm"
    assert "fo:font-style" not in body
    heading = style_of(odt, "Nơi nhận:")
    assert (
        heading["fo:font-size"],
        heading["fo:font-weight"],
        heading["fo:font-style"],
    ) == (
        "12pt",
        "bold",
        "italic",
    )
    assert style_of(odt, "- Lưu: VT, CNTT.")["fo:font-size"] == "11pt"
    assert style_of(odt, "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")["fo:font-weight"] == "bold"
    assert "fo:font-weight" not in style_of(odt, "UBND TỈNH HÀ GIANG")
    slogan = style_of(odt, "Độc lập - Tự do - Hạnh phúc")
    assert slogan["style:text-underline-style"] == "solid"
    assert style_of(odt, "Nguyễn Văn Tuệ")["fo:font-weight"] == "bold"
    assert body["style:font-name"] == "Liberation Serif"
    assert 13 <= float(body["fo:font-size"].rstrip("pt")) <= 14
    with zipfile.ZipFile(io.BytesIO(odt)) as archive:
        styles = archive.read("styles.xml").decode()
    for margin in (
        'fo:margin-top="2cm"',
        'fo:margin-bottom="2cm"',
        'fo:margin-left="3cm"',
        'fo:margin-right="1.5cm"',
        'fo:page-width="21cm"',
        'fo:page-height="29.7cm"',
    ):
        assert margin in styles


# ---------------------------------------------- printed dispatch (PDF) ---


@pytest.fixture(scope="module")
def dispatch_outputs() -> dict[str, bytes]:
    if not have_soffice():
        pytest.skip(f"LibreOffice unavailable: {soffice_problem()}")
    return render_dispatch(dispatch_input())


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_dispatch_pdf_shows_every_element(dispatch_outputs):
    """Every ND30 element of the dispatch, diacritics intact, in the PDF."""
    pdf = dispatch_outputs["pdf"]
    text = pdftotext(pdf, "-layout", "-f", "1", "-l", "1")
    lines = text.splitlines()
    flat_text = flat(text)
    for expected in (
        "UBND TỈNH HÀ GIANG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 05/STTTT-CNTT",
        "Hà Giang, ngày 20 tháng 12 năm 2017",
        f"V/v {SUBJECT}",
        "Kính gửi:",
        "- UBND các huyện, thành phố;",
        "- Trung tâm CNTT & Truyền thông.",
        f"Căn cứ {DECISION}.",
        "trước ngày 10/01/2018",
        "Email: ltmy.stttt@hagiang.gov.vn",
        "(theo mẫu phiếu kèm theo)",
        "Trân trọng./.",
        "Nơi nhận:",
        "- Như kính gửi;",
        "- Lãnh đạo Sở;",
        "- Vnptioffice;",
        "- Lưu: VT, CNTT.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn Tuệ",
    ):
        assert expected in flat_text, expected
    # the two heading columns and the foot share their lines (-layout)
    motto = next(line for line in lines if "CỘNG HÒA" in line)
    assert motto.index("UBND TỈNH HÀ GIANG") < motto.index("CỘNG HÒA")
    number = next(line for line in lines if "Số: 05/STTTT-CNTT" in line)
    assert number.index("Số:") < number.index("Hà Giang, ngày 20")
    foot = next(line for line in lines if "Nơi nhận:" in line)
    assert foot.index("Nơi nhận:") < foot.index("KT. GIÁM ĐỐC")


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_dispatch_pdf_layout_positions(dispatch_outputs):
    """Agency top-left, motto top-right, number under the agency and level
    with the date, V/v under the number, Nơi nhận bottom-left level with the
    signer bottom-right, room for the signature; A4 and the ND30 margins."""
    pdf = dispatch_outputs["pdf"]
    ws = words(pdf)
    html = pdftotext(pdf, "-bbox", "-f", "1", "-l", "1")
    assert 'width="595.3' in html and 'height="841.8' in html
    middle = A4[0] / 2
    parent, motto = first_word(ws, "UBND"), first_word(ws, "CỘNG")
    assert parent[3] < middle < motto[1]
    assert abs(parent[2] - motto[2]) < 3  # same top line
    assert abs(parent[2] - 20 * MM) < 4  # top margin 20 mm
    agency = first_word(ws, "SỞ")
    number = first_word(ws, "Số:")
    assert agency[2] < number[2] and number[3] < middle
    date_word = first_word(ws, "Hà", after_y=number[2] - 3)
    assert abs(date_word[2] - number[2]) < 3 and date_word[1] > middle
    subject = first_word(ws, "V/v")
    assert subject[2] > number[2] and subject[3] < middle
    cc, signer = first_word(ws, "Nơi"), first_word(ws, "KT.")
    assert abs(cc[2] - signer[2]) < 6
    assert cc[1] < middle < signer[1]
    name = first_word(ws, "Tuệ")
    assert name[2] - signer[2] > 25 * MM  # room for the ink signature
    left, right = 30 * MM, A4[0] - 15 * MM
    for word in ws:
        assert left - 1 <= word[1] and word[3] <= right + 1, word


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_dispatch_pdf_fonts_are_embedded_liberation_serif(dispatch_outputs, tmp_path):
    """pdffonts: every font embedded, Liberation Serif the text font."""
    fonts = pdffonts(dispatch_outputs["pdf"], tmp_path)
    assert fonts
    assert all(f["emb"] == "yes" for f in fonts), fonts
    names = {f["name"].split("+")[-1] for f in fonts}
    assert {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
    } <= names
    assert "LiberationSerif-BoldItalic" in names  # "Nơi nhận:"


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_dispatch_pdf_carries_the_blank_forms(dispatch_outputs):
    """After the dispatch come the district and centre forms, blank."""
    full = flat(pdftotext(dispatch_outputs["pdf"]))
    assert full.index("Trân trọng./.") < full.index(
        "PHIẾU KHẢO SÁT TÌNH HÌNH HOẠT ĐỘNG HỆ THỐNG GIAO BAN ĐIỆN TỬ TỈNH HÀ GIANG"
    )
    assert "(dành cho UBND các huyện, thành phố)" in full
    assert "(Dành riêng cho Trung tâm CNTT&TT tỉnh Hà Giang)" in full
    assert full.count("(Ban hành kèm theo công văn số:05/STTTT-CNTT ngày 20") == 2
    assert CHECKED not in full
    first_page = pdftotext(dispatch_outputs["pdf"], "-f", "1", "-l", "1")
    assert "PHIẾU KHẢO SÁT" not in first_page


@pytest.mark.libreoffice
@needs_soffice
def test_dispatch_docx_and_odt_are_real_documents(dispatch_outputs):
    """DOCX: a zip with word/document.xml holding the subject; ODT likewise."""
    with zipfile.ZipFile(io.BytesIO(dispatch_outputs["docx"])) as archive:
        document = etree.fromstring(archive.read("word/document.xml"))
    text = "".join(t.text or "" for t in document.iter("{%s}t" % NS["w"]))
    assert SUBJECT in text
    assert "Nguyễn Văn Tuệ" in text
    with zipfile.ZipFile(io.BytesIO(dispatch_outputs["odt"])) as archive:
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    assert f"V/v {SUBJECT}" in odt_paragraphs(dispatch_outputs["odt"])


# ------------------------------------------------- printed forms (PDF) ---


@pytest.fixture(scope="module")
def filled_pdfs() -> dict[str, bytes]:
    if not have_soffice():
        pytest.skip(f"LibreOffice unavailable: {soffice_problem()}")
    district, center = get_form("district"), get_form("center")
    center_meta = form_meta(
        unit_name="Trung tâm CNTT&TT",
        signed_as="",
        head_position="",
        head_name="Lò Văn Sơn",
    )
    pdfs = render_forms_batch(
        [
            (district, DISTRICT_ANSWERS, form_meta()),
            (center, CENTER_ANSWERS, center_meta),
        ]
    )
    return {"district": pdfs[0], "center": pdfs[1]}


def _answer_texts(answers: dict) -> list[str]:
    texts = []
    for value in answers.values():
        if (
            isinstance(value, str)
            and "_" not in value
            and value
            not in (
                "stable",
                "unstable",
            )
        ):
            texts.extend(value.splitlines())
        elif isinstance(value, int) and not isinstance(value, bool):
            texts.append(str(value))
        elif isinstance(value, list):
            for line in value:
                texts.extend(str(v) for v in line.values())
    return texts


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
@pytest.mark.parametrize("form_type", ["district", "center"])
def test_filled_form_pdf_shows_every_question_and_answer(filled_pdfs, form_type):
    """Every heading, question text, choice and answer is printed."""
    form = get_form(form_type)
    answers = DISTRICT_ANSWERS if form_type == "district" else CENTER_ANSWERS
    text = pdftotext(filled_pdfs[form_type])
    low = flat(text).lower()
    # -raw keeps each table cell's words together, in content order.
    squeezed = squeeze(pdftotext(filled_pdfs[form_type], "-raw"))
    data = form_data(form, answers, {"year": 2017})
    assert flat(data["title"]).lower() in low
    assert form.audience.lower() in low
    assert (
        "(ban hành kèm theo công văn số:05/stttt-cntt ngày 20 tháng 12 năm 2017" in low
    )
    for item in form.render_guidance(date(2017, 12, 31)):
        assert flat(item).lower() in low, item
    for section in form.all_sections():
        assert flat(section.title).lower() in low, section.title
    for question in form.questions():
        assert flat(render_text(question.text, 2017)).lower() in low, question.code
        # the paper prints no question code
        assert f"[{question.code}" not in text, question.code
        for choice in question.choices:
            assert flat(choice.label).lower() in low, (question.code, choice.label)
    for answer in _answer_texts(answers):
        assert squeeze(answer) in squeezed, answer
    for label in (
        "NGƯỜI LẬP BIỂU",
        "(Ký và ghi rõ họ tên)",
        "(Ký, đóng dấu và ghi rõ họ tên)",
    ):
        assert label in text


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_filled_form_pdf_marks_the_chosen_boxes(filled_pdfs):
    """☒ before the chosen option, ☐ before the others, as printed glyphs."""
    low = flat(pdftotext(filled_pdfs["district"]))
    assert re.search(
        r"thiết bị Camera: ☒ Ổn định ☐ Không ổn định ☐ Không hoạt động",
        low,
    )
    assert re.search(
        r"thiết bị đầu cuối VCS: ☐ Ổn định ☐ Không ổn định ☒ Không hoạt động",
        low,
    )
    assert re.search(r"nâng cấp.{0,200}☐ Có ☒ Không", low)
    assert not re.search(r"\[(B|I|II|C)\.", low)  # no question code printed
    assert "Đơn vị: UBND huyện Vị Xuyên" in low
    assert "KT. THỦ TRƯỞNG ĐƠN VỊ" in low and "PHÓ CHỦ TỊCH" in low
    assert "Nguyễn Thị Lan" in low and "Hoàng Văn Nam" in low
    center = flat(pdftotext(filled_pdfs["center"]))
    assert (
        "☒ Trước 1 giờ so với giờ họp chính thức ☐ Ngay vào giờ họp chính thức."
        in center
    )
    assert "12,5%" in center
    assert "KT." not in center


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_filled_form_fonts_are_embedded(filled_pdfs, tmp_path):
    """Liberation Serif for text, the tick-box glyph font embedded as well."""
    fonts = pdffonts(filled_pdfs["district"], tmp_path)
    assert all(f["emb"] == "yes" for f in fonts), fonts
    names = {f["name"].split("+")[-1] for f in fonts}
    assert "LiberationSerif" in names
    assert len(names - {n for n in names if n.startswith("LiberationSerif")}) >= 1


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_forms_batch_uses_one_libreoffice_start(monkeypatch):
    """render_forms_batch: N forms, one soffice process, N PDFs in order."""
    starts = []
    real = render._run_soffice

    def counting(command, timeout, keys):
        starts.append(keys)
        return real(command, timeout, keys)

    monkeypatch.setattr(render, "_run_soffice", counting)
    district = get_form("district")
    items = [
        (district, None, form_meta(unit_name=f"Huyện số {n}", year=2017 + n))
        for n in range(3)
    ]
    pdfs = render_forms_batch(items)
    assert len(starts) == 1 and len(starts[0]) == 3
    for n, pdf in enumerate(pdfs):
        text = flat(pdftotext(pdf))
        assert f"Đơn vị: Huyện số {n}" in text
        assert f"NĂM {2017 + n}." in text


@pytest.mark.libreoffice
@needs_soffice
def test_render_form_formats():
    """render_form returns each requested format, ODT straight from py3o."""
    out = render_form(get_form("center"), None, {"year": 2018}, fmts=("odt", "docx"))
    assert set(out) == {"odt", "docx"}
    assert any("NĂM 2018." in p for p in odt_paragraphs(out["odt"]))
    with zipfile.ZipFile(io.BytesIO(out["docx"])) as archive:
        assert "word/document.xml" in archive.namelist()


def test_render_forms_batch_odt_needs_no_libreoffice(monkeypatch):
    """fmt="odt" returns the filled templates without starting soffice."""
    monkeypatch.setattr(render, "soffice_binary", lambda: pytest.fail("started"))
    odts = render_forms_batch([(get_form("district"), None, {"year": 2017})], fmt="odt")
    assert len(odts) == 1
    paragraphs = odt_paragraphs(odts[0])
    assert "A. Hướng dẫn chung" in paragraphs
    assert documents.FORM_TEMPLATE == "form.odt"


@pytest.mark.libreoffice
@needs_soffice
@pytest.mark.parametrize("name", ["dispatch.odt", "form.odt"])
def test_templates_survive_a_save_in_libreoffice(name):
    """An administrator opening and saving a template in LibreOffice keeps
    its py3o directives working (LibreOffice's own ODT is filled again)."""
    resaved = render.convert_one(templates.template_path(name).read_bytes(), "odt")
    if name == "dispatch.odt":
        data = dispatch_data(dispatch_input())
        expected = ["Số: 05/STTTT-CNTT", "- Vnptioffice;", "PHÓ GIÁM ĐỐC"]
    else:
        data = form_data(get_form("district"), DISTRICT_ANSWERS, form_meta())
        expected = ["A. Hướng dẫn chung", "Giảm thời gian hội họp.", "PHÓ CHỦ TỊCH"]
    paragraphs = odt_paragraphs(render.render_odt(resaved, data, name=name))
    for text in expected:
        assert text in paragraphs, text


def test_odoo_empty_fields_count_as_absent():
    """False (how Odoo hands over an empty field) is treated as no value."""
    data = dispatch_data(
        dispatch_input(number=False, date=False, cc=False, legal_bases=False)
    )
    assert "05" not in data["number_line"]
    assert data["date"] == "" and data["legal_bases"] == []
    assert data["cc_lines"] == ["- Như kính gửi;", "- Lưu: VT, CNTT."]
    meta = form_meta(dispatch_number=False, dispatch_date=False, cutoff=False)
    issued = form_data(get_form("center"), None, meta)["issued_with"]
    assert issued.startswith("(Ban hành kèm theo công văn số:......../STTTT-CNTT")
    assert (
        dispatch_data(dispatch_input(number="7"))["number_line"] == "Số: 07/STTTT-CNTT"
    )
    with pytest.raises(DocumentDataError, match="positive integer"):
        dispatch_data(dispatch_input(number=0))


def test_replacement_template_given_as_bytes(monkeypatch, tmp_path):
    """An uploaded template (bytes) is used instead of the shipped one."""
    shipped = templates.template_path("dispatch.odt").read_bytes()
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(shipped)) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "content.xml":
                data = data.replace(
                    "Kính gửi:".encode(), "Kính gửi các đơn vị:".encode()
                )
            target.writestr(info, data)
    # the shipped directory is not even looked at
    monkeypatch.setenv(templates.TEMPLATE_DIR_ENV, str(tmp_path))
    odt = render_dispatch(dispatch_input(), fmts=("odt",), template=buffer.getvalue())[
        "odt"
    ]
    assert "Kính gửi các đơn vị:" in odt_paragraphs(odt)


def docx_to_pdf(docx: bytes, tmp_path: Path) -> bytes:
    """Open a DOCX in LibreOffice as a user would and print it to PDF."""
    source = tmp_path / "document.docx"
    source.write_bytes(docx)
    subprocess.run(
        [
            render.soffice_binary(),
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (tmp_path / "out" / "document.pdf").read_bytes()


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_dispatch_docx_heading_lines_stay_whole(dispatch_outputs, tmp_path):
    """The DOCX opened again keeps each heading line on one line (the heading
    table is not joined to the next one)."""
    pdf = docx_to_pdf(dispatch_outputs["docx"], tmp_path)
    lines = pdftotext(pdf, "-layout", "-f", "1", "-l", "1").splitlines()
    for expected in (
        "UBND TỈNH HÀ GIANG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 05/STTTT-CNTT",
        "Hà Giang, ngày 20 tháng 12 năm 2017",
    ):
        assert any(expected in line for line in lines), expected


@pytest.mark.libreoffice
@needs_soffice
@needs_poppler
def test_blank_centre_form_keeps_its_signoff_with_the_last_question():
    """The sign-off block is printed on the page of the last question."""
    pdf = render_form(get_form("center"), None, {"year": 2017})["pdf"]
    pages = pdftotext(pdf).split("\f")
    signoff = next(i for i, page in enumerate(pages) if "NGƯỜI LẬP BIỂU" in page)
    assert "Kiến nghị, đề xuất" in pages[signoff]


def test_form_head_title_from_the_unit():
    """The unit's head title replaces the generic one; "KT." goes before it."""
    data = form_data(
        get_form("district"),
        None,
        form_meta(head_title="Chủ tịch", head_position="Phó Chủ tịch"),
    )
    assert data["head_title"] == "KT. CHỦ TỊCH"
    assert data["head_position"] == "PHÓ CHỦ TỊCH"


def test_form_last_answer_lines_are_kept_with_the_signoff():
    """The free-text lines ending the form are of kind answer_keep."""
    data = form_data(get_form("center"), None, {"year": 2017})
    assert data["blocks"][-1]["kind"] == "answer_keep"
    assert data["blocks"][-3]["kind"] == "question"
