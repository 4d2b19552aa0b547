"""Per-tier profiles: the same spec, different severities; bad names are bad config."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.repo import line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path

PROFILES = "policies/profiles.yaml"
NO_ANALYSIS = (
    "      - {weight: 25, pause: 6h, analysis: true}",
    "      - {weight: 25, pause: 6h}",
)


def check(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["check", "--root", str(repo), "--today", "2026-11-21", *args]
    )


def same_spec_in_dev_and_prod(repo: Path) -> None:
    """The prod fraud-detector spec, one canary step without analysis, in both."""
    prod = repo / "environments/prod/fraud-detector.yaml"
    replace_once(prod, *NO_ANALYSIS)
    text = prod.read_text().replace("  environment: prod\n", "  environment: dev\n")
    (repo / "environments/dev/fraud-detector.yaml").write_text(text)


def test_same_spec_is_an_error_in_prod_and_a_warning_in_dev(repo: Path) -> None:
    same_spec_in_dev_and_prod(repo)
    result = check(repo)
    lines = [line for line in result.output.splitlines() if "[MR-ROLL-007]" in line]
    step = line_of(repo / "environments/prod/fraud-detector.yaml", "weight: 25")
    message = (
        "[MR-ROLL-007] canary step 2 (25 %) runs no analysis (fix: Set analysis: "
        "true on every step below 100 and give rollout.analysis an interval and a "
        "failureLimit.)"
    )
    assert lines == [
        f"environments/dev/fraud-detector.yaml:{step}:9: warning {message}",
        f"environments/prod/fraud-detector.yaml:{step}:9: error {message}",
    ]
    assert result.exit_code == 1


def test_profile_switches_a_policy_off(repo: Path) -> None:
    replace_once(repo / "environments/prod/fraud-detector.yaml", *NO_ANALYSIS)
    profiles = repo / PROFILES
    profiles.write_text(
        profiles.read_text()
        + "  lenient:\n    extends: production\n    policies:\n      MR-ROLL-007: off\n"
    )
    replace_once(
        repo / "environments/prod/environment.yaml",
        "  tier: production\n",
        "  tier: production\n  policyProfile: lenient\n",
    )
    result = check(repo, "-e", "prod")
    assert result.exit_code == 0, result.output
    assert "MR-ROLL-007" not in result.output


def test_profile_options_change_the_threshold(repo: Path) -> None:
    prod = repo / "environments/prod/fraud-detector.yaml"
    replace_once(prod, "maxDuration: 15m", "maxDuration: 20m")
    assert "[MR-RBK-003]" in check(repo, "-e", "prod").output
    profiles = repo / PROFILES
    replace_once(
        profiles,
        "    description: Customers are served. Every policy at its own severity.\n",
        "    description: Customers are served.\n    policies:\n"
        "      MR-RBK-003: {options: {maxDuration: 20m}}\n",
    )
    result = check(repo, "-e", "prod")
    assert "[MR-RBK-003]" not in result.output, result.output


def test_unknown_policy_in_a_profile_is_bad_config(repo: Path) -> None:
    profiles = repo / PROFILES
    replace_once(
        profiles, "      MR-ROLL-007: warning\n", "      MR-ROL-007: warning\n"
    )
    result = check(repo)
    assert result.exit_code == 2
    line = line_of(profiles, "MR-ROL-007")
    assert (
        f"{PROFILES}:{line}:7: error [MR-CONFIG-001] profile 'test' sets MR-ROL-007: "
        "no policy 'MR-ROL-007'; did you mean MR-ROLL-007? (modelrail policies "
        "lists them) (fix: name a policy of policies/, or remove the entry)"
    ) in result.output


def test_unknown_or_mistyped_option_is_bad_config(repo: Path) -> None:
    profiles = repo / PROFILES
    replace_once(
        profiles,
        "      MR-ROLL-007: warning\n",
        "      MR-ROLL-007: warning\n      MR-RBK-003: {options: {maxMinutes: 30, "
        "maxDuration: 30}}\n",
    )
    result = check(repo)
    assert result.exit_code == 2
    assert (
        "[MR-CONFIG-002] unknown option 'maxMinutes' for MR-RBK-003 (known: maxDuration)"
        in result.output
    )
    assert (
        "[MR-CONFIG-002] option 'maxDuration' of MR-RBK-003 must be a string like "
        "'15m', not 30"
    ) in result.output


def test_extends_must_name_a_profile_without_cycles(repo: Path) -> None:
    profiles = repo / PROFILES
    replace_once(profiles, "    extends: staging\n", "    extends: stagin\n")
    result = check(repo)
    assert result.exit_code == 2
    assert (
        "[MR-CONFIG-003] profile 'test' extends 'stagin', which is not a profile"
        in result.output
    )
    replace_once(profiles, "    extends: stagin\n", "    extends: development\n")
    result = check(repo)
    assert result.exit_code == 2
    assert (
        "[MR-CONFIG-003] profile 'development' extends itself through 'test'"
        in result.output
    )


def test_environment_naming_an_unknown_profile(repo: Path) -> None:
    env = repo / "environments/prod/environment.yaml"
    replace_once(
        env, "  tier: production\n", "  tier: production\n  policyProfile: prod-gpu\n"
    )
    result = check(repo, "-e", "prod")
    assert result.exit_code == 2
    line = line_of(env, "policyProfile")
    assert (
        f"environments/prod/environment.yaml:{line}:18: error [MR-CONFIG-004] policy "
        "profile 'prod-gpu' is not defined"
    ) in result.output


def test_unquoted_off_means_off(repo: Path) -> None:
    replace_once(repo / "environments/prod/fraud-detector.yaml", *NO_ANALYSIS)
    profiles = repo / PROFILES
    replace_once(
        profiles,
        "    description: Customers are served. Every policy at its own severity.\n",
        "    description: x\n    policies:\n      MR-ROLL-007: off\n",
    )
    result = check(repo, "-e", "prod")
    assert result.exit_code == 0, result.output


def test_profiles_file_that_is_not_yaml_is_bad_input(repo: Path) -> None:
    (repo / PROFILES).write_text("profiles: [\n")
    result = check(repo)
    assert result.exit_code == 2
    assert "policies/profiles.yaml:2:1: error [MR-LOAD]" in result.output


def test_duration_option_must_be_a_duration(repo: Path) -> None:
    profiles = repo / PROFILES
    replace_once(
        profiles, "{options: {maxDuration: 30m}}", "{options: {maxDuration: banana}}"
    )
    result = check(repo)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert (
        "[MR-CONFIG-002] option 'maxDuration' of MR-RBK-003 must be a duration like "
        "'15m' (such as 30s, 15m, 24h or 1h30m), not 'banana'"
    ) in result.output


def test_profiles_file_against_its_schema_is_bad_input(repo: Path) -> None:
    replace_once(
        repo / PROFILES, "      MR-ROLL-007: warning\n", "      MR-ROLL-007: warn\n"
    )
    result = check(repo)
    assert result.exit_code == 2
    assert "policies/profiles.yaml:" in result.output
    assert "[MR-SCHEMA]" in result.output


def test_unknown_profile_reported_when_only_the_environment_is_checked(
    repo: Path,
) -> None:
    env = repo / "environments/prod/environment.yaml"
    replace_once(
        env, "  tier: production\n", "  tier: production\n  policyProfile: strcit\n"
    )
    result = check(repo, str(env))
    assert result.exit_code == 2
    assert "[MR-CONFIG-004]" in result.output


def _set_in_production(repo: Path, policies: str) -> None:
    replace_once(
        repo / PROFILES,
        "    description: Customers are served. Every policy at its own severity.\n",
        "    description: Customers are served.\n    policies:\n" + policies,
    )


def test_a_production_setting_applies_to_production_alone(repo: Path) -> None:
    """Profiles are tier-local: no profile extends production, so a line under
    production changes nothing in staging, test or development."""
    before = CliRunner().invoke(main, ["policies", "--root", str(repo)]).output
    _set_in_production(repo, "      MR-SEC-005: warning\n")
    after = CliRunner().invoke(main, ["policies", "--root", str(repo)]).output
    row = next(line for line in after.splitlines() if line.startswith("MR-SEC-005"))
    assert row.split()[2:6] == ["error", "error", "error", "warning"]  # dev..prod
    changed = [
        (b, a)
        for b, a in zip(before.splitlines(), after.splitlines(), strict=True)
        if b != a
    ]
    assert [a.split()[0] for _, a in changed] == ["MR-SEC-005"]


def test_an_option_raised_in_production_is_worded_with_its_value(repo: Path) -> None:
    """The finding's message and fix say the option's value, not the default's."""
    _set_in_production(repo, "      MR-OPS-006: {options: {minimum: 4}}\n")
    result = check(repo, "-e", "prod", "--no-waivers")
    lines = [line for line in result.output.splitlines() if "[MR-OPS-006]" in line]
    assert len(lines) == 3, result.output  # the three prod models on 3 replicas
    for line in lines:
        assert "minReplicas 3 is below 4" in line, line
        assert "(fix: Raise serving.autoscaling.minReplicas to at least 4.)" in line
    assert "[MR-OPS-006]" not in check(repo, "-e", "staging").output


def test_policies_profile_shows_where_each_setting_comes_from(repo: Path) -> None:
    _set_in_production(repo, "      MR-OPS-006: {options: {minimum: 3}}\n")
    runner = CliRunner()
    table = runner.invoke(main, ["policies", "--root", str(repo), "--profile", "test"])
    assert table.exit_code == 0, table.output
    rows = {line.split()[0]: line for line in table.output.splitlines()[2:-1]}
    assert table.output.splitlines()[0] == "profile test (extends staging)"
    assert rows["MR-OPS-006"].split()[1:3] == ["off", "staging"]
    assert rows["MR-OPS-006"].endswith("minimum=2")  # production's 3 stays there
    assert rows["MR-RBK-003"].split()[1:3] == ["error", "policy"]
    assert rows["MR-RBK-003"].endswith("maxDuration=30m (staging)")
    assert rows["MR-SLO-001"].split()[1:3] == ["warning", "test"]
    assert rows["MR-SLO-001"].endswith("minimum=99.5 (test)")
    prod = runner.invoke(
        main, ["policies", "--root", str(repo), "--profile", "production", "-f", "json"]
    )
    document = json.loads(prod.output)
    assert document["extends"] == []
    ops = next(p for p in document["policies"] if p["id"] == "MR-OPS-006")
    assert ops["options"] == {"minimum": {"value": 3, "from": "production"}}
    assert ops["title"] == (
        "Production runs at least 3 replicas, so losing one is not an outage."
    )
    unknown = runner.invoke(main, ["policies", "--root", str(repo), "--profile", "qa"])
    assert unknown.exit_code == 2
    assert "no profile 'qa' (profiles and tiers: development, production" in (
        unknown.output
    )
