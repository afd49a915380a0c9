"""XLSForm workbooks for the Odoo tests, built here (never the demo's)."""

import base64
import io

import openpyxl


def build_xlsform(survey, choices=(), settings=None):
    """An .xlsx with the sheets survey / choices / settings from dict rows."""
    workbook = openpyxl.Workbook()
    sheets = [("survey", list(survey)), ("choices", list(choices))]
    if settings is not None:
        sheets.append(("settings", [settings]))
    for index, (title, rows) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet(title)
        sheet.title = title
        columns = []
        for row in rows:
            columns += [key for key in row if key not in columns]
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(column) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def b64(data):
    return base64.b64encode(data).decode()


SETTINGS = {
    "form_title": "PHIẾU KHẢO SÁT HỘI NGHỊ TRUYỀN HÌNH TỈNH {province_upper} "
    "NĂM {year}",
    "form_id": "test_commune",
    "version": "2026",
    "vc_form_type": "commune",
    "vc_audience": "(dành cho UBND các xã, phường)",
}

SURVEY = [
    {"type": "begin_group", "name": "B", "label": "B. Thông tin người cung cấp"},
    {
        "type": "text",
        "name": "provider",
        "label": "Họ tên người cung cấp",
        "required": "yes",
        "vc_role": "preparer_name",
    },
    {"type": "text", "name": "unit", "label": "Đơn vị", "vc_role": "unit_name"},
    {"type": "end_group", "name": "B"},
    {"type": "begin_group", "name": "C", "label": "C. Thông tin khảo sát"},
    {
        "type": "integer",
        "name": "endpoints",
        "label": "Số lượng điểm cầu của xã",
        "required": "yes",
        "constraint": ". >= 1",
        "constraint_message": "xã có ít nhất 1 điểm cầu.",
        "vc_bullet": "1.",
        "vc_role": "endpoint_count",
    },
    {
        "type": "select_one status",
        "name": "network",
        "label": "Tình trạng đường truyền",
        "required": "yes",
        "vc_kind": "status",
        "vc_bullet": "2.",
    },
    {
        "type": "select_one yesno",
        "name": "upgraded",
        "label": "Phòng họp có được nâng cấp không",
        "vc_kind": "yesno",
        "vc_bullet": "3.",
        "default": "no",
    },
    {
        "type": "text",
        "name": "upgrade_note",
        "label": "Nội dung nâng cấp",
        "required": "yes",
        "relevant": "${upgraded} = 'yes'",
    },
    {
        "type": "begin_repeat",
        "name": "incidents",
        "label": "Các sự cố",
        "vc_bullet": "4.",
    },
    {"type": "text", "name": "symptom", "label": "Dấu hiệu sự cố", "required": "yes"},
    {"type": "integer", "name": "count", "label": "Số lần"},
    {"type": "end_repeat", "name": "incidents"},
    {"type": "end_group", "name": "C"},
]

CHOICES = [
    {"list_name": "status", "name": "stable", "label": "Ổn định"},
    {"list_name": "status", "name": "unstable", "label": "Không ổn định"},
    {"list_name": "status", "name": "not_working", "label": "Không hoạt động"},
    {"list_name": "yesno", "name": "yes", "label": "Có"},
    {"list_name": "yesno", "name": "no", "label": "Không"},
]


def commune_form(**settings):
    return build_xlsform(SURVEY, CHOICES, dict(SETTINGS, **settings))


def commune_answers():
    return {
        "provider": "Sùng Thị Mai",
        "endpoints": 1,
        "network": "stable",
        "upgraded": True,
        "upgrade_note": "Thay micro",
        "incidents": [{"symptom": "Mất tiếng", "count": 2}],
    }


# one problem of each kind the issue lists, on known rows
BAD_SURVEY = [
    {"type": "text", "name": "ok", "label": "Đúng"},
    {"type": "barcode", "name": "scan", "label": "Loại không hỗ trợ"},
    {"type": "text", "name": "ok", "label": "Trùng tên"},
    {
        "type": "text",
        "name": "ref",
        "label": "Tham chiếu",
        "relevant": "${missing} = 1",
    },
    {
        "type": "integer",
        "name": "fn",
        "label": "Hàm lạ",
        "constraint": "pulldata('x', 'y') > 1",
    },
    {"type": "select_one nolist", "name": "pick", "label": "Không có danh sách"},
    {
        "type": "text",
        "name": "rel",
        "label": "Điều kiện sai",
        "relevant": "${ok} = = 1",
    },
]


def bad_form():
    return build_xlsform(
        BAD_SURVEY, CHOICES, dict(SETTINGS, form_id="bad_form", version="1")
    )
