"""Printed forms and dispatch for versions other than 2017; agency as data."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from soffice_support import needs_soffice
from xlsform_samples import commune_2026, commune_2026_answers

from vcsurvey import documents
from vcsurvey.documents import DocumentDataError, dispatch_data, form_data
from vcsurvey.forms import definition_to_dict, get_form
from vcsurvey.xlsform import read_xlsform

FORM = read_xlsform(commune_2026(), "vc_2026_commune.xlsx")
META = {"year": 2026, "province": "Tuyên Quang", "unit_name": "UBND xã Minh Xuân"}


def _blocks(answers: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    data = form_data(FORM, answers, META)
    return [(b["kind"], b["text"], b["value"]) for b in data["blocks"]]


def test_filled_form_prints_the_new_kinds() -> None:
    blocks = _blocks(commune_2026_answers())
    assert ("field", "3. Tỷ lệ thời gian hoạt động (%):", "97,5%") in blocks
    assert ("field", "4. Ngày lắp đặt:", "01/07/2025") in blocks
    choices = [value for kind, _, value in blocks if kind == "choices"]
    assert any(
        "☒\u00a0Camera" in c and "☒\u00a0Micro" in c and "☐\u00a0Màn hình" in c
        for c in choices
    )
    assert ("para", "Liệt kê các sự cố (nếu có)", "") in blocks
    assert (
        "answer",
        "",
        "1. Dấu hiệu sự cố: Mất tiếng; Số lần: 2; Ngày: 04/03/2026",
    ) in blocks
    assert ("answer", "", "2. Dấu hiệu sự cố: Mất hình; Số lần: …; Ngày: …") in blocks
    data = form_data(FORM, commune_2026_answers(), META)
    assert data["title"].endswith("TỈNH TUYÊN QUANG NĂM 2026")
    assert data["head_title"] == "CHỦ TỊCH UBND"
    assert data["issued_with"].startswith("(Ban hành kèm theo Công văn số: ........")


def test_blank_form_prints_every_new_kind() -> None:
    blocks = _blocks(None)
    assert ("field", "4. Ngày lắp đặt:", documents.LEADER_SHORT) in blocks
    repeat_lines = [
        v for k, _, v in blocks if k == "answer" and v.startswith(("1. Dấu", "2. Dấu"))
    ]
    assert len(repeat_lines) == 2
    assert [k for k, _, _ in blocks].count("choices") == 3


def test_bad_values_are_refused_by_name() -> None:
    with pytest.raises(DocumentDataError, match="devices: 'camera' is not a list"):
        form_data(FORM, {"devices": "camera"}, META)
    with pytest.raises(DocumentDataError, match=r"endpoints: \[1\] is not a number"):
        form_data(FORM, {"endpoints": [1]}, META)


def test_a_version_without_signoff_gets_the_paper_boxes() -> None:
    data = definition_to_dict(FORM)
    data["signoff"] = []
    data["guidance_title"] = ""
    from vcsurvey.forms import definition_from_dict

    form = definition_from_dict(data)
    printed = form_data(form, None, META)
    assert (printed["preparer_title"], printed["head_title"]) == (
        "NGƯỜI LẬP BIỂU",
        "THỦ TRƯỞNG ĐƠN VỊ",
    )


def _dispatch(**changes: Any) -> dict[str, Any]:
    data = {
        "parent_agency": "UBND tỉnh Tuyên Quang",
        "agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "agency_in_text": "Sở Khoa học và Công nghệ",
        "notation": "SKHCN-CNTT",
        "number": 12,
        "place": "Tuyên Quang",
        "date": "2026-12-10",
        "subject": "khảo sát hệ thống hội nghị truyền hình năm 2026",
        "recipients": ["UBND các xã, phường"],
        "deadline": "2027-01-10",
        "email": "cntt.skhcn@tuyenquang.gov.vn",
        "signer": {"title": "GIÁM ĐỐC", "name": "Trần Văn Bình"},
        "year": 2026,
        "province": "Tuyên Quang",
        "forms": [definition_to_dict(FORM)],
    }
    data.update(changes)
    return data


def test_dispatch_takes_the_agency_from_its_data() -> None:
    data = dispatch_data(_dispatch())
    assert data["parent_agency"] == "UBND TỈNH TUYÊN QUANG"
    assert data["agency"] == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert data["number_line"] == "Số: 12/SKHCN-CNTT"
    assert data["date_line"] == "Tuyên Quang, ngày 10 tháng 12 năm 2026"
    assert "Sở Khoa học và Công nghệ đề nghị" in data["body"][0]
    assert data["body"][1].startswith("Báo cáo gửi về Sở Khoa học và Công nghệ trước")
    assert data["forms"] == ["commune"]
    # without agency_in_text the capitals are lowered after the first letter
    data = dispatch_data(_dispatch(agency_in_text=""))
    assert "Sở khoa học và công nghệ đề nghị" in data["body"][0]
    # the 2017 defaults stay for old inputs
    old = dispatch_data(
        {k: v for k, v in _dispatch().items() if k not in ("place", "forms")}
    )
    assert old["date_line"].startswith("Hà Giang, ")
    assert old["forms"] == ["district", "center"]


def test_attached_forms_of_any_version() -> None:
    assert documents.attached_forms(_dispatch()) == [FORM]
    assert documents.attached_forms(_dispatch(forms=[FORM, "center"])) == [
        FORM,
        get_form("center"),
    ]
    assert documents.attached_forms(
        _dispatch(form_definitions=[FORM], forms=["x"])
    ) == [FORM]
    with pytest.raises(DocumentDataError, match="unknown form type 'commune'"):
        documents.attached_forms(_dispatch(forms=["commune"]))
    with pytest.raises(DocumentDataError, match="bad form definition"):
        documents.attached_forms(_dispatch(forms=[{"format": 1}]))


@needs_soffice
@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext missing")
def test_generic_form_pdf_reads_back(tmp_path: Any) -> None:
    pdf = documents.render_form(FORM, commune_2026_answers(), META, ("pdf",))["pdf"]
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    text = " ".join(text.split())
    for fragment in (
        "TỈNH TUYÊN QUANG NĂM 2026",
        "(dành cho UBND các xã, phường)",
        "01/07/2025",
        "97,5%",
        "Mất tiếng",
        "CHỦ TỊCH UBND",
    ):
        assert fragment in text, fragment
