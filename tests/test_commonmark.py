"""``modelrail.commonmark``: text from outside, shown as itself in Markdown.

The unit tests pin each helper's output. The property injects arbitrary text
as a value into every Markdown writer (the check report, the diff comment,
the promotion's pull-request body, the gate report, the generated policy
docs) and reads the result back as CommonMark with GitHub's tables would:
the value shows exactly as written (flattened to one line where the writer
wants one line), as plain text or as one code span, and adds no HTML (but
the check report's own ``<br>`` line breaks), no link or image, no emphasis,
no mention, no line and no table cell; nothing else in the document changes.

No CommonMark parser is in the locked dependencies, so ``read_inline`` reads
the one thing at stake, a value's inline text, as CommonMark does (backslash
escapes, code spans, entities) and the table rows are split as GitHub splits
them (on each ``|`` that no backslash precedes). GitHub's extended autolinks
(a bare ``www.`` or ``https://`` address, an e-mail address) are not
CommonMark and are not prevented: their text shows in full, as written.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import string
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests.reporters import sample

from modelrail import commonmark as md
from modelrail.check.runner import Report
from modelrail.diffing import markdown as diff_markdown
from modelrail.diffing.results import (
    ADDED,
    AppChange,
    FieldChange,
    FindingChange,
    Result,
    SideInfo,
)
from modelrail.findings import Finding, Location, Severity
from modelrail.gate import report as gate_report
from modelrail.gate.evidence import PROMETHEUS, Item, Verdict
from modelrail.gate.inputs import Inputs, parse_at
from modelrail.gate.run import Result as GateResult
from modelrail.git.history import Entry, Stretch
from modelrail.metrics import Convention
from modelrail.policy import catalog as catalogs
from modelrail.policy import docs
from modelrail.promote.body import body, rollback_body
from modelrail.promote.edit import Change, Promotion
from modelrail.promote.rollback import Rollback
from modelrail.reporters import RunInfo
from modelrail.reporters import markdown as check_markdown
from modelrail.repository.layout import Repository
from testing.repo import bundled

if TYPE_CHECKING:
    from collections.abc import Callable

    from modelrail.policy.catalog import Catalog

# -- the helpers -------------------------------------------------------------


def test_escape() -> None:
    assert md.escape("a|b") == "a\\|b"
    assert md.escape("`x`") == "\\`x\\`"
    assert md.escape("<b>&") == "\\<b\\>\\&"
    # only what Markdown needs: quotes are left as they are
    assert md.escape('"x"') == '"x"'
    assert md.escape("# h") == "\\# h"
    assert md.escape("one\ntwo\r\nthree\rfour") == "one<br>two<br>three<br>four"
    assert md.escape("[x](http://e)") == "\\[x\\](http://e)"
    assert md.escape("![i](x) *b* _i_ ~s~ $m$") == (
        "\\!\\[i\\](x) \\*b\\* \\_i\\_ \\~s\\~ \\$m\\$"
    )
    assert md.escape("ping @team, mail a@b") == "ping @&#8203;team, mail a@b"
    assert md.escape("\x1b[2J") == "\\\\x1b\\[2J"
    assert md.escape("- x") == "- x"  # inline text: no list to open here


def test_escape_cuts_a_long_text() -> None:
    assert md.escape("x" * (md.CELL + 5)) == "x" * md.CELL + "…"
    assert md.escape("<" * 10, limit=3) == "\\<\\<\\<…"


def test_flat() -> None:
    assert md.flat("  a\n\tb\r\n c  ") == "a b c"
    assert md.flat("red \x1b[31m\x00x\u2028y\x85z") == "red [31m x y z"
    assert md.flat("\n \x1b ") == ""


def test_cell() -> None:
    assert md.cell("a|b\nc") == "a\\|b c"  # one line: no <br>
    assert md.cell("<i>@team</i>") == "\\<i\\>@&#8203;team\\</i\\>"
    assert md.cell("red \x1b[31m") == "red \\[31m"
    assert md.cell("soft\xadhyphen") == "soft\\\\xadhyphen"  # shown, not hidden
    assert md.cell(" \n ") == ""
    assert md.cell("", empty="-") == "-"
    # after a list item's "- ", no nested list, ordered list or rule
    assert md.cell("- x") == "\\- x"
    assert md.cell("+") == "\\+"
    assert md.cell("12) x") == "12\\) x"
    assert md.cell("1. x") == "1\\. x"
    assert md.cell("- - -") == "\\- - -"
    assert md.cell("---") == "\\---"
    # nothing that is no block marker
    for text in ("-5", "--", "1.5 %", "0.961 (100.4 % of 0.957)", "1234567890. x"):
        assert md.cell(text) == text


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("x", "`x`"),
        ("a`b", "``a`b``"),
        ("a``b```c", "````a``b```c````"),
        ("`a", "`` `a ``"),  # padded: a fence must not touch a backtick
        ("a`", "`` a` ``"),
        ("``", "``` `` ```"),
        (" a \n b ", "`a b`"),  # flat: no padding CommonMark would strip
        ("", "` `"),  # `` is no code span: it would show two backticks
        ("\x1b[2J", "`[2J`"),
        ("<b>@team</b>", "`<b>@team</b>`"),  # code: shown as is, mentions no one
        ("a|b", "`a|b`"),  # outside a table a \| would show its backslash
    ],
)
def test_code(text: str, span: str) -> None:
    assert md.code(text) == span


def test_code_in_a_table_cell_escapes_pipes() -> None:
    assert md.code("a|b", cell=True) == "`a\\|b`"
    assert md.code("a\\|b", cell=True) == "`a\\\\|b`"  # GitHub drops one: a\|b
    assert md.code("x", cell=True) == "`x`"


def test_block() -> None:
    assert md.block("a: 1\n", "yaml") == "```yaml\na: 1\n```"
    assert md.block("a: 1", "yaml") == "```yaml\na: 1\n```"
    assert md.block("") == "```\n```"
    assert md.block("+````\n", "diff") == "`````diff\n+````\n`````"


def test_html_text() -> None:
    assert md.html_text('a <b> & "c"\n@d e@f') == (
        "a &lt;b&gt; &amp; &quot;c&quot; @&#8203;d e@&#8203;f"
    )


def test_printable() -> None:
    assert md.printable("plain é 模型") == "plain é 模型"
    assert md.printable("a\nb\x1b\u2028") == "a\\nb\\x1b\\u2028"


# -- reading Markdown back ---------------------------------------------------

_ENTITY = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)
_TICKS = re.compile(r"`+")
_MARKUP = set("<[]`*_~$")  # unescaped: HTML, links, images, code, emphasis, math
# what starts a block at the start of a list item's text: a list item, a
# rule, a heading, a quote, a fence, HTML, an indented code block
_BLOCK_START = re.compile(
    r"[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|(?:[-*_][ \t]*){3,}$|#{1,6}(?:[ \t]|$)"
    r"|>|```|~~~|<|[ \t]{4}"
)
_MENTION = re.compile(r"(?<![\w`])@[\w-]")  # as GitHub reads one in text
Piece = tuple[str, str]  # (kind, what it shows)


def read_inline(text: str) -> list[Piece]:
    """CommonMark's reading of one line of inline text, as far as escaping
    goes: ("text", c) an unescaped character, ("escaped", c) a
    backslash-escaped one, ("entity", c) an entity reference, ("code", s) a
    code span and what it shows, ("br", "\\n") a ``<br>``."""
    out: list[Piece] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in string.punctuation:
            out.append(("escaped", text[i + 1]))
            i += 2
        elif char == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            # the span ends at the next run of exactly as many backticks
            # (backslashes do not escape inside a span)
            closer = next(
                (m for m in _TICKS.finditer(text, i + run) if len(m[0]) == run), None
            )
            if closer is None:  # no closing run: the backticks are text
                out += [("text", "`")] * run
                i += run
                continue
            shown = text[i + run : closer.start()]
            if len(shown) >= 2 and shown[0] == shown[-1] == " " and shown.strip(" "):
                shown = shown[1:-1]
            out.append(("code", shown))
            i = closer.end()
        elif text.startswith("<br>", i):
            out.append(("br", "\n"))
            i += 4
        elif entity := _ENTITY.match(text, i):
            out.append(("entity", html.unescape(entity[0])))
            i = entity.end()
        else:
            out.append(("text", char))
            i += 1
    return out


def table_cells(row: str) -> list[str]:
    """A row's cells as GitHub splits them: at each ``|`` no backslash
    precedes, each cell trimmed and its ``\\|`` made ``|``."""
    parts = re.split(r"(?<!\\)\|", row)
    assert parts[0] == "", row  # our rows have outer pipes
    assert parts[-1] == "", row
    return [part.strip(" ") for part in parts[1:-1]]


# -- every writer, with a value to inject -----------------------------------


@dataclass(frozen=True)
class Site:
    """Where a writer puts a value: the first line starting with ``anchor``,
    ``offset`` lines further; in a table row, cell ``cell`` of ``cells``;
    after ``prefix`` and before ``suffix``. ``shows``: what the value must
    read as; ``code``: in one code span (else as text)."""

    render: Callable[[str], str]
    anchor: str
    offset: int
    shows: Callable[[str], str]
    code: bool = False
    cells: int = 0
    cell: int = 0
    prefix: str = ""
    suffix: str = ""
    nonempty: bool = False  # the writer leaves an empty value out


def as_escaped(value: str) -> str:
    lines = re.split(r"\r\n|\r|\n", value)
    return "\n".join(md.printable(line) for line in lines).strip(" ")


def as_cell(value: str) -> str:
    return md.printable(md.flat(value))


def as_code(value: str) -> str:
    return md.flat(value) or " "


def check_report(value: str) -> str:
    found = Finding(
        Location("environments/dev/a.yaml", 3, 5), "MR-SEC-004", Severity.ERROR, value
    )
    return check_markdown.render(sample.report_of([found]), RunInfo("1.2.3"))


def a_diff(*, description: str = "d", after: str = "b", rule: str = "MR-X-001") -> str:
    app = AppChange(
        "prod",
        "m",
        ADDED,
        (None, "1.1.0"),
        (FieldChange("image", "a", after),),
        None,
        description,
        (),
    )
    found = Finding(Location("environments/prod/m.yaml", 2), rule, Severity.INFO, "m")
    result = Result(
        "main",
        SideInfo("main"),
        SideInfo("working tree"),
        (app,),
        (),
        (),
        (FindingChange(None, found),),
    )
    return diff_markdown.render(result)


def a_promotion(*, value: str = "v", note: str = "n", message: str = "m") -> str:
    promotion = Promotion(
        name="m",
        source="staging",
        target="prod",
        text="",
        created=False,
        before="1.0.0",
        version="1.1.0",
        changes=(Change("spec.model.version", "1.0.0", value),),
        notes=(note,),
    )
    found = Finding(
        Location("environments/prod/m.yaml", 2), "MR-X-001", Severity.INFO, message
    )
    report = Report((found,), 1, ("prod",))
    return body(promotion, {}, {}, report, "r", target_file="environments/prod/m.yaml")


def a_rollback(*, label: str = "v", summary: str = "s", reason: str = "r") -> str:
    when = parse_at("2026-11-01T00:00:00Z")
    entry = Entry("a" * 40, when)
    run = Stretch("1.0.0", entry, Entry("b" * 40, parse_at("2026-11-21T00:00:00Z")),
              entry, "", {})  # fmt: skip
    rollback = Rollback(
        "m", "prod", "", "1.1.0", "1.0.0", run, reason,
        (Change("spec.model.version", "1.1.0", "1.0.0"),), (),
    )  # fmt: skip
    alert = {
        "labels": {"alertname": "ModelAccuracyLow", "team": label},
        "annotations": {"summary": summary},
    }
    report = Report((), 1, ("prod",))
    return rollback_body(
        rollback, {}, report, "r", target_file="environments/prod/m.yaml", alert=alert
    )


def a_gate(*, value: str = "1 %", detail: str = "d") -> str:
    inputs = Inputs(
        model="m",
        environment="prod",
        source="staging",
        spec_file="environments/prod/m.yaml",
        spec={"spec": {"model": {"version": "1.1.0", "artifact": "s3://a"}}},
        namespace="ns",
        convention=Convention(),
        window="24h",
        window_seconds=86400,
        at=parse_at("2026-11-21T08:00:00Z"),
        prometheus_url="http://prometheus:9090",
        registry_url="http://mlflow:5000",
        ratio=Decimal("0.95"),
    )
    items = (Item("slo.x", PROMETHEUS, "x", Verdict.MISSED, value, ">= 2 %", detail),)
    return gate_report.as_markdown(GateResult(inputs, items), "1.2.3")


@functools.cache
def _catalog() -> Catalog:
    return catalogs.load(Repository(bundled()))


def with_item(text: str) -> Catalog:
    """The bundled catalog with one checklist item, of ``text``."""
    found = _catalog()
    policy = next(iter(found.registry))
    item = {
        "id": "x.y",
        "source": "checklist",
        "section": "Section",
        "text": text,
        "policies": [policy.id],
    }
    return dataclasses.replace(found, checklist=(item,))


SITES = {
    "check report: a message": Site(
        check_report, "| Location |", 2, as_escaped, cells=5, cell=3
    ),
    "diff: a description": Site(
        lambda v: a_diff(description=v),
        "| environment |",
        2,
        as_cell,
        cells=4,
        cell=2,
        prefix="added `1.1.0`:",
        nonempty=True,
    ),
    "diff: a rule": Site(
        lambda v: a_diff(rule=v),
        "| result |",
        2,
        as_code,
        code=True,
        cells=5,
        cell=2,
    ),
    "diff: a served value": Site(
        lambda v: a_diff(after=v),
        "  - image:",
        0,
        as_code,
        code=True,
        prefix="  - image: `a` → ",
        nonempty=True,
    ),
    "promote body: a value": Site(
        lambda v: a_promotion(value=v),
        "| field | before | after |",
        2,
        as_code,
        code=True,
        cells=3,
        cell=2,
    ),
    "promote body: a note": Site(
        lambda v: a_promotion(note=v), "To check by hand:", 2, as_cell, prefix="- "
    ),
    "promote body: a message": Site(
        lambda v: a_promotion(message=v),
        "| where | severity | rule | message |",
        2,
        as_cell,
        cells=4,
        cell=3,
    ),
    "rollback body: an alert's label": Site(
        lambda v: a_rollback(label=v),
        "| `team` |",
        0,
        as_cell,
        cells=2,
        cell=1,
    ),
    "rollback body: an alert's summary": Site(
        lambda v: a_rollback(summary=v), "Summary:", 0, as_cell, prefix="Summary: "
    ),
    "rollback body: the reason": Site(
        lambda v: a_rollback(reason=v), "**Why:**", 0, as_cell, prefix="**Why:** "
    ),
    "gate report: a value": Site(
        lambda v: a_gate(value=v),
        "| Evidence |",
        2,
        lambda v: as_cell(v) or "-",
        cells=4,
        cell=1,
    ),
    "gate report: a detail": Site(
        lambda v: a_gate(detail=v),
        "- **x** (missed):",
        0,
        as_cell,
        prefix="- **x** (missed): ",
        nonempty=True,
    ),
    "policy docs: a checklist item": Site(
        lambda v: docs.coverage(with_item(v)), "| Item |", 2, as_cell, cells=2
    ),
    "policy docs: a policy's checklist item": Site(
        lambda v: docs.markdown(with_item(v)),
        "Checklist items:",
        2,
        as_cell,
        prefix="- ",
        suffix=" *(checklist: Section)*",
    ),
}

_FRAGMENTS = [
    "<script>",
    "</details>",
    "<br>",
    "<img src=x onerror=alert(1)>",
    "<https://e.example>",
    "[a](https://e.example)",
    "![i](x.png)",
    "[x]: /u",
    "@team",
    "@everyone",
    "a@b",
    "&lt;",
    "&#64;",
    "&#8203;",
    "`",
    "``",
    "*",
    "**b**",
    "_",
    "~~",
    "$x$",
    "|",
    "\\",
    "\\|",
    "- ",
    "1. ",
    "---",
    "# ",
    "> ",
    "\n",
    "\r\n",
    "  ",
    "\t",
    "\x1b[2J",
    "\x00",
    "\u2028",
    "\xad",
]
values = st.one_of(
    st.lists(
        st.one_of(st.characters(codec="utf-8"), st.sampled_from(_FRAGMENTS)),
        max_size=12,
    ).map("".join),
    sample.hostile_text,
    st.text(max_size=30),
)


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def check_site(name: str, value: str) -> None:
    site = SITES[name]
    lines, plain = _lines(site.render(value)), _lines(site.render("plain"))
    where = f"{name}: {value!r}"
    # no line added or taken: the value stays on its own line
    assert len(lines) == len(plain), where
    at = next(i for i, ln in enumerate(plain) if ln.startswith(site.anchor))
    at += site.offset
    # nothing but the value's own line changes ...
    assert lines[:at] + lines[at + 1 :] == plain[:at] + plain[at + 1 :], where
    line = lines[at]
    where = f"{where} -> {line!r}"
    text = line
    if site.cells:
        # ... a table row keeps its cells, and only the value's cell changes
        cells, plain_cells = table_cells(line), table_cells(plain[at])
        assert len(cells) == site.cells, where
        others = cells[: site.cell] + cells[site.cell + 1 :]
        assert others == plain_cells[: site.cell] + plain_cells[site.cell + 1 :]
        text = cells[site.cell].replace("\\|", "|")
    assert text.startswith(site.prefix.rstrip(" ")), where
    assert text.endswith(site.suffix), where
    text = text.removeprefix(site.prefix.rstrip(" "))
    text = text[: len(text) - len(site.suffix)].strip(" ")
    if site.prefix == "- ":  # the value starts a list item's text: no block
        assert not _BLOCK_START.match(text), where
    pieces = read_inline(text)
    if site.code:
        assert pieces == [("code", site.shows(value))], where
        return
    kinds = {kind for kind, _ in pieces}
    assert "code" not in kinds, where
    assert "br" not in kinds or name == "check report: a message", where
    markup = [c for kind, c in pieces if kind == "text" and c in _MARKUP]
    assert not markup, where  # no HTML, link, image, code, emphasis or math
    shown = "".join(c for _, c in pieces)
    # the only entity: the zero-width space that keeps an @ from mentioning
    for index, (kind, c) in enumerate(pieces):
        if kind == "entity":
            assert c == "\u200b", where
            assert index > 0, where
            assert pieces[index - 1][1] == "@", where
    assert not _MENTION.search(shown), where
    assert shown.replace("@\u200b", "@") == site.shows(value), where


@settings(max_examples=200, deadline=None)
@given(values)
@example("`a")
@example("a`")
@example("- x")
@example("1. x")
@example("---")
@example("@team <b>[a](b)</b>")
@example("a\\|b|c")
@example(" ")
@example("")
def test_a_value_shows_as_itself_in_every_writer(value: str) -> None:
    for name, site in SITES.items():
        if value or not site.nonempty:
            check_site(name, value)
