"""Validation of one form's answers.

:func:`validate` takes a :class:`~vcsurvey.forms.FormDefinition` and a plain
dict ``{question code: value}`` and returns every :class:`Problem` at once, in
the form's printed order (problems with unknown codes last).  It never raises
for bad answers: a wrong type is a problem like any other.

Problem codes are question codes; a problem in one line of an "operators" or
"incidents" answer is coded ``"<question>[<n>].<key>"`` with ``n`` counted
from 1 as on the paper ("Thông tin cán bộ 1"), e.g. ``"I.10[2].phone"``; a
problem with a whole line is ``"<question>[<n>]"``.

Cross-question rules (each declared in one table below):

* of-which sums: C.1.level4 + C.1.level3 + C.1.level2 <= C.1.sessions
  (rule ``sum_exceeds``, reported on the total);
* II.1.communes_without_endpoint <= II.1.communes (``exceeds``);
* a district has at least one commune: II.1.communes >= 1 (``below_minimum``);
* coverage: every commune that has an endpoint has at least one, so
  II.1.endpoints >= II.1.communes - II.1.communes_without_endpoint
  (``endpoints_too_few``); in particular endpoints > 0 unless no commune has
  one.  More endpoints than communes is allowed (a commune may have several,
  and the district's own endpoint may be counted);
* II.1.reason is required when II.1.communes_without_endpoint > 0
  (``reason_required``).

A cross rule is checked only when the numbers it needs are valid; a missing
or wrong number is already reported on its own question.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from . import validators
from .forms import (
    INCIDENT_FIELDS,
    INCIDENT_LINE_LABEL,
    INCIDENT_LINE_LABEL_EN,
    OPERATOR_FIELDS,
    OPERATOR_SLOT_LABEL,
    OPERATOR_SLOT_LABEL_EN,
    FormDefinition,
    Question,
)

# rule -> (English template, Vietnamese template); %-style named placeholders
# as in vcsurvey.validators and Odoo's translatable strings.
MESSAGES: dict[str, tuple[str, str]] = {
    **validators.MESSAGES,
    "required": ("an answer is required.", "bắt buộc phải trả lời."),
    "unknown_question": (
        "%(code)s is not a question of this form.",
        "%(code)s không phải là câu hỏi của phiếu này.",
    ),
    "not_text": (
        "%(value)s is not a text.",
        "%(value)s không phải là một đoạn văn bản.",
    ),
    "not_integer": (
        "%(value)s is not a whole number.",
        "%(value)s không phải là số nguyên.",
    ),
    "negative": (
        "%(value)s is negative; a count cannot be less than 0.",
        "%(value)s là số âm; số lượng không thể nhỏ hơn 0.",
    ),
    "not_number": (
        "%(value)s is not a number.",
        "%(value)s không phải là một số.",
    ),
    "percent_range": (
        "%(value)s is not a percentage between 0 and 100.",
        "%(value)s không phải là tỷ lệ phần trăm từ 0 đến 100.",
    ),
    "yesno_invalid": (
        "%(value)s is not a Yes/No answer.",
        "%(value)s không phải là câu trả lời Có/Không.",
    ),
    "status_invalid": (
        "%(value)s is not one of the statuses (%(choices)s).",
        "%(value)s không thuộc các tình trạng của phiếu (%(labels)s).",
    ),
    "choice_invalid": (
        "%(value)s is not one of the choices (%(choices)s).",
        "%(value)s không thuộc các lựa chọn của phiếu (%(labels)s).",
    ),
    "not_list": (
        "%(value)s is not a list of lines.",
        "%(value)s không phải là một danh sách.",
    ),
    "not_line": (
        "%(value)s is not a line of fields.",
        "%(value)s không phải là một dòng thông tin hợp lệ.",
    ),
    "operators_min": (
        "%(count)s officer(s) registered; at least %(min)s are required.",
        "mới đăng ký %(count)s cán bộ; cần ít nhất %(min)s cán bộ.",
    ),
    "lines_min": (
        "%(count)s line(s) given; at least %(min)s are required.",
        "mới có %(count)s dòng; cần ít nhất %(min)s dòng.",
    ),
    "sum_exceeds": (
        "the of-which figures (%(parts)s) add up to %(sum)s, "
        "more than the total %(total)s.",
        "các số liệu trong đó (%(parts_vi)s) cộng lại bằng %(sum)s, "
        "lớn hơn tổng số %(total)s.",
    ),
    "exceeds": (
        "%(value)s is more than %(limit_code)s (%(limit)s).",
        "%(value)s lớn hơn %(limit_vi)s (%(limit)s).",
    ),
    "below_minimum": (
        "%(value)s is less than %(min)s.",
        "%(value)s nhỏ hơn %(min)s.",
    ),
    "endpoints_too_few": (
        "%(value)s endpoint(s) are fewer than the %(needed)s communes that have "
        "one (%(communes)s communes - %(without)s without an endpoint).",
        "%(value)s điểm cầu ít hơn số xã đã có điểm cầu (%(needed)s = "
        "%(communes)s xã - %(without)s xã chưa có điểm cầu).",
    ),
    "reason_required": (
        "give the reason why %(without)s commune(s) have no endpoint.",
        "cần nêu lý do %(without)s xã chưa có điểm cầu.",
    ),
}

# Cross-question rules; a rule whose codes are not all in a form is skipped.
SUM_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("C.1.sessions", ("C.1.level4", "C.1.level3", "C.1.level2")),
)
LIMIT_RULES: tuple[tuple[str, str], ...] = (
    ("II.1.communes_without_endpoint", "II.1.communes"),
)
MIN_VALUE_RULES: tuple[tuple[str, int], ...] = (("II.1.communes", 1),)
# (endpoints, communes, communes without an endpoint)
COVERAGE_RULES: tuple[tuple[str, str, str], ...] = (
    ("II.1.endpoints", "II.1.communes", "II.1.communes_without_endpoint"),
)
# (reason, count): the reason is required when the count is > 0
REASON_RULES: tuple[tuple[str, str], ...] = (
    ("II.1.reason", "II.1.communes_without_endpoint"),
)

Params = dict[str, Any]

_TEXT_KINDS = ("char", "text", "ip", "email", "phone")
_LINE_KINDS = ("operators", "incidents")
_FORMAT_CHECKS: dict[str, Callable[[str | None], str | None]] = {
    "ip": validators.check_ip,
    "email": validators.check_email,
    "phone": validators.check_phone,
}


class _Params(dict[str, Any]):
    """Message parameters; a missing one prints as "?" instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the answers.

    ``label``/``label_en`` name the question ("I.1 – Địa chỉ IP của điểm
    cầu"); :func:`validate` fills them, so that :meth:`message` needs no form.
    """

    code: str
    rule: str
    params: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    label_en: str = ""

    # params is a dict (unhashable); equal problems still hash equal.
    def __hash__(self) -> int:
        return hash((self.code, self.rule, self.label))

    @property
    def question_code(self) -> str:
        """The question's code, without a line part ("I.10[2].phone" -> "I.10")."""
        return self.code.split("[", 1)[0]

    @property
    def line(self) -> int | None:
        """1-based line number for a problem inside a list answer, else None."""
        if "[" not in self.code:
            return None
        return int(self.code.split("[", 1)[1].split("]", 1)[0])

    @property
    def key(self) -> str | None:
        """The line's key ("phone") for a problem inside a line, else None."""
        if "]." not in self.code:
            return None
        return self.code.rsplit("].", 1)[1]

    def message(self, lang: str = "vi") -> str:
        """A full sentence in ``lang`` ("vi" or "en") naming the question."""
        vi = lang.startswith("vi")
        if self.rule in MESSAGES:
            english, vietnamese = MESSAGES[self.rule]
            template = vietnamese if vi else english
            text = template % _Params(self.params)
        else:  # a rule from elsewhere: show its id rather than fail
            template, text = "", self.rule
        label = self.label if vi else (self.label_en or self.label)
        if label:
            return f"{label}: {text}"
        # Templates are written to follow "label: "; alone, start a sentence.
        return text[:1].upper() + text[1:] if template[:1].islower() else text


# ---------------------------------------------------------- single values ---


def _blank(value: object) -> bool:
    # Odoo reads an empty char/selection field as False.
    if value is None or value is False:
        return True
    return isinstance(value, str) and not value.strip()


def _unanswered(question: Question, value: object) -> bool:
    if question.kind == "yesno":  # here False is the answer "Không"
        return value is None or (isinstance(value, str) and not value.strip())
    return _blank(value)


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass, but True is no count.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(value: object, kind: str = "char") -> tuple[str, Params] | None:
    if not isinstance(value, str):
        return "not_text", {"value": value}
    limit = validators.TEXT_LIMITS.get(kind, validators.TEXT_LIMITS["char"])
    rule = validators.check_text(value, limit)
    if rule:
        params = {
            "char": validators.first_invalid_char(value),
            "length": len(value),
            "max": limit,
        }
        return rule, params
    return None


def _check_value(question: Question, value: object) -> list[tuple[str, Params]]:
    """Rules for a non-blank single value of ``question``."""
    kind = question.kind
    if kind in _TEXT_KINDS:
        wrong = _check_text(value, kind)
        if wrong:
            return [wrong]
        check = _FORMAT_CHECKS.get(kind)
        rule = check(str(value).strip()) if check else None
        return [(rule, {"value": str(value).strip()})] if rule else []
    if kind == "integer":
        return _check_count(value)
    if kind == "percent":
        if not isinstance(value, int | float) or isinstance(value, bool):
            return [("not_number", {"value": value})]
        # ints skip isfinite(): it overflows on huge ones, which are finite
        if isinstance(value, float) and not math.isfinite(value):
            return [("not_number", {"value": value})]
        if not 0 <= value <= 100:
            return [("percent_range", {"value": value})]
        return []
    if kind == "yesno":
        if not isinstance(value, bool):
            return [("yesno_invalid", {"value": value})]
        return []
    # status / choice
    # a tuple, not a set: the value may be unhashable (a list, a dict)
    if value not in tuple(choice.value for choice in question.choices):
        return [
            (
                f"{kind}_invalid",
                {
                    "value": value,
                    "choices": ", ".join(c.value for c in question.choices),
                    "labels": ", ".join(c.label for c in question.choices),
                },
            )
        ]
    return []


def _check_count(value: object) -> list[tuple[str, Params]]:
    if not _is_int(value):
        return [("not_integer", {"value": value})]
    if value < 0:
        return [("negative", {"value": value})]
    return []


# ------------------------------------------------------------ list answers ---

_OPERATOR_REQUIRED = ("name", "phone", "email")
_OPERATOR_LABELS = {key: (vi, en) for key, vi, en in OPERATOR_FIELDS}
_INCIDENT_LABELS = {key: (vi, en) for key, vi, en in INCIDENT_FIELDS}


def _line_problems(
    question: Question, value: object
) -> Iterator[tuple[str, str, Params, str, str]]:
    """(code, rule, params, label suffix vi, label suffix en) for list answers."""
    lines = [] if _blank(value) else value
    if not isinstance(lines, list | tuple):
        yield question.code, "not_list", {"value": value}, "", ""
        return
    operators = question.kind == "operators"
    if len(lines) < question.min_items:
        rule = "operators_min" if operators else "lines_min"
        params = {"count": len(lines), "min": question.min_items}
        yield question.code, rule, params, "", ""
    elif not lines and question.required:
        yield question.code, "required", {}, "", ""
    labels = _OPERATOR_LABELS if operators else _INCIDENT_LABELS
    for number, line in enumerate(lines, start=1):
        if operators:
            slot_vi = OPERATOR_SLOT_LABEL.format(n=number)
            slot_en = OPERATOR_SLOT_LABEL_EN.format(n=number)
        else:
            slot_vi = INCIDENT_LINE_LABEL.format(n=number)
            slot_en = INCIDENT_LINE_LABEL_EN.format(n=number)
        line_code = f"{question.code}[{number}]"
        if not isinstance(line, Mapping):
            yield line_code, "not_line", {"value": line}, slot_vi, slot_en
            continue
        for key, rule, params in _check_line(line, operators):
            vi, en = labels[key]
            yield (
                f"{line_code}.{key}",
                rule,
                params,
                f"{slot_vi} – {vi}",
                f"{slot_en} – {en}",
            )


def _check_line(
    line: Mapping[str, object], operators: bool
) -> Iterator[tuple[str, str, Params]]:
    """(key, rule, params) for one operator or incident line."""
    keys = _OPERATOR_LABELS if operators else _INCIDENT_LABELS
    required = _OPERATOR_REQUIRED if operators else ("symptom",)
    for key in keys:
        value = line.get(key)
        if _blank(value):
            if key in required:
                yield key, "required", {}
            continue
        if key == "count":
            for rule, params in _check_count(value):
                yield key, rule, params
            continue
        wrong = _check_text(value)
        if wrong:
            yield key, *wrong
            continue
        check = _FORMAT_CHECKS.get(key)
        failed = check(str(value).strip()) if check else None
        if failed:
            yield key, failed, {"value": str(value).strip()}


# ------------------------------------------------------------- cross rules ---


def _cross_problems(
    form: FormDefinition, answers: Mapping[str, object]
) -> Iterator[tuple[str, str, Params]]:
    """(code, rule, params) of the cross-question rules that apply to ``form``."""
    codes = set(form.codes())

    def count(code: str) -> int | None:
        # Only valid counts take part; bad ones are reported on their own.
        value = answers.get(code)
        return value if _is_int(value) and value >= 0 else None

    for total_code, parts in SUM_RULES:
        if not codes.issuperset((total_code, *parts)):
            continue
        total = count(total_code)
        given = [(p, count(p)) for p in parts]
        known = [(p, v) for p, v in given if v is not None]
        if total is None or not known:
            continue
        subtotal = sum(v for _, v in known)
        if subtotal > total:
            yield (
                total_code,
                "sum_exceeds",
                {
                    "sum": subtotal,
                    "total": total,
                    "parts": ", ".join(p for p, _ in known),
                    "parts_vi": ", ".join(form.question(p).label for p, _ in known),
                },
            )
    for code, limit_code in LIMIT_RULES:
        if not codes.issuperset((code, limit_code)):
            continue
        value, limit = count(code), count(limit_code)
        if value is not None and limit is not None and value > limit:
            yield (
                code,
                "exceeds",
                {
                    "value": value,
                    "limit": limit,
                    "limit_code": limit_code,
                    "limit_vi": _lower_first(form.question(limit_code).label),
                },
            )
    for code, minimum in MIN_VALUE_RULES:
        value = count(code) if code in codes else None
        if value is not None and value < minimum:
            yield code, "below_minimum", {"value": value, "min": minimum}
    yield from _coverage_problems(codes, count)
    for reason_code, count_code in REASON_RULES:
        if not codes.issuperset((reason_code, count_code)):
            continue
        without = count(count_code)
        if without and _blank(answers.get(reason_code)):
            yield reason_code, "reason_required", {"without": without}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _coverage_problems(
    codes: set[str], count: Callable[[str], int | None]
) -> Iterator[tuple[str, str, Params]]:
    for endpoints_code, communes_code, without_code in COVERAGE_RULES:
        if not codes.issuperset((endpoints_code, communes_code, without_code)):
            continue
        endpoints = count(endpoints_code)
        communes, without = count(communes_code), count(without_code)
        if endpoints is None or communes is None or without is None:
            continue
        if without > communes:
            continue  # already "exceeds"; the coverage would be meaningless
        needed = communes - without
        if endpoints < needed:
            yield (
                endpoints_code,
                "endpoints_too_few",
                {
                    "value": endpoints,
                    "needed": needed,
                    "communes": communes,
                    "without": without,
                },
            )


# ---------------------------------------------------------------- validate ---


def _labels(question: Question) -> tuple[str, str]:
    return (
        f"{question.ref} – {question.label}",
        f"{question.ref} – {question.text_en or question.label}",
    )


def validate(form: FormDefinition, answers: Mapping[str, object]) -> list[Problem]:
    """Every problem with ``answers`` to ``form``, in the form's order."""
    questions = form.questions()
    position = {q.code: i for i, q in enumerate(questions)}
    found: list[tuple[int, Problem]] = []
    for index, question in enumerate(questions):
        label, label_en = _labels(question)
        value = answers.get(question.code)
        if question.kind in _LINE_KINDS:
            for code, rule, params, suffix, suffix_en in _line_problems(
                question, value
            ):
                full = f"{label} – {suffix}" if suffix else label
                full_en = f"{label_en} – {suffix_en}" if suffix_en else label_en
                found.append((index, Problem(code, rule, params, full, full_en)))
        elif _unanswered(question, value):
            if question.required:
                found.append(
                    (index, Problem(question.code, "required", {}, *_labels(question)))
                )
        else:
            for rule, params in _check_value(question, value):
                found.append(
                    (index, Problem(question.code, rule, params, label, label_en))
                )
    for code, rule, params in _cross_problems(form, answers):
        question = form.question(code)
        found.append((position[code], Problem(code, rule, params, *_labels(question))))
    found.sort(key=lambda item: item[0])  # stable: own checks before cross rules
    problems = [problem for _, problem in found]
    for key in answers:
        if key not in position:
            code = str(key)
            problems.append(Problem(code, "unknown_question", {"code": code}))
    return problems


def is_valid(form: FormDefinition, answers: Mapping[str, object]) -> bool:
    """True when :func:`validate` finds nothing."""
    return not validate(form, answers)
