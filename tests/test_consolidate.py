"""Consolidation of a round's replies into the summary's tables."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from vcsurvey.consolidate import collation_key, consolidate, to_date

BQ = "UBND huyện Bắc Quang"
DV = "UBND huyện Đồng Văn"
BM = "UBND huyện Bắc Mê"
MV = "UBND huyện Mèo Vạc"
YM = "UBND huyện Yên Minh"
HG = "UBND thành phố Hà Giang"
TT = "Trung tâm CNTT&TT"


def _operator(name: str, unit: str, phone: str) -> dict[str, str]:
    return {
        "name": name,
        "position": "Chuyên viên",
        "phone": phone,
        "email": "",
        "unit": unit,
    }


def _district(
    bq: dict[str, Any], statuses_i: tuple, statuses_ii: tuple
) -> dict[str, Any]:
    """A district's answers: ``bq`` plus the ten statuses in form order."""
    keys_i = ("I.3.camera", "I.3.microphone", "I.3.audio", "I.3.vcs", "I.4")
    keys_ii = ("II.2.camera", "II.2.microphone", "II.2.audio", "II.2.vcs", "II.3")
    answers = dict(zip(keys_i, statuses_i, strict=True))
    answers |= dict(zip(keys_ii, statuses_ii, strict=True))
    answers |= bq
    return answers


S, U, N = "stable", "unstable", "not_working"


def make_round() -> dict[str, Any]:
    """Seven addressed units: four districts and the centre replied (Bắc Mê
    late), Mèo Vạc's form waits for its head, Yên Minh sent nothing."""
    bq = _district(
        {
            "B.name": "Nguyễn Văn An",
            "I.1.location": "Hội trường UBND huyện",
            "I.1.ip": "10.160.1.2",
            "I.1.meetings": 48,
            "I.2": True,
            "I.5": False,
            "I.6": [
                {
                    "symptom": "Mất tiếng tại điểm cầu huyện",
                    "count": 2,
                    "cause": "Hỏng dây micro",
                    "fix": "Thay dây micro",
                    "endpoint": BQ,
                }
            ],
            "I.7": False,
            "I.8": False,
            "I.9": "Tiết kiệm khoảng 70% chi phí so với họp truyền thống",
            "I.10": [
                _operator("Hoàng Văn Bình", "Văn phòng HĐND và UBND", "0912345678"),
                _operator("Lê Thị Cúc", "Phòng Văn hóa và Thông tin", "0987654321"),
            ],
            "I.11": "Đề nghị nâng cấp đường truyền",
            "II.1.endpoints": 23,
            "II.1.communes": 23,
            "II.1.communes_without_endpoint": 0,
            "II.1.reason": "",
            "II.1.meetings": 30,
            "II.4": True,
            "II.6": True,
            "II.7": True,
        },
        (S, S, U, S, S),
        (S, S, S, S, S),
    )
    dv = _district(
        {
            "I.1.location": "Phòng họp trực tuyến UBND huyện",
            "I.1.ip": "10.160.2.2",
            "I.1.meetings": "45",  # typed as text in an imported sheet
            "I.2": "yes",
            "I.5": True,
            "I.6": [
                {
                    "symptom": "Hình ảnh bị giật, đứng hình",
                    "count": 5,
                    "cause": "Đường truyền không ổn định",
                    "fix": "Liên hệ VNPT kiểm tra đường truyền",
                    "endpoint": "",
                }
            ],
            "I.7": True,
            "I.8": True,
            "I.10": [
                _operator("Sùng Mí Dính", "Văn phòng HĐND và UBND", "0912000111"),
                _operator("Vàng Thị Mỷ", "Phòng Văn hóa và Thông tin", "0912000222"),
            ],
            "II.1.endpoints": 10,
            "II.1.communes": 19,
            "II.1.communes_without_endpoint": 9,
            "II.1.reason": "Chưa được đầu tư thiết bị",
            "II.1.meetings": 12,
            "II.4": False,
            "II.5": [
                {
                    "symptom": "Micro không hoạt động",
                    "count": 3,
                    "cause": "Thiết bị hỏng",
                    "fix": "Chưa khắc phục",
                    "endpoint": "UBND xã Lũng Cú",
                },
                # An empty line left in the form must not count.
                {"symptom": "", "count": None, "cause": "", "fix": ""},
            ],
            "II.6": True,
            "II.7": True,
            "II.9": "Đề nghị đầu tư điểm cầu cho 9 xã còn lại",
        },
        (U, N, U, S, U),
        (N, U, U, N, N),
    )
    bm = _district(
        {
            "I.1.location": "Hội trường UBND huyện",
            "I.1.ip": "10.160.3.2",
            "I.1.meetings": 40,
            "I.2": False,
            "I.5": False,
            "I.7": False,
            "I.8": False,
            "I.10": [_operator("Ma Văn Đức", "Văn phòng HĐND và UBND", "0913111222")],
            "II.1.endpoints": 13,
            "II.1.communes": 13,
            "II.1.communes_without_endpoint": 0,
            "II.1.meetings": 20,
            "II.4": False,
            "II.6": False,
            "II.7": True,
            "II.8": "Giảm thời gian đi lại của cán bộ xã",
        },
        (S, U, S, S, S),
        (S, S, U, S, U),
    )
    hg = _district(
        {
            "I.1.location": "Phòng họp UBND thành phố",
            "I.1.ip": "10.160.4.2",
            "I.1.meetings": 52,
            "I.2": True,
            "I.5": True,
            "I.7": False,
            "I.8": False,
            "I.10": [
                _operator("Trần Minh Hải", "Văn phòng HĐND và UBND", "0914000333"),
                _operator("Phạm Thu Hà", "Phòng Văn hóa và Thông tin", "0914000444"),
                {"name": "", "position": "", "phone": "", "email": "", "unit": ""},
            ],
            "II.1.endpoints": 8,
            "II.1.communes": 8,
            "II.1.communes_without_endpoint": 0,
            "II.1.meetings": None,
            "II.4": False,
            "II.6": False,
            "II.7": False,
        },
        (S, S, S, None, S),
        (S, S, S, S, S),
    )
    mv = _district(
        {"I.1.meetings": 99, "II.1.endpoints": 99, "I.7": True},
        (N, N, N, N, N),
        (N, N, N, N, N),
    )
    centre = {
        "C.1.name": "Nguyễn Thị Thảo",
        "C.1.phone": "0915123456",
        "C.1.email": "ntthao@hagiang.gov.vn",
        "C.1.endpoint": "Văn phòng UBND tỉnh",
        "C.1.sessions": 120,
        "C.1.level4": 10,
        "C.1.level3": 35,
        "C.1.level2": 75,
        "C.2": True,
        "C.3": "one_hour_before",
        "C.4": 15,
        "C.5.mcu_ip": "10.160.0.10",
        "C.5.operating_time": "Hoạt động liên tục từ năm 2016",
        "C.5.incidents": "Treo MCU 01 lần",
        "C.5.remedies": "Khởi động lại MCU",
        "C.5.maintenance": True,
        "C.5.difficulties": "Bản quyền MCU giới hạn số điểm cầu",
        "C.5.recommendations": "Nâng cấp bản quyền MCU",
        "C.6": [
            {
                "symptom": "Điểm cầu mất kết nối",
                "count": 4,
                "cause": "Mất điện tại điểm cầu",
                "fix": "Kết nối lại khi có điện",
                "endpoint": MV,
            }
        ],
        "C.7": True,
        "C.8.full": False,
        "C.8.partial": "Bảo dưỡng thiết bị âm thanh tại điểm cầu huyện Đồng Văn",
        "C.9": "Bố trí kinh phí bảo dưỡng hằng năm",
    }

    def sub(code: str, name: str, state: str, answers: dict, **dates: Any) -> dict:
        return {
            "unit_code": code,
            "unit_name": name,
            "form_type": "center" if code == "TTCNTT" else "district",
            "state": state,
            "submitted_on": dates.get("submitted_on"),
            "approved_on": dates.get("approved_on"),
            "received_on": dates.get("received_on"),
            "answers": answers,
        }

    codes = {"BQ": BQ, "DV": DV, "BM": BM, "MV": MV, "YM": YM, "HG": HG}
    addressed = [
        {"unit_code": c, "unit_name": n, "form_type": "district"}
        for c, n in codes.items()
    ]
    addressed.append({"unit_code": "TTCNTT", "unit_name": TT, "form_type": "center"})
    return {
        "year": 2017,
        "province": "Hà Giang",
        "deadline": date(2018, 1, 10),
        "cutoff": date(2017, 12, 31),
        "dispatch": {"number": 5, "notation": "STTTT-CNTT", "date": date(2017, 12, 20)},
        "addressed": addressed,
        "submissions": [
            sub(
                "BQ",
                BQ,
                "received",
                bq,
                submitted_on=date(2018, 1, 5),
                approved_on=date(2018, 1, 8),
                received_on=date(2018, 1, 9),
            ),
            # Approved on the deadline day itself: on time.
            sub("DV", DV, "approved", dv, approved_on=date(2018, 1, 10)),
            # Dates as ISO strings, approved after the deadline.
            sub(
                "BM",
                BM,
                "approved",
                bm,
                submitted_on="2018-01-14",
                approved_on="2018-01-15",
            ),
            sub("MV", MV, "submitted", mv, submitted_on=date(2018, 1, 12)),
            sub(
                "HG",
                HG,
                "received",
                hg,
                approved_on="2018-01-05",
                received_on="2018-01-06 09:30:00",
            ),
            sub("TTCNTT", TT, "approved", centre, approved_on=date(2018, 1, 9)),
        ],
    }


@pytest.fixture
def summary() -> dict[str, Any]:
    return consolidate(make_round())


def test_collation_puts_d_with_stroke_after_d() -> None:
    names = ["Đồng Văn", "Yên Minh", "Dương", "Bắc Mê", "Bạch Đích", "An", "Âu"]
    assert sorted(names, key=collation_key) == [
        "An",
        "Âu",
        "Bạch Đích",
        "Bắc Mê",
        "Dương",
        "Đồng Văn",
        "Yên Minh",
    ]


def test_collation_tones_only_break_ties() -> None:
    # The letters decide first ("Giang" < "Lang" < "Long"), whatever the tone.
    assert sorted(["Ha Long", "Hạ Lang", "Hà Giang"], key=collation_key) == [
        "Hà Giang",
        "Hạ Lang",
        "Ha Long",
    ]
    assert sorted(["Hạ", "Hà", "Ha"], key=collation_key) == ["Ha", "Hà", "Hạ"]
    assert collation_key("Ơ") > collation_key("Ô") > collation_key("O")
    assert collation_key("Ư") > collation_key("U")


def test_to_date_accepts_dates_and_iso_strings() -> None:
    assert to_date("2018-01-15") == date(2018, 1, 15)
    assert to_date("2018-01-06 09:30:00") == date(2018, 1, 6)
    assert to_date(date(2018, 1, 6)) == date(2018, 1, 6)
    assert to_date(None) is None and to_date("") is None


def test_overview_counts_only_approved_and_received(summary: dict) -> None:
    overview = summary["overview"]
    assert overview["addressed"] == 7
    assert overview["replied"] == 5
    assert overview["response_rate"] == 71.4
    assert overview["not_yet_approved"] == 1
    assert overview["not_yet_approved_units"] == [MV]
    assert overview["missing"] == [MV, YM]
    assert overview["missing_count"] == 2


def test_overview_late_means_approved_after_deadline(summary: dict) -> None:
    overview = summary["overview"]
    assert overview["late"] == 1
    assert overview["late_units"] == [BM]
    assert overview["on_time"] == 4
    assert overview["undated"] == 0


def test_reply_without_dates_is_on_time_and_counted_undated() -> None:
    data = make_round()
    data["submissions"][0]["approved_on"] = None
    data["submissions"][0]["received_on"] = None
    data["submissions"][0]["submitted_on"] = None
    overview = consolidate(data)["overview"]
    assert overview["undated"] == 1
    assert overview["on_time"] == 4


def test_latest_submission_of_a_unit_stands() -> None:
    data = make_round()
    # Mèo Vạc's head approves a second, corrected form: it replaces the first.
    again = copy.deepcopy(data["submissions"][3])
    again.update(state="approved", approved_on=date(2018, 1, 13))
    again["answers"]["I.1.meetings"] = 36
    data["submissions"].append(again)
    result = consolidate(data)
    assert result["overview"]["replied"] == 6
    assert result["overview"]["not_yet_approved"] == 0
    assert result["overview"]["late_units"] == [BM, MV]
    row = next(r for r in result["part1"] if r["unit"] == MV)
    assert row["meetings"] == 36


def test_unaddressed_reply_still_counts() -> None:
    data = make_round()
    extra = copy.deepcopy(data["submissions"][0])
    extra.update(unit_code="QB", unit_name="UBND huyện Quản Bạ")
    data["submissions"].append(extra)
    overview = consolidate(data)["overview"]
    assert overview["addressed"] == 8
    assert overview["replied"] == 6


def test_part1_rows_in_vietnamese_order_with_values(summary: dict) -> None:
    rows = summary["part1"]
    assert [r["unit"] for r in rows] == [BM, BQ, DV, HG]
    dv = rows[2]
    assert dv["location"] == "Phòng họp trực tuyến UBND huyện"
    assert dv["ip"] == "10.160.2.2"
    assert dv["meetings"] == 45
    assert (dv["camera"], dv["microphone"], dv["audio"], dv["vcs"]) == (U, N, U, S)
    assert dv["overall"] == U
    assert dv["decision_known"] is True
    assert dv["upgraded"] is True
    assert rows[3]["vcs"] is None


def test_part2_rows(summary: dict) -> None:
    rows = {r["unit"]: r for r in summary["part2"]}
    assert set(rows) == {BM, BQ, DV, HG}
    assert rows[DV]["endpoints"] == 10
    assert rows[DV]["communes"] == 19
    assert rows[DV]["communes_without_endpoint"] == 9
    assert rows[DV]["reason"] == "Chưa được đầu tư thiết bị"
    assert rows[DV]["overall"] == N
    assert rows[HG]["meetings"] is None


def test_device_counts_per_network(summary: dict) -> None:
    counts = summary["device_counts"]
    part1 = counts["province_district"]
    assert part1["camera"] == {
        "stable": 3,
        "unstable": 1,
        "not_working": 0,
        "unanswered": 0,
    }
    assert part1["microphone"] == {
        "stable": 2,
        "unstable": 1,
        "not_working": 1,
        "unanswered": 0,
    }
    assert part1["vcs"] == {
        "stable": 3,
        "unstable": 0,
        "not_working": 0,
        "unanswered": 1,
    }
    assert part1["overall"] == {
        "stable": 3,
        "unstable": 1,
        "not_working": 0,
        "unanswered": 0,
    }
    part2 = counts["district_commune"]
    assert part2["camera"] == {
        "stable": 3,
        "unstable": 0,
        "not_working": 1,
        "unanswered": 0,
    }
    assert part2["audio"] == {
        "stable": 2,
        "unstable": 2,
        "not_working": 0,
        "unanswered": 0,
    }
    assert part2["overall"] == {
        "stable": 2,
        "unstable": 1,
        "not_working": 1,
        "unanswered": 0,
    }
    # Every replied district is counted once per device.
    for network in counts.values():
        for tally in network.values():
            assert sum(tally.values()) == 4


def test_totals_ignore_pending_and_unanswered(summary: dict) -> None:
    # Mèo Vạc's 99 meetings and endpoints are not approved: not counted.
    assert summary["totals"] == {
        "meetings_i": 48 + 45 + 40 + 52,
        "meetings_ii": 30 + 12 + 20,
        "endpoints": 23 + 10 + 13 + 8,
        "communes": 23 + 19 + 13 + 8,
        "communes_without_endpoint": 9,
        "incidents": 2 + 5 + 3 + 4,
        "centre_sessions": 120,
    }
    assert summary["yes_counts"] == {
        "decision_known": 3,
        "upgraded_i": 2,
        "upgraded_ii": 1,
    }


def test_communes_without_endpoint(summary: dict) -> None:
    assert summary["communes_without"] == [
        {"unit": DV, "count": 9, "reason": "Chưa được đầu tư thiết bị"}
    ]


def test_incidents_of_all_networks_including_centre(summary: dict) -> None:
    rows = summary["incidents"]
    assert [(r["unit"], r["network"], r["count"]) for r in rows] == [
        (TT, "mcu", None),
        (TT, "control", 4),
        (BQ, "province_district", 2),
        (DV, "province_district", 5),
        (DV, "district_commune", 3),
    ]
    assert rows[0]["symptom"] == "Treo MCU 01 lần"
    assert rows[0]["fix"] == "Khởi động lại MCU"
    assert rows[4]["endpoint"] == "UBND xã Lũng Cú"
    assert rows[4]["cause"] == "Thiết bị hỏng"


def test_needs_by_unit(summary: dict) -> None:
    needs = {r["unit"]: r for r in summary["needs"]}
    assert set(needs) == {TT, BM, BQ, DV, HG}
    assert needs[BQ]["maintenance_i"] is False
    assert needs[BQ]["maintenance_ii"] is True
    assert needs[DV]["training_i"] is True
    assert needs[TT]["training"] is True
    assert needs[TT]["full_maintenance"] is False
    assert needs[TT]["partial_maintenance"].startswith("Bảo dưỡng thiết bị âm thanh")
    assert needs[TT]["mcu_maintenance"] is True
    assert needs[TT]["maintenance_i"] is None
    assert summary["need_counts"] == {
        "maintenance_i": 1,
        "maintenance_ii": 2,
        "training_i": 1,
        "training_ii": 3,
        "units_needing_maintenance": 3,
        "units_needing_training": 4,
    }


def test_centre_figures(summary: dict) -> None:
    centre = summary["centre"]
    assert centre["unit"] == TT
    assert centre["technician"]["name"] == "Nguyễn Thị Thảo"
    assert centre["technician"]["endpoint"] == "Văn phòng UBND tỉnh"
    assert (centre["sessions"], centre["level4"], centre["level3"]) == (120, 10, 35)
    assert centre["level2"] == 75
    assert centre["connection_check"] == "one_hour_before"
    assert centre["late_percent"] == 15
    assert centre["mcu_ip"] == "10.160.0.10"
    assert centre["mcu_maintenance"] is True
    assert centre["difficulties"] == "Bản quyền MCU giới hạn số điểm cầu"


def test_centre_missing_gives_none() -> None:
    data = make_round()
    data["submissions"] = [s for s in data["submissions"] if s["unit_code"] != "TTCNTT"]
    result = consolidate(data)
    assert result["centre"] is None
    assert result["totals"]["centre_sessions"] == 0
    assert TT in result["overview"]["missing"]


def test_recommendations_gathered(summary: dict) -> None:
    rows = [
        (r["unit"], r["part"], r["kind"], r["code"]) for r in summary["recommendations"]
    ]
    assert rows == [
        (TT, "mcu", "recommendation", "C.5.recommendations"),
        (TT, "centre", "recommendation", "C.9"),
        (BM, "district_commune", "efficiency", "II.8"),
        (BQ, "province_district", "efficiency", "I.9"),
        (BQ, "province_district", "recommendation", "I.11"),
        (DV, "district_commune", "recommendation", "II.9"),
    ]
    assert summary["recommendations"][-1]["text"] == (
        "Đề nghị đầu tư điểm cầu cho 9 xã còn lại"
    )


def test_operators_and_units_with_fewer_than_two(summary: dict) -> None:
    operators = summary["operators"]
    assert len(operators) == 7  # Hà Giang's blank third line is dropped
    assert operators[0] == {
        "unit": BM,
        "name": "Ma Văn Đức",
        "position": "Chuyên viên",
        "phone": "0913111222",
        "email": "",
        "operator_unit": "Văn phòng HĐND và UBND",
    }
    assert summary["operators_short"] == [BM]


def test_round_info_and_json_serialisable(summary: dict) -> None:
    assert summary["round"]["year"] == 2017
    assert summary["round"]["deadline"] == date(2018, 1, 10)
    assert summary["round"]["dispatch"]["number"] == 5
    json.dumps(summary, default=str)  # only dates need a converter


def test_bad_status_names_unit_and_question() -> None:
    data = make_round()
    data["submissions"][0]["answers"]["I.3.camera"] = "broken"
    with pytest.raises(ValueError, match="Bắc Quang I.3.camera"):
        consolidate(data)


def test_empty_round() -> None:
    result = consolidate({"year": 2017, "addressed": [], "submissions": []})
    assert result["overview"]["response_rate"] == 0.0
    assert result["part1"] == [] and result["centre"] is None
    assert result["totals"]["meetings_i"] == 0


def test_a_draft_form_is_not_waiting_for_the_head() -> None:
    data = make_round()
    for sub in data["submissions"]:
        if sub["unit_name"] == MV:
            sub["state"] = "draft"
    overview = consolidate(data)["overview"]
    assert overview["not_yet_approved_units"] == []
    assert MV in overview["missing"]
