"""Validation of versions other than 2017: the XLSForm kinds and expressions."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsform_samples import (
    SETTINGS_BASE,
    build_xlsform,
    commune_2026,
    commune_2026_answers,
)

from vcsurvey import validation
from vcsurvey.forms import definition_from_dict, definition_to_dict, get_form
from vcsurvey.validation import MESSAGES, check_answer, clear_hidden, validate, visible
from vcsurvey.xlsform import read_xlsform

FORM = read_xlsform(commune_2026(), "vc_2026_commune.xlsx")
TODAY = date(2026, 12, 2)


def rules(problems: list[validation.Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.rule) for p in problems]


def answers(**changes: Any) -> dict[str, Any]:
    values = commune_2026_answers()
    values.update(changes)
    return values


def check(**changes: Any) -> list[tuple[str, str]]:
    return rules(validate(FORM, answers(**changes), today=TODAY))


def test_complete_answers_are_valid() -> None:
    assert check() == []
    assert validation.is_valid(FORM, answers())


def test_types_of_the_new_kinds() -> None:
    assert check(uptime=97) == []
    assert check(uptime=101) == [("uptime", "percent_range")]
    assert check(uptime="97") == [("uptime", "not_number")]
    assert check(uptime=float("nan")) == [("uptime", "not_number")]
    assert check(installed=date(2025, 7, 1)) == []
    assert check(installed="2025-02-30") == [("installed", "not_date")]
    assert check(installed="01/07/2025") == [("installed", "not_date")]
    assert check(installed=20250701) == [("installed", "not_date")]
    assert check(devices=[]) == []
    assert check(devices=["camera", "camera"]) == [("devices", "select_invalid")]
    assert check(devices=["fax"]) == [("devices", "select_invalid")]
    assert check(devices="camera") == [("devices", "select_invalid")]
    assert check(network="broken") == [("network", "status_invalid")]
    assert check(upgraded="yes") == [("upgraded", "yesno_invalid")]
    assert check(phone="123") == [("phone", "phone_invalid")]
    assert check(endpoints=-1) == [("endpoints", "negative")]


def test_constraints_with_the_forms_messages() -> None:
    problems = validate(FORM, answers(endpoints=0), today=TODAY)
    assert rules(problems) == [("endpoints", "constraint")]
    assert problems[0].message_vi == "1 – Số lượng điểm cầu: xã có ít nhất 1 điểm cầu."
    # no English message in the form: the Vietnamese one stands
    assert problems[0].message_en.endswith("xã có ít nhất 1 điểm cầu.")
    problems = validate(FORM, answers(installed="2026-12-03"), today=TODAY)
    assert rules(problems) == [("installed", "constraint")]
    assert check(installed="2026-12-02") == []


def test_relevant_hides_questions_and_their_answers() -> None:
    hidden = answers(upgraded=False, upgrade_note="")
    assert "upgrade_note" not in visible(FORM, hidden)
    assert validate(FORM, hidden) == []
    # an answer to a hidden question is ignored, and clear_hidden drops it
    stale = answers(upgraded=False, upgrade_note=12)
    assert validate(FORM, stale) == []
    assert "upgrade_note" not in clear_hidden(FORM, stale)
    assert clear_hidden(FORM, answers())["upgrade_note"] == "Thay micro"
    # shown, it is required
    assert check(upgrade_note=None) == [("upgrade_note", "required")]
    assert visible(FORM, {}) == set(FORM.codes()) - {"upgrade_note"}


def test_repeat_lines_checked_column_by_column() -> None:
    lines = [
        {"symptom": "Mất tiếng", "count": 101},
        {"count": "hai", "day": "2026-13-01"},
        "not a line",
        {"symptom": "x", "extra": 1},
    ]
    assert check(incidents=lines) == [
        ("incidents[1].count", "constraint"),
        ("incidents[2].symptom", "required"),
        ("incidents[2].count", "not_integer"),
        ("incidents[2].day", "not_date"),
        ("incidents[3]", "not_line"),
        ("incidents[4]", "unknown_column"),
    ]
    problems = validate(FORM, answers(incidents=lines))
    assert "Các sự cố – Dòng 2 – Dấu hiệu sự cố" in problems[1].message()
    assert "Row 2" in problems[1].message("en")
    assert check(incidents=[{"symptom": "x"}] * 6) == [("incidents", "lines_max")]
    assert check(incidents=None) == []
    assert check(incidents="x") == [("incidents", "not_list")]


def test_check_answer_is_field_level() -> None:
    others = answers()
    assert check_answer(FORM, "endpoints", 3, others) == []
    found = check_answer(FORM, "endpoints", 0, others)
    assert rules(found) == [("endpoints", "constraint")]
    # other questions' problems are not reported on this field
    assert check_answer(FORM, "meetings", 1, answers(endpoints=0, phone="1")) == []
    assert rules(check_answer(FORM, "incidents", [{}], others)) == [
        ("incidents[1].symptom", "required")
    ]
    # hidden: nothing to say
    assert check_answer(FORM, "upgrade_note", None, answers(upgraded=False)) == []
    assert rules(check_answer(FORM, "nope", 1, others)) == [
        ("nope", "unknown_question")
    ]
    assert rules(check_answer(FORM, "incidents_note", "x", others)) == [
        ("incidents_note", "unknown_question")
    ]


def test_required_expression_and_message_interpolation() -> None:
    survey = [
        {"type": "integer", "name": "n", "label": "Số xã", "required": "yes"},
        {
            "type": "text",
            "name": "why",
            "label": "Lý do",
            "required": "${n} > 0",
            "required_message": "cần nêu lý do cho ${n} xã.",
            "required_message::English (en)": "give the reason for ${n}.",
        },
        {
            "type": "integer",
            "name": "m",
            "label": "Số xã có điểm cầu",
            "constraint": ". <= ${n}",
            "constraint_message": "${m} lớn hơn ${n}.",
        },
    ]
    form = read_xlsform(build_xlsform(survey, (), SETTINGS_BASE), "f.xlsx")
    problems = validate(form, {"n": 4, "m": 5})
    assert rules(problems) == [("why", "required"), ("m", "constraint")]
    assert problems[0].message() == "Lý do: cần nêu lý do cho 4 xã."
    assert problems[0].message("en") == "Lý do: give the reason for 4."
    assert problems[1].message() == "Số xã có điểm cầu: 5 lớn hơn 4."
    assert validate(form, {"n": 0, "m": 0}) == []
    # a constraint is not checked while a value it reads is missing or wrong
    assert rules(validate(form, {"m": 5})) == [("n", "required")]
    # (required expressions are plain XPath: "4" > 0 holds)
    assert rules(validate(form, {"n": "4", "m": 5})) == [
        ("n", "not_integer"),
        ("why", "required"),
    ]


def test_a_broken_stored_expression_is_a_problem_not_a_crash() -> None:
    data = definition_to_dict(FORM)
    children = data["sections"][1]["children"]  # type: ignore[index]
    children[0]["constraint"] = "frobnicate(.)"
    children[1]["relevant"] = "${"
    form = definition_from_dict(data)
    found = rules(validate(form, answers()))
    assert ("endpoints", "expression_error") in found
    assert ("meetings", "expression_error") in found
    message = next(p for p in validate(form, answers()) if p.code == "endpoints")
    assert "frobnicate" in message.message()


def test_group_relevance_hides_every_question_inside() -> None:
    survey = [
        {
            "type": "select_one yn",
            "name": "has",
            "label": "Có điểm cầu",
            "required": "yes",
        },
        {
            "type": "begin_group",
            "name": "g",
            "label": "Chi tiết",
            "relevant": "${has} = 'y'",
        },
        {"type": "integer", "name": "count", "label": "Số lượng", "required": "yes"},
        {"type": "end_group", "name": "g"},
    ]
    choices = [
        {"list_name": "yn", "name": "y", "label": "Có"},
        {"list_name": "yn", "name": "n", "label": "Không"},
    ]
    form = read_xlsform(build_xlsform(survey, choices, SETTINGS_BASE), "f.xlsx")
    assert visible(form, {"has": "n"}) == {"has"}
    assert validate(form, {"has": "n"}) == []
    assert rules(validate(form, {"has": "y"})) == [("count", "required")]


def test_2017_forms_unchanged_by_the_generalisation() -> None:
    district = get_form("district")
    assert visible(district, {}) == set(district.codes())
    assert dataclasses.replace(district.question("I.10")).min_items == 2


def test_every_rule_has_a_message_in_both_languages() -> None:
    samples = [
        validate(FORM, answers(devices=["x"], installed="x", incidents=[{"a": 1}] * 6)),
    ]
    produced = {p.rule for problems in samples for p in problems}
    assert {"select_invalid", "not_date", "lines_max", "unknown_column"} <= produced
    assert produced <= MESSAGES.keys()
    for problems in samples:
        for problem in problems:
            for lang in ("vi", "en"):
                assert "%(" not in problem.message(lang)


@pytest.mark.parametrize("value", [None, {}, [], object(), "x" * 10000, 10**400])
def test_validate_never_raises(value: object) -> None:
    validate(FORM, {code: value for code in FORM.codes()})


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=3),
    st.lists(st.dictionaries(st.text(max_size=6), st.text(max_size=3)), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(list(FORM.codes()) + ["zz"]), _ANY))
def test_random_answers_give_problems_never_exceptions(values: dict) -> None:
    for problem in validate(FORM, values, today=TODAY):
        assert problem.message("vi") and problem.message("en")
    for code in FORM.codes():
        check_answer(FORM, code, values.get(code), values)
