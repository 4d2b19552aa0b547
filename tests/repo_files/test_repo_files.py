"""The repository's own files for other tools: the pre-commit hooks other
repositories use, and CODEOWNERS (the platform team reviews the rules and
production)."""

from __future__ import annotations

import re
import shlex

import yaml

from modelrail.cli import main
from testing.repo import ROOT


def test_published_hooks_run_real_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [h["id"] for h in hooks] == ["modelrail-check", "modelrail-render-check"]
    local = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text("utf-8"))
    local_ids = {h["id"] for repo in local["repos"] for h in repo["hooks"]}
    for hook in hooks:
        assert {"id", "name", "entry", "language", "files"} <= set(hook)
        assert hook["language"] == "python"  # installs modelrail for the hook
        assert hook["pass_filenames"] is False  # they judge the whole repository
        program, command, *_ = shlex.split(hook["entry"])
        assert program == "modelrail"
        assert command in main.commands, command  # type: ignore[attr-defined]
        assert re.search(hook["files"], "environments/prod/fraud-detector.yaml")
        assert not re.search(hook["files"], "README.md")
        assert hook["id"] in local_ids  # this repository runs the same hook


def _owners() -> dict[str, list[str]]:
    out = {}
    for line in (ROOT / ".github" / "CODEOWNERS").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *owners = line.split()
            out[pattern] = owners
    return out


def test_platform_team_owns_the_rules_and_production() -> None:
    owners = _owners()
    for path in ("/policies/", "/schemas/", "/render/", "/environments/prod/"):
        assert owners[path] == ["@example-org/ml-platform"], path
        assert (ROOT / path.strip("/")).is_dir(), path
    for pattern in owners:
        if pattern != "*":
            assert (ROOT / pattern.strip("/")).exists(), pattern
    # GitHub applies the last matching pattern: prod comes after nothing wider
    patterns = list(owners)
    assert patterns.index("/environments/prod/") > patterns.index("*")
