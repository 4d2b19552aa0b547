"""``gate --compare``'s options, exit codes and verdict words (no server)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from modelrail.cli import main
from modelrail.gate.evidence import PROMETHEUS, Item, Verdict, exit_code, outcome
from modelrail.gate.report import _summary
from testing.repo import bundled


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--canary-hash", "a", "--stable-hash", "b"], "go with --compare"),
        (["--compare", "--canary-hash", "a"], "give both --canary-hash and"),
        (
            ["--compare", "--canary-hash", "a", "--stable-hash", "b",
             "--stable-version", "3.2.0"],
            "versions or by hashes, not both",
        ),
    ],
)  # fmt: skip
def test_sides_are_given_one_way(options: list[str], message: str) -> None:
    result = CliRunner().invoke(
        main, ["gate", "fraud-detector", "--env", "prod", "--root", str(bundled()),
               *options],
    )  # fmt: skip
    assert result.exit_code == 2
    assert message in result.output


def items(*verdicts: Verdict) -> list[Item]:
    return [Item(f"k{i}", PROMETHEUS, "t", v) for i, v in enumerate(verdicts)]


@pytest.mark.parametrize(
    ("verdicts", "code", "word"),
    [
        ((Verdict.MET, Verdict.MARGINAL), 0, "marginal"),
        ((Verdict.MET, Verdict.INCONCLUSIVE), 4, "inconclusive"),
        ((Verdict.MARGINAL, Verdict.INCONCLUSIVE), 4, "inconclusive"),
        ((Verdict.INCONCLUSIVE, Verdict.MISSED), 1, "failed"),  # fail wins
        ((Verdict.INCONCLUSIVE, Verdict.ERROR), 2, "error"),
        ((Verdict.MET,), 0, "passed"),
    ],
)
def test_exit_codes(verdicts: tuple[Verdict, ...], code: int, word: str) -> None:
    assert exit_code(items(*verdicts)) == code
    assert outcome(items(*verdicts)) == word


def test_a_gate_without_compare_keeps_its_summary() -> None:
    assert _summary(tuple(items(Verdict.MET))) == {
        "met": 1, "missed": 0, "no data": 0, "error": 0,
    }  # fmt: skip
    assert _summary(tuple(items(Verdict.INCONCLUSIVE)))["inconclusive"] == 1
