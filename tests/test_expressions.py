"""Tests of vcsurvey.expressions: the XLSForm (XPath) subset, never eval."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcsurvey import expressions
from vcsurvey.expressions import ExpressionError, evaluate, holds, names, parse

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "answers", "current", "expected"),
    [
        ("1 + 2 * 3", {}, None, 7.0),
        ("(1 + 2) * 3", {}, None, 9.0),
        ("7 div 2", {}, None, 3.5),
        ("7 mod 3", {}, None, 1.0),
        ("-7 mod 3", {}, None, -1.0),
        ("- - 4", {}, None, 4.0),
        ("1 div 0", {}, None, math.inf),
        (". + 1", {}, 41, 42.0),
        ("${a} - ${b}", {"a": 10, "b": 4}, None, 6.0),
        ("'x' = \"x\"", {}, None, True),
        ("${a} = 5", {"a": "5"}, None, True),
        ("${a} != 5", {"a": 4}, None, True),
        ("${a} < ${b} and ${b} <= 3", {"a": 1, "b": 3}, None, True),
        ("${a} > 1 or ${b} >= 10", {"a": 1, "b": 3}, None, False),
        ("not(${a} = 'yes')", {"a": False}, None, True),
        ("${a} = 'yes'", {"a": True}, None, True),
        ("string-length(.)", {}, "Hà Giang", 8.0),
        ("string-length()", {}, "abc", 3.0),
        ("selected(${m}, 'b')", {"m": ["a", "b"]}, None, True),
        ("selected(${m}, 'c')", {"m": ["a", "b"]}, None, False),
        ("selected(${m}, 'b')", {"m": "a b"}, None, True),
        ("count-selected(${m})", {"m": ["a", "b"]}, None, 2.0),
        ("count-selected(${m})", {}, None, 0.0),
        ("regex(., '^[0-9]{3}$')", {}, "123", True),
        ("regex(., '^[0-9]{3}$')", {}, "12a", False),
        ("today()", {}, None, "2026-12-02"),
        (". <= today()", {}, "2026-12-01", True),
        (". <= today()", {}, date(2027, 1, 1), False),
        (
            "${end} >= ${start}",
            {"start": "2026-01-31", "end": "2026-02-01"},
            None,
            True,
        ),
        ("today() - 1 = ${d}", {"d": "2026-12-01"}, None, True),
        ("true() and not(false())", {}, None, True),
    ],
)
def test_good_expressions(
    text: str, answers: dict[str, object], current: object, expected: object
) -> None:
    assert evaluate(text, answers, current, today=TODAY) == expected


def test_empty_values_follow_xpath() -> None:
    # an unanswered question is '': equal to '', NaN as a number
    assert holds("${x} = ''", {})
    assert holds("${x} = ''", {"x": None})
    assert not holds(". > 5", {}, None)
    assert not holds(". < 5", {}, "")
    assert not holds("${x} = 0", {})
    assert holds("${x} != 0", {})
    assert math.isnan(evaluate("${x} + 1", {}))
    assert not holds("${x} > 0", {"x": "abc"})
    assert holds("string-length(${x}) = 0", {})
    assert evaluate("${x}", {"x": {"a": 1}}) == ""  # a line has no scalar value


def test_and_or_do_not_evaluate_their_right_side_when_not_needed() -> None:
    # the right side would be NaN / false anyway; short-circuit must not raise
    assert holds("1 = 1 or regex(${x}, 'a')", {})
    assert not holds("1 = 2 and 1 div 0 > 0", {})


def test_names_lists_the_references_in_order() -> None:
    assert names("${b} + ${a} > ${b} and selected(${m}, 'x')") == ("b", "a", "m")
    assert names(parse(". > 1")) == ()
    assert names("${I.3.camera} = 'stable'") == ("I.3.camera",)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("1 +", "Expected a value"),
        ("(1 + 2", "Expected ')'"),
        ("1 2", "Expected an operator or the end"),
        ("${a", "Bad reference"),
        ("${1a}", "Bad reference"),
        ("${}", "Bad reference"),
        ("'abc", "Unterminated string"),
        ("foo", "Unsupported name 'foo'"),
        ("count(.)", "Unsupported function count()"),
        ("if(. > 1, 1, 2)", "Unsupported function if()"),
        ("/data/x", "Unsupported '/'"),
        ("../x", "Unsupported '..'"),
        ("1 ** 2", "Expected a value"),
        ("not()", "not() takes 1 argument(s), not 0"),
        ("today(1)", "today() takes 0 argument(s), not 1"),
        ("regex(., ${p})", "must be a quoted text"),
        ("regex(., '(a+)+$')", "may not repeat"),
        ("regex(., '(ab|cd)*e')", "may not repeat"),
        ("regex(., '(a)\\1')", "Back-references"),
        ("regex(., '[')", "Invalid regex() pattern"),
        ("regex(., '" + "a" * 300 + "')", "longer than"),
        ("and", "Expected a value"),
        ("1 = = 1", "Expected a value"),
        ("x[1]", "Unsupported '['"),
        ("1 | 2", "Unsupported '|'"),
        ("'a' ; 'b'", "Unsupported ';'"),
    ],
)
def test_bad_expressions_name_the_token(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert fragment in info.value.message
    assert info.value.message_vi and info.value.message_vi != info.value.message


def test_error_position_points_at_the_token() -> None:
    with pytest.raises(ExpressionError) as info:
        parse(". > 1 and frobnicate(2)")
    assert info.value.position == 10
    assert "(position 11)" in info.value.message
    assert "(vị trí 11)" in info.value.message_vi


@pytest.mark.parametrize(
    "hostile",
    [
        "__import__('os')",
        "__import__('os').system('touch /tmp/pwned')",
        "exec('1')",
        "eval('1+1')",
        "open('/etc/passwd')",
        "().__class__.__bases__[0].__subclasses__()",
        "${a}.__class__",
        "lambda: 1",
        "[x for x in ()]",
        "{'a': 1}",
        "1 if 1 else 2",
        "print(1)",
        "globals()",
        "`id`",
        "${a}; import os",
    ],
)
def test_hostile_inputs_are_refused(hostile: str) -> None:
    with pytest.raises(ExpressionError):
        parse(hostile)
    with pytest.raises(ExpressionError):
        evaluate(hostile, {"a": 1})


def test_limits() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse("1" * (expressions.MAX_LENGTH + 1))
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("(" * 60 + "1" + ")" * 60)
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("not(" * 60 + "1" + ")" * 60)
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("-" * 60 + "1")
    with pytest.raises(ExpressionError, match="more than 150 operators"):
        parse(" + ".join(["1"] * 200))
    assert evaluate(" + ".join(["1"] * 100), {}) == 100.0


def test_regex_does_not_run_on_huge_values() -> None:
    assert not holds("regex(., 'a')", {}, "a" * (expressions.MAX_REGEX_INPUT + 1))


def test_huge_numbers_do_not_overflow() -> None:
    assert holds(". > 5", {}, 10**400)
    assert math.isnan(evaluate("${a} mod 0", {"a": 5}))
    assert evaluate("${a} * ${a}", {"a": 1e308}) == math.inf


_ALPHABET = "0123456789.$'\"{}()+-*=!<>, abdmnoirtsxegl_-|/\\[]:;#@`\n\t\u00e0"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=80))
def test_random_text_raises_only_expression_error(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionError:
        return
    evaluate(tree, {"a": 1, "b": "x", "m": ["p"]}, current="3", today=TODAY)


_ATOMS = st.sampled_from(
    [".", "${a}", "${b}", "${m}", "${missing}", "1", "0", "2.5", "'x'", "''", "today()"]
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from(
        ["+", "-", "*", "div", "mod", "=", "!=", "<", "<=", ">", ">=", "and", "or"]
    )
    return st.one_of(
        st.tuples(children, ops, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda c: f"not({c})"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"string-length({c})"),
        children.map(lambda c: f"count-selected({c})"),
        children.map(lambda c: f"selected({c}, 'p')"),
        children.map(lambda c: f"regex({c}, '^[0-9]+$')"),
    )


@settings(max_examples=300, deadline=None)
@given(st.recursive(_ATOMS, _combine, max_leaves=12))
def test_generated_expressions_parse_and_evaluate(text: str) -> None:
    value = evaluate(text, {"a": 4, "b": "x", "m": ["p", "q"]}, current=2, today=TODAY)
    assert isinstance(value, bool | float | str | list)
    assert isinstance(expressions.truthy(value), bool)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "m"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(),
            st.text(max_size=10),
            st.lists(st.text(max_size=3), max_size=3),
            st.dates(),
        ),
    )
)
def test_any_answer_values_evaluate(answers: dict[str, object]) -> None:
    for text in (
        "${a} + ${b} > ${m}",
        "selected(${m}, ${a})",
        "${a} = ${b} or .",
        "-${b}",
    ):
        expressions.holds(text, answers, current=answers.get("a"), today=TODAY)
