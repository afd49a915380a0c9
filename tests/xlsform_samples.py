"""XLSForm workbooks for the tests: a builder and a 2026 commune form."""

from __future__ import annotations

import io
from collections.abc import Sequence

import openpyxl

Row = dict[str, str]


def build_xlsform(
    survey: Sequence[Row],
    choices: Sequence[Row] = (),
    settings: Row | None = None,
    extra_sheets: dict[str, list[list[object]]] | None = None,
) -> bytes:
    """An .xlsx with the sheets survey / choices / settings from dict rows."""
    workbook = openpyxl.Workbook()
    sheets = [("survey", list(survey)), ("choices", list(choices))]
    if settings is not None:
        sheets.append(("settings", [settings]))
    first = True
    for title, rows in sheets:
        if first:
            sheet = workbook.active
            sheet.title = title
            first = False
        else:
            sheet = workbook.create_sheet(title)
        columns: list[str] = []
        for row in rows:
            for key in row:
                if key not in columns:
                    columns.append(key)
        sheet.append(columns)
        for number, row in enumerate(rows, start=2):
            for index, column in enumerate(columns, start=1):
                value = row.get(column)
                if value is None:
                    continue
                cell = sheet.cell(row=number, column=index)
                cell.value = value
                cell.data_type = "s"  # a text, even when it starts with "="
    for title, rows in (extra_sheets or {}).items():
        sheet = workbook.create_sheet(title)
        for values in rows:
            sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


COMMUNE_2026_SETTINGS: Row = {
    "form_title": "PHIẾU KHẢO SÁT HỆ THỐNG HỘI NGHỊ TRUYỀN HÌNH TỈNH "
    "{province_upper} NĂM {year}",
    "form_id": "vc_2026_commune",
    "version": "2026",
    "vc_form_type": "commune",
    "vc_audience": "(dành cho UBND các xã, phường)",
    "vc_issued_with": "(Ban hành kèm theo Công văn số: {number}/SKHCN-CNTT ngày "
    "{day} tháng {month} năm {year} của Sở Khoa học và Công nghệ tỉnh Tuyên "
    "Quang)",
    "vc_guidance_title": "A. Hướng dẫn chung",
    "vc_guidance": "1. Phạm vi khảo sát: các xã, phường có điểm cầu.\n"
    "2. Số liệu tính đến hết ngày {cutoff}.",
    "vc_signoff": "NGƯỜI LẬP BIỂU\nCHỦ TỊCH UBND",
    "vc_signoff_notes": "(Ký và ghi rõ họ tên)\n(Ký, đóng dấu và ghi rõ họ tên)",
}

COMMUNE_2026_SURVEY: list[Row] = [
    {"type": "begin_group", "name": "A", "label": "B. Thông tin người cung cấp"},
    {
        "type": "text",
        "name": "provider",
        "label": "Họ tên",
        "label::English (en)": "Full name",
        "required": "yes",
        "vc_role": "preparer_name",
    },
    {
        "type": "text",
        "name": "phone",
        "label": "Điện thoại",
        "vc_kind": "phone",
        "required": "yes",
    },
    {"type": "text", "name": "email", "label": "Email", "vc_kind": "email"},
    {"type": "end_group", "name": "A"},
    {"type": "begin_group", "name": "S", "label": "C. Thông tin khảo sát"},
    {
        "type": "integer",
        "name": "endpoints",
        "label": "Số lượng điểm cầu",
        "required": "yes",
        "constraint": ". >= 1",
        "constraint_message": "xã có ít nhất 1 điểm cầu.",
        "vc_bullet": "1.",
    },
    {
        "type": "integer",
        "name": "meetings",
        "label": "Số cuộc họp trực tuyến",
        "required": "yes",
        "vc_bullet": "2.",
    },
    {
        "type": "decimal",
        "name": "uptime",
        "label": "Tỷ lệ thời gian hoạt động",
        "hint": "(%)",
        "vc_kind": "percent",
        "vc_bullet": "3.",
    },
    {
        "type": "date",
        "name": "installed",
        "label": "Ngày lắp đặt",
        "constraint": ". <= today()",
        "constraint_message": "ngày lắp đặt không thể sau hôm nay.",
        "vc_bullet": "4.",
    },
    {
        "type": "select_one status",
        "name": "network",
        "label": "Tình trạng đường truyền",
        "required": "yes",
        "vc_kind": "status",
        "vc_bullet": "5.",
        "vc_role": "status:commune:network",
    },
    {
        "type": "select_multiple devices",
        "name": "devices",
        "label": "Thiết bị đang có",
        "vc_bullet": "6.",
    },
    {
        "type": "select_one yesno",
        "name": "upgraded",
        "label": "Phòng họp có được nâng cấp không",
        "required": "yes",
        "vc_kind": "yesno",
        "vc_bullet": "7.",
    },
    {
        "type": "text",
        "name": "upgrade_note",
        "label": "Nội dung nâng cấp",
        "required": "yes",
        "relevant": "${upgraded} = 'yes'",
    },
    {"type": "note", "name": "incidents_note", "label": "Liệt kê các sự cố (nếu có)"},
    {
        "type": "begin_repeat",
        "name": "incidents",
        "label": "Các sự cố",
        "vc_bullet": "8.",
        "vc_max_items": "5",
    },
    {"type": "text", "name": "symptom", "label": "Dấu hiệu sự cố", "required": "yes"},
    {
        "type": "integer",
        "name": "count",
        "label": "Số lần",
        "constraint": ". <= 100",
    },
    {"type": "date", "name": "day", "label": "Ngày"},
    {"type": "end_repeat", "name": "incidents"},
    {
        "type": "text",
        "name": "recommendations",
        "label": "Kiến nghị, đề xuất",
        "appearance": "multiline",
        "vc_bullet": "9.",
    },
    {"type": "end_group", "name": "S"},
]

COMMUNE_2026_CHOICES: list[Row] = [
    {"list_name": "status", "name": "stable", "label": "Ổn định"},
    {"list_name": "status", "name": "unstable", "label": "Không ổn định"},
    {"list_name": "status", "name": "not_working", "label": "Không hoạt động"},
    {"list_name": "yesno", "name": "yes", "label": "Có"},
    {"list_name": "yesno", "name": "no", "label": "Không"},
    {"list_name": "devices", "name": "camera", "label": "Camera"},
    {"list_name": "devices", "name": "micro", "label": "Micro"},
    {"list_name": "devices", "name": "screen", "label": "Màn hình"},
]


def commune_2026() -> bytes:
    return build_xlsform(
        COMMUNE_2026_SURVEY, COMMUNE_2026_CHOICES, COMMUNE_2026_SETTINGS
    )


def commune_2026_answers() -> dict[str, object]:
    """A complete, valid answer set for :func:`commune_2026`."""
    return {
        "provider": "Nguyễn Thị Hoa",
        "phone": "0912345678",
        "email": "xa@tuyenquang.gov.vn",
        "endpoints": 2,
        "meetings": 14,
        "uptime": 97.5,
        "installed": "2025-07-01",
        "network": "stable",
        "devices": ["camera", "micro"],
        "upgraded": True,
        "upgrade_note": "Thay micro",
        "incidents": [
            {"symptom": "Mất tiếng", "count": 2, "day": "2026-03-04"},
            {"symptom": "Mất hình"},
        ],
        "recommendations": "Nâng cấp đường truyền",
    }


SETTINGS_BASE: Row = {"form_title": "Phiếu thử", "form_id": "test_form", "version": "1"}
