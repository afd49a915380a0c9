"""The XLSForm (XPath) expression subset of the form versions.

``constraint``, ``relevant`` and ``required`` cells of an XLSForm are small
XPath expressions.  This module tokenizes, parses (recursive descent) and
evaluates the subset we support; nothing is ever handed to Python's ``eval``
and no name is looked up anywhere but in the answers.

Supported:

* ``.`` (the answer being checked), ``${name}`` (another question's answer),
  numbers (``12``, ``1.5``), strings (``'a'`` or ``"a"``), parentheses;
* ``+ - * div mod``, unary ``-``, ``= != < <= > >=``, ``and``, ``or``;
* functions ``not(x)``, ``regex(x, 'pattern')``, ``string-length(x)``
  (``string-length()`` = of ``.``), ``selected(x, 'value')``,
  ``count-selected(x)``, ``today()``, ``true()``, ``false()``.

Anything else raises :class:`ExpressionError` naming the token and its
position (0-based character offset).  Limits: :data:`MAX_LENGTH` characters,
:data:`MAX_DEPTH` levels of nesting, :data:`MAX_OPERATORS` operators; a
``regex`` pattern must be a string literal of at most :data:`MAX_PATTERN`
characters, without back-references, and without a repeated part that
itself contains a repetition or an alternative (``(a+)+``, ``(ab|cd)*``):
such patterns can take exponential time in Python's backtracking engine, so
they are refused when parsed.

Values (XPath 1.0 semantics, adapted to our answers):

* an unanswered question (``None``, key absent) is the empty string ``''``;
* a yes/no answer (``True``/``False``) is ``'yes'``/``'no'`` (the names of the
  ``yesno`` choice list); a ``select_multiple`` answer is its list of values
  (``'a b'`` when used as a string); a date is its ISO text ``'YYYY-MM-DD'``;
* comparing with a number converts the other side to a number; a string that
  is not a number (the empty string included) is NaN, and every comparison
  with NaN is false except ``!=``.  So ``. > 5`` is false for an empty answer
  and ``${x} = ''`` is true for an unanswered ``x``;
* an ISO date (``'2026-12-02'``, ``today()``) becomes a number of days since
  1970-01-01 in arithmetic and ``< <= > >=`` comparisons, so
  ``. <= today()`` and ``${end} >= ${start}`` compare dates;
* ``div`` by zero gives ±Infinity or NaN, ``mod`` truncates like XPath;
* ``and``/``or`` evaluate their right side only when needed.

:func:`evaluate` returns a Python value (bool, float, str or list);
:func:`truthy` gives its XPath boolean value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

try:  # Python 3.11+
    import re._parser as _sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_OPERATORS = 150
MAX_PATTERN = 200
MAX_REGEX_INPUT = 20000

FUNCTIONS: dict[str, tuple[int, int]] = {
    # name -> (least, most) number of arguments
    "not": (1, 1),
    "regex": (2, 2),
    "string-length": (0, 1),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "today": (0, 0),
    "true": (0, 0),
    "false": (0, 0),
}
_KEYWORDS = ("and", "or", "div", "mod")
_PUNCTUATION = {
    "(": "lparen",
    ")": "rparen",
    ",": "comma",
    **dict.fromkeys("+-*=<>", "op"),
}
_EPOCH = date(1970, 1, 1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_TEXT = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_REF = re.compile(r"\$\{([^{}\s]*)\}")
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


class ExpressionError(ValueError):
    """A text that is not an expression of the supported subset.

    ``position`` is the 0-based character offset of the offending token
    (``None`` when the problem is not tied to one); ``message`` is English,
    ``message_vi`` Vietnamese.
    """

    def __init__(self, message: str, message_vi: str, position: int | None = None):
        where = f" (position {position + 1})" if position is not None else ""
        where_vi = f" (vị trí {position + 1})" if position is not None else ""
        super().__init__(message + where)
        self.message = message + where
        self.message_vi = message_vi + where_vi
        self.position = position


# ------------------------------------------------------------------ tokens ---


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, ref, dot, op, name, lparen, rparen, comma, end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (ExpressionError on anything unknown)."""
    if not isinstance(text, str):
        raise ExpressionError(
            "An expression must be a text.", "Biểu thức phải là văn bản."
        )
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"The expression is longer than {MAX_LENGTH} characters.",
            f"Biểu thức dài hơn {MAX_LENGTH} ký tự.",
        )
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char == "$":
            match = _REF.match(text, i)
            if not match or not _valid_name(match.group(1)):
                raise ExpressionError(
                    f"Bad reference {_snippet(text, i)!r}: write ${{name}} with the "
                    "name of a question.",
                    f"Tham chiếu sai {_snippet(text, i)!r}: phải viết ${{tên}} với tên "
                    "của một câu hỏi.",
                    i,
                )
            tokens.append(Token("ref", match.group(1), i))
            i = match.end()
            continue
        if char in "'\"":
            end = text.find(char, i + 1)
            if end < 0:
                raise ExpressionError(
                    "Unterminated string.", "Chuỗi ký tự không được đóng.", i
                )
            tokens.append(Token("string", text[i + 1 : end], i))
            i = end + 1
            continue
        if char.isdigit() or (char == "." and i + 1 < n and text[i + 1].isdigit()):
            match = re.compile(r"\d*\.?\d*").match(text, i)
            assert match is not None
            tokens.append(Token("number", match.group(0), i))
            i = match.end()
            continue
        if char == ".":
            if text.startswith("..", i):
                raise _unsupported("..", i)
            tokens.append(Token("dot", ".", i))
            i += 1
            continue
        two = text[i : i + 2]
        if two in ("!=", "<=", ">="):
            tokens.append(Token("op", two, i))
            i += 2
            continue

        if char in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[char], char, i))
            i += 1
            continue
        match = _FUNCTION_NAME.match(text, i)
        if match:
            word = match.group(0)
            # "a-b": the hyphen belongs to the name only for function names
            if word not in FUNCTIONS and "-" in word:
                word = word.split("-", 1)[0]
            tokens.append(Token("name", word, i))
            i += len(word)
            continue
        raise _unsupported(char, i)
    tokens.append(Token("end", "", n))
    return tokens


def _snippet(text: str, i: int) -> str:
    return text[i : i + 20]


def _valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


def _unsupported(token: str, position: int) -> ExpressionError:
    return ExpressionError(
        f"Unsupported {token!r} in the expression.",
        f"Không hỗ trợ {token!r} trong biểu thức.",
        position,
    )


# ------------------------------------------------------------------- nodes ---


class Expr:
    """A parsed expression (a tree of the node classes below)."""

    def children(self) -> tuple[Expr, ...]:
        return ()


@dataclass(frozen=True)
class Number(Expr):
    value: float


@dataclass(frozen=True)
class String(Expr):
    value: str


@dataclass(frozen=True)
class Ref(Expr):
    name: str
    position: int = 0


@dataclass(frozen=True)
class Current(Expr):
    pass


@dataclass(frozen=True)
class Negate(Expr):
    operand: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
    pattern: Any = None  # the compiled regex of regex()

    def children(self) -> tuple[Expr, ...]:
        return self.args


# ------------------------------------------------------------------ parser ---


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.operators = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, what: str, what_vi: str) -> Token:
        token = self.token
        if token.kind != kind:
            raise _expected(what, what_vi, token)
        return self.advance()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"The expression is nested more than {MAX_DEPTH} levels deep.",
                f"Biểu thức lồng nhau quá {MAX_DEPTH} cấp.",
                self.token.position,
            )

    def parse(self) -> Expr:
        if self.token.kind == "end":
            raise ExpressionError("The expression is empty.", "Biểu thức trống.", 0)
        expr = self.parse_or()
        if self.token.kind != "end":
            raise _expected(
                "an operator or the end", "một phép toán hoặc kết thúc", self.token
            )
        return expr

    def _binary(self, ops: tuple[str, ...], next_level: Callable[[], Expr]) -> Expr:
        left = next_level()
        while self._is_op(ops):
            token = self.advance()
            self.operators += 1
            if self.operators > MAX_OPERATORS:
                raise ExpressionError(
                    f"The expression has more than {MAX_OPERATORS} operators.",
                    f"Biểu thức có quá {MAX_OPERATORS} phép toán.",
                    token.position,
                )
            self.enter()
            right = next_level()
            self.depth -= 1
            left = Binary(token.text, left, right)
        return left

    def _is_op(self, ops: tuple[str, ...]) -> bool:
        token = self.token
        return (token.kind == "op" or token.kind == "name") and token.text in ops

    def parse_or(self) -> Expr:
        return self._binary(("or",), self.parse_and)

    def parse_and(self) -> Expr:
        return self._binary(("and",), self.parse_equality)

    def parse_equality(self) -> Expr:
        return self._binary(("=", "!="), self.parse_relational)

    def parse_relational(self) -> Expr:
        return self._binary(("<", "<=", ">", ">="), self.parse_additive)

    def parse_additive(self) -> Expr:
        return self._binary(("+", "-"), self.parse_multiplicative)

    def parse_multiplicative(self) -> Expr:
        return self._binary(("*", "div", "mod"), self.parse_unary)

    def parse_unary(self) -> Expr:
        if self.token.kind == "op" and self.token.text == "-":
            self.advance()
            self.enter()
            operand = self.parse_unary()
            self.depth -= 1
            return Negate(operand)
        return self.parse_primary()

    def parse_primary(self) -> Expr:
        token = self.token
        if token.kind == "number":
            self.advance()
            return Number(float(token.text))
        if token.kind == "string":
            self.advance()
            return String(token.text)
        if token.kind == "ref":
            self.advance()
            return Ref(token.text, token.position)
        if token.kind == "dot":
            self.advance()
            return Current()
        if token.kind == "lparen":
            self.advance()
            self.enter()
            inner = self.parse_or()
            self.depth -= 1
            self.expect("rparen", "')'", "')'")
            return inner
        if token.kind == "name":
            return self.parse_call()
        raise _expected("a value", "một giá trị", token)

    def parse_call(self) -> Expr:
        token = self.advance()
        name = token.text
        if name in _KEYWORDS:
            raise _expected("a value", "một giá trị", token)
        if self.token.kind != "lparen":
            raise ExpressionError(
                f"Unsupported name {name!r}: refer to a question as ${{{name}}}.",
                f"Không hỗ trợ tên {name!r}: tham chiếu câu hỏi phải viết ${{{name}}}.",
                token.position,
            )
        if name not in FUNCTIONS:
            raise ExpressionError(
                f"Unsupported function {name}(); supported: "
                f"{', '.join(f + '()' for f in FUNCTIONS)}.",
                f"Không hỗ trợ hàm {name}(); các hàm được hỗ trợ: "
                f"{', '.join(f + '()' for f in FUNCTIONS)}.",
                token.position,
            )
        self.advance()
        self.enter()
        args: list[Expr] = []
        if self.token.kind != "rparen":
            args.append(self.parse_or())
            while self.token.kind == "comma":
                self.advance()
                args.append(self.parse_or())
        self.expect("rparen", "')'", "')'")
        self.depth -= 1
        least, most = FUNCTIONS[name]
        if not least <= len(args) <= most:
            raise ExpressionError(
                f"{name}() takes {least if least == most else f'{least} to {most}'} "
                f"argument(s), not {len(args)}.",
                f"Hàm {name}() cần {least if least == most else f'{least} đến {most}'} "
                f"đối số, không phải {len(args)}.",
                token.position,
            )
        if name == "regex":
            return Call(name, tuple(args), _compile_pattern(args[1], token.position))
        return Call(name, tuple(args))


def _expected(what: str, what_vi: str, token: Token) -> ExpressionError:
    found = repr(token.text) if token.kind != "end" else "the end"
    found_vi = repr(token.text) if token.kind != "end" else "kết thúc biểu thức"
    return ExpressionError(
        f"Expected {what}, found {found}.",
        f"Cần {what_vi}, nhưng gặp {found_vi}.",
        token.position,
    )


def _compile_pattern(arg: Expr, position: int) -> re.Pattern[str]:
    if not isinstance(arg, String):
        raise ExpressionError(
            "The pattern of regex() must be a quoted text.",
            "Mẫu của hàm regex() phải là một chuỗi trong dấu nháy.",
            position,
        )
    pattern = arg.value
    if len(pattern) > MAX_PATTERN:
        raise ExpressionError(
            f"The regex() pattern is longer than {MAX_PATTERN} characters.",
            f"Mẫu regex() dài hơn {MAX_PATTERN} ký tự.",
            position,
        )
    try:
        tree = _sre_parse.parse(pattern)
        _check_pattern(tree, inside_repeat=False)
        return re.compile(pattern)
    except ExpressionError as error:
        raise ExpressionError(error.message, error.message_vi, position) from None
    except (re.error, RecursionError, OverflowError, ValueError) as error:
        raise ExpressionError(
            f"Invalid regex() pattern: {error}.",
            f"Mẫu regex() không hợp lệ: {error}.",
            position,
        ) from None


_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _check_pattern(tree: Any, inside_repeat: bool) -> None:
    """Refuse back-references and repeats of repeats / alternatives."""
    for op, arg in tree:
        name = str(op)
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            raise ExpressionError(
                "Back-references are not allowed in regex().",
                "Không cho phép tham chiếu ngược trong regex().",
            )
        if name in _REPEATS:
            if inside_repeat:
                raise _nested_repeat()
            _check_pattern(arg[2], inside_repeat=True)
        elif name == "BRANCH":
            if inside_repeat:
                raise _nested_repeat()
            for branch in arg[1]:
                _check_pattern(branch, inside_repeat)
        elif name == "SUBPATTERN":
            _check_pattern(arg[-1], inside_repeat)
        elif name in ("ASSERT", "ASSERT_NOT", "ATOMIC_GROUP"):
            _check_pattern(arg[-1], inside_repeat)


def _nested_repeat() -> ExpressionError:
    return ExpressionError(
        "regex() patterns may not repeat a part that itself repeats or has "
        "alternatives (such as (a+)+ or (ab|cd)*): they can run for a very long time.",
        "Mẫu regex() không được lặp một phần đã có lặp hoặc lựa chọn (như (a+)+ "
        "hoặc (ab|cd)*): mẫu như vậy có thể chạy rất lâu.",
    )


def parse(text: str) -> Expr:
    """The expression tree of ``text`` (raises :class:`ExpressionError`)."""
    try:
        return _Parser(text).parse()
    except RecursionError:  # pragma: no cover - guarded by MAX_DEPTH
        raise ExpressionError(
            "The expression is nested too deeply.", "Biểu thức lồng nhau quá sâu."
        ) from None


def _walk(expr: Expr) -> Iterator[Expr]:
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


def names(expr: Expr | str) -> tuple[str, ...]:
    """The ``${...}`` names referenced by ``expr``, in order, without repeats."""
    tree = parse(expr) if isinstance(expr, str) else expr
    found: list[str] = []
    for node in _walk(tree):
        if isinstance(node, Ref) and node.name not in found:
            found.append(node.name)
    return tuple(found)


def uses_current(expr: Expr | str) -> bool:
    """True when ``expr`` reads ``.`` (string-length() included)."""
    tree = parse(expr) if isinstance(expr, str) else expr
    return any(
        isinstance(node, Current)
        or (isinstance(node, Call) and node.name == "string-length" and not node.args)
        for node in _walk(tree)
    )


# --------------------------------------------------------------- evaluator ---

Value = bool | float | str | list[str] | date


def _value(raw: object) -> Value:
    """An answer as an expression value (see the module docstring)."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, int):
        return _int_to_float(raw)
    if isinstance(raw, float):
        return raw
    if isinstance(raw, str):
        return raw
    if isinstance(raw, date):
        return raw.isoformat()[:10]
    if isinstance(raw, list | tuple):
        return [str(item) for item in raw if isinstance(item, str | int | float)]
    return ""  # dicts (repeats) and anything else: no scalar value


def _int_to_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def to_number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, date):
        return float((value - _EPOCH).days)
    if isinstance(value, list):
        value = " ".join(value)
    text = value.strip()
    if _ISO_DATE.match(text):
        try:
            return float((date.fromisoformat(text) - _EPOCH).days)
        except ValueError:
            return math.nan
    if _NUMBER_TEXT.match(text):
        return float(text)
    return math.nan


def to_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return " ".join(value)
    return value


def truthy(value: Value) -> bool:
    """The XPath boolean of a value."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not math.isnan(value) and value != 0
    if isinstance(value, date):
        return True
    return len(value) > 0


def _to_list(value: Value) -> list[str]:
    if isinstance(value, list):
        return value
    return to_string(value).split()


def _compare(op: str, left: Value, right: Value) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        a, b = truthy(left), truthy(right)
        return _relation(op, float(a), float(b))
    if (
        op in ("=", "!=")
        and not isinstance(left, float)
        and not isinstance(right, float)
    ):
        equal = to_string(left) == to_string(right)
        return equal if op == "=" else not equal
    return _relation(op, to_number(left), to_number(right))


def _relation(op: str, a: float, b: float) -> bool:
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _arithmetic(op: str, a: float, b: float) -> float:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "div":
            if b == 0:
                if math.isnan(a) or a == 0:
                    return math.nan
                return math.copysign(math.inf, a) * math.copysign(1.0, b)
            return a / b
        # mod: sign of the dividend, like XPath
        if b == 0 or math.isinf(a) or math.isnan(b):
            return math.nan
        return math.fmod(a, b)
    except (OverflowError, ValueError):
        return math.nan


class _Evaluator:
    def __init__(
        self, answers: Mapping[str, object], current: object, today: date | None
    ):
        self.answers = answers
        self.current = _value(current)
        self.today = today

    def eval(self, node: Expr) -> Value:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, String):
            return node.value
        if isinstance(node, Current):
            return self.current
        if isinstance(node, Ref):
            return _value(self.answers.get(node.name))
        if isinstance(node, Negate):
            return -to_number(self.eval(node.operand))
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise ExpressionError("Unknown expression.", "Biểu thức không xác định.")

    def binary(self, node: Binary) -> Value:
        op = node.op
        if op == "or":
            return truthy(self.eval(node.left)) or truthy(self.eval(node.right))
        if op == "and":
            return truthy(self.eval(node.left)) and truthy(self.eval(node.right))
        left, right = self.eval(node.left), self.eval(node.right)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(op, left, right)
        return _arithmetic(op, to_number(left), to_number(right))

    def call(self, node: Call) -> Value:
        name = node.name
        args = [self.eval(arg) for arg in node.args]
        if name == "not":
            return not truthy(args[0])
        if name == "true":
            return True
        if name == "false":
            return False
        if name == "today":
            return (self.today or date.today()).isoformat()
        if name == "string-length":
            return float(len(to_string(args[0] if args else self.current)))
        if name == "count-selected":
            return float(len(_to_list(args[0])))
        if name == "selected":
            return to_string(args[1]) in _to_list(args[0])
        # regex
        text = to_string(args[0])
        if len(text) > MAX_REGEX_INPUT:
            return False
        return node.pattern.search(text) is not None


def evaluate(
    expr: Expr | str,
    answers: Mapping[str, object],
    current: object = None,
    today: date | None = None,
) -> Value:
    """The value of ``expr`` for ``answers`` (``current`` is ``.``).

    Raises only :class:`ExpressionError` (for a text that does not parse).
    """
    tree = parse(expr) if isinstance(expr, str) else expr
    return _Evaluator(answers, current, today).eval(tree)


def holds(
    expr: Expr | str,
    answers: Mapping[str, object],
    current: object = None,
    today: date | None = None,
) -> bool:
    """The XPath boolean of :func:`evaluate`."""
    return truthy(evaluate(expr, answers, current, today))
