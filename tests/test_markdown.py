"""``modelrail.markdown``: text from outside, shown as itself in Markdown."""

from __future__ import annotations

import pytest

from modelrail import markdown as md

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
