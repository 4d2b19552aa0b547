"""Argo Rollouts analysis conditions, evaluated as the controller does.

An AnalysisTemplate metric has a ``successCondition`` and a
``failureCondition`` written in the expr language (github.com/expr-lang/expr)
over ``result``, the provider's answer (for Prometheus, the list of sample
values of the query's vector). :func:`phase` combines them the way Argo
Rollouts' ``EvaluateResult`` does: failure wins, success needs its condition,
neither is *inconclusive*, an evaluation error is *error*.

Only the subset of the language a metric condition needs is read: numbers,
``true``/``false``/``nil``, ``result``, indexing, the functions ``len``,
``isNaN``, ``isInf``, ``asFloat`` and ``asInt``, arithmetic, comparisons,
``!``/``not``, ``&&``/``and`` and ``||``/``or`` (short-circuit), with expr's
operator precedence. Anything else is a :class:`ConditionError`, never
``eval``: the conditions come from files in a pull request.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>&&|\|\||==|!=|<=|>=|[-+*/%<>!()\[\],]))"
)
# expr's precedences (higher binds tighter); unary ! and not sit above the
# comparisons, so ``!a == b`` is ``(!a) == b`` as in expr
_BINARY = {
    "or": 10, "||": 10, "and": 15, "&&": 15,
    "==": 20, "!=": 20, "<": 20, ">": 20, "<=": 20, ">=": 20,
    "+": 30, "-": 30, "*": 60, "/": 60, "%": 60,
}  # fmt: skip
_UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
_KEYWORDS = {"true": True, "false": False, "nil": None}


class Phase(StrEnum):
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    INCONCLUSIVE = "Inconclusive"
    ERROR = "Error"


class ConditionError(ValueError):
    """A condition this evaluator cannot read, or that fails on the result."""


def phase(result: Any, success: str | None, failure: str | None) -> Phase:
    """The phase of one measurement, as Argo Rollouts decides it."""
    try:
        passed = bool(success) and _truth(evaluate(success or "", result))
        failed = bool(failure) and _truth(evaluate(failure or "", result))
    except ConditionError:
        return Phase.ERROR
    if not success and not failure:
        return Phase.SUCCESSFUL
    if success and not failure:
        failed = not passed
    elif failure and not success:
        passed = not failed
    if failed:
        return Phase.FAILED
    return Phase.SUCCESSFUL if passed else Phase.INCONCLUSIVE


def evaluate(condition: str, result: Any) -> Any:
    """The value of ``condition`` with ``result`` bound."""
    return _run(condition, result, dry=False)


def check(condition: str) -> None:
    """Raise :class:`ConditionError` when ``condition`` cannot be read (as
    expr's compiler would: syntax, unknown names, argument counts)."""
    _run(condition, None, dry=True)


def _run(condition: str, result: Any, *, dry: bool) -> Any:
    try:
        parser = _Parser(_tokens(condition), result, dry=dry)
        value = parser.expression(0)
        if parser.peek() is not None:
            raise ConditionError(f"unexpected {parser.peek()!r} in {condition!r}")
    except ConditionError:
        raise
    except (ArithmeticError, ValueError, RecursionError) as exc:
        raise ConditionError(f"{condition!r}: {exc}") from None
    return value


def _truth(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConditionError(f"expected bool, but got {type(value).__name__}")
    return value


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ConditionError(f"cannot read {text[pos:]!r}")
        out.append(match.group(match.lastgroup or "op"))
        pos = match.end()
    return out


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConditionError(f"{value!r} is not a number")
    return float(value)


_FUNCTIONS = frozenset({"len", "isNaN", "isInf", "asFloat", "asInt"})


def _signature(name: str, args: list[Any]) -> None:
    if name not in _FUNCTIONS:
        raise ConditionError(f"unknown function {name}()")
    if len(args) != 1:
        raise ConditionError(f"{name}() takes one argument, not {len(args)}")


def _function(name: str, args: list[Any]) -> Any:
    _signature(name, args)
    (arg,) = args
    if name == "len":
        if not isinstance(arg, (list, str, dict)):
            raise ConditionError(f"len() of {type(arg).__name__}")
        return len(arg)
    if name == "isNaN":
        return math.isnan(_number(arg))
    if name == "isInf":
        return math.isinf(_number(arg))
    if isinstance(arg, bool):
        raise ConditionError(f"{name}() of a bool")
    try:
        value = float(arg)
        return value if name == "asFloat" else int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConditionError(f"{name}({arg!r})") from exc


class _Parser:
    """Precedence climbing that evaluates as it goes; ``&&``/``||`` skip their
    right side (parsed in dry mode) when the left decides."""

    def __init__(self, tokens: list[str], result: Any, *, dry: bool = False) -> None:
        self.tokens = tokens
        self.pos = 0
        self.result = result
        self.dry = dry

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, wanted: str | None = None) -> str:
        token = self.peek()
        if token is None or (wanted is not None and token != wanted):
            raise ConditionError(f"expected {wanted or 'more'}, found {token!r}")
        self.pos += 1
        return token

    def expression(self, floor: int) -> Any:
        left = self.unary()
        while (op := self.peek()) in _BINARY and _BINARY[op] > floor:
            self.take()
            if op in ("&&", "and", "||", "or"):
                decided = not self.dry and _truth(left) == (op in ("||", "or"))
                was, self.dry = self.dry, self.dry or decided
                right = self.expression(_BINARY[op])
                self.dry = was
                left = None if self.dry else (left if decided else _truth(right))
            else:
                right = self.expression(_BINARY[op])
                left = None if self.dry else self.binary(op, left, right)
        return left

    def unary(self) -> Any:
        token = self.peek()
        if token in _UNARY:
            self.take()
            operand = self.expression(_UNARY[token] - 1)
            if self.dry:
                return None
            if token in ("!", "not"):
                return not _truth(operand)
            _number(operand)
            return -operand if token == "-" else operand
        return self.postfix(self.primary())

    def primary(self) -> Any:
        token = self.take()
        if token == "(":
            value = self.expression(0)
            self.take(")")
            return value
        if token[0].isdigit() or token[0] == ".":
            return float(token) if any(c in token for c in ".eE") else int(token)
        if token in _KEYWORDS:
            return _KEYWORDS[token]
        if token == "result":
            return self.result
        if token[0].isalpha() or token[0] == "_":
            self.take("(")
            args = [] if self.peek() == ")" else [self.expression(0)]
            while self.peek() == ",":
                self.take()
                args.append(self.expression(0))
            self.take(")")
            if self.dry:
                _signature(token, args)
                return None
            return _function(token, args)
        raise ConditionError(f"unexpected {token!r}")

    def postfix(self, value: Any) -> Any:
        while self.peek() == "[":
            self.take()
            index = self.expression(0)
            self.take("]")
            if self.dry:
                continue
            if not isinstance(value, list) or isinstance(index, bool):
                raise ConditionError(f"cannot index {type(value).__name__}")
            if not isinstance(index, int) or not -len(value) <= index < len(value):
                raise ConditionError(
                    f"index out of range: {index} (array length {len(value)})"
                )
            value = value[index]
        return value

    def binary(self, op: str, left: Any, right: Any) -> Any:
        if op in ("==", "!="):
            # expr: a bool never equals a number; numbers compare by value
            same = isinstance(left, bool) == isinstance(right, bool) and left == right
            return same == (op == "==")
        a, b = _number(left), _number(right)
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op == "<=":
            return a <= b
        if op == ">=":
            return a >= b
        integers = isinstance(left, int) and isinstance(right, int)
        if op == "%":  # integers only, with the sign of the dividend (Go)
            if not integers:
                raise ConditionError("% needs integers")
            if right == 0:
                raise ConditionError("integer divide by zero")
            return int(math.fmod(left, right))
        if op == "/":  # always a float, as in expr
            if b == 0:
                return math.copysign(math.inf, a) if a else math.nan
            return a / b
        # + - * keep integers integers (so an index stays one)
        x, y = (left, right) if integers else (a, b)
        return x + y if op == "+" else x - y if op == "-" else x * y
