"""Each command's heading in the README names every option the command has
(the tool's own docs: this reads the README, not the team's content)."""

from __future__ import annotations

import pytest

from modelrail.cli import main
from testing.repo import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = ["check", "render", "new", "promote", "rollback", "diff", "gate"]


@pytest.mark.parametrize("name", COMMANDS)
def test_the_synopsis_names_every_option(name: str) -> None:
    (synopsis,) = [
        line
        for line in README.splitlines()
        if line.startswith(f"### `modelrail {name} ")
    ]
    command = main.commands[name]
    for param in command.params:
        if param.name == "root" or not param.opts[0].startswith("--"):
            continue  # --root is every command's; arguments are named in place
        option = next(o for o in param.opts if o.startswith("--"))
        assert f"{option} " in synopsis or f"{option}]" in synopsis, (name, option)
