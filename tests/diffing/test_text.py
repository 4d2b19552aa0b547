"""``modelrail.diffing.text``: a diff for a terminal.

Proven here:

- control characters are shown escaped (``\\xNN``), never sent to the terminal,
  and left out of the Markdown of the same result.
"""

from __future__ import annotations

from modelrail.diffing import markdown, text
from modelrail.diffing.results import ADDED, AppChange, Result, SideInfo


def test_text_shows_control_characters_escaped() -> None:
    # the renderer refuses them in specs; a base's messages could still hold one
    app = AppChange("prod", "x", ADDED, (None, "1.0.0"), (), None, "red \x1b[31m", ())
    side = SideInfo("main (0123456789ab)", check_error="bad \x9b2J")
    result = Result("main", side, SideInfo("working tree"), (app,), (), (), ())
    shown = text.render(result)
    assert "\x1b" not in shown
    assert "\x9b" not in shown
    assert "    red \\x1b[31m\n" in shown
    assert "cannot be checked: bad \\x9b2J\n" in shown
    comment = markdown.render(result)
    assert "> main (0123456789ab) cannot be checked: bad 2J\n" in comment
    assert "| added `1.0.0`: red \\[31m |" in comment
    assert "\x1b" not in comment
