"""``modelrail new`` and a new model's way to production.

A scaffold passes ``check`` as written except for its placeholders, which
``new`` lists and MR-OPS-013 reports one by one; once they are filled the
check is clean and the spec renders. End to end, in a real git repository, a
new model goes dev -> test -> staging -> prod with ``new`` and ``promote
--commit`` (soaks simulated with ``--now``), with no waiver and a
pull-request body at every step.
"""

from __future__ import annotations

import re
import shutil
import time
from typing import TYPE_CHECKING

import pytest
import yaml
from click.testing import CliRunner, Result

from modelrail.cli import main
from modelrail.placeholders import ZERO_DIGEST
from testing.git import commit_at, git, hermetic
from testing.repo import bundled, copy_repo

if TYPE_CHECKING:
    from pathlib import Path

FINDING = re.compile(r"^(\S+):(\d+):(\d+): (error|warning|info) \[(MR-[A-Z]+-\d{3})\]")
DIGEST = "sha256:" + "ab" * 32


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def findings(result: Result) -> list[tuple[str, str]]:
    """(file, rule) of every finding of a text report."""
    out = []
    for line in result.stdout.splitlines()[:-1]:
        match = FINDING.match(line)
        assert match, line
        out.append((match[1], match[5]))
    return out


def fill(spec: Path) -> None:
    """What a person writes over the placeholders of a scaffold."""
    text = spec.read_text(encoding="utf-8")
    text = text.replace("todo.invalid", "models.example.com").replace(
        ".invalid/", ".example.com/"
    )
    text = re.sub(r"'TODO: what the model does[^']*'", "Scores churn risk.", text)
    text = re.sub(r"'TODO: the system this model[^']*'", "rules-engine v7", text)
    text = text.replace(
        "https://oncall.example.com/TODO-the-on-call-rota",
        "https://oncall.example.com/risk",
    )
    text = text.replace(
        "https://oncall.example.com/TODO-who-to-escalate-to", "leads@example.com"
    )
    spec.write_text(text.replace(ZERO_DIGEST, DIGEST), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo", templates=True)


@pytest.mark.parametrize("spec_type", ["predictive", "recommendation", "chatbot"])
@pytest.mark.parametrize("env", ["dev", "test", "staging", "prod"])
def test_a_scaffold_fails_check_only_at_its_placeholders(
    repo: Path, spec_type: str, env: str
) -> None:
    made = invoke("new", "churn-scorer", "--type", spec_type, "--env", env,
                  "--team", "risk-ml", "--root", str(repo))  # fmt: skip
    assert made.exit_code == 0, made.output
    file = f"environments/{env}/churn-scorer.yaml"
    assert made.stdout.splitlines()[0] == (
        f"wrote {file} ({spec_type}, from render/scaffold/{spec_type}.yaml)"
    )
    listed = [line.split(": ", 1)[0].strip() for line in made.stdout.splitlines()
              if line.startswith("  /")]  # fmt: skip
    assert len(listed) >= 15
    checked = invoke("check", "--root", str(repo), str(repo / file))
    assert checked.exit_code == 1
    assert findings(checked) == [(file, "MR-OPS-013")] * len(listed)
    fill(repo / file)
    clean = invoke("check", "--root", str(repo), str(repo / file))
    assert clean.exit_code == 0, clean.output
    assert invoke("render", "--root", str(repo), "--env", env).exit_code == 0


def test_the_environment_decides_what_it_owns(repo: Path) -> None:
    env_file = repo / "environments/test/environment.yaml"
    env = yaml.safe_load(env_file.read_text())
    assert invoke("new", "churn-scorer", "--type", "chatbot", "--env", "test",
                  "--root", str(repo)).exit_code == 0  # fmt: skip
    spec = yaml.safe_load((repo / "environments/test/churn-scorer.yaml").read_text())
    assert spec["metadata"] | {"description": "-"} == {
        "name": "churn-scorer", "environment": "test", "team": "todo-team",
        "description": "-", "contacts": spec["metadata"]["contacts"],
    }  # fmt: skip
    image = spec["spec"]["serving"]["image"]
    assert image == f"{env['spec']['registries'][0]}churn-scorer@{ZERO_DIGEST}"
    assert env["spec"]["trafficRouter"]["type"] == "nginx"
    assert spec["spec"]["security"]["networkPolicy"]["ingress"][0] == {
        "namespace": "ingress-nginx"
    }
    assert spec["spec"]["rollout"]["strategy"] == "canary"
    assert spec["spec"]["rollback"]["firstRelease"] == {"action": "remove"}
    assert "previousVersion" not in spec["spec"]["rollback"]
    assert spec["spec"]["serving"]["env"][1] == {
        "name": "MAX_MODEL_LEN",
        "value": "8192",
    }
    made = invoke("new", "x", "--type", "predictive", "--env", "dev", "--root",
                  str(repo))  # fmt: skip
    assert "note: rollout.strategy is rolling" in made.stdout
    dev = yaml.safe_load((repo / "environments/dev/x.yaml").read_text())
    assert dev["spec"]["rollout"] == {"strategy": "rolling"}  # no traffic router


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["fraud-detector", "--type", "predictive", "--env", "dev"], "exists"),
        (["Churn_Scorer", "--type", "predictive", "--env", "dev"], "not a model name"),
        (["churn-scorer", "--type", "predictive", "--env", "qa"], "unknown environment"),
        (["churn-scorer", "--type", "predictive", "--env", "dev", "--team", "a b"],
         "not a team name"),
        (["waivers", "--type", "predictive", "--env", "dev"], "environment's own file"),
    ],
)  # fmt: skip
def test_bad_input_is_exit_2(repo: Path, args: list[str], fragment: str) -> None:
    result = invoke("new", *args, "--root", str(repo))
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------- to production


def test_a_new_model_reaches_production_with_no_waiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    root = copy_repo(tmp_path / "repo", templates=True)
    shutil.copytree(bundled() / "rendered", root / "rendered")
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    commit_at(root, "base", "2026-11-01T00:00:00Z")
    timings: dict[str, float] = {}

    def timed(step: str, *args: str) -> Result:
        start = time.perf_counter()
        result = invoke(*args, "--root", str(root))
        timings[step] = time.perf_counter() - start
        return result

    made = timed("new", "new", "churn-scorer", "--type", "predictive",
                 "--env", "dev", "--team", "risk-ml")  # fmt: skip
    assert made.exit_code == 0, made.output
    fill(root / "environments/dev/churn-scorer.yaml")
    assert timed("check dev", "check").exit_code == 0
    assert invoke("render", "--root", str(root)).exit_code == 0
    commit_at(root, "feat(dev): churn-scorer", "2026-11-02T00:00:00Z")
    # (target, when its promotion is committed, when the next one is made:
    # after the next environment's soak, 12 h for staging, 24 h for prod)
    steps = [
        ("test", "2026-11-03T00:00:00Z", "2026-11-03T13:00:00Z"),
        ("staging", "2026-11-04T00:00:00Z", "2026-11-05T01:00:00Z"),
        ("prod", "2026-11-06T00:00:00Z", "2026-11-06T00:00:00Z"),
    ]
    when = "2026-11-02T12:00:00Z"
    for target, committed, later in steps:
        first = timed(f"promote {target}", "promote", "churn-scorer", "--to", target,
                      "--commit", "--now", when)  # fmt: skip
        # a scaffold for the target: its placeholders fail the check, nothing
        # is committed, and the pull-request body says so
        assert first.exit_code == 1, first.output
        assert "not committed: the check found errors" in first.stderr
        spec = root / f"environments/{target}/churn-scorer.yaml"
        rules = {rule for _, rule in findings_of(first)}
        assert rules == {"MR-OPS-013"}, first.stderr
        assert first.stdout.startswith(f"## churn-scorer 0.1.0 to {target}")
        assert "**Not ready to merge:** fix the errors above." in first.stdout
        fill(spec)
        again = timed(f"promote {target} --commit", "promote", "churn-scorer",
                      "--to", target, "--commit", "--now", when)  # fmt: skip
        assert again.exit_code == 0, again.output
        assert "already holds the promotion of churn-scorer 0.1.0" in again.stderr
        assert git(root, "log", "-1", "--format=%s") == (
            f"feat({target}): add churn-scorer 0.1.0 from "
            f"{ {'test': 'dev', 'staging': 'test', 'prod': 'staging'}[target] }"
        )
        assert again.stdout.startswith(f"## churn-scorer 0.1.0 to {target}")
        assert "no problems." in again.stdout
        assert git(root, "status", "--porcelain") == ""
        # what ran in the CI of that pull request: the check at the commit
        checked = invoke("check", "--root", str(root), "--now", when)
        assert checked.exit_code == 0, checked.output
        with monkeypatch.context() as env:  # the merge, at its own time
            env.setenv("GIT_AUTHOR_DATE", committed)
            env.setenv("GIT_COMMITTER_DATE", committed)
            git(root, "commit", "-q", "--amend", "--no-edit")
        when = later
    waivers = [yaml.safe_load(p.read_text())["waivers"]
               for p in root.glob("environments/*/waivers.yaml")]  # fmt: skip
    assert all(not found for found in waivers)
    assert invoke("render", "--check", "--root", str(root)).exit_code == 0
    assert all(seconds < 10 for seconds in timings.values()), timings


def findings_of(result: Result) -> list[tuple[str, str]]:
    """(file, rule) of the findings promote prints on stderr."""
    out = []
    for line in result.stderr.splitlines():
        match = FINDING.match(line)
        if match:
            out.append((match[1], match[5]))
    return out


def test_a_registry_without_a_trailing_slash(repo: Path) -> None:
    env_file = repo / "environments/test/environment.yaml"
    text = env_file.read_text()
    env_file.write_text(
        text.replace("- registry.example.com/ml/", "- registry.example.com/ml", 1)
    )
    assert invoke("new", "m", "--type", "predictive", "--env", "test", "--root",
                  str(repo)).exit_code == 0  # fmt: skip
    spec = yaml.safe_load((repo / "environments/test/m.yaml").read_text())
    assert (
        spec["spec"]["serving"]["image"] == f"registry.example.com/ml/m@{ZERO_DIGEST}"
    )


def test_a_scaffold_promoted_as_it_is_is_still_a_new_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source whose values all equal the scaffold's still makes a new spec
    in the target (never 'nothing to promote')."""
    hermetic(monkeypatch, tmp_path)
    root = copy_repo(tmp_path / "repo", templates=True)
    assert invoke("new", "m", "--type", "predictive", "--env", "test", "--team",
                  "risk-ml", "--root", str(root)).exit_code == 0  # fmt: skip
    result = invoke("promote", "m", "--to", "staging", "--root", str(root))
    assert "nothing to promote" not in result.stderr
    assert (root / "environments/staging/m.yaml").is_file()
