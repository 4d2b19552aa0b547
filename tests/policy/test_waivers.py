"""Waivers: valid, expired, too long, unapproved, not waivable, stale, malformed
(judged one by one), --no-waivers."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from click.testing import CliRunner, Result
from tests.reporters import sample

from modelrail.cli import main
from modelrail.reporters import REPORTERS
from testing.repo import line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path

SPEC = "environments/prod/fraud-detector.yaml"
WAIVERS = "environments/prod/waivers.yaml"
DIGEST = "48aae3df0857d74a0691ff737314c991c6b4d1d496cc11206c5c73273d0fc8a0"
TODAY = "2026-11-21"


def waiver(**changes: Any) -> dict[str, Any]:
    entry = {
        "policy": "MR-SEC-004",
        "model": "fraud-detector",
        "reason": "The vendor rebuilds the image nightly; pinned once SEC-812 lands.",
        "approvedBy": "platform-lead@example.com",
        "approvedOn": "2026-11-01",
        "ticket": "SEC-812",
        "expires": "2026-12-31",
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def write_waivers(repo: Path, *entries: dict[str, Any]) -> Path:
    path = repo / WAIVERS
    document = {
        "apiVersion": "modelrail.io/v1",
        "kind": "Waivers",
        "metadata": {"environment": "prod"},
        "waivers": list(entries),
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def unpin(repo: Path) -> None:
    """Break MR-SEC-004 in the prod fraud-detector spec."""
    replace_once(repo / SPEC, f"fraud-detector@sha256:{DIGEST}", "fraud-detector:3.2.0")


def check(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["check", "--root", str(repo), "--today", TODAY, "-e", "prod", *args]
    )


def rules(result: Result) -> list[str]:
    return [
        line.split("[", 1)[1].split("]", 1)[0]
        for line in result.output.splitlines()
        if "[MR-" in line
    ]


def test_valid_waiver_keeps_the_finding_visible_but_passes(repo: Path) -> None:
    unpin(repo)
    path = write_waivers(repo, waiver())
    result = check(repo)
    assert result.exit_code == 0, result.output
    line = line_of(repo / SPEC, "    image: ")
    entry = line_of(path, "- policy: MR-SEC-004")
    assert (
        f"{SPEC}:{line}:12: error (waived) [MR-SEC-004] image "
        "'registry.example.com/ml/fraud-detector:3.2.0' is not pinned by digest "
        f"(waived by {WAIVERS}:{entry}:3 (SEC-812, until 2026-12-31))"
    ) in result.output
    assert result.output.endswith("checked 6 files in 1 environment: 1 waived\n")


def test_no_waivers_shows_everything_at_full_severity(repo: Path) -> None:
    unpin(repo)
    write_waivers(repo, waiver())
    result = check(repo, "--no-waivers")
    assert result.exit_code == 1
    assert "error [MR-SEC-004]" in result.output
    assert "waived" not in result.output


def test_json_report_names_the_waiver(repo: Path) -> None:
    unpin(repo)
    write_waivers(repo, waiver())
    report = json.loads(check(repo, "-f", "json").stdout)
    (finding,) = [f for f in report["findings"] if f["rule"] == "MR-SEC-004"]
    assert finding["waiver"].startswith(f"waived by {WAIVERS}:")
    assert report["summary"]["waived"] == 1
    assert report["summary"]["errors"] == 0


@pytest.mark.parametrize(
    ("changes", "rule", "field", "message"),
    [
        ({"expires": "2026-11-20"}, "MR-WAIVER-001", "expires",
         "waiver of MR-SEC-004 for 'fraud-detector' expired on 2026-11-20"),
        ({"approvedOn": "2026-08-01"}, "MR-WAIVER-002", "expires",
         "runs 152 days from approval to expiry; the most is 90"),
        ({"approvedOn": "2026-12-01", "expires": "2026-11-30"}, "MR-WAIVER-002",
         "expires", "expires on 2026-11-30, before its approval on 2026-12-01"),
        ({"approvedBy": None, "approvedOn": None}, "MR-WAIVER-003", None,
         "is not approved: it has no approvedBy and approvedOn"),
        ({"approvedBy": "friend@elsewhere.org"}, "MR-WAIVER-003", "approvedBy",
         "is approved by friend@elsewhere.org, who is not an approver (@example.com)"),
        ({"approvedOn": "2026-11-25", "expires": "2026-12-20"}, "MR-WAIVER-003", "approvedOn",
         "is approved on 2026-11-25, which is after today (2026-11-21)"),
        ({"policy": "MR-SEC-999"}, "MR-WAIVER-004", "policy",
         "there is no policy MR-SEC-999"),
        ({"policy": "MR-SCE-004"}, "MR-WAIVER-004", "policy",
         "there is no policy MR-SCE-004; did you mean MR-SEC-004?"),
        ({"policy": "MR-SEC-012"}, "MR-WAIVER-005", "policy",
         "MR-SEC-012 cannot be waived"),
    ],
)  # fmt: skip
def test_invalid_waiver_is_an_error_and_waives_nothing(
    repo: Path, changes: dict[str, Any], rule: str, field: str | None, message: str
) -> None:
    unpin(repo)
    path = write_waivers(repo, waiver(**changes))
    result = check(repo)
    assert result.exit_code == 1, result.output
    assert rule in rules(result)
    assert set(rules(result)) <= {rule, "MR-SEC-004", "MR-WAIVER-003"}
    assert "error [MR-SEC-004]" in result.output  # not waived
    found = [line for line in result.output.splitlines() if f"[{rule}]" in line]
    assert message in found[0]
    if field is None:
        where = f"{line_of(path, '- policy: ')}:3"
    else:
        text = path.read_text()
        line = line_of(path, "- policy: " if field == "policy" else f"  {field}: ")
        column = text.splitlines()[line - 1].index(":") + 3
        where = f"{line}:{column}"
    assert found[0].startswith(f"{WAIVERS}:{where}: error [{rule}]")


def test_stale_waiver_is_a_warning(repo: Path) -> None:
    write_waivers(
        repo,
        waiver(),  # the spec is pinned: nothing to waive
        waiver(model="churn-model"),  # no such model here
    )
    result = check(repo)
    assert result.exit_code == 0, result.output
    assert rules(result) == ["MR-WAIVER-006", "MR-WAIVER-006"]
    assert "matches no finding: the problem is fixed" in result.output
    assert (
        "'churn-model': no spec of that model is in this environment" in result.output
    )
    assert "warning [MR-WAIVER-006]" in result.output


@pytest.mark.parametrize(
    ("model", "guess"),
    [
        ("fraud-detectr", "fraud-detector"),
        ("frauddetector", "fraud-detector"),
        ("product-recomender", "product-recommender"),
        ("churn-model", None),  # nothing close enough
    ],
)
def test_a_misspelt_model_gets_the_closest_name(
    repo: Path, model: str, guess: str | None
) -> None:
    unpin(repo)
    path = write_waivers(repo, waiver(model=model))
    result = check(repo)
    assert result.exit_code == 1, result.output  # the finding is not waived
    (found,) = [line for line in result.output.splitlines() if "MR-WAIVER-006" in line]
    assert found.startswith(
        f"{WAIVERS}:{line_of(path, '- policy: ')}:3: warning [MR-WAIVER-006] waiver "
        f"of MR-SEC-004 for {model!r}: no spec of that model is in this environment"
    )
    if guess is None:
        assert "did you mean" not in found
        assert found.endswith("environment (fix: delete the waiver)")
    else:
        assert found.endswith(
            f"environment; did you mean {guess!r}? "
            f"(fix: name the model {guess!r}, or delete the waiver)"
        )


def test_stale_is_judged_only_for_models_checked(repo: Path) -> None:
    write_waivers(repo, waiver())
    result = check(repo, str(repo / "environments/prod/product-recommender.yaml"))
    assert "MR-WAIVER-006" not in result.output


def test_waivers_apply_when_one_spec_is_checked(repo: Path) -> None:
    unpin(repo)
    write_waivers(repo, waiver())
    result = check(repo, str(repo / SPEC))
    assert result.exit_code == 0, result.output
    assert "error (waived) [MR-SEC-004]" in result.output


def test_duplicate_waiver(repo: Path) -> None:
    unpin(repo)
    write_waivers(repo, waiver(), waiver(ticket="SEC-813"))
    result = check(repo)
    assert "MR-WAIVER-007" in rules(result)
    assert "MR-SEC-004 is already waived for 'fraud-detector' at" in result.output
    assert result.exit_code == 1


def test_expiring_soon_is_a_note(repo: Path) -> None:
    unpin(repo)
    write_waivers(repo, waiver(expires="2026-11-28"))
    result = check(repo)
    assert result.exit_code == 0
    assert "info [MR-WAIVER-008]" in result.output
    assert "expires in 7 days (2026-11-28)" in result.output


def test_malformed_waivers(repo: Path) -> None:
    unpin(repo)
    path = write_waivers(repo, waiver(reason="because", expires="2026-02-30"))
    result = check(repo)
    assert result.exit_code == 1
    assert rules(result) == ["MR-SEC-004", "MR-WAIVER-009"]
    assert "error [MR-SEC-004]" in result.output  # not waived
    assert (
        f"{WAIVERS}:{line_of(path, '- policy: ')}:3: error [MR-WAIVER-009] waiver "
        "of MR-SEC-004 for 'fraud-detector' is not applied: waivers[0].reason: "
        "'because' is shorter than 20 characters (fix: write at least 20 "
        "characters: why the exception is acceptable, and what mitigates the risk)"
    ) in result.output
    path = write_waivers(repo, waiver(expires="2026-02-30"))
    result = check(repo)
    assert rules(result) == ["MR-SEC-004", "MR-WAIVER-009"]
    assert (
        f"{WAIVERS}:{line_of(path, '- policy: ')}:3: error [MR-WAIVER-009] waiver "
        "of MR-SEC-004 for 'fraud-detector' is not applied: waivers[0].expires: "
        "2026-02-30 is not a calendar date (fix: write a real date as YYYY-MM-DD)"
    ) in result.output


# Issue 15: waivers are judged one by one. prod's product-recommender breaks
# MR-SEC-004 too, and its waiver is invalid (`reason: test`); fraud-detector's
# is valid and still applies.
RECOMMENDER = "environments/prod/product-recommender.yaml"
RECOMMENDER_DIGEST = "96e23cc9be3ebcd0a1100743e3610ea3d1390c01a74cc75a8c5be390af24b390"


def one_invalid_one_valid(repo: Path) -> tuple[int, int]:
    """The lines of the invalid waiver and of the valid one."""
    unpin(repo)
    replace_once(
        repo / RECOMMENDER,
        f"product-recommender@sha256:{RECOMMENDER_DIGEST}",
        "product-recommender:2.4.1",
    )
    path = write_waivers(
        repo, waiver(model="product-recommender", reason="test"), waiver()
    )
    text = path.read_text(encoding="utf-8")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "- policy:" in line]
    return lines[0], lines[1]


def test_an_invalid_waiver_leaves_the_others_applied(repo: Path) -> None:
    invalid, valid = one_invalid_one_valid(repo)
    result = check(repo)
    assert result.exit_code == 1, result.output
    assert sorted(rules(result)) == ["MR-SEC-004", "MR-SEC-004", "MR-WAIVER-009"]
    # the invalid waiver: an error at its entry that says why it is not applied
    assert (
        f"{WAIVERS}:{invalid}:3: error [MR-WAIVER-009] waiver of MR-SEC-004 for "
        "'product-recommender' is not applied: waivers[0].reason: 'test' is "
        "shorter than 20 characters (fix: write at least 20 characters: "
        "why the exception is acceptable, and what mitigates the risk)"
    ) in result.output
    # so its finding stands ...
    image = line_of(repo / RECOMMENDER, "    image: ")
    recommender = [line for line in result.output.splitlines() if RECOMMENDER in line]
    assert len(recommender) == 1
    assert recommender[0].startswith(f"{RECOMMENDER}:{image}:12: error [MR-SEC-004] ")
    # ... and the valid waiver still waives fraud-detector's
    assert (
        f"{SPEC}:{line_of(repo / SPEC, '    image: ')}:12: error (waived) "
        "[MR-SEC-004] image 'registry.example.com/ml/fraud-detector:3.2.0' is not "
        f"pinned by digest (waived by {WAIVERS}:{valid}:3 (SEC-812, until 2026-12-31))"
    ) in result.output
    assert result.output.endswith(
        "checked 6 files in 1 environment: 2 errors, 1 waived, 1 waiver not applied\n"
    )


def test_json_report_says_which_waiver_is_not_applied_and_why(repo: Path) -> None:
    invalid, valid = one_invalid_one_valid(repo)
    report = json.loads(check(repo, "-f", "json").stdout)
    assert report["summary"]["waiversNotApplied"] == 1
    assert report["summary"]["waived"] == 1
    assert report["summary"]["errors"] == 2
    (rejected,) = [f for f in report["findings"] if f["rule"] == "MR-WAIVER-009"]
    assert rejected == {
        "file": WAIVERS,
        "line": invalid,
        "column": 3,
        "pointer": "/waivers/0",
        "rule": "MR-WAIVER-009",
        "severity": "error",
        "message": "waiver of MR-SEC-004 for 'product-recommender' is not applied: "
        "waivers[0].reason: 'test' is shorter than 20 characters",
        "remediation": "write at least 20 characters: why the exception is "
        "acceptable, and what mitigates the risk",
    }
    waived = {
        f["file"]: f.get("waiver", "")
        for f in report["findings"]
        if f["rule"] == "MR-SEC-004"
    }
    assert waived[SPEC].startswith(f"waived by {WAIVERS}:{valid}:3 ")
    assert waived[RECOMMENDER] == ""


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_every_format_carries_the_invalid_waiver(repo: Path, fmt: str) -> None:
    invalid, _ = one_invalid_one_valid(repo)
    text = check(repo, "-f", fmt).stdout
    if fmt == "text":
        found = re.findall(
            r"^(.+?):(\d+):(\d+): \w+( \(waived\))? \[(.+?)\]", text, re.MULTILINE
        )
        keys = [(f, int(n), int(c), rule, bool(w)) for f, n, c, w, rule in found]
    else:
        keys = getattr(sample, f"from_{fmt}")(text)
    assert (WAIVERS, invalid, 3, "MR-WAIVER-009", False) in keys
    waived = {key[0]: key[4] for key in keys if key[3] == "MR-SEC-004"}
    assert waived == {SPEC: True, RECOMMENDER: False}
    if fmt in ("text", "github", "markdown"):  # they end with the summary line
        assert "1 waiver not applied" in text


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        ("kind: Waivers", "kind: Waiver", "kind is 'Waiver', not one of 'Waivers'"),
        ("waivers:\n", "waiver:\n", "unknown key 'waiver' in the top level"),
    ],
)
def test_a_broken_file_applies_no_waiver(
    repo: Path, before: str, after: str, message: str
) -> None:
    unpin(repo)
    path = write_waivers(repo, waiver())
    replace_once(path, before, after)
    result = check(repo)
    assert result.exit_code == 1
    assert "error [MR-SEC-004]" in result.output  # not waived
    assert "MR-SCHEMA" in rules(result)
    assert "MR-WAIVER-009" not in rules(result)
    assert message in result.output


@pytest.mark.parametrize("value", ["soon", "20261121", "2026-W47-6", "2026-02-30"])
def test_today_must_be_a_date(repo: Path, value: str) -> None:
    result = CliRunner().invoke(main, ["check", "--root", str(repo), "--today", value])
    assert result.exit_code == 2
    assert f"{value!r} is not a date; write YYYY-MM-DD" in result.output


def test_waiver_of_a_policy_the_profile_switches_off_is_stale(repo: Path) -> None:
    write_waivers(repo, waiver(policy="MR-ROLL-009"))
    profiles = repo / "policies/profiles.yaml"
    replace_once(
        profiles,
        "    description: Customers are served. Every policy at its own severity.\n",
        '    description: x\n    policies:\n      MR-ROLL-009: "off"\n',
    )
    result = check(repo)
    assert result.exit_code == 0
    assert "the policy is off in this environment's profile" in result.output
