"""The mapping expression language: a small, safe set, parsed once, never ``eval``-ed.

::

    expression := call | string | number | true | false | null | column
    call       := name "(" [expression ("," expression)*] ")"
    column     := a name (letters, digits, _ . $) or a `back-quoted name`
    string     := "double" or 'single' quoted, with backslash escapes

Functions and their arity: ``concat(a, b, ...)`` (1+), ``lower(x)``, ``upper(x)``, ``trim(x)``,
``to_integer(x)``, ``to_float(x)``, ``to_bool(x)``, ``date(value, format)`` where ``format`` is
a string constant in Java's pattern letters (``yyyy-MM-dd HH:mm:ss``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["FUNCTIONS", "Call", "Column", "Constant", "Expression", "ExpressionError", "parse"]

# name → (minimum args, maximum args or None for any)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "concat": (1, None),
    "lower": (1, 1),
    "upper": (1, 1),
    "trim": (1, 1),
    "to_integer": (1, 1),
    "to_float": (1, 1),
    "to_bool": (1, 1),
    "date": (2, 2),
}
MAX_LENGTH = 4096
MAX_DEPTH = 16

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<quoted>`[^`]+`)
      | (?P<name>[A-Za-z_$][\w.$]*)
      | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)


class ExpressionError(ValueError):
    """The expression does not parse or check; the message says where and why."""


@dataclass(frozen=True)
class Constant:
    value: Any


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Expression, ...]


Expression = Constant | Column | Call


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(
                f"unexpected character at position {position}: {text[position]!r}"
            )
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _unescape(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends too early")
        self.at += 1
        return token

    def expression(self, depth: int = 0) -> Expression:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"calls are nested deeper than {MAX_DEPTH} levels")
        kind, text = self.take()
        if kind == "string":
            return Constant(_unescape(text))
        if kind == "number":
            return Constant(float(text) if any(c in text for c in ".eE") else int(text))
        if kind == "quoted":
            return Column(text[1:-1])
        if kind == "name":
            following = self.peek()
            if following == ("punct", "("):
                return self.call(text, depth)
            literals = {"true": True, "false": False, "null": None}
            return Constant(literals[text.lower()]) if text.lower() in literals else Column(text)
        raise ExpressionError(f"unexpected {text!r}")

    def call(self, name: str, depth: int) -> Call:
        function = name.lower()
        if function not in FUNCTIONS:
            raise ExpressionError(f"unknown function {name}(); use {', '.join(FUNCTIONS)}")
        self.take()  # "("
        args: list[Expression] = []
        if self.peek() != ("punct", ")"):
            args.append(self.expression(depth + 1))
            while self.peek() == ("punct", ","):
                self.take()
                args.append(self.expression(depth + 1))
        if self.take() != ("punct", ")"):
            raise ExpressionError(f"{name}( is not closed with )")
        low, high = FUNCTIONS[function]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f"{low}" if low == high else f"at least {low}"
            raise ExpressionError(f"{function}() takes {wanted} argument(s), got {len(args)}")
        if function == "date" and not (
            isinstance(args[1], Constant) and isinstance(args[1].value, str)
        ):
            raise ExpressionError('date()\'s format must be a string constant, e.g. "yyyy-MM-dd"')
        return Call(function, tuple(args))


def parse(text: str) -> Expression:
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    parser = _Parser(_tokens(text))
    expression = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected {parser.peek()[1]!r} after the expression")  # type: ignore[index]
    return expression


def columns(expression: Expression) -> set[str]:
    """The source columns an expression reads."""
    if isinstance(expression, Column):
        return {expression.name}
    if isinstance(expression, Call):
        return set().union(*(columns(a) for a in expression.args))
    return set()
