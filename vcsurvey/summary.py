"""The consolidated summary report (báo cáo tổng hợp) of a survey round.

:func:`summary_template_data` turns the output of
:func:`vcsurvey.consolidate.consolidate` and the report's ``meta`` into the
data of the ``summary.odt`` template (built here and nowhere else);
:func:`render_summary` goes from a round's plain data to the report's bytes
(ODT, PDF, DOCX through :mod:`vcsurvey.render`, XLSX through
:mod:`vcsurvey.xlsx`).  This is the 2017 summary template (its narrative
names the 2017 questions); :func:`render_any` is the entry point for any
version and hands other versions to :mod:`vcsurvey.generic`.

``meta`` (every key optional)::

    {
      "number": 7,                     # None: unnumbered draft
      "notation": "BC-STTTT",          # the report's type and agency
      "date": date(2018, 1, 15),       # or ISO text; None: blanks to fill
      "place": "Hà Giang",             # default: the round's province
      "parent_agency": "UBND TỈNH HÀ GIANG",
      "agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
      "agency_in_text": "Sở Thông tin và Truyền thông",  # inside sentences
      "recipients": ["Ủy ban nhân dân tỉnh Hà Giang"],
      "signer": {"title": "GIÁM ĐỐC", "name": "Nguyễn Văn Tuệ",
                 "delegation": "" | "KT.", "position": "PHÓ GIÁM ĐỐC"},
      "cc": ["UBND tỉnh (b/c)", "Lãnh đạo Sở"],
      "archive": "Lưu: VT, CNTT.",
    }

Template data: every value is text (or a list of texts / of dicts of texts)
because the engine prints nothing for a false value, and a count of 0 must
still print "0".  Keys: parent_agency, agency, number_line, date_line,
doc_type, subject, recipient_lines, intro, response_lines, part1_rows,
part1_lines, part2_rows, part2_lines, communes_lines, communes_rows,
device_lines, device_rows, incident_lines, incident_rows, need_lines,
need_rows, centre_need_lines, centre_lines, efficiency_lines,
recommendation_lines, operator_lines, operator_rows, next_year, totals,
closing, cc_lines, signer_authority, signer_position, signer_name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vcsurvey import nd30
from vcsurvey.consolidate import (
    CONNECTION_CHECK_LABELS,
    DEVICE_LABELS,
    DEVICES,
    NETWORK_LABELS,
    consolidate,
    status_label,
    to_date,
    yesno_label,
)
from vcsurvey.render import FORMATS, RenderError, convert, render_odt
from vcsurvey.template_check import SCHEMAS
from vcsurvey.templates import template_path
from vcsurvey.xlsx import summary_workbook

SUMMARY_TEMPLATE = "summary.odt"
OUTPUT_FORMATS = (*FORMATS, "xlsx")
DEFAULT_NOTATION = "BC-STTTT"
DEFAULT_AGENCY = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
DEFAULT_CC = ("UBND tỉnh (b/c)", "Lãnh đạo Sở")
DEFAULT_ARCHIVE = "Lưu: VT, CNTT."
DOC_TYPE = "BÁO CÁO"
# Inside a sentence the agency keeps only its initial capitals.
_AGENCY_IN_TEXT = {DEFAULT_AGENCY: "Sở Thông tin và Truyền thông"}
_PART_IN_TEXT = {
    "province_district": "hệ thống tỉnh - huyện",
    "district_commune": "hệ thống huyện - xã",
    "mcu": "MCU",
    "centre": "hệ thống giao ban",
}


def _text(value: Any) -> str:
    """What a template cell shows: "" for nothing, digits for counts."""
    if value is None:
        return ""
    if isinstance(value, float):
        # Vietnamese writes a decimal comma.
        return f"{value:g}".replace(".", ",")
    return str(value)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".;:!?" else text + "."


def _agency_in_text(agency: str, given: str = "") -> str:
    if given and given.strip():
        return " ".join(given.split())
    name = " ".join(agency.split())
    known = _AGENCY_IN_TEXT.get(name.upper())
    if known:
        return known
    return name[:1].upper() + name[1:].lower() if name.isupper() else name


def _answer(value: bool | None) -> str:
    """A yes/no answer inside a sentence."""
    return yesno_label(value) or "chưa trả lời"


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)


def resolve_meta(
    summary: Mapping[str, Any], meta: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``meta`` with its defaults filled in from the round."""
    meta = dict(meta or {})
    province = summary["round"].get("province") or "Hà Giang"
    meta.setdefault("number", None)
    meta["notation"] = meta.get("notation") or DEFAULT_NOTATION
    meta["date"] = to_date(meta.get("date"))
    meta["place"] = meta.get("place") or province
    meta["parent_agency"] = meta.get("parent_agency") or f"UBND TỈNH {province}"
    meta["agency"] = meta.get("agency") or DEFAULT_AGENCY
    meta["recipients"] = list(
        meta.get("recipients") or [f"Ủy ban nhân dân tỉnh {province}"]
    )
    meta["cc"] = list(meta["cc"]) if meta.get("cc") is not None else list(DEFAULT_CC)
    meta["archive"] = meta.get("archive") or DEFAULT_ARCHIVE
    meta["signer"] = _signer(meta.get("signer"))
    return meta


def _signer(value: Any) -> nd30.Signer:
    if isinstance(value, nd30.Signer):
        return value
    value = dict(value or {})
    return nd30.Signer(
        title=str(value.get("title") or "GIÁM ĐỐC").strip(),
        name=str(value.get("name") or "").strip(),
        delegation=str(value.get("delegation") or "").strip(),
        position=str(value.get("position") or "").strip(),
    )


def _recipient_lines(recipients: list[str]) -> list[str]:
    lines = nd30.recipient_lines(recipients)
    if len(lines) == 1:
        return [f"Kính gửi: {lines[0]}."]
    return ["Kính gửi:", *lines]


def _intro(summary: Mapping[str, Any], who: str) -> list[str]:
    info = summary["round"]
    year = info.get("year") or ""
    dispatch = info.get("dispatch") or {}
    reference = "Công văn"
    if dispatch.get("number"):
        number = nd30.format_number(
            dispatch["number"], dispatch.get("notation") or "STTTT-CNTT"
        )
        reference += " số " + number.removeprefix("Số: ")
    day = to_date(dispatch.get("date"))
    if day:
        reference += f" ngày {nd30.format_date(day)}"
    cutoff = info.get("cutoff")
    data_until = (
        f" (số liệu tính đến hết ngày {nd30.format_date(cutoff)})" if cutoff else ""
    )
    return [
        f"Thực hiện {reference} của {who} về việc báo cáo công tác quản lý, vận "
        f"hành hệ thống giao ban trực tuyến trên địa bàn tỉnh năm {year}, trên cơ "
        f"sở báo cáo của các cơ quan, đơn vị{data_until}, {who} báo cáo kết quả "
        "khảo sát như sau:"
    ]


def _response_lines(summary: Mapping[str, Any], who: str) -> list[str]:
    o = summary["overview"]
    rate = _text(float(o["response_rate"]))
    lines = [
        f"{who} đã đề nghị {o['addressed']} cơ quan, đơn vị báo cáo; đến nay đã "
        f"nhận được {o['replied']}/{o['addressed']} báo cáo đã được thủ trưởng "
        f"đơn vị phê duyệt, đạt tỷ lệ {rate}%."
    ]
    deadline = summary["round"].get("deadline")
    if o["replied"]:
        until = f" (đến hết ngày {nd30.format_date(deadline)})" if deadline else ""
        line = (
            f"Số báo cáo gửi đúng hạn{until}: {o['on_time']}; gửi quá hạn: {o['late']}"
        )
        if o["late_units"]:
            line += f" ({_names(o['late_units'])})"
        lines.append(line + ".")
    if o["missing"]:
        line = (
            f"Còn {o['missing_count']} đơn vị chưa gửi báo cáo: {_names(o['missing'])}"
        )
        if o["not_yet_approved_units"]:
            pending = _names(o["not_yet_approved_units"])
            line += (
                f"; trong đó {o['not_yet_approved']} đơn vị đã lập phiếu, đang chờ "
                f"thủ trưởng đơn vị phê duyệt ({pending})"
            )
        lines.append(line + ".")
    else:
        lines.append("Tất cả các đơn vị được đề nghị đã gửi báo cáo.")
    return lines


def _numbered(rows: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    return [{"no": str(i), **row} for i, row in enumerate(rows, start=1)]


def _statuses(row: Mapping[str, Any]) -> dict[str, str]:
    return {d: status_label(row[d]) for d in DEVICES}


def _part1(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    rows = _numbered(
        {
            "unit": r["unit"],
            "location": r["location"],
            "ip": f"IP: {r['ip']}" if r["ip"] else "",
            "meetings": _text(r["meetings"]),
            **_statuses(r),
        }
        for r in summary["part1"]
    )
    n = len(rows)
    if not n:
        return rows, ["Chưa có huyện, thành phố nào gửi báo cáo phần này."]
    yes = summary["yes_counts"]
    return rows, [
        f"Tổng số cuộc họp trực tuyến giữa UBND tỉnh và {n} huyện, thành phố đã "
        f"báo cáo: {summary['totals']['meetings_i']} cuộc.",
        f"Có {yes['decision_known']}/{n} đơn vị có cán bộ đầu mối hoặc cán bộ kỹ "
        "thuật điều khiển cuộc họp đã nhận và biết Quyết định số 1373/QĐ-UBND "
        f"ngày 24/7/2017 của UBND tỉnh; {yes['upgraded_i']}/{n} đơn vị đã bổ "
        "sung, nâng cấp phòng họp giao ban điện tử đa phương tiện.",
    ]


def _part2(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    def pair(a: Any, b: Any) -> str:
        return f"{_text(a)}/{_text(b)}" if a is not None or b is not None else ""

    rows = _numbered(
        {
            "unit": r["unit"],
            "endpoints": pair(r["endpoints"], r["communes"]),
            "without": _text(r["communes_without_endpoint"]),
            "meetings": _text(r["meetings"]),
            **_statuses(r),
        }
        for r in summary["part2"]
    )
    n = len(rows)
    if not n:
        return rows, ["Chưa có huyện, thành phố nào gửi báo cáo phần này."]
    totals, yes = summary["totals"], summary["yes_counts"]
    return rows, [
        f"{n} huyện, thành phố đã báo cáo có {totals['endpoints']} điểm cầu cấp "
        f"xã trên tổng số {totals['communes']} UBND cấp xã; tổng số cuộc họp trực "
        f"tuyến giữa huyện và xã: {totals['meetings_ii']} cuộc; "
        f"{yes['upgraded_ii']}/{n} đơn vị đã bổ sung, nâng cấp phòng họp."
    ]


def _communes(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    rows = _numbered(
        {"unit": r["unit"], "count": _text(r["count"]), "reason": r["reason"]}
        for r in summary["communes_without"]
    )
    if not rows:
        return rows, ["Các huyện, thành phố đã báo cáo không còn xã chưa có điểm cầu."]
    total = summary["totals"]["communes_without_endpoint"]
    return rows, [
        f"Còn {total} xã chưa có điểm cầu, thuộc {len(rows)} huyện, thành phố; "
        "lý do như sau:"
    ]


def _devices(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    counts = summary["device_counts"]
    rows = []
    for device in DEVICES:
        row = {"device": DEVICE_LABELS[device]}
        for suffix, network in (("1", "province_district"), ("2", "district_commune")):
            tally = counts[network][device]
            row["s" + suffix] = str(tally["stable"])
            row["u" + suffix] = str(tally["unstable"])
            row["n" + suffix] = str(tally["not_working"])
            row["a" + suffix] = str(tally["unanswered"])
        rows.append(row)
    lines = [
        "Số đơn vị báo cáo theo tình trạng hoạt động của từng loại thiết bị tại "
        f"điểm cầu ({len(summary['part1'])} huyện, thành phố đã báo cáo):"
    ]
    broken = _broken_devices(summary)
    if broken:
        lines.append("Thiết bị không hoạt động: " + "; ".join(broken) + ".")
    return rows, lines


def _broken_devices(summary: Mapping[str, Any]) -> list[str]:
    """ "UBND huyện Đồng Văn: bộ micro (hệ thống tỉnh - huyện)" per unit."""
    found: dict[str, list[str]] = {}
    for key, network in (("part1", "province_district"), ("part2", "district_commune")):
        for row in summary[key]:
            devices = [
                DEVICE_LABELS[d].lower() if d != "vcs" else "thiết bị đầu cuối VCS"
                for d in DEVICES[:-1]
                if row[d] == "not_working"
            ]
            if devices:
                found.setdefault(row["unit"], []).append(
                    f"{', '.join(devices)} ({_PART_IN_TEXT[network]})"
                )
    return [f"{unit}: {'; '.join(items)}" for unit, items in found.items()]


def _incidents(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    def endpoint(row: Mapping[str, Any], network: str) -> str:
        # The MCU's own line names the MCU as its "endpoint": say it once.
        return "" if row["endpoint"] == network else row["endpoint"]

    rows = _numbered(
        {
            "unit": r["unit"],
            "network": NETWORK_LABELS.get(r["network"], r["network"]),
            "endpoint": endpoint(r, NETWORK_LABELS.get(r["network"], r["network"])),
            "symptom": r["symptom"],
            "count": _text(r["count"]),
            "cause": r["cause"],
            "fix": r["fix"],
        }
        for r in summary["incidents"]
    )
    if not rows:
        return rows, ["Các đơn vị không báo cáo sự cố trong quá trình vận hành."]
    units = len({r["unit"] for r in summary["incidents"]})
    return rows, [
        f"Có {units} đơn vị báo cáo sự cố trong quá trình vận hành, điều khiển hệ "
        f"thống, tổng số {summary['totals']['incidents']} lần; chi tiết như sau:"
    ]


def _needs(
    summary: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    districts = [r for r in summary["needs"] if r["form_type"] != "center"]
    rows = _numbered(
        {
            "unit": r["unit"],
            "maintenance_i": yesno_label(r["maintenance_i"]),
            "maintenance_ii": yesno_label(r["maintenance_ii"]),
            "training_i": yesno_label(r["training_i"]),
            "training_ii": yesno_label(r["training_ii"]),
        }
        for r in districts
    )
    counts = summary["need_counts"]
    lines = [
        f"Có {counts['units_needing_maintenance']} đơn vị có nhu cầu kiểm tra, "
        f"bảo dưỡng và {counts['units_needing_training']} đơn vị có nhu cầu tập "
        "huấn, đào tạo lại:"
        if summary["needs"]
        else "Chưa có đơn vị nào báo cáo nhu cầu."
    ]
    centre_lines = []
    centre = summary["centre"]
    if centre is not None:
        parts = [
            f"nhu cầu tập huấn, đào tạo: {_answer(centre['training'])}",
            "bảo dưỡng, kiểm tra toàn bộ hệ thống: "
            f"{_answer(centre['full_maintenance'])}",
            f"bảo dưỡng MCU: {_answer(centre['mcu_maintenance'])}",
        ]
        if centre["partial_maintenance"]:
            parts.append(
                "bảo dưỡng, kiểm tra một phần hệ thống: "
                + centre["partial_maintenance"].rstrip(".")
            )
        centre_lines.append(f"{centre['unit']}: " + "; ".join(parts) + ".")
    return rows, lines, centre_lines


def _centre(summary: Mapping[str, Any]) -> list[str]:
    centre = summary["centre"]
    if centre is None:
        return ["Trung tâm CNTT&TT chưa gửi báo cáo."]
    tech = centre["technician"]
    who = [tech["name"]] if tech["name"] else []
    who += [f"điện thoại {tech['phone']}"] if tech["phone"] else []
    who += [f"email {tech['email']}"] if tech["email"] else []
    lines = []
    if who:
        line = "Cán bộ kỹ thuật điều khiển cuộc họp: " + ", ".join(who)
        if tech["endpoint"]:
            line += f"; điều khiển cuộc họp tại điểm cầu {tech['endpoint']}"
        lines.append(line + ".")

    def figure(value: Any) -> str:
        return _text(value) or "chưa báo cáo"

    lines.append(
        f"Số phiên họp trực tuyến đã điều khiển: {figure(centre['sessions'])}, "
        f"trong đó liên thông 4 cấp (TW, tỉnh, huyện, xã): {figure(centre['level4'])}; "
        f"liên thông 3 cấp (tỉnh, huyện, xã): {figure(centre['level3'])}; "
        f"liên thông 2 cấp (tỉnh, huyện): {figure(centre['level2'])}."
    )
    check = CONNECTION_CHECK_LABELS.get(centre["connection_check"] or "", "")
    known = {True: "đã", False: "chưa"}.get(centre["decision_known"])
    parts = []
    if known:
        parts.append(f"Cán bộ đầu mối {known} nhận và biết Quyết định số 1373/QĐ-UBND")
    if check:
        parts.append(f"thời gian kiểm tra kết nối hệ thống: {check.lower()}")
    if centre["late_percent"] is not None:
        parts.append(
            "tỷ lệ điểm cầu tham gia kết nối không đúng thời gian đã thông báo "
            f"ước tính {_text(centre['late_percent'])}%"
        )
    if parts:
        text = "; ".join(parts)
        lines.append(text[:1].upper() + text[1:] + ".")
    mcu = ["Tình hình hoạt động của MCU"]
    if centre["mcu_ip"]:
        mcu[0] += f" (địa chỉ IP {centre['mcu_ip']})"
    details = [
        f"thời gian hoạt động: {centre['operating_time'] or 'chưa báo cáo'}",
        f"sự cố: {centre['mcu_incidents'].rstrip('.') or 'không có'}",
    ]
    if centre["remedies"]:
        details.append(f"biện pháp xử lý: {centre['remedies'].rstrip('.')}")
    details.append(f"nhu cầu bảo dưỡng MCU: {_answer(centre['mcu_maintenance'])}")
    lines.append(mcu[0] + ": " + "; ".join(details) + ".")
    if centre["difficulties"]:
        lines.append(_sentence(f"Khó khăn, vướng mắc: {centre['difficulties']}"))
    return lines


def _gathered(summary: Mapping[str, Any], kind: str) -> list[str]:
    return [
        _sentence(
            f"- {r['unit']} ({_PART_IN_TEXT.get(r['part'], r['part'])}): {r['text']}"
        )
        for r in summary["recommendations"]
        if r["kind"] == kind
    ]


def _operators(
    summary: Mapping[str, Any], next_year: str
) -> tuple[list[dict[str, Any]], list[str]]:
    rows = _numbered(
        {
            "unit": r["unit"],
            "name": r["name"],
            "position": ", ".join(p for p in (r["position"], r["operator_unit"]) if p),
            "phone": r["phone"],
            "email": r["email"],
        }
        for r in summary["operators"]
    )
    if rows:
        lines = [
            f"Các đơn vị đã đăng ký {len(rows)} cán bộ quản lý vận hành hệ thống "
            f"giao ban điện tử năm {next_year}:"
        ]
    else:
        lines = [f"Chưa có đơn vị nào đăng ký cán bộ quản lý vận hành năm {next_year}."]
    if summary["operators_short"]:
        lines.append(
            "Đơn vị chưa bố trí đủ 02 cán bộ kỹ thuật vận hành theo đề nghị: "
            f"{_names(summary['operators_short'])}."
        )
    return rows, lines


# Above this many replies the report's body keeps the figures and the
# exceptions only (units with a device not working, incidents, needs), at most
# EXCEPTION_ROWS rows per table; every unit's row stays in the XLSX sent with
# it. Below it the body prints every unit, as the 2017 report did.
BODY_UNITS_LIMIT = 40
EXCEPTION_ROWS = 30
_IN_WORKBOOK = "số liệu chi tiết của từng đơn vị tại tệp Excel tổng hợp kèm theo"


def _not_working(row: Mapping[str, Any]) -> bool:
    return any(row.get(d) == status_label("not_working") for d in DEVICES)


def _exceptions(
    rows: list[dict[str, Any]], keep, what: str, total: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows kept by ``keep``, at most EXCEPTION_ROWS, renumbered, and the
    sentence saying what the table shows and where the rest is."""
    kept = [r for r in rows if keep(r)]
    shown = kept[:EXCEPTION_ROWS]
    rows = [dict(r, no=str(i)) for i, r in enumerate(shown, start=1)]
    if not kept:
        return rows, [
            f"Không có {what} trong {total} đơn vị đã báo cáo; {_IN_WORKBOOK}."
        ]
    more = (
        f" ({len(shown)} đơn vị đầu tiên; {len(kept) - len(shown)} đơn vị còn lại"
        " trong tệp Excel)"
        if len(kept) > len(shown)
        else ""
    )
    return rows, [
        f"Bảng dưới đây chỉ liệt kê {len(kept)}/{total} đơn vị có {what}{more}; "
        f"{_IN_WORKBOOK}."
    ]


def _at_scale(data: dict[str, Any], summary: Mapping[str, Any]) -> dict[str, Any]:
    """The body of a report on many units: aggregates and exceptions."""
    n1, n2 = len(summary["part1"]), len(summary["part2"])
    if max(n1, n2) <= BODY_UNITS_LIMIT:
        return data
    what = "thiết bị không hoạt động"
    rows, note = _exceptions(data["part1_rows"], _not_working, what, n1)
    data["part1_rows"], data["part1_lines"] = rows, data["part1_lines"] + note
    rows, note = _exceptions(data["part2_rows"], _not_working, what, n2)
    data["part2_rows"], data["part2_lines"] = rows, data["part2_lines"] + note
    rows, note = _exceptions(
        data["communes_rows"], lambda r: True, "xã chưa có điểm cầu", n2
    )
    data["communes_rows"] = rows
    data["communes_lines"] = data["communes_lines"] + note
    incidents = sorted(data["incident_rows"], key=lambda r: -int(r["count"] or 0))
    rows, note = _exceptions(incidents, lambda r: True, "sự cố (nhiều lần nhất)", n1)
    data["incident_rows"], data["incident_lines"] = rows, data["incident_lines"] + note
    rows, note = _exceptions(
        data["need_rows"],
        lambda r: yesno_label(True)
        in (r["maintenance_i"], r["maintenance_ii"], r["training_i"], r["training_ii"]),
        "nhu cầu kiểm tra, bảo dưỡng hoặc tập huấn",
        n1,
    )
    data["need_rows"], data["need_lines"] = rows, data["need_lines"] + note
    count = len(data["operator_rows"])
    data["operator_rows"] = []
    data["operator_lines"] = data["operator_lines"] + [
        f"Danh sách {count} cán bộ đăng ký tại sheet “Cán bộ vận hành” của tệp "
        "Excel tổng hợp kèm theo."
    ]
    for key, what in (
        ("efficiency_lines", "đánh giá hiệu quả"),
        ("recommendation_lines", "kiến nghị, đề xuất"),
    ):
        lines = data[key]
        if len(lines) > EXCEPTION_ROWS:
            data[key] = lines[:EXCEPTION_ROWS] + [
                f"(Và {len(lines) - EXCEPTION_ROWS} {what} khác của các đơn vị tại "
                "sheet “Kiến nghị” của tệp Excel tổng hợp kèm theo.)"
            ]
    broken = [
        line for line in data["device_lines"] if line.startswith("Thiết bị không")
    ]
    if broken:
        units = _broken_devices(summary)
        shown = "; ".join(units[:EXCEPTION_ROWS])
        more = (
            f" và {len(units) - EXCEPTION_ROWS} đơn vị khác"
            if len(units) > EXCEPTION_ROWS
            else ""
        )
        data["device_lines"] = [
            line for line in data["device_lines"] if line not in broken
        ] + [f"Thiết bị không hoạt động ({len(units)} đơn vị): {shown}{more}."]
    return data


def summary_template_data(
    summary: Mapping[str, Any], meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Data of the ``summary.odt`` template (keys in the module docstring);
    for many units the body keeps aggregates and exceptions (_at_scale)."""
    return _at_scale(_summary_template_data(summary, meta), summary)


def _summary_template_data(
    summary: Mapping[str, Any], meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    meta = resolve_meta(summary, meta)
    who = _agency_in_text(meta["agency"], str(meta.get("agency_in_text") or ""))
    year = summary["round"].get("year")
    next_year = str(year + 1) if isinstance(year, int) else ""
    signer: nd30.Signer = meta["signer"]
    part1_rows, part1_lines = _part1(summary)
    part2_rows, part2_lines = _part2(summary)
    communes_rows, communes_lines = _communes(summary)
    device_rows, device_lines = _devices(summary)
    incident_rows, incident_lines = _incidents(summary)
    need_rows, need_lines, centre_need_lines = _needs(summary)
    operator_rows, operator_lines = _operators(summary, next_year)
    totals = summary["totals"]
    counts = summary["need_counts"]
    return {
        "parent_agency": meta["parent_agency"].upper(),
        "agency": meta["agency"].upper(),
        "number_line": nd30.format_number(meta["number"], meta["notation"]),
        "date_line": nd30.format_date_line(meta["place"], meta["date"]),
        "doc_type": DOC_TYPE,
        "subject": "Kết quả khảo sát tình hình quản lý, vận hành hệ thống giao ban "
        f"trực tuyến trên địa bàn tỉnh năm {_text(year)}".strip(),
        "recipient_lines": _recipient_lines(meta["recipients"]),
        "intro": _intro(summary, who),
        "response_lines": _response_lines(summary, who),
        "part1_rows": part1_rows,
        "part1_lines": part1_lines,
        "part2_rows": part2_rows,
        "part2_lines": part2_lines,
        "communes_rows": communes_rows,
        "communes_lines": communes_lines,
        "device_rows": device_rows,
        "device_lines": device_lines,
        "incident_rows": incident_rows,
        "incident_lines": incident_lines,
        "need_rows": need_rows,
        "need_lines": need_lines,
        "centre_need_lines": centre_need_lines,
        "centre_lines": _centre(summary),
        "efficiency_lines": _gathered(summary, "efficiency")
        or ["Các đơn vị chưa đánh giá hiệu quả kinh tế."],
        "recommendation_lines": _gathered(summary, "recommendation")
        or ["Các đơn vị không có kiến nghị, đề xuất."],
        "operator_rows": operator_rows,
        "operator_lines": operator_lines,
        "next_year": next_year,
        "totals": {
            "meetings_i": str(totals["meetings_i"]),
            "meetings_ii": str(totals["meetings_ii"]),
            "endpoints": f"{totals['endpoints']}/{totals['communes']}",
            "without": str(totals["communes_without_endpoint"]),
            "incidents": str(totals["incidents"]),
            "maintenance_i": str(counts["maintenance_i"]),
            "maintenance_ii": str(counts["maintenance_ii"]),
            "training_i": str(counts["training_i"]),
            "training_ii": str(counts["training_ii"]),
        },
        "closing": "Trên đây là báo cáo kết quả khảo sát tình hình quản lý, vận "
        f"hành hệ thống giao ban trực tuyến trên địa bàn tỉnh năm {_text(year)} "
        f"của {who}, kính báo cáo Ủy ban nhân dân tỉnh xem xét, chỉ đạo./.",
        "cc_lines": nd30.cc_lines(meta["cc"], meta["archive"], first=""),
        "signer_authority": signer.authority_line,
        "signer_position": signer.position_line,
        "signer_name": signer.name,
    }


def render_summary(
    round_data: Mapping[str, Any],
    meta: Mapping[str, Any] | None = None,
    fmts: Iterable[str] = ("odt", "pdf", "docx", "xlsx"),
) -> dict[str, bytes]:
    """The summary of ``round_data`` in each of ``fmts`` (keys are formats).

    ``meta`` defaults to ``round_data["meta"]`` (so that one file can carry
    both for the CLI), else to the defaults of :func:`resolve_meta`.
    """
    if meta is None:
        meta = round_data.get("meta")
    if meta is not None and not isinstance(meta, Mapping):
        # A tuple of formats passed positionally would otherwise be read as
        # meta and fail far from the mistake.
        raise TypeError(
            f"render_summary: meta must be a mapping, got {meta!r} "
            "(pass the formats as fmts=...)"
        )
    fmts = list(dict.fromkeys(fmts))
    unknown = [f for f in fmts if f not in OUTPUT_FORMATS]
    if unknown:
        raise RenderError(
            f"unknown output format(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(OUTPUT_FORMATS)}"
        )
    summary = consolidate(round_data)
    out: dict[str, bytes] = {}
    documents = [f for f in fmts if f != "xlsx"]
    if documents:
        data = summary_template_data(summary, meta)
        odt = render_odt(
            template_path(SUMMARY_TEMPLATE),
            data,
            name=SUMMARY_TEMPLATE,
            schema=SCHEMAS["summary"],
        )
        for fmt in documents:
            out[fmt] = (
                odt if fmt == "odt" else convert({"summary": odt}, fmt)["summary"]
            )
    if "xlsx" in fmts:
        out["xlsx"] = summary_workbook(summary, resolve_meta(summary, meta))
    return {fmt: out[fmt] for fmt in fmts}


def render_any(
    round_data: Mapping[str, Any],
    forms: Any = None,
    meta: Mapping[str, Any] | None = None,
    fmts: Iterable[str] = ("odt", "pdf", "xlsx"),
) -> dict[str, bytes]:
    """The summary of a round of any form version: the entry point.

    ``forms`` is the round's version (a ``FormDefinition``) or
    ``{form_type: FormDefinition}``; None means the 2017 pair.  When every
    version's ``summary`` is "2017", the hand-written 2017 report
    (:func:`render_summary`) is made; otherwise the generic one
    (:func:`vcsurvey.generic.render_summary`).
    """
    from vcsurvey import generic
    from vcsurvey.forms import FormDefinition

    if forms is None:
        return render_summary(round_data, meta, fmts)
    versions = [forms] if isinstance(forms, FormDefinition) else list(forms.values())
    if versions and all(form.summary == "2017" for form in versions):
        return render_summary(round_data, meta, fmts)
    return generic.render_summary(round_data, forms, meta, fmts)
