"""A real in-toto Statement of ``modelrail gate --format intoto``, made
without servers: the prod fraud-detector's spec declares a rollback, which
the gate passes without asking Prometheus or the registry (docs/gate.md), so
the Statement is the gate's own output on a fixture repository."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.repo import bundled, replace_once

if TYPE_CHECKING:
    from pathlib import Path

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing answers there
AT = "2026-11-21T08:00:00Z"
SPEC = ("environments", "prod", "fraud-detector.yaml")
APP = ("rendered", "prod", "fraud-detector")


def rolled_back(target: Path) -> Path:
    """A copy of the rendered fixture repository whose prod fraud-detector
    declares a rollback from 3.3.0."""
    shutil.copytree(bundled(), target, symlinks=True)
    replace_once(
        target.joinpath(*SPEC),
        '    previousVersion: "3.1.4"\n',
        '    previousVersion: "3.1.4"\n'
        '    revert: {from: "3.3.0", reason: "accuracy fell (INC-123)"}\n',
    )
    return target


def gate(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["gate", "fraud-detector", "--env", "prod", "--root", str(repo),
         "--prometheus", CLOSED, "--registry", CLOSED, "--retries", "0",
         "--at", AT, "--format", "intoto", *args],
    )  # fmt: skip


def statement(repo: Path, out: Path) -> Path:
    """The gate's Statement for ``repo``, written to ``out``."""
    done = gate(repo, "--output", str(out))
    assert done.exit_code == 0, done.output
    return out


def verify(repo: Path, attestation: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["verify", str(attestation), "--root", str(repo), *args]
    )
