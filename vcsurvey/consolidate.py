"""Consolidation of a survey round: the units' replies → the summary's tables.

Pure functions over plain data; the Odoo addon (or the CLI) builds the input
from its records and hands the output to :mod:`vcsurvey.summary` and
:mod:`vcsurvey.xlsx`.

Input of :func:`consolidate` (``round_data``)::

    {
      "year": 2017, "province": "Hà Giang",
      "deadline": date(2018, 1, 10),        # replies dated after it are late
      "cutoff": date(2017, 12, 31),         # "Số liệu tính đến hết ngày ..."
      "dispatch": {"number": 5, "notation": "STTTT-CNTT",
                   "date": date(2017, 12, 20)},
      "addressed": [                        # units the dispatch went to
        {"unit_code": "BQ", "unit_name": "UBND huyện Bắc Quang",
         "form_type": "district"},          # or "center" (IT centre)
        ...],
      "submissions": [
        {"unit_code": "BQ", "unit_name": "UBND huyện Bắc Quang",
         "form_type": "district",
         "state": "draft" | "submitted" | "approved" | "received",
         "submitted_on": date | None, "approved_on": date | None,
         "received_on": date | None,
         "answers": {question code: value}},
        ...],
    }

Dates may be ``date``/``datetime`` objects or ISO strings.  Answer values:
status questions "stable" / "unstable" / "not_working" / None; yes/no
questions True / False / None; integers (ints or digit strings); texts;
operators (I.10) a list of dicts (name, position, phone, email, unit);
incidents (I.6, II.5, C.6) a list of dicts (symptom, count, cause, fix,
endpoint).  The question codes are those of :mod:`vcsurvey.forms`.

Rules:

* Only *approved* and *received* submissions are replies.  Any other
  submission is "not yet approved"; an addressed unit without a reply is
  "missing" (so ``not_yet_approved_units``, the units whose form waits for
  their head's signature, is a subset of ``missing``).
* When a unit has several submissions, the one furthest in the workflow
  (received > approved > submitted > draft), then the latest, stands.
* A unit that replied without being addressed is still counted (it is added
  to the addressed units) so that every figure adds up.
* A reply is late when its approval date (failing that, its receipt or
  submission date) is after the deadline; a reply with no date at all is
  counted as on time (``undated`` tells how many).
* Rows are ordered by unit name with a Vietnamese collation ("Đ" after "D",
  "Ă"/"Â" after "A", tones only break ties).

Output of :func:`consolidate` (plain, JSON-serialisable except dates)::

    round            year, province, deadline, cutoff, dispatch
    overview         addressed, replied, on_time, late, late_units, undated,
                     missing (unit names), missing_count, not_yet_approved,
                     not_yet_approved_units, response_rate (%, 1 decimal)
    part1            district rows: unit, unit_code, location, ip, meetings,
                     camera, microphone, audio, vcs, overall (status codes),
                     decision_known, upgraded (bools)
    part2            district rows: unit, unit_code, endpoints, communes,
                     communes_without_endpoint, reason, meetings, camera,
                     microphone, audio, vcs, overall, upgraded
    device_counts    {network: {device: {stable, unstable, not_working,
                     unanswered}}}; networks "province_district" (part I) and
                     "district_commune" (part II); devices camera, microphone,
                     audio, vcs, overall
    totals           meetings_i, meetings_ii, endpoints, communes,
                     communes_without_endpoint, incidents (sum of counts),
                     centre_sessions
    yes_counts       decision_known, upgraded_i, upgraded_ii (units answering
                     "yes")
    communes_without rows: unit, count, reason (units with communes lacking
                     an endpoint)
    incidents        rows: unit, network ("province_district",
                     "district_commune", "control" for C.6, "mcu" for C.5),
                     symptom, count, cause, fix, endpoint
    needs            rows: unit, form_type, maintenance_i, maintenance_ii,
                     training_i, training_ii (district), training,
                     full_maintenance, partial_maintenance, mcu_maintenance
                     (centre); None where the question does not apply
    need_counts      maintenance_i, maintenance_ii, training_i, training_ii,
                     units_needing_maintenance, units_needing_training
    centre           None, or the IT centre's figures: unit, technician
                     {name, phone, email, endpoint}, sessions, level4,
                     level3, level2, decision_known, connection_check (code),
                     late_percent, mcu_ip, operating_time, mcu_incidents,
                     remedies, mcu_maintenance, difficulties,
                     mcu_recommendations, training, full_maintenance,
                     partial_maintenance, recommendations
    recommendations  rows: unit, part ("province_district",
                     "district_commune", "mcu", "centre"), kind
                     ("recommendation" or "efficiency"), code, text
    operators        rows: unit (reporting unit), name, position, phone,
                     email, operator_unit
    operators_short  districts that registered fewer than two operators
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from vcsurvey import forms
from vcsurvey.dates import parse_date

COUNTED_STATES = frozenset({"approved", "received"})
# Workflow progress, to choose between several submissions of one unit.
_STATE_RANK = {
    "draft": 0,
    "returned": 0,
    "submitted": 1,
    "approved": 2,
    "received": 3,
}

STATUSES = ("stable", "unstable", "not_working")
STATUS_LABELS = {
    "stable": "Ổn định",
    "unstable": "Không ổn định",
    "not_working": "Không hoạt động",
}
DEVICES = ("camera", "microphone", "audio", "vcs", "overall")
DEVICE_LABELS = {
    "camera": "Camera",
    "microphone": "Bộ micro",
    "audio": "Âm thanh cuộc họp",
    "vcs": "Thiết bị đầu cuối VCS",
    "overall": "Tình trạng chung",
}
NETWORKS = ("province_district", "district_commune")
NETWORK_LABELS = {
    "province_district": "Tỉnh - huyện",
    "district_commune": "Huyện - xã",
    "control": "Điều khiển hệ thống",
    "mcu": "MCU",
    "centre": "Trung tâm CNTT&TT",
}
CONNECTION_CHECK_LABELS = {
    "one_hour_before": "Trước 1 giờ so với giờ họp chính thức",
    "at_meeting_time": "Ngay vào giờ họp chính thức",
}
YES, NO = "Có", "Không"

_STATUS_CODES = forms.DEVICE_STATUS_CODES
_CENTRE_TYPES = frozenset({"center", "centre"})
_RECOMMENDATION_CODES = (
    ("I.9", "province_district", "efficiency"),
    ("I.11", "province_district", "recommendation"),
    ("II.8", "district_commune", "efficiency"),
    ("II.9", "district_commune", "recommendation"),
    ("C.5.recommendations", "mcu", "recommendation"),
    ("C.9", "centre", "recommendation"),
)
_MIN_OPERATORS = 2  # "bố trí ít nhất 02 cán bộ kỹ thuật vận hành" (I.10)


# --------------------------------------------------------------------------
# Value helpers (shared with the renderers)


def to_date(value: date | datetime | str | None) -> date | None:
    """A ``date`` from a date, a datetime or a date string ("" → None)."""
    return parse_date(value)


# Letters that are separate letters of the Vietnamese alphabet, not accented
# variants: they sort after their base letter whatever the tone.
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve, circumflex, horn
_TONE_MARKS = {"\u0301": 1, "\u0300": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}


def collation_key(
    text: str,
) -> tuple[tuple[tuple[str, int], ...], tuple[int, ...], str]:
    """Sort key for Vietnamese text: a < ă < â, d < đ, e < ê, o < ô < ơ,
    u < ư; tones (sắc, huyền, hỏi, ngã, nặng) only break ties; case last."""
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", text).casefold():
        if char == "đ":
            letters.append(("d", 1))
            tones.append(0)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        letter_mark = max((_LETTER_MARKS.get(m, 0) for m in marks), default=0)
        tone = max((_TONE_MARKS.get(m, 0) for m in marks), default=0)
        letters.append((base, letter_mark))
        tones.append(tone)
    return tuple(letters), tuple(tones), text


def status_label(value: str | None) -> str:
    """Vietnamese text of a device status ("" when unanswered)."""
    return STATUS_LABELS.get(value, "") if value else ""


def yesno_label(value: bool | None) -> str:
    """ "Có" / "Không" / "" for a yes/no answer."""
    if value is None:
        return ""
    return YES if value else NO


def _status(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip() in STATUS_LABELS:
        return value.strip()
    raise ValueError(f"{where}: unknown status {value!r}")


def _yesno(value: Any, where: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"yes", "true", "1"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"no", "false", "0"}:
        return False
    raise ValueError(f"{where}: not a yes/no answer {value!r}")


def _integer(value: Any, where: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{where}: not a number {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(f"{where}: not a whole number {value!r}")


def _number(value: Any, where: str) -> float | int | None:
    """A percentage may be a decimal ("12,5" as typed in Vietnamese too)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{where}: not a number {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%").replace(",", "."))
        except ValueError:
            raise ValueError(f"{where}: not a number {value!r}") from None
    else:
        raise ValueError(f"{where}: not a number {value!r}")
    return int(number) if number.is_integer() else number


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _sum(values: Iterable[int | None]) -> int:
    return sum(v for v in values if v is not None)


# --------------------------------------------------------------------------
# Choosing the replies


def _rank(submission: Mapping[str, Any]) -> tuple[int, date]:
    last = max(
        (
            d
            for d in (
                to_date(submission.get("received_on")),
                to_date(submission.get("approved_on")),
                to_date(submission.get("submitted_on")),
            )
            if d is not None
        ),
        default=date.min,
    )
    return _STATE_RANK.get(submission.get("state") or "draft", 0), last


def _units(round_data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Addressed units by code, in the dispatch's order, each with the
    submission that stands for it (or None)."""
    units: dict[str, dict[str, Any]] = {}
    for unit in round_data.get("addressed") or ():
        code = unit["unit_code"]
        units[code] = {
            "code": code,
            "name": _text(unit.get("unit_name")) or code,
            "form_type": unit.get("form_type") or "district",
            "submission": None,
        }
    for submission in round_data.get("submissions") or ():
        code = submission["unit_code"]
        unit = units.setdefault(
            code,
            {
                "code": code,
                "name": _text(submission.get("unit_name")) or code,
                "form_type": submission.get("form_type") or "district",
                "submission": None,
            },
        )
        current = unit["submission"]
        if current is None or _rank(submission) > _rank(current):
            unit["submission"] = submission
    return units


def _replied(unit: Mapping[str, Any]) -> bool:
    submission = unit["submission"]
    return submission is not None and submission.get("state") in COUNTED_STATES


def _reply_date(submission: Mapping[str, Any]) -> date | None:
    for key in ("approved_on", "received_on", "submitted_on"):
        day = to_date(submission.get(key))
        if day is not None:
            return day
    return None


def _by_name(units: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(units, key=lambda u: collation_key(u["name"]))


# --------------------------------------------------------------------------
# The tables


def _overview(units: list[Mapping[str, Any]], deadline: date | None) -> dict[str, Any]:
    replied = [u for u in units if _replied(u)]
    late_units, undated = [], 0
    for unit in replied:
        day = _reply_date(unit["submission"])
        if day is None:
            undated += 1
        elif deadline is not None and day > deadline:
            late_units.append(unit["name"])
    missing = [u for u in units if not _replied(u)]
    # sent to their head but not signed yet; a draft form counts as not sent
    pending = [
        u["name"]
        for u in missing
        if u["submission"] is not None and u["submission"].get("state") == "submitted"
    ]
    addressed = len(units)
    rate = round(100.0 * len(replied) / addressed, 1) if addressed else 0.0
    return {
        "addressed": addressed,
        "replied": len(replied),
        "on_time": len(replied) - len(late_units),
        "late": len(late_units),
        "late_units": late_units,
        "undated": undated,
        "missing": [u["name"] for u in missing],
        "missing_count": len(missing),
        "not_yet_approved": len(pending),
        "not_yet_approved_units": pending,
        "response_rate": rate,
    }


def _statuses(answers: Mapping[str, Any], network: str, unit: str) -> dict[str, Any]:
    return {
        device: _status(answers.get(code), f"{unit} {code}")
        for device, code in _STATUS_CODES[network].items()
    }


def _part1_row(name: str, code: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "unit": name,
        "unit_code": code,
        "location": _text(answers.get("I.1.location")),
        "ip": _text(answers.get("I.1.ip")),
        "meetings": _integer(answers.get("I.1.meetings"), f"{name} I.1.meetings"),
        **_statuses(answers, "province_district", name),
        "decision_known": _yesno(answers.get("I.2"), f"{name} I.2"),
        "upgraded": _yesno(answers.get("I.5"), f"{name} I.5"),
    }


def _part2_row(name: str, code: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    def integer(key: str) -> int | None:
        return _integer(answers.get(key), f"{name} {key}")

    return {
        "unit": name,
        "unit_code": code,
        "endpoints": integer("II.1.endpoints"),
        "communes": integer("II.1.communes"),
        "communes_without_endpoint": integer("II.1.communes_without_endpoint"),
        "reason": _text(answers.get("II.1.reason")),
        "meetings": integer("II.1.meetings"),
        **_statuses(answers, "district_commune", name),
        "upgraded": _yesno(answers.get("II.4"), f"{name} II.4"),
    }


def _device_counts(
    part1: list[dict[str, Any]], part2: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    counts: dict[str, dict[str, Any]] = {}
    for network, rows in (("province_district", part1), ("district_commune", part2)):
        counts[network] = {}
        for device in DEVICES:
            tally = dict.fromkeys((*STATUSES, "unanswered"), 0)
            for row in rows:
                tally[row[device] or "unanswered"] += 1
            counts[network][device] = tally
    return counts


def _incident_rows(unit: str, network: str, value: Any) -> list[dict[str, Any]]:
    rows = []
    for item in value or ():
        if isinstance(item, str):
            # An incident typed as free text (older or imported forms).
            item = {"symptom": item}
        row = {
            "unit": unit,
            "network": network,
            "symptom": _text(item.get("symptom")),
            "count": _integer(item.get("count"), f"{unit} incident count"),
            "cause": _text(item.get("cause")),
            "fix": _text(item.get("fix")),
            "endpoint": _text(item.get("endpoint")),
        }
        if any(row[k] for k in ("symptom", "cause", "fix", "endpoint")) or row["count"]:
            rows.append(row)
    return rows


def _operator_rows(unit: str, value: Any) -> list[dict[str, Any]]:
    rows = []
    for item in value or ():
        row = {
            "unit": unit,
            "name": _text(item.get("name")),
            "position": _text(item.get("position")),
            "phone": _text(item.get("phone")),
            "email": _text(item.get("email")),
            "operator_unit": _text(item.get("unit")),
        }
        if row["name"]:
            rows.append(row)
    return rows


def _centre(name: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    def integer(key: str) -> int | None:
        return _integer(answers.get(key), f"{name} {key}")

    def yesno(key: str) -> bool | None:
        return _yesno(answers.get(key), f"{name} {key}")

    check = _text(answers.get("C.3")) or None
    if check is not None and check not in CONNECTION_CHECK_LABELS:
        raise ValueError(f"{name} C.3: unknown choice {check!r}")
    return {
        "unit": name,
        "technician": {
            "name": _text(answers.get("C.1.name")),
            "phone": _text(answers.get("C.1.phone")),
            "email": _text(answers.get("C.1.email")),
            "endpoint": _text(answers.get("C.1.endpoint")),
        },
        "sessions": integer("C.1.sessions"),
        "level4": integer("C.1.level4"),
        "level3": integer("C.1.level3"),
        "level2": integer("C.1.level2"),
        "decision_known": yesno("C.2"),
        "connection_check": check,
        "late_percent": _number(answers.get("C.4"), f"{name} C.4"),
        "mcu_ip": _text(answers.get("C.5.mcu_ip")),
        "operating_time": _text(answers.get("C.5.operating_time")),
        "mcu_incidents": _text(answers.get("C.5.incidents")),
        "remedies": _text(answers.get("C.5.remedies")),
        "mcu_maintenance": yesno("C.5.maintenance"),
        "difficulties": _text(answers.get("C.5.difficulties")),
        "mcu_recommendations": _text(answers.get("C.5.recommendations")),
        "training": yesno("C.7"),
        "full_maintenance": yesno("C.8.full"),
        "partial_maintenance": _text(answers.get("C.8.partial")),
        "recommendations": _text(answers.get("C.9")),
    }


def consolidate(round_data: Mapping[str, Any]) -> dict[str, Any]:
    """The summary's tables from a round's plain data (see module doc)."""
    deadline = to_date(round_data.get("deadline"))
    units = list(_units(round_data).values())
    overview = _overview(_by_name(units), deadline)
    replied = [u for u in _by_name(units) if _replied(u)]

    part1: list[dict[str, Any]] = []
    part2: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    needs: list[dict[str, Any]] = []
    recommendations: list[dict[str, Any]] = []
    operators: list[dict[str, Any]] = []
    operators_short: list[str] = []
    centre: dict[str, Any] | None = None

    for unit in replied:
        name, answers = unit["name"], unit["submission"].get("answers") or {}
        is_centre = unit["form_type"] in _CENTRE_TYPES
        if is_centre:
            figures = _centre(name, answers)
            centre = centre or figures  # one centre; a second one is ignored
            if figures["mcu_incidents"] or figures["remedies"]:
                incidents.append(
                    {
                        "unit": name,
                        "network": "mcu",
                        "symptom": figures["mcu_incidents"],
                        "count": None,
                        "cause": "",
                        "fix": figures["remedies"],
                        "endpoint": "MCU",
                    }
                )
            incidents += _incident_rows(name, "control", answers.get("C.6"))
            needs.append(
                {
                    "unit": name,
                    "form_type": "center",
                    "maintenance_i": None,
                    "maintenance_ii": None,
                    "training_i": None,
                    "training_ii": None,
                    "training": figures["training"],
                    "full_maintenance": figures["full_maintenance"],
                    "partial_maintenance": figures["partial_maintenance"],
                    "mcu_maintenance": figures["mcu_maintenance"],
                }
            )
        else:
            part1.append(_part1_row(name, unit["code"], answers))
            part2.append(_part2_row(name, unit["code"], answers))
            incidents += _incident_rows(name, "province_district", answers.get("I.6"))
            incidents += _incident_rows(name, "district_commune", answers.get("II.5"))
            needs.append(
                {
                    "unit": name,
                    "form_type": "district",
                    "maintenance_i": _yesno(answers.get("I.7"), f"{name} I.7"),
                    "maintenance_ii": _yesno(answers.get("II.6"), f"{name} II.6"),
                    "training_i": _yesno(answers.get("I.8"), f"{name} I.8"),
                    "training_ii": _yesno(answers.get("II.7"), f"{name} II.7"),
                    "training": None,
                    "full_maintenance": None,
                    "partial_maintenance": "",
                    "mcu_maintenance": None,
                }
            )
            registered = _operator_rows(name, answers.get("I.10"))
            operators += registered
            if len(registered) < _MIN_OPERATORS:
                operators_short.append(name)
        for code, part, kind in _RECOMMENDATION_CODES:
            text = _text(answers.get(code))
            if text:
                recommendations.append(
                    {
                        "unit": name,
                        "part": part,
                        "kind": kind,
                        "code": code,
                        "text": text,
                    }
                )

    communes_without = [
        {
            "unit": row["unit"],
            "count": row["communes_without_endpoint"],
            "reason": row["reason"],
        }
        for row in part2
        if row["communes_without_endpoint"] or row["reason"]
    ]
    totals = {
        "meetings_i": _sum(r["meetings"] for r in part1),
        "meetings_ii": _sum(r["meetings"] for r in part2),
        "endpoints": _sum(r["endpoints"] for r in part2),
        "communes": _sum(r["communes"] for r in part2),
        "communes_without_endpoint": _sum(
            r["communes_without_endpoint"] for r in part2
        ),
        "incidents": _sum(r["count"] for r in incidents),
        "centre_sessions": (centre or {}).get("sessions") or 0,
    }
    yes_counts = {
        "decision_known": sum(1 for r in part1 if r["decision_known"]),
        "upgraded_i": sum(1 for r in part1 if r["upgraded"]),
        "upgraded_ii": sum(1 for r in part2 if r["upgraded"]),
    }
    need_counts = {
        key: sum(1 for r in needs if r[key])
        for key in ("maintenance_i", "maintenance_ii", "training_i", "training_ii")
    }
    need_counts["units_needing_maintenance"] = sum(
        1
        for r in needs
        if r["maintenance_i"]
        or r["maintenance_ii"]
        or r["full_maintenance"]
        or r["partial_maintenance"]
        or r["mcu_maintenance"]
    )
    need_counts["units_needing_training"] = sum(
        1 for r in needs if r["training_i"] or r["training_ii"] or r["training"]
    )
    dispatch = dict(round_data.get("dispatch") or {})
    if "date" in dispatch:
        dispatch["date"] = to_date(dispatch["date"])
    return {
        "round": {
            "year": round_data.get("year"),
            "province": round_data.get("province") or "",
            "deadline": deadline,
            "cutoff": to_date(round_data.get("cutoff")),
            "dispatch": dispatch,
        },
        "overview": overview,
        "part1": part1,
        "part2": part2,
        "device_counts": _device_counts(part1, part2),
        "totals": totals,
        "yes_counts": yes_counts,
        "communes_without": communes_without,
        "incidents": incidents,
        "needs": needs,
        "need_counts": need_counts,
        "centre": centre,
        "recommendations": recommendations,
        "operators": operators,
        "operators_short": operators_short,
    }
