"""Validation of one form version's answers.

:func:`validate` takes a :class:`~vcsurvey.forms.FormDefinition` (any
version) and a plain dict ``{question code: value}`` and returns every
:class:`Problem` at once, in the form's printed order (problems with unknown
codes last).  It never raises for bad answers: a wrong type is a problem like
any other.  :func:`check_answer` gives the problems of one question (for a
message on the field as the user leaves it), :func:`visible` the questions
whose ``relevant`` holds and :func:`clear_hidden` the answers without those
of hidden questions.

What is checked, for every version:

* relevance: a question whose ``relevant`` (or an enclosing group's) is false
  is hidden: never required, its answer ignored (:func:`clear_hidden` drops
  it).  Relevance is evaluated in printed order with the answers of hidden
  questions already dropped;
* required: ``required`` (yes) or ``required_expr`` (an expression); the
  form's ``required_message`` replaces the default sentence;
* the type of each kind (see :mod:`vcsurvey.forms`): texts are str, integers
  whole numbers >= 0 (counts; use ``decimal`` for signed values), decimals and
  percentages finite numbers (percent 0..100), dates ISO ``YYYY-MM-DD``,
  choices one of the list, select_multiple a list of distinct choices,
  repeats/operators/incidents lists of dicts checked column by column with
  ``min_items``/``max_items``; the ``ip``/``email``/``phone`` kinds by
  :mod:`vcsurvey.validators`;
* ``constraint`` (with its ``constraint_message``, where ``${name}`` prints
  that answer): evaluated only on an answered question whose own value has
  the right type, and only when every ``${...}`` it references is answered
  with a valid value (a missing or wrong answer is reported on its own
  question, so a rule between two numbers is not reported twice).  The 2017
  cross-question checks (of-which sums, communes without an endpoint ...)
  are such constraints in the 2017 XLSForm files.

Problem codes are question codes; a problem in one line of a list answer is
coded ``"<question>[<n>].<column>"`` with ``n`` counted from 1 as on the
paper ("Thông tin cán bộ 1"), e.g. ``"I.10[2].phone"``; a problem with a
whole line is ``"<question>[<n>]"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeGuard

from . import expressions, validators
from .forms import (
    INCIDENT_LINE_LABEL,
    INCIDENT_LINE_LABEL_EN,
    LINE_KINDS,
    OPERATOR_SLOT_LABEL,
    OPERATOR_SLOT_LABEL_EN,
    FormDefinition,
    Question,
    Section,
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
    "not_date": (
        "%(value)s is not a date (YYYY-MM-DD).",
        "%(value)s không phải là ngày hợp lệ (YYYY-MM-DD).",
    ),
    "select_invalid": (
        "%(value)s are not all choices of the list (%(choices)s), or one is "
        "given twice.",
        "%(value)s không phải đều thuộc các lựa chọn của phiếu (%(labels)s), "
        "hoặc có lựa chọn bị lặp.",
    ),
    "lines_max": (
        "%(count)s line(s) given; at most %(max)s are allowed.",
        "có %(count)s dòng; chỉ được tối đa %(max)s dòng.",
    ),
    "unknown_column": (
        "%(key)s is not a column of this table.",
        "%(key)s không phải là một cột của bảng này.",
    ),
    "constraint": (
        "the answer does not satisfy the rule %(constraint)s.",
        "câu trả lời không thỏa mãn điều kiện %(constraint)s.",
    ),
    "expression_error": (
        "the form's rule %(expression)s cannot be evaluated: %(error)s",
        "không tính được điều kiện %(expression)s của phiếu: %(error_vi)s",
    ),
}

Params = dict[str, Any]

ROW_LABEL = "Dòng {n}"
ROW_LABEL_EN = "Row {n}"
_TEXT_KINDS = ("char", "text", "ip", "email", "phone")
_FORMAT_CHECKS: dict[str, Callable[[str | None], str | None]] = {
    "ip": validators.check_ip,
    "email": validators.check_email,
    "phone": validators.check_phone,
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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

    @property
    def message_vi(self) -> str:
        return self.message("vi")

    @property
    def message_en(self) -> str:
        return self.message("en")

    def message(self, lang: str = "vi") -> str:
        """A full sentence in ``lang`` ("vi" or "en") naming the question.

        A form's own message (XLSForm ``constraint_message`` /
        ``required_message``) comes in ``params["message_vi"]`` /
        ``params["message_en"]`` and replaces the rule's sentence.
        """
        vi = lang.startswith("vi")
        custom = self.params.get(
            "message_vi" if vi else "message_en"
        ) or self.params.get("message_vi")
        if custom:
            template, text = custom, custom
        elif self.rule in MESSAGES:
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
    if isinstance(value, list | tuple) and not value:
        return True
    return isinstance(value, str) and not value.strip()


def _unanswered(question: Question, value: object) -> bool:
    if question.kind == "yesno":  # here False is the answer "Không"
        return value is None or (isinstance(value, str) and not value.strip())
    return _blank(value)


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass, but True is no count.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    # ints skip isfinite(): it overflows on huge ones, which are finite
    return not isinstance(value, float) or math.isfinite(value)


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


def _choice_params(question: Question, value: object) -> Params:
    return {
        "value": value,
        "choices": ", ".join(c.value for c in question.choices),
        "labels": ", ".join(c.label for c in question.choices),
    }


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
    if kind in ("percent", "decimal"):
        if not _is_number(value):
            return [("not_number", {"value": value})]
        if kind == "percent" and not 0 <= value <= 100:  # type: ignore[operator]
            return [("percent_range", {"value": value})]
        return []
    if kind == "date":
        return [] if _is_date(value) else [("not_date", {"value": value})]
    if kind == "yesno":
        if not isinstance(value, bool):
            return [("yesno_invalid", {"value": value})]
        return []
    values = tuple(choice.value for choice in question.choices)
    if kind == "select_multiple":
        if (
            not isinstance(value, list | tuple)
            or not all(isinstance(v, str) and v in values for v in value)
            or len(set(value)) != len(value)
        ):
            return [("select_invalid", _choice_params(question, value))]
        return []
    if kind == "note":
        return []
    # status / choice
    # a tuple, not a set: the value may be unhashable (a list, a dict)
    if value not in values:
        return [(f"{kind}_invalid", _choice_params(question, value))]
    return []


def _is_date(value: object) -> bool:
    if isinstance(value, date):
        return True
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        return False
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _check_count(value: object) -> list[tuple[str, Params]]:
    if not _is_int(value):
        return [("not_integer", {"value": value})]
    if value < 0:
        return [("negative", {"value": value})]
    return []


# ------------------------------------------------------------- expressions ---


def _holds(
    text: str,
    answers: Mapping[str, object],
    current: object = None,
    today: date | None = None,
) -> bool | expressions.ExpressionError:
    try:
        return expressions.holds(_parsed(text), answers, current, today)
    except expressions.ExpressionError as error:
        return error


_PARSED: dict[str, expressions.Expr] = {}


def _parsed(text: str) -> expressions.Expr:
    tree = _PARSED.get(text)
    if tree is None:
        tree = expressions.parse(text)
        if len(_PARSED) < 5000:
            _PARSED[text] = tree
    return tree


def _interpolate(
    message: str, answers: Mapping[str, object], questions: Mapping[str, Question]
) -> str:
    """A form's message with ``${name}`` replaced by that answer."""

    def one(match: re.Match[str]) -> str:
        value = answers.get(match.group(1))
        question = questions.get(match.group(1))
        if value is None:
            return "…"
        if isinstance(value, bool):
            return "Có" if value else "Không"
        if question is not None and question.choices and isinstance(value, str):
            try:
                return question.choice_label(value)
            except KeyError:
                return value
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return str(value)

    return re.sub(r"\$\{([^{}]*)\}", one, message)


def _expression_problem(text: str, error: expressions.ExpressionError) -> Params:
    return {
        "expression": text,
        "error": error.message,
        "error_vi": error.message_vi,
    }


# ---------------------------------------------------------------- visibility ---


def _walk(
    sections: tuple[Section, ...] | tuple[Section | Question, ...],
) -> Iterator[tuple[tuple[str, ...], Question]]:
    """(relevant expressions of the enclosing groups, question) in order."""

    def visit(
        node: Section | Question, outer: tuple[str, ...]
    ) -> Iterator[tuple[tuple[str, ...], Question]]:
        if isinstance(node, Section):
            inner = (*outer, node.relevant) if node.relevant else outer
            for child in node.children:
                yield from visit(child, inner)
        else:
            yield outer, node

    for section in sections:
        yield from visit(section, ())


def _visibility(
    form: FormDefinition, answers: Mapping[str, object], today: date | None = None
) -> tuple[set[str], dict[str, object], list[tuple[str, Params]]]:
    """(visible codes, answers without hidden ones, expression errors)."""
    effective = dict(answers)
    shown: set[str] = set()
    errors: list[tuple[str, Params]] = []
    for outer, question in _walk(form.sections):
        conditions = (*outer, question.relevant) if question.relevant else outer
        visible = True
        for condition in conditions:
            result = _holds(condition, effective, None, today)
            if isinstance(result, expressions.ExpressionError):
                errors.append((question.code, _expression_problem(condition, result)))
                continue  # a broken rule hides nothing
            if not result:
                visible = False
                break
        if visible:
            shown.add(question.code)
        else:
            effective.pop(question.code, None)
    return shown, effective, errors


def visible(
    form: FormDefinition, answers: Mapping[str, object], today: date | None = None
) -> set[str]:
    """Codes of the questions whose ``relevant`` (and their groups') hold."""
    return _visibility(form, answers, today)[0]


def clear_hidden(
    form: FormDefinition, answers: Mapping[str, object], today: date | None = None
) -> dict[str, object]:
    """``answers`` without the answers of hidden questions."""
    return _visibility(form, answers, today)[1]


# ------------------------------------------------------------ list answers ---


def _slot_labels(question: Question, number: int) -> tuple[str, str]:
    if question.kind == "operators":
        return (
            OPERATOR_SLOT_LABEL.format(n=number),
            OPERATOR_SLOT_LABEL_EN.format(n=number),
        )
    if question.kind == "incidents":
        return (
            INCIDENT_LINE_LABEL.format(n=number),
            INCIDENT_LINE_LABEL_EN.format(n=number),
        )
    return ROW_LABEL.format(n=number), ROW_LABEL_EN.format(n=number)


def _line_problems(
    question: Question,
    value: object,
    required: bool,
    answers: Mapping[str, object],
    today: date | None,
) -> Iterator[tuple[str, str, Params, str, str]]:
    """(code, rule, params, label suffix vi, label suffix en) for list answers."""
    lines = [] if _blank(value) else value
    if not isinstance(lines, list | tuple):
        yield question.code, "not_list", {"value": value}, "", ""
        return
    if len(lines) < question.min_items:
        rule = "operators_min" if question.kind == "operators" else "lines_min"
        params = {"count": len(lines), "min": question.min_items}
        yield question.code, rule, params, "", ""
    elif not lines and required:
        yield question.code, "required", {}, "", ""
    if question.max_items and len(lines) > question.max_items:
        params = {"count": len(lines), "max": question.max_items}
        yield question.code, "lines_max", params, "", ""
    columns = {column.code: column for column in question.columns}
    for number, line in enumerate(lines, start=1):
        slot_vi, slot_en = _slot_labels(question, number)
        line_code = f"{question.code}[{number}]"
        if not isinstance(line, Mapping):
            yield line_code, "not_line", {"value": line}, slot_vi, slot_en
            continue
        scope = {**answers, **line}
        for column in question.columns:
            for rule, params in _value_problems(
                column, line.get(column.code), scope, columns, today
            ):
                yield (
                    f"{line_code}.{column.code}",
                    rule,
                    params,
                    f"{slot_vi} – {column.text}",
                    f"{slot_en} – {column.text_en or column.text}",
                )
        if question.kind == "repeat":
            for key in line:
                if key not in columns:
                    yield (
                        f"{line_code}",
                        "unknown_column",
                        {"key": str(key)},
                        slot_vi,
                        slot_en,
                    )


def _value_problems(
    question: Question,
    value: object,
    answers: Mapping[str, object],
    questions: Mapping[str, Question],
    today: date | None,
) -> Iterator[tuple[str, Params]]:
    """(rule, params) for one scalar value (a question or a column)."""
    if question.relevant:
        shown = _holds(question.relevant, answers, None, today)
        if isinstance(shown, expressions.ExpressionError):
            yield "expression_error", _expression_problem(question.relevant, shown)
        elif not shown:
            return
    if question.kind == "note":
        return
    if _unanswered(question, value):
        required = question.required
        if not required and question.required_expr:
            result = _holds(question.required_expr, answers, None, today)
            if isinstance(result, expressions.ExpressionError):
                yield (
                    "expression_error",
                    _expression_problem(question.required_expr, result),
                )
                return
            required = result
        if required:
            yield (
                "required",
                _custom(
                    question.required_message,
                    question.required_message_en,
                    answers,
                    questions,
                ),
            )
        return
    wrong = _check_value(question, value)
    if wrong:
        yield from wrong
        return
    if question.constraint:
        yield from _constraint_problems(question, value, answers, questions, today)


def _custom(
    message_vi: str,
    message_en: str,
    answers: Mapping[str, object],
    questions: Mapping[str, Question],
) -> Params:
    params: Params = {}
    if message_vi:
        params["message_vi"] = _interpolate(message_vi, answers, questions)
    if message_en:
        params["message_en"] = _interpolate(message_en, answers, questions)
    return params


def _usable(question: Question | None, value: object) -> bool:
    """An answer a constraint may read: answered, with the right type."""
    if question is None:
        return not _blank(value)
    if question.kind in LINE_KINDS or question.kind == "note":
        return True
    return not _unanswered(question, value) and not _check_value(question, value)


def _constraint_problems(
    question: Question,
    value: object,
    answers: Mapping[str, object],
    questions: Mapping[str, Question],
    today: date | None,
) -> Iterator[tuple[str, Params]]:
    try:
        tree = _parsed(question.constraint)
    except expressions.ExpressionError as error:
        yield "expression_error", _expression_problem(question.constraint, error)
        return
    for name in expressions.names(tree):
        if name != question.code and not _usable(
            questions.get(name), answers.get(name)
        ):
            return
    result = _holds(question.constraint, answers, value, today)
    if isinstance(result, expressions.ExpressionError):
        yield "expression_error", _expression_problem(question.constraint, result)
    elif not result:
        params = _custom(
            question.constraint_message,
            question.constraint_message_en,
            {**answers, question.code: value},
            questions,
        )
        params["constraint"] = question.constraint
        yield "constraint", params


# ---------------------------------------------------------------- validate ---


def _labels(question: Question) -> tuple[str, str]:
    ref = question.ref
    if ref == question.code and "." not in ref:
        # a name without the paper's numbering ("endpoints"): the printed
        # bullet if any, else the text alone
        ref = question.bullet.rstrip(".")
    if not ref:
        return question.label, question.text_en or question.label
    return (
        f"{ref} – {question.label}",
        f"{ref} – {question.text_en or question.label}",
    )


def validate(
    form: FormDefinition, answers: Mapping[str, object], today: date | None = None
) -> list[Problem]:
    """Every problem with ``answers`` to ``form``, in the form's order."""
    questions = form.questions()
    by_code = {q.code: q for q in questions}
    shown, effective, errors = _visibility(form, answers, today)
    found: list[Problem] = []
    broken = dict(errors)
    for question in questions:
        label, label_en = _labels(question)
        if question.code in broken:
            found.append(
                Problem(
                    question.code,
                    "expression_error",
                    broken[question.code],
                    label,
                    label_en,
                )
            )
        if question.code not in shown:
            continue
        value = effective.get(question.code)
        if question.kind in LINE_KINDS:
            required = question.required
            if not required and question.required_expr:
                result = _holds(question.required_expr, effective, None, today)
                required = result is True
            for code, rule, params, suffix, suffix_en in _line_problems(
                question, value, required, effective, today
            ):
                full = f"{label} – {suffix}" if suffix else label
                full_en = f"{label_en} – {suffix_en}" if suffix_en else label_en
                found.append(Problem(code, rule, params, full, full_en))
            continue
        plain = question
        if question.relevant:  # already decided by _visibility
            plain = _without_relevant(question)
        for rule, params in _value_problems(plain, value, effective, by_code, today):
            found.append(Problem(question.code, rule, params, label, label_en))
    for key in answers:
        question = by_code.get(key) if isinstance(key, str) else None
        if question is None or question.kind == "note":
            code = str(key)
            found.append(Problem(code, "unknown_question", {"code": code}))
    return found


def _without_relevant(question: Question) -> Question:
    import dataclasses

    return dataclasses.replace(question, relevant="")


def check_answer(
    form: FormDefinition,
    code: str,
    value: object,
    answers: Mapping[str, object],
    today: date | None = None,
) -> list[Problem]:
    """The problems of question ``code`` if it were answered ``value``.

    ``answers`` are the other answers (the form as being filled in); only
    problems of this one question are returned (lines included), [] when it
    is hidden.
    """
    merged = {**answers, code: value}
    return [
        problem
        for problem in validate(form, merged, today)
        if problem.question_code == code
    ]


def is_valid(form: FormDefinition, answers: Mapping[str, object]) -> bool:
    """True when :func:`validate` finds nothing."""
    return not validate(form, answers)
