"""The summary workbook (XLSX) of a survey round, written with openpyxl.

:func:`summary_workbook` takes the output of
:func:`vcsurvey.consolidate.consolidate` and returns the bytes of a workbook
with one sheet per table of the summary report.  Totals are real formulas
(``=SUM(E3:E6)``, ``=COUNTIF(...)``) over the data rows, so that an officer
who corrects a figure in the sheet sees the totals follow; the cached values
are left to the spreadsheet application, which computes them on opening.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from copy import copy
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from vcsurvey import nd30
from vcsurvey.consolidate import (
    CONNECTION_CHECK_LABELS,
    DEVICE_LABELS,
    DEVICES,
    NETWORK_LABELS,
    STATUS_LABELS,
    STATUSES,
    status_label,
    to_date,
    yesno_label,
)
from vcsurvey.validators import clean_data

SHEETS = (
    "Tổng quan",
    "Phần I",
    "Phần II",
    "Trung tâm CNTT&TT",
    "Sự cố",
    "Nhu cầu",
    "Cán bộ vận hành",
    "Kiến nghị",
)
# Row of the column headers and first data row of every table sheet; the
# title sits in row 1 and both stay visible when scrolling.
HEADER_ROW = 2
FIRST_ROW = 3

_FONT = "Times New Roman"  # what Vietnamese offices expect in Excel files
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
KIND_LABELS = {"recommendation": "Kiến nghị, đề xuất", "efficiency": "Hiệu quả kinh tế"}

Column = tuple[str, float, Callable[[Mapping[str, Any]], Any]]


def _q(sheet: str) -> str:
    """A sheet name as formulas need it (quoted: names have spaces)."""
    return "'" + sheet.replace("'", "''") + "'"


def _col(index: int) -> str:
    return str(get_column_letter(index))


def _title(ws: Worksheet, text: str, width: int) -> None:
    ws.cell(row=1, column=1, value=text).font = Font(name=_FONT, size=13, bold=True)
    ws.cell(row=1, column=1).alignment = Alignment(vertical="center", wrap_text=True)
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 36


class Formula(str):
    """One of the workbook's own formulas among plain values."""


def _formula(cell: Any, value: Any) -> Any:
    """Write one of the workbook's own formulas (or a plain number) into
    ``cell``; every other text becomes a string cell (:func:`_text_cells`)."""
    cell.value = str(value) if isinstance(value, Formula) else value
    if isinstance(value, str) and value.startswith("="):
        cell.parent.__dict__.setdefault("_vc_formulas", set()).add(cell.coordinate)
    return cell


def _text_cells(ws: Worksheet) -> None:
    """Every text cell that is not one of our formulas is a string: an answer
    typed as "=HYPERLINK(...)", "+1", "@SUM(A1)" is shown, never computed."""
    ours = ws.__dict__.get("_vc_formulas", set())
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.coordinate not in ours:
                cell.data_type = "s"


def _header(ws: Worksheet, row: int, labels: Sequence[str]) -> None:
    for index, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=index, value=label)
        cell.font = Font(name=_FONT, size=11, bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTER
        cell.border = _BORDER


def _body(cell: Any, *, bold: bool = False, center: bool = False) -> None:
    cell.font = Font(name=_FONT, size=11, bold=bold)
    cell.border = _BORDER
    cell.alignment = _CENTER if center else _WRAP


def _table(
    ws: Worksheet,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, Any]],
    *,
    totals: Mapping[int, str] | None = None,
    total_label: str = "Tổng cộng",
    freeze: str = "A3",
) -> int:
    """Write a numbered table; ``totals`` maps a 1-based column to "sum" or
    "count_yes" (a COUNTIF of "Có").  Returns the row of the totals (or of
    the last data row when there are none)."""
    _title(ws, title, len(columns) + 1)
    _header(ws, HEADER_ROW, ["STT", *(c[0] for c in columns)])
    ws.column_dimensions["A"].width = 5
    for index, (_, width, _) in enumerate(columns, start=2):
        ws.column_dimensions[_col(index)].width = width
    ws.row_dimensions[HEADER_ROW].height = 48
    row = FIRST_ROW
    # A style is built once per kind of cell and its index array copied to
    # the next cells: styling cell by cell costs more than writing them.
    styles: dict[tuple[bool, bool], Any] = {}

    def styled(cell: Any, center: bool, text: bool) -> None:
        key = (center, text)
        if key in styles:
            cell._style = copy(styles[key])
            return
        _body(cell, center=center)
        if text:
            # Phone numbers and IPs must stay text (leading zeros).
            cell.number_format = "@"
        styles[key] = copy(cell._style)

    for number, item in enumerate(rows, start=1):
        styled(ws.cell(row=row, column=1, value=number), True, False)
        for index, (_, _, get) in enumerate(columns, start=2):
            value = get(item)
            cell = ws.cell(row=row, column=index, value=value if value != "" else None)
            if isinstance(value, str) and value:
                cell.data_type = "s"  # a unit's text is text, never a formula
            styled(cell, isinstance(value, int | float), isinstance(value, str))
        row += 1
    last = row - 1
    if totals:
        label = ws.cell(row=row, column=2, value=total_label)
        _body(label, bold=True)
        _body(ws.cell(row=row, column=1))
        for index in range(3, len(columns) + 2):
            _body(ws.cell(row=row, column=index), bold=True, center=True)
        for index, kind in totals.items():
            letter = _col(index)
            span = f"{letter}{FIRST_ROW}:{letter}{last}"
            cell = ws.cell(row=row, column=index)
            if last < FIRST_ROW:
                cell.value = 0  # no rows: a formula over an empty range misleads
            elif kind == "sum":
                _formula(cell, f"=SUM({span})")
            else:
                _formula(cell, f'=COUNTIF({span},"Có")')
        for index in range(1, len(columns) + 2):
            ws.cell(row=row, column=index).fill = _TOTAL_FILL
        last = row
    ws.freeze_panes = freeze
    return last


def _status_getter(device: str) -> Callable[[Mapping[str, Any]], Any]:
    def get(row: Mapping[str, Any]) -> str:
        return status_label(row[device])

    return get


def _status_columns() -> list[Column]:
    return [(DEVICE_LABELS[d], 13, _status_getter(d)) for d in DEVICES]


PART1_COLUMNS: list[Column] = [
    ("Đơn vị", 28, lambda r: r["unit"]),
    ("Địa điểm lắp đặt điểm cầu", 28, lambda r: r["location"]),
    ("Địa chỉ IP của điểm cầu", 15, lambda r: r["ip"]),
    ("Số cuộc họp trực tuyến", 11, lambda r: r["meetings"]),
    *_status_columns(),
    ("Biết QĐ 1373/QĐ-UBND", 12, lambda r: yesno_label(r["decision_known"])),
    ("Phòng họp được nâng cấp", 12, lambda r: yesno_label(r["upgraded"])),
]
PART2_COLUMNS: list[Column] = [
    ("Đơn vị", 28, lambda r: r["unit"]),
    ("Số điểm cầu", 10, lambda r: r["endpoints"]),
    ("Số UBND cấp xã", 10, lambda r: r["communes"]),
    ("Số xã chưa có điểm cầu", 11, lambda r: r["communes_without_endpoint"]),
    ("Lý do chưa có điểm cầu", 28, lambda r: r["reason"]),
    ("Số cuộc họp trực tuyến", 11, lambda r: r["meetings"]),
    *_status_columns(),
    ("Phòng họp được nâng cấp", 12, lambda r: yesno_label(r["upgraded"])),
]
INCIDENT_COLUMNS: list[Column] = [
    ("Đơn vị", 26, lambda r: r["unit"]),
    ("Hệ thống", 14, lambda r: NETWORK_LABELS.get(r["network"], r["network"])),
    ("Dấu hiệu sự cố", 32, lambda r: r["symptom"]),
    ("Số lượng", 9, lambda r: r["count"]),
    ("Nguyên nhân", 28, lambda r: r["cause"]),
    ("Cách khắc phục", 28, lambda r: r["fix"]),
    ("Điểm cầu", 22, lambda r: r["endpoint"]),
]
NEED_COLUMNS: list[Column] = [
    ("Đơn vị", 28, lambda r: r["unit"]),
    (
        "Bảo dưỡng điểm cầu tỉnh - huyện (I.7)",
        14,
        lambda r: yesno_label(r["maintenance_i"]),
    ),
    (
        "Bảo dưỡng điểm cầu huyện - xã (II.6)",
        14,
        lambda r: yesno_label(r["maintenance_ii"]),
    ),
    (
        "Tập huấn hệ thống tỉnh - huyện (I.8)",
        14,
        lambda r: yesno_label(r["training_i"]),
    ),
    (
        "Tập huấn hệ thống huyện - xã (II.7)",
        14,
        lambda r: yesno_label(r["training_ii"]),
    ),
    ("Tập huấn, đào tạo (Trung tâm, 7)", 14, lambda r: yesno_label(r["training"])),
    ("Bảo dưỡng MCU (Trung tâm, 5)", 14, lambda r: yesno_label(r["mcu_maintenance"])),
    (
        "Bảo dưỡng toàn bộ hệ thống (Trung tâm, 8)",
        14,
        lambda r: yesno_label(r["full_maintenance"]),
    ),
    ("Bảo dưỡng một phần hệ thống", 34, lambda r: r["partial_maintenance"]),
]
OPERATOR_COLUMNS: list[Column] = [
    ("Đơn vị đăng ký", 28, lambda r: r["unit"]),
    ("Họ tên", 24, lambda r: r["name"]),
    ("Chức vụ", 18, lambda r: r["position"]),
    ("Số điện thoại", 14, lambda r: r["phone"]),
    ("Địa chỉ Email", 28, lambda r: r["email"]),
    ("Đơn vị công tác", 28, lambda r: r["operator_unit"]),
]
RECOMMENDATION_COLUMNS: list[Column] = [
    ("Đơn vị", 28, lambda r: r["unit"]),
    ("Hệ thống", 16, lambda r: NETWORK_LABELS.get(r["part"], r["part"])),
    ("Loại", 16, lambda r: KIND_LABELS.get(r["kind"], r["kind"])),
    ("Nội dung", 70, lambda r: r["text"]),
]


def _round_title(summary: Mapping[str, Any], what: str) -> str:
    year = summary["round"].get("year") or ""
    return f"{what} năm {year}".strip()


def _overview_sheet(
    ws: Worksheet,
    summary: Mapping[str, Any],
    meta: Mapping[str, Any],
    part_rows: Mapping[str, tuple[int, int]],
    total_cells: Mapping[str, str | int],
) -> None:
    overview = summary["overview"]
    title = _round_title(
        summary,
        "TỔNG HỢP KẾT QUẢ KHẢO SÁT TÌNH HÌNH QUẢN LÝ, VẬN HÀNH HỆ THỐNG GIAO BAN "
        "TRỰC TUYẾN",
    )
    _title(ws, title.upper(), 6)
    ws.column_dimensions["A"].width = 46
    for letter in "BCDEF":
        ws.column_dimensions[letter].width = 15
    subtitle = _attached_to(meta)
    if subtitle:
        ws.cell(row=2, column=1, value=subtitle).font = Font(
            name=_FONT, size=11, italic=True
        )
    _header(ws, 3, ["Tình hình gửi báo cáo", "Số lượng"])
    facts: list[tuple[str, Any]] = [
        ("Số đơn vị được đề nghị báo cáo", overview["addressed"]),
        ("Số đơn vị đã gửi báo cáo (đã phê duyệt)", overview["replied"]),
        ("- Gửi đúng hạn", overview["on_time"]),
        ("- Gửi quá hạn", overview["late"]),
        ("Số đơn vị chưa gửi báo cáo", overview["missing_count"]),
        ("- Trong đó: đã lập phiếu, chưa phê duyệt", overview["not_yet_approved"]),
        ("Tỷ lệ đơn vị gửi báo cáo", Formula("=IF(B4=0,0,B5/B4)")),
    ]
    row = 4
    for label, value in facts:
        _body(ws.cell(row=row, column=1, value=label))
        cell = _formula(ws.cell(row=row, column=2), value)
        _body(cell, center=True)
        row += 1
    ws.cell(row=row - 1, column=2).number_format = "0.0%"
    lists = [
        ("Đơn vị gửi quá hạn", overview["late_units"]),
        ("Đơn vị chưa gửi báo cáo", overview["missing"]),
    ]
    for label, names in lists:
        _body(ws.cell(row=row, column=1, value=label))
        cell = ws.cell(row=row, column=2, value="; ".join(names) or "Không")
        _body(cell)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        row += 1

    row += 1
    _header(ws, row, ["Số liệu tổng hợp", "Tổng số"])
    row += 1
    figures = [
        ("Số cuộc họp trực tuyến tỉnh - huyện (phần I)", total_cells["meetings_i"]),
        ("Số điểm cầu cấp xã", total_cells["endpoints"]),
        ("Số UBND cấp xã", total_cells["communes"]),
        ("Số xã chưa có điểm cầu", total_cells["communes_without_endpoint"]),
        ("Số cuộc họp trực tuyến huyện - xã (phần II)", total_cells["meetings_ii"]),
        ("Số sự cố được báo cáo", total_cells["incidents"]),
        ("Số phiên họp do Trung tâm CNTT&TT điều khiển", total_cells["sessions"]),
    ]
    for label, ref in figures:
        _body(ws.cell(row=row, column=1, value=label))
        _body(_formula(ws.cell(row=row, column=2), ref), center=True)
        row += 1

    row += 1
    _header(
        ws,
        row,
        [
            "Tình trạng thiết bị tại điểm cầu",
            *(STATUS_LABELS[s] for s in STATUSES),
            "Chưa trả lời",
            "Tổng số đơn vị",
        ],
    )
    ws.row_dimensions[row].height = 32
    row += 1
    for network, sheet, first_col in (
        ("province_district", SHEETS[1], 6),
        ("district_commune", SHEETS[2], 8),
    ):
        first, last = part_rows[network]
        part = "I" if network == "province_district" else "II"
        cell = ws.cell(
            row=row,
            column=1,
            value=f"Phần {part}: hệ thống {NETWORK_LABELS[network].lower()}",
        )
        cell.font = Font(name=_FONT, size=11, bold=True, italic=True)
        row += 1
        counts = summary["device_counts"][network]
        for offset, device in enumerate(DEVICES):
            letter = _col(first_col + offset)
            span = f"{_q(sheet)}!{letter}{first}:{letter}{last}"
            _body(ws.cell(row=row, column=1, value=f"- {DEVICE_LABELS[device]}"))
            values: list[Any] = []
            for status in STATUSES:
                if last >= first:
                    values.append(f'=COUNTIF({span},"{STATUS_LABELS[status]}")')
                else:
                    values.append(counts[device][status])
            if last >= first:
                values.append(f"=COUNTBLANK({span})")
            else:
                values.append(counts[device]["unanswered"])
            values.append(f"=SUM(B{row}:E{row})")
            for index, value in enumerate(values, start=2):
                _body(_formula(ws.cell(row=row, column=index), value), center=True)
            row += 1
    ws.freeze_panes = "A3"


def _attached_to(meta: Mapping[str, Any]) -> str:
    """ "Kèm theo Báo cáo số 07/BC-STTTT ngày 15/01/2018" (or "")."""
    number = meta.get("number")
    notation = meta.get("notation") or "BC-STTTT"
    day = to_date(meta.get("date"))
    if number is None and day is None:
        return ""
    text = "Kèm theo Báo cáo " + nd30.format_number(number, notation).replace(
        "Số: ", "số "
    )
    if day is not None:
        text += f" ngày {nd30.format_date(day)}"
    return text


def _centre_sheet(ws: Worksheet, summary: Mapping[str, Any]) -> str:
    """Key/value list of the centre's answers; returns the sessions cell."""
    _title(ws, _round_title(summary, "Kết quả khảo sát của Trung tâm CNTT&TT"), 2)
    ws.column_dimensions["A"].width = 52
    ws.column_dimensions["B"].width = 60
    _header(ws, HEADER_ROW, ["Nội dung", "Kết quả"])
    ws.freeze_panes = "A3"
    centre = summary["centre"]
    if centre is None:
        _body(
            ws.cell(row=FIRST_ROW, column=1, value="Trung tâm CNTT&TT chưa gửi báo cáo")
        )
        return "0"
    tech = centre["technician"]
    check = centre["connection_check"]
    items: list[tuple[str, Any]] = [
        ("Cán bộ kỹ thuật điều khiển cuộc họp", tech["name"]),
        ("Số điện thoại", tech["phone"]),
        ("Địa chỉ Email", tech["email"]),
        ("Điều khiển cuộc họp tại điểm cầu", tech["endpoint"]),
        ("Số lượng các phiên họp trực tuyến đã điều khiển", centre["sessions"]),
        ("- Liên thông 4 cấp (TW, tỉnh, huyện, xã)", centre["level4"]),
        ("- Liên thông 3 cấp (tỉnh, huyện, xã)", centre["level3"]),
        ("- Liên thông 2 cấp (tỉnh, huyện)", centre["level2"]),
        ("Cộng 4, 3 và 2 cấp", Formula("=SUM(B8:B10)")),
        ("Nhận và biết Quyết định 1373/QĐ-UBND", yesno_label(centre["decision_known"])),
        ("Thời gian kiểm tra kết nối hệ thống", CONNECTION_CHECK_LABELS.get(check, "")),
        ("Tỷ lệ điểm cầu kết nối không đúng thời gian (%)", centre["late_percent"]),
        ("Địa chỉ IP của MCU", centre["mcu_ip"]),
        ("Thời gian hoạt động của MCU", centre["operating_time"]),
        ("Các sự cố trong quá trình vận hành MCU", centre["mcu_incidents"]),
        ("Biện pháp xử lý", centre["remedies"]),
        ("Nhu cầu bảo dưỡng MCU", yesno_label(centre["mcu_maintenance"])),
        ("Những khó khăn vướng mắc của MCU", centre["difficulties"]),
        ("Kiến nghị về MCU", centre["mcu_recommendations"]),
        ("Nhu cầu tập huấn, đào tạo", yesno_label(centre["training"])),
        (
            "Bảo dưỡng, kiểm tra toàn bộ hệ thống",
            yesno_label(centre["full_maintenance"]),
        ),
        ("Bảo dưỡng, kiểm tra một phần hệ thống", centre["partial_maintenance"]),
        ("Kiến nghị, đề xuất", centre["recommendations"]),
    ]
    for row, (label, value) in enumerate(items, start=FIRST_ROW):
        _body(ws.cell(row=row, column=1, value=label))
        cell = ws.cell(row=row, column=2)
        if isinstance(value, Formula):
            _formula(cell, str(value))
        else:
            cell.value = value if value != "" else None
            if isinstance(value, str):
                cell.number_format = "@"
        _body(cell)
    return f"{_q(SHEETS[3])}!B{FIRST_ROW + 4}"


def summary_workbook(
    summary: Mapping[str, Any], meta: Mapping[str, Any] | None = None
) -> bytes:
    """The XLSX bytes of the summary (``summary`` from ``consolidate``)."""
    # defence in depth: characters XML cannot carry are dropped, not fatal
    summary = clean_data(summary)
    meta = clean_data(meta or {})
    wb = Workbook()
    overview_ws = wb.active
    overview_ws.title = SHEETS[0]
    sheets = {name: wb.create_sheet(name) for name in SHEETS[1:]}

    part1 = summary["part1"]
    p1_total = _table(
        sheets["Phần I"],
        _round_title(
            summary,
            "Phần I. Hệ thống giao ban trực tuyến giữa UBND tỉnh và UBND các "
            "huyện, thành phố",
        ),
        PART1_COLUMNS,
        part1,
        totals={5: "sum", 11: "count_yes", 12: "count_yes"},
        freeze="C3",
    )
    part2 = summary["part2"]
    p2_total = _table(
        sheets["Phần II"],
        _round_title(
            summary,
            "Phần II. Hệ thống giao ban trực tuyến giữa UBND các huyện, thành phố "
            "và các xã, phường, thị trấn",
        ),
        PART2_COLUMNS,
        part2,
        totals={3: "sum", 4: "sum", 5: "sum", 7: "sum", 13: "count_yes"},
        freeze="C3",
    )
    sessions = _centre_sheet(sheets["Trung tâm CNTT&TT"], summary)
    incident_total = _table(
        sheets["Sự cố"],
        _round_title(summary, "Các sự cố gặp phải và nguyên nhân"),
        INCIDENT_COLUMNS,
        summary["incidents"],
        totals={5: "sum"},
        freeze="C3",
    )
    _table(
        sheets["Nhu cầu"],
        _round_title(summary, "Nhu cầu kiểm tra, bảo dưỡng và tập huấn"),
        NEED_COLUMNS,
        summary["needs"],
        totals={i: "count_yes" for i in range(3, 10)},
        total_label="Số đơn vị có nhu cầu",
        freeze="C3",
    )
    _table(
        sheets["Cán bộ vận hành"],
        f"Cán bộ quản lý vận hành hệ thống giao ban điện tử đăng ký năm "
        f"{(summary['round'].get('year') or 0) + 1}",
        OPERATOR_COLUMNS,
        summary["operators"],
        freeze="C3",
    )
    _table(
        sheets["Kiến nghị"],
        _round_title(summary, "Kiến nghị, đề xuất và hiệu quả kinh tế"),
        RECOMMENDATION_COLUMNS,
        summary["recommendations"],
        freeze="C3",
    )
    total_cells = {
        "meetings_i": f"={_q(SHEETS[1])}!E{p1_total}",
        "endpoints": f"={_q(SHEETS[2])}!C{p2_total}",
        "communes": f"={_q(SHEETS[2])}!D{p2_total}",
        "communes_without_endpoint": f"={_q(SHEETS[2])}!E{p2_total}",
        "meetings_ii": f"={_q(SHEETS[2])}!G{p2_total}",
        "incidents": f"={_q(SHEETS[4])}!E{incident_total}",
        "sessions": f"={sessions}" if sessions != "0" else 0,
    }
    _overview_sheet(
        overview_ws,
        summary,
        meta,
        {
            "province_district": (FIRST_ROW, FIRST_ROW + len(part1) - 1),
            "district_commune": (FIRST_ROW, FIRST_ROW + len(part2) - 1),
        },
        total_cells,
    )
    for ws in wb.worksheets:
        _text_cells(ws)
        ws.sheet_view.zoomScale = 100
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        # Print each sheet one page wide, as many pages long as it needs.
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_title_rows = "1:2"
    wb.properties.creator = meta.get("agency") or "Sở Thông tin và Truyền thông"
    wb.properties.title = _round_title(summary, "Tổng hợp kết quả khảo sát")
    day = to_date(meta.get("date"))
    if isinstance(day, date):
        # The workbook belongs to the report: date it like the report.
        wb.properties.created = datetime(day.year, day.month, day.day)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
