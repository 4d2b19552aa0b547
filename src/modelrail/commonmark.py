"""Text from outside, written into Markdown so that it shows as itself.

Every Markdown modelrail writes (the check report, the diff comment, the
promotion's pull-request body, the gate report, the generated policy docs)
puts text it did not write (messages, spec values, registry and Prometheus
answers, file names) through this module, so that text can neither add
markup, HTML, links, images, lines or table cells, nor mention (and notify)
anyone:

- ``escape``: inline text, line breaks kept as ``<br>`` (the check report);
- ``cell``: inline text on one line, whitespace collapsed (a table cell, a
  list item, a heading);
- ``code``: a code span, for values and names;
- ``block``: a fenced code block (a diff, a YAML snippet);
- ``html_text``: text inside an HTML element, where Markdown is not read.

Pure functions of ``str``: this module imports nothing from modelrail, so
any layer may use it (the text and JUnit reporters use its ``printable``).
"""

from __future__ import annotations

import html
import re

CELL = 1000  # characters of one text shown by escape() and cell(), before escaping
# ASCII punctuation Markdown may read as syntax, HTML's < > & and GitHub's
# math delimiter $ included:
# backslash-escaped, which CommonMark shows as the character itself (an entity
# such as &lt; would too, but reads as noise wherever the Markdown is read raw)
_PUNCTUATION = re.compile(r"([\\`*_\[\]#!|~<>&$])")
_MENTION = re.compile(r"(?<!\w)@(?=[\w-])")
MENTION = "@&#8203;"  # @ and a zero-width space: shown as @, mentions no one
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_TICKS = re.compile(r"`+")
# what opens a list item at the start of a line ("- ", "+ ", "1. ", "1) "), or
# draws a rule ("---", "- - -"): escaped at the start of a cell(), whose text
# may follow a list item's "- " (the * of "* " is escaped anyway)
_LIST_MARKER = re.compile(
    r"^(?:[-+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)|-(?=[ \t]*-[ \t]*-[- \t]*$))"
)


def printable(text: str) -> str:
    """Escape control and line-break characters: one finding is one line, so a
    key or value holding a newline or an ANSI escape cannot forge another."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode() for c in text
    )


def escape(text: str, *, limit: int = CELL) -> str:
    """``text`` as inline Markdown that shows exactly that text, on one line:
    cut after ``limit`` characters, each line break a ``<br>``, control
    characters shown escaped (``\\x1b``), Markdown and HTML punctuation
    backslash-escaped, and each ``@`` that would mention someone followed by
    a zero-width space."""
    if len(text) > limit:
        text = text[:limit] + "…"
    out = []
    for part in _LINE_BREAK.split(text):
        part = _PUNCTUATION.sub(r"\\\1", printable(part))
        out.append(_MENTION.sub(MENTION, part))
    return "<br>".join(out)


def flat(text: str) -> str:
    """``text`` on one line: control and line-break characters are spaces,
    each run of whitespace one space, none at either end."""
    return " ".join(_CONTROL.sub(" ", text).split())


def cell(text: str, *, empty: str = "") -> str:
    """``text`` flat and escaped: one table cell (a ``|`` in it is escaped,
    so it never starts another), a list item or a heading. A ``-``, ``+`` or
    ``1.`` at its start is escaped too, so that after a list item's ``- `` it
    does not open a nested list (or, as ``---``, draw a rule). ``empty`` is
    written in place of a text that is empty or only whitespace."""
    text = escape(flat(text))
    return _LIST_MARKER.sub(lambda m: f"{m[0][:-1]}\\{m[0][-1]}", text) or empty


def code(text: str, *, cell: bool = False) -> str:
    """A code span showing ``text`` flat (see ``flat``): its fence is longer
    than any run of backticks in it, and a text that starts or ends with a
    backtick is padded with a space on both sides, which CommonMark strips
    again (flat text itself never starts and ends with one, so nothing of it
    is stripped). ``cell``: the span is inside a table row, where GitHub
    reads ``|`` as the end of the cell even in code unless it is escaped (the
    table removes the backslash, it is not shown); outside a table the
    backslash would show, so it is only added in a cell. A span shows no
    markup, HTML or mention, so nothing else is escaped."""
    text = flat(text) or " "  # `` is no span: a space shows as an empty one
    fence = "`" * (_longest_ticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    span = f"{fence}{pad}{text}{pad}{fence}"
    return span.replace("|", "\\|") if cell else span


def block(text: str, info: str = "") -> str:
    """A fenced code block holding ``text`` as it is (several lines), with
    the info string ``info`` (a language, ``diff``): the fence is longer than
    any run of backticks in ``text``, so no line of it closes the block. The
    block ends with its closing fence, without a line break after it."""
    fence = "`" * max(3, _longest_ticks(text) + 1)
    body = text if not text or text.endswith("\n") else text + "\n"
    return f"{fence}{info}\n{body}{fence}"


def html_text(text: str) -> str:
    """``text`` flat, inside an HTML element of the Markdown (a
    ``<summary>``), where Markdown is not read: HTML-escaped, and every ``@``
    followed by a zero-width space."""
    return html.escape(flat(text)).replace("@", MENTION)


def _longest_ticks(text: str) -> int:
    return max((len(run) for run in _TICKS.findall(text)), default=0)
