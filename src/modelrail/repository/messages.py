"""How messages show values: YAML's reading of them, cut to a readable size."""

from __future__ import annotations


def cut(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters: a value may be 1 MiB long."""
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def short(value: object, limit: int = 60) -> str:
    """``repr`` of a value, cut for messages."""
    return cut(repr(value), limit)


def describe(value: object) -> str:
    """What YAML read a value as: 'the boolean false', 'the number 3.1'..."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, int):
        return f"the integer {short(value)}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the string {short(value)}"
