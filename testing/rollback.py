"""A rollback written by hand, as text edits of a spec (issue 17): what
``modelrail rollback`` is to write, for the tests of what renders and what
the rules say before that command exists.

A rollback puts back, text for text, the ``spec.model`` mapping and the
``serving.image`` line a version had where it ran (``restore``), declares
itself (``declare``: ``rollback.revert``) and, for KServe, moves
``rollout.currentStep`` (``current_step``). Text in, text out.
"""

from __future__ import annotations

import re

REASON = "INC-2291: p95 latency doubled at the 50 % step"
AT = "2026-11-12T09:30:00Z"
_SIBLING = re.compile(r"^  \S")  # a key of spec (two spaces in)


def section(text: str, key: str) -> str:
    """The lines of ``spec.<key>`` (its key line and everything under it)."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"  {key}:\n")
    end = next(
        (i for i in range(start + 1, len(lines)) if _SIBLING.match(lines[i])),
        len(lines),
    )
    return "".join(lines[start:end])


def image_line(text: str) -> str:
    """The ``serving.image`` line."""
    (line,) = [x for x in text.splitlines(keepends=True) if x.startswith("    image: ")]
    return line


def restore(text: str, ran: str) -> str:
    """``text`` with the ``spec.model`` mapping and the ``serving.image`` line
    of ``ran`` (the spec where the version ran) put back, exactly."""
    for old, new in (
        (section(text, "model"), section(ran, "model")),
        (image_line(text), image_line(ran)),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def declare(text: str, version: str, *, reason: str = REASON, at: str = AT) -> str:
    """``text`` with ``rollback.revert`` declaring a rollback from ``version``."""
    head = "  rollback:\n"
    assert text.count(head) == 1
    revert = f'    revert: {{from: "{version}", reason: "{reason}", at: "{at}"}}\n'
    return text.replace(head, head + revert)


def current_step(text: str, step: int | None) -> str:
    """``text`` with ``rollout.currentStep`` set to ``step`` (None removes it)."""
    text = re.sub(r"(?m)^    currentStep: .*\n", "", text)
    if step is None:
        return text
    head = "    strategy: canary\n"
    assert text.count(head) == 1
    return text.replace(head, f"{head}    currentStep: {step}\n")


def previous_version(text: str, version: str) -> str:
    """``text`` with ``rollback.previousVersion`` set to ``version``."""
    new, count = re.subn(
        r'(?m)^    previousVersion: "[^"]*"', f'    previousVersion: "{version}"', text
    )
    assert count == 1
    return new
