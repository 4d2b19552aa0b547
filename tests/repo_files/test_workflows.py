"""The GitHub workflows: valid against the workflow schema, least privilege, pinned.

Each rule is a checker function that returns the problems it finds in one loaded
workflow (an empty list when there is none). The real files must give none, and
a copy broken on purpose must give the one the rule is about, so a checker that
silently stops checking fails here too. docs/ci.md explains the rules.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from testing.git import git, hermetic
from testing.repo import ROOT

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

WORKFLOWS = ROOT / ".github" / "workflows"
SCHEMA = ROOT / "schemas" / "external" / "github-workflows.json"

Workflow = dict[str, Any]

# The third-party actions the workflows may use: the commit each is pinned to
# and the release tag that commit is. Each pair was found in the workflows of
# at least two unrelated public repositories (docs/ci.md names them); a bump
# changes this table and the workflows together.
ACTIONS: dict[str, tuple[str, str]] = {
    "actions/checkout": ("08c6903cd8c0fde910a37f88322edcfb5dd907a8", "v5.0.0"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/attest": ("1e69f48acb82d1966a394da916b4c1698aa569d6", "v4.2.2"),
    "github/codeql-action/upload-sarif": (
        "0499de31b99561a6d14a36a5f662c2a54f91beee",
        "v4.31.2",
    ),
}

# Every write permission a job may hold, and why (docs/ci.md says the same).
# Reads are harmless under `permissions: {}` at the top; writes are listed.
WRITES: dict[tuple[str, str], frozenset[str]] = {
    # upload-sarif sends the report to code scanning
    ("modelrail.yml", "check"): frozenset({"security-events"}),
    # actions/attest signs the gate's Statement (an OIDC token for Sigstore,
    # then stored as an attestation); the modelrail/gate commit status
    ("promotion-gate.yml", "gate"): frozenset({"id-token", "attestations", "statuses"}),
}

# No expression at all inside `run:`: GitHub pastes its value into the script
# before bash reads it, so a branch name or a title could become code. Scripts
# read values from `env:` only (even the harmless ones: one rule, no judging).
_EXPRESSION = re.compile(r"\$\{\{")
_PINNED = re.compile(r"^(?P<action>[^@\s]+)@(?P<sha>[0-9a-f]{40})$")
_USES_LINE = re.compile(
    r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<tag>\S+))?\s*$"
)


# ------------------------------------------------------------------- loading


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans (true/false only), as GitHub and check-jsonschema read
    workflows: PyYAML's YAML 1.1 would turn the `on:` key into True."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load(text: str) -> Workflow:
    data = yaml.load(text, Loader=_Yaml12Loader)
    assert isinstance(data, dict), "a workflow is a mapping"
    return data


def _files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.y*ml"))


def _real(name: str) -> Workflow:
    return load((WORKFLOWS / name).read_text(encoding="utf-8"))


# ------------------------------------------------------------------- walking


def _jobs(workflow: Workflow) -> Iterator[tuple[str, dict[str, Any]]]:
    jobs = workflow.get("jobs") or {}
    yield from sorted(jobs.items())


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def _script(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in _steps(job))


def _uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [
        step
        for step in _steps(job)
        if str(step.get("uses", "")).split("@")[0] == action
    ]


def _triggers(workflow: Workflow) -> dict[str, Any]:
    on = workflow.get("on")
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on or {})


# ------------------------------------------------------------------ checkers


def schema_problems(workflow: Workflow) -> list[str]:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return sorted(
        f"{error.json_path}: {error.message}"
        for error in validator.iter_errors(workflow)
    )


def trigger_problems(workflow: Workflow) -> list[str]:
    # pull_request_target runs with the base repository's token and secrets;
    # with the pull request's code checked out, that is code execution.
    if "pull_request_target" in _triggers(workflow):
        return ["pull_request_target is never used"]
    return []


def permission_problems(name: str, workflow: Workflow) -> list[str]:
    problems = []
    top = workflow.get("permissions")
    if top is None:
        problems.append("no top-level permissions: the token would get the defaults")
    elif top != {} and top not in ("read-all", {"contents": "read"}):
        problems.append(f"top-level permissions {top!r}: only {{}} or contents: read")
    for job_id, job in _jobs(workflow):
        granted = job.get("permissions")
        if granted is None:
            problems.append(f"job {job_id}: no permissions of its own")
            continue
        if isinstance(granted, str):
            if granted != "read-all":
                problems.append(f"job {job_id}: permissions {granted!r}")
            continue
        allowed = WRITES.get((name, job_id), frozenset())
        for scope, level in sorted(granted.items()):
            if level == "write" and scope not in allowed:
                problems.append(f"job {job_id}: {scope}: write is not justified")
    return problems


def pin_problems(workflow: Workflow) -> list[str]:
    problems = []
    for job_id, job in _jobs(workflow):
        refs = [str(step["uses"]) for step in _steps(job) if "uses" in step]
        if "uses" in job:  # a reusable workflow
            refs.append(str(job["uses"]))
        for ref in refs:
            if ref.startswith("./"):
                continue  # the repository's own code, pinned by the checkout
            pinned = _PINNED.match(ref)
            if pinned is None:
                problems.append(f"job {job_id}: {ref} is not pinned to a commit")
            elif ACTIONS.get(pinned["action"], ("",))[0] != pinned["sha"]:
                problems.append(f"job {job_id}: {ref} is not a reviewed pin")
    return problems


def pin_comment_problems(text: str) -> list[str]:
    """Every pinned `uses:` line says which release its commit is."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        found = _USES_LINE.match(line)
        if found is None or found["ref"].startswith("./"):
            continue
        action = found["ref"].split("@")[0]
        expected = ACTIONS.get(action, ("", ""))[1]
        if found["tag"] != expected:
            problems.append(f"line {number}: {action} needs the comment # {expected}")
    return problems


def checkout_problems(workflow: Workflow) -> list[str]:
    problems = []
    for job_id, job in _jobs(workflow):
        checkouts = _uses(job, "actions/checkout")
        problems += [
            f"job {job_id}: checkout keeps the token in .git"
            for step in checkouts
            if step.get("with", {}).get("persist-credentials") is not False
        ]
        # What reads history needs all of it: check --base, diff --base, gate.
        script = _script(job)
        if "--base" in script or "$BASE" in script:
            if not checkouts:
                problems.append(f"job {job_id}: reads git history without a checkout")
            problems += [
                f"job {job_id}: needs fetch-depth: 0"
                for step in checkouts
                if str(step.get("with", {}).get("fetch-depth")) != "0"
            ]
    return problems


def script_problems(workflow: Workflow) -> list[str]:
    problems = []
    for job_id, job in _jobs(workflow):
        for step in _steps(job):
            if _EXPRESSION.search(str(step.get("run", ""))):
                problems.append(
                    f"job {job_id}: an expression inside run: (pass it via env:)"
                )
            if "continue-on-error" in step or "continue-on-error" in job:
                problems.append(f"job {job_id}: continue-on-error hides a failure")
    return problems


def _strings(
    node: object, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, str(index)))
    elif isinstance(node, str):
        yield path, node


def secret_problems(workflow: Workflow) -> list[str]:
    """A secret reaches only the one step that needs it, through that step's
    `env:` (never a job's or the workflow's env, never `with:` or `run:`)."""
    return [
        f"{'.'.join(path)}: a secret outside a step's env:"
        for path, text in _strings(workflow)
        if "secrets." in text
        and not (
            len(path) == 6 and path[0] == "jobs" and path[2:5:2] == ("steps", "env")
        )
    ]


def hygiene_problems(workflow: Workflow) -> list[str]:
    problems = []
    concurrency = workflow.get("concurrency")
    if not isinstance(concurrency, dict) or "cancel-in-progress" not in concurrency:
        problems.append("no concurrency group cancelling superseded runs")
    for job_id, job in _jobs(workflow):
        if "timeout-minutes" not in job:
            problems.append(f"job {job_id}: no timeout-minutes")
        for step in _uses(job, "actions/setup-python"):
            settings = step.get("with", {})
            if settings.get("python-version") != "3.11":
                problems.append(f"job {job_id}: Python 3.11")
            if "cache" in settings:  # uv installs: a pip cache would stay empty
                problems.append(f"job {job_id}: a pip cache that nothing fills")
    return problems


# What may install Python packages in a script: the Makefile's targets, which
# install the lock hash-checked (.ci/run calls make test).
_INSTALLS = re.compile(r"\b(?:pip3?|uv pip|python3? -m pip)\s+(?:install|sync)\b")


def install_problems(workflow: Workflow) -> list[str]:
    problems = []
    for job_id, job in _jobs(workflow):
        script = _script(job)
        if _INSTALLS.search(script):
            problems.append(
                f"job {job_id}: installs outside the lock (use make install, "
                "make install-dev or .ci/run)"
            )
        uses_modelrail = re.search(
            r"(?m)^\s*modelrail |\$\(modelrail |pre-commit ", script
        )
        if uses_modelrail and "make install" not in script:
            problems.append(f"job {job_id}: runs modelrail without installing the lock")
    return problems


def sarif_problems(name: str, workflow: Workflow) -> list[str]:
    problems = []
    for job_id, job in _jobs(workflow):
        for step in _uses(job, "github/codeql-action/upload-sarif"):
            condition = str(step.get("if", ""))
            if "always()" not in condition or "hashFiles(" not in condition:
                problems.append(
                    f"job {job_id}: upload the SARIF also when the check failed "
                    "(always()) and only if the file exists (hashFiles)"
                )
            if not step.get("with", {}).get("category"):
                problems.append(f"job {job_id}: the SARIF upload needs a category")
            if "security-events" not in WRITES.get((name, job_id), frozenset()):
                problems.append(f"job {job_id}: uploads SARIF without being allowed")
    return problems


# The gate job (issue 7): what it must do, as text in its script.
_GATE_SCRIPT = (
    (
        'git diff --no-renames --name-only --diff-filter=AM "$BASE"...HEAD'
        " -- 'environments/prod/*.yaml'"
    ),
    "environments/prod/environment.yaml | environments/prod/waivers.yaml",
    'modelrail gate "$model" --env prod --format markdown',
    '>> "$GITHUB_STEP_SUMMARY"',
    'exit "$failed"',
)
_GATE_SECRETS = {
    "MODELRAIL_PROMETHEUS_TOKEN": "${{ secrets.MODELRAIL_PROMETHEUS_TOKEN }}",
    "MLFLOW_TRACKING_TOKEN": "${{ secrets.MLFLOW_TRACKING_TOKEN }}",
}


def gate_problems(workflow: Workflow) -> list[str]:
    problems = []
    triggers = _triggers(workflow)
    if set(triggers) != {"pull_request"}:
        problems.append(f"the gate runs on pull requests only, not {sorted(triggers)}")
    elif (triggers["pull_request"] or {}).get("paths") != ["environments/prod/*.yaml"]:
        problems.append("the gate runs only when environments/prod/*.yaml changed")
    steps = [
        step
        for _, job in _jobs(workflow)
        for step in _steps(job)
        if "modelrail gate" in str(step.get("run", ""))
    ]
    if len(steps) != 1:
        return [*problems, f"{len(steps)} steps run modelrail gate, not one"]
    script = str(steps[0]["run"])
    problems += [
        f"the gate script lacks {part}" for part in _GATE_SCRIPT if part not in script
    ]
    env = steps[0].get("env", {})
    for name, value in _GATE_SECRETS.items():
        if env.get(name) != value:
            problems.append(f"{name} must come from {value} through env:")
    return problems


# ---------------------------------------------------------- the real files


def test_every_workflow_is_here() -> None:
    names = [path.name for path in _files()]
    assert names == [
        "auto-promote.yml",
        "auto-rollback.yml",
        "ci.yml",
        "latest-deps.yml",
        "modelrail.yml",
        "promotion-gate.yml",
        "render-full.yml",
    ]


@pytest.mark.parametrize("path", _files(), ids=lambda path: path.name)
def test_real_workflow_passes_every_rule(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    workflow = load(text)
    assert schema_problems(workflow) == []
    assert trigger_problems(workflow) == []
    assert permission_problems(path.name, workflow) == []
    assert pin_problems(workflow) == []
    assert pin_comment_problems(text) == []
    assert checkout_problems(workflow) == []
    assert script_problems(workflow) == []
    assert hygiene_problems(workflow) == []
    assert sarif_problems(path.name, workflow) == []
    assert secret_problems(workflow) == []
    assert install_problems(workflow) == []
    assert "pull_request_target" not in text


def test_the_schema_is_draft_07_and_valid() -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def test_on_is_a_key_not_a_boolean() -> None:
    assert load("on: push\nx: yes\ny: true\n") == {"on": "push", "x": "yes", "y": True}
    # the loader is a copy: PyYAML's own SafeLoader is untouched
    assert yaml.safe_load("on: push") == {True: "push"}


def test_pull_requests_are_checked_against_their_base() -> None:
    workflow = _real("modelrail.yml")
    triggers = _triggers(workflow)
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"] == {"branches": ["main"]}
    assert set(triggers["pull_request"]["paths"]) == {
        "environments/**",
        "policies/**",
        "schemas/**",
        "render/**",
        "rendered/**",
        "src/**",
        "pyproject.toml",
        ".github/workflows/**",
    }
    # origin/<base branch> on a pull request, nothing (a full check) on main
    assert workflow["env"]["BASE"] == (
        "${{ github.event_name == 'pull_request' && "
        "format('origin/{0}', github.base_ref) || '' }}"
    )
    check = workflow["jobs"]["check"]
    script = _script(check)
    assert 'scope=(--base "$BASE")' in script
    for fmt in ("github", "sarif --output modelrail.sarif", "markdown"):
        assert f'modelrail check "${{scope[@]}}" --format {fmt}' in script
    assert "make install" in script
    assert (
        _script(workflow["jobs"]["render"]).strip().endswith("modelrail render --check")
    )
    diff = workflow["jobs"]["diff"]
    assert diff["if"] == "github.event_name == 'pull_request'"
    assert 'modelrail diff --base "$BASE" --format markdown' in _script(diff)


def test_the_tests_run_through_ci_run() -> None:
    workflow = _real("ci.yml")
    assert _script(workflow["jobs"]["test"]).strip() == "bash .ci/run"
    assert "pre-commit run --all-files" in _script(workflow["jobs"]["lint"])


def test_the_newest_releases_are_tested_weekly_without_the_lock() -> None:
    workflow = _real("latest-deps.yml")
    assert set(_triggers(workflow)) == {"schedule", "workflow_dispatch"}
    assert _triggers(workflow)["schedule"] == [{"cron": "17 5 * * 1"}]
    (job,) = (job for _, job in _jobs(workflow))
    (step,) = (step for step in _steps(job) if "run" in step)
    assert step["run"].strip() == "bash .ci/run"
    assert step["env"] == {"MODELRAIL_DEPS": "latest"}
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert (
        'if [ "${MODELRAIL_DEPS:-lock}" = latest ]; then\n  make test-latest' in ci_run
    )
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest-latest:", 1)[1].split("\n\n", 1)[0]
    assert "requirements/" not in recipe  # no lock
    assert "--upgrade" in recipe
    assert "MODELRAIL_UNLOCKED=1" in recipe


def test_the_automatic_rollback() -> None:
    workflow = _real("auto-rollback.yml")
    triggers = _triggers(workflow)
    assert set(triggers) == {"schedule", "repository_dispatch", "workflow_dispatch"}
    assert triggers["schedule"] == [{"cron": "*/5 * * * *"}]
    assert triggers["repository_dispatch"] == {"types": ["alertmanager"]}
    assert workflow["concurrency"] == {
        "group": "auto-rollback",
        "cancel-in-progress": False,
    }
    (job,) = (job for _, job in _jobs(workflow))
    (checkout,) = _uses(job, "actions/checkout")
    assert str(checkout["with"]["fetch-depth"]) == "0"
    script = _script(job)
    assert (
        'modelrail rollback --from-alerts "$ALERTMANAGER_URL" --body bodies' in script
    )
    assert 'gh pr create --base main --head "$branch"' in script
    (step,) = (s for s in _steps(job) if "modelrail rollback" in str(s.get("run")))
    assert step["env"]["MODELRAIL_ALERTMANAGER_TOKEN"] == (
        "${{ secrets.MODELRAIL_ALERTMANAGER_TOKEN }}"
    )
    # pushed with a token whose pushes start the checks (not the job's own)
    assert step["env"]["GH_TOKEN"] == "${{ secrets.MODELRAIL_ROLLBACK_TOKEN }}"
    assert job["permissions"] == {"contents": "read"}


def test_the_automatic_promotion() -> None:
    workflow = _real("auto-promote.yml")
    triggers = _triggers(workflow)
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert workflow["concurrency"] == {
        "group": "auto-promote",
        "cancel-in-progress": False,
    }
    (job,) = (job for _, job in _jobs(workflow))
    (checkout,) = _uses(job, "actions/checkout")
    # soak times from history; the remote branches say what is under way
    assert str(checkout["with"]["fetch-depth"]) == "0"
    script = _script(job)
    assert 'modelrail promote --auto --gate "${urls[@]}" --body bodies' in script
    assert 'branch="promote/$env_name/$model"' in script
    assert 'gh pr create --base main --head "$branch"' in script
    assert 'gh pr merge "$branch" --auto --squash' in script
    (step,) = (s for s in _steps(job) if "modelrail promote" in str(s.get("run")))
    for name, value in _GATE_SECRETS.items():
        assert step["env"][name] == value
    # pushed with a token whose pushes start the checks (not the job's own)
    assert step["env"]["GH_TOKEN"] == "${{ secrets.MODELRAIL_PROMOTE_TOKEN }}"
    assert job["permissions"] == {"contents": "read"}


def test_the_promotion_gate() -> None:
    assert gate_problems(_real("promotion-gate.yml")) == []


def test_the_promotion_gate_signs_its_statement_and_sets_a_status() -> None:
    """Issue 19: the gate's in-toto Statement, signed with GitHub's artifact
    attestations, and the modelrail/gate commit status auto-merge waits on."""
    (job,) = (job for _, job in _jobs(_real("promotion-gate.yml")))
    script = _script(job)
    assert '--format intoto --at "$at" --output "gate-statements/$model' in script
    assert '--format markdown --at "$at"' in script  # one window for both
    (sign,) = _uses(job, "actions/attest")
    assert sign["with"] == {
        "subject-checksums": "gate-subjects.sha256",
        "predicate-type": "https://modelrail.io/gate/v1",
        "predicate-path": "gate-predicate.json",
    }
    assert "steps.statement.outputs.ready == 'true'" in sign["if"]
    (status,) = (s for s in _steps(job) if "statuses/" in str(s.get("run", "")))
    assert "context=modelrail/gate" in status["run"]
    assert status["if"] == "${{ !cancelled() }}"  # also when the gate failed
    assert status["env"]["HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}"
    assert status["env"]["GATE"] == "${{ steps.gate.outcome }}"
    steps = _steps(job)
    assert steps.index(sign) < steps.index(status)
    assert job["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "attestations": "write",
        "statuses": "write",
    }


@pytest.mark.parametrize("path", _files(), ids=lambda path: path.name)
def test_every_script_is_bash(path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    for _, job in _jobs(load(path.read_text(encoding="utf-8"))):
        for step in _steps(job):
            if "run" in step:
                done = subprocess.run(
                    [bash, "-n", "-c", step["run"]],
                    check=False,
                    capture_output=True,
                    text=True,
                )
                assert done.returncode == 0, (step.get("name"), done.stderr)


# ---------------------------------------------------------- broken copies


def _check_job(workflow: Workflow) -> dict[str, Any]:
    job: dict[str, Any] = workflow["jobs"]["check"]
    return job


def _set_checkout(ref: str) -> Callable[[Workflow], None]:
    def edit(workflow: Workflow) -> None:
        _uses(_check_job(workflow), "actions/checkout")[0]["uses"] = ref

    return edit


def _set_with(key: str, value: object) -> Callable[[Workflow], None]:
    def edit(workflow: Workflow) -> None:
        _uses(_check_job(workflow), "actions/checkout")[0]["with"][key] = value

    return edit


def _drop_with(key: str) -> Callable[[Workflow], None]:
    def edit(workflow: Workflow) -> None:
        del _uses(_check_job(workflow), "actions/checkout")[0]["with"][key]

    return edit


def _sarif_step(workflow: Workflow) -> dict[str, Any]:
    return _uses(_check_job(workflow), "github/codeql-action/upload-sarif")[0]


BROKEN: dict[
    str, tuple[Callable[[Workflow], None], Callable[[Workflow], list[str]]]
] = {
    "checkout by tag": (_set_checkout("actions/checkout@v4"), pin_problems),
    "checkout by branch": (_set_checkout("actions/checkout@main"), pin_problems),
    "short sha": (_set_checkout("actions/checkout@08c6903"), pin_problems),
    "unreviewed sha": (
        _set_checkout("actions/checkout@" + "0" * 40),
        pin_problems,
    ),
    "write-all at the top": (
        lambda w: w.update(permissions="write-all"),
        lambda w: permission_problems("modelrail.yml", w),
    ),
    "write at the top": (
        lambda w: w.update(permissions={"contents": "write"}),
        lambda w: permission_problems("modelrail.yml", w),
    ),
    "no top-level permissions": (
        lambda w: w.pop("permissions"),
        lambda w: permission_problems("modelrail.yml", w),
    ),
    "write-all in a job": (
        lambda w: w["jobs"]["render"].update(permissions="write-all"),
        lambda w: permission_problems("modelrail.yml", w),
    ),
    "unjustified write": (
        lambda w: w["jobs"]["diff"]["permissions"].update({"pull-requests": "write"}),
        lambda w: permission_problems("modelrail.yml", w),
    ),
    "a job without permissions": (
        lambda w: w["jobs"]["render"].pop("permissions"),
        lambda w: permission_problems("modelrail.yml", w),
    ),
    "pull_request_target": (
        lambda w: w["on"].update(pull_request_target={}),
        trigger_problems,
    ),
    "pull_request_target alone": (
        lambda w: w.update(on="pull_request_target"),
        trigger_problems,
    ),
    "shallow checkout": (_drop_with("fetch-depth"), checkout_problems),
    "depth one": (_set_with("fetch-depth", 1), checkout_problems),
    "token kept": (_set_with("persist-credentials", True), checkout_problems),
    "token kept by default": (_drop_with("persist-credentials"), checkout_problems),
    "title in a script": (
        lambda w: _steps(_check_job(w))[3].update(
            run='echo "${{ github.event.pull_request.title }}"'
        ),
        script_problems,
    ),
    "continue-on-error": (
        lambda w: _steps(_check_job(w))[3].update({"continue-on-error": True}),
        script_problems,
    ),
    "no timeout": (lambda w: _check_job(w).pop("timeout-minutes"), hygiene_problems),
    "no concurrency": (lambda w: w.pop("concurrency"), hygiene_problems),
    "a pip cache": (
        lambda w: _uses(_check_job(w), "actions/setup-python")[0]["with"].update(
            {"cache": "pip"}
        ),
        hygiene_problems,
    ),
    "pip install": (
        lambda w: _steps(_check_job(w))[2].update(run="python -m pip install -e ."),
        install_problems,
    ),
    "uv pip install": (
        lambda w: _steps(_check_job(w))[2].update(run="uv pip install modelrail"),
        install_problems,
    ),
    "no install": (
        lambda w: _steps(_check_job(w))[2].update(run="true"),
        install_problems,
    ),
    "python 3.12": (
        lambda w: _uses(_check_job(w), "actions/setup-python")[0]["with"].update(
            {"python-version": "3.12"}
        ),
        hygiene_problems,
    ),
    "SARIF only on success": (
        lambda w: _sarif_step(w).update({"if": "hashFiles('modelrail.sarif') != ''"}),
        lambda w: sarif_problems("modelrail.yml", w),
    ),
    "SARIF without category": (
        lambda w: _sarif_step(w)["with"].pop("category"),
        lambda w: sarif_problems("modelrail.yml", w),
    ),
    "SARIF from another job": (
        lambda w: w["jobs"]["render"]["steps"].append(copy.deepcopy(_sarif_step(w))),
        lambda w: sarif_problems("modelrail.yml", w),
    ),
    "a secret for the whole job": (
        lambda w: _check_job(w).update(env={"T": "${{ secrets.T }}"}),
        secret_problems,
    ),
    "a secret for the whole workflow": (
        lambda w: w["env"].update(T="${{ secrets.T }}"),
        secret_problems,
    ),
    "a secret as an action input": (
        lambda w: _sarif_step(w)["with"].update(token="${{ secrets.T }}"),
        secret_problems,
    ),
    "no runs-on": (lambda w: w["jobs"]["render"].pop("runs-on"), schema_problems),
    "unknown key": (lambda w: w["jobs"]["render"].update(runs_on="x"), schema_problems),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_copy_is_caught(case: str) -> None:
    workflow = _real("modelrail.yml")
    edit, checker = BROKEN[case]
    assert checker(workflow) == []  # the real file passes ...
    edit(workflow)
    assert checker(workflow) != []  # ... and the broken copy does not


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("# v5.0.0", ""),  # no comment at all
        ("# v5.0.0", "# v4"),  # a comment that does not name the pinned release
        ("# v4.31.2", "# v3.28.18"),
    ],
)
def test_a_pin_without_its_release_comment_is_caught(old: str, new: str) -> None:
    text = (WORKFLOWS / "modelrail.yml").read_text(encoding="utf-8")
    assert pin_comment_problems(text) == []
    assert pin_comment_problems(text.replace(old, new, 1)) != []


GATE_BROKEN: dict[str, Callable[[Workflow], None]] = {
    "also on push": lambda w: w["on"].update(push={"branches": ["main"]}),
    "every path": lambda w: w["on"]["pull_request"].pop("paths"),
    "deleted specs too": lambda w: _gate_step(w).update(
        run=_gate_step(w)["run"].replace("--diff-filter=AM", "--diff-filter=AMD")
    ),
    "no summary": lambda w: _gate_step(w).update(
        run=_gate_step(w)["run"].replace('>> "$GITHUB_STEP_SUMMARY"', "")
    ),
    "never fails": lambda w: _gate_step(w).update(
        run=_gate_step(w)["run"].replace('exit "$failed"', "exit 0")
    ),
    "staging instead": lambda w: _gate_step(w).update(
        run=_gate_step(w)["run"].replace("--env prod", "--env staging")
    ),
    "token in the script": lambda w: _gate_step(w)["env"].pop("MLFLOW_TRACKING_TOKEN"),
    "no gate": lambda w: _gate_step(w).update(run="true"),
    "renames left out": lambda w: _gate_step(w).update(
        run=_gate_step(w)["run"].replace("--no-renames ", "")
    ),
}


def _gate_step(workflow: Workflow) -> dict[str, Any]:
    (step,) = (s for s in _steps(workflow["jobs"]["gate"]) if s.get("id") == "gate")
    return step


@pytest.mark.parametrize("case", sorted(GATE_BROKEN))
def test_a_broken_gate_is_caught(case: str) -> None:
    workflow = _real("promotion-gate.yml")
    assert gate_problems(workflow) == []
    GATE_BROKEN[case](workflow)
    assert gate_problems(workflow) != []


# ------------------------------------------- the gate script, run for real

# `modelrail gate` comes with issue 7; until then a stand-in on PATH records
# the arguments it is given and fails for the models named in GATE_FAILS.
_STAND_IN = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$GATE_CALLS"
case " $GATE_FAILS " in *" $2 "* | *" $2:$6 "*) echo "gate of $2: missed"; exit 1 ;; esac
echo "gate of $2: met"
"""


def _run_gate(
    tmp_path: Path, *, fails: str = "", prometheus: str = ""
) -> tuple[int, str, list[str], str]:
    """Run the workflow's own gate script in ``tmp_path/repo`` (HEAD = the pull
    request, ``base`` = its base); the exit code, stdout, the recorded calls and
    the job summary."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "modelrail"
    stand_in.write_text(_STAND_IN, encoding="utf-8")
    stand_in.chmod(0o755)
    calls, summary = tmp_path / "calls", tmp_path / "summary.md"
    calls.touch()
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CEILING_DIRECTORIES": str(tmp_path),
        "BASE": "base",
        "GATE_CALLS": str(calls),
        "GATE_FAILS": fails,
        "GITHUB_STEP_SUMMARY": str(summary),
        "MODELRAIL_PROMETHEUS_URL": prometheus,
        "MODELRAIL_REGISTRY_URL": "",
        "MODELRAIL_PROMETHEUS_TOKEN": "",
        "MLFLOW_TRACKING_TOKEN": "",
    }
    script = _gate_step(_real("promotion-gate.yml"))["run"]
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        check=False,
        cwd=tmp_path / "repo",
        env=env,
        capture_output=True,
        text=True,
    )
    recorded = calls.read_text(encoding="utf-8").splitlines()
    # every run of one job has the same --at, a UTC time to the second
    ats = {m for c in recorded for m in re.findall(r"--at (\S+)", c)}
    assert len(ats) <= 1
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", at) for at in ats)
    recorded = [re.sub(r"--at \S+", "--at AT", c) for c in recorded]
    return done.returncode, done.stdout, recorded, summary.read_text(encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def _pull_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose base has two prod specs and whose HEAD changes one,
    adds one, deletes one, and touches environment.yaml, waivers.yaml, a
    staging spec and a file below environments/prod/ (each file has its own
    content, so that git sees no rename)."""
    hermetic(monkeypatch, tmp_path)
    repo = tmp_path / "repo"
    prod = repo / "environments" / "prod"
    for name in ("fraud-detector", "support-assistant", "environment", "waivers"):
        _write(prod / f"{name}.yaml", f"{name}: 1\n")
    git(repo, "init", "-q", "-b", "main")
    _commit(repo, "base")
    git(repo, "branch", "base")
    for name in ("fraud-detector", "environment", "waivers"):
        _write(prod / f"{name}.yaml", f"{name}: 2\n")
    _write(prod / "product-recommender.yaml", "product-recommender: 1\n")
    (prod / "support-assistant.yaml").unlink()
    _write(repo / "environments" / "staging" / "other.yaml", "other: 1\n")
    _write(prod / "notes" / "nested.yaml", "nested: 1\n")
    _commit(repo, "promote")
    return repo


def test_the_gate_runs_for_each_added_or_changed_prod_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pull_request(tmp_path, monkeypatch)
    code, _, calls, summary = _run_gate(tmp_path)
    assert code == 0
    out = "--output gate-statements/{0}.intoto.json"
    assert calls == [
        "gate fraud-detector --env prod --format markdown --at AT",
        f"gate fraud-detector --env prod --format intoto --at AT {out}".format(
            "fraud-detector"
        ),
        "gate product-recommender --env prod --format markdown --at AT",
        f"gate product-recommender --env prod --format intoto --at AT {out}".format(
            "product-recommender"
        ),
    ]
    assert summary == "gate of fraud-detector: met\ngate of product-recommender: met\n"


def test_a_renamed_spec_is_gated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git sees a rename (R), which --diff-filter=AM alone would leave out
    repo = _pull_request(tmp_path, monkeypatch)
    git(repo, "branch", "-f", "base", "HEAD")
    git(
        repo,
        "mv",
        "environments/prod/fraud-detector.yaml",
        "environments/prod/fraud-scorer.yaml",
    )
    _commit(repo, "rename")
    assert "R100" in git(repo, "diff", "--name-status", "base...HEAD")
    code, _, calls, _ = _run_gate(tmp_path)
    assert (code, calls[0]) == (
        0,
        "gate fraud-scorer --env prod --format markdown --at AT",
    )
    assert len(calls) == 2


def test_one_failed_gate_fails_the_job_after_all_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pull_request(tmp_path, monkeypatch)
    code, stdout, calls, summary = _run_gate(
        tmp_path, fails="fraud-detector", prometheus="http://127.0.0.1:9"
    )
    assert code == 1
    assert len(calls) == 4  # the second model is still gated (twice: + intoto)
    assert calls[0].endswith("--prometheus http://127.0.0.1:9")
    assert "gate of fraud-detector: missed" in summary
    assert (
        "::error file=environments/prod/fraud-detector.yaml::"
        "the promotion gate failed for fraud-detector (exit 1)"
    ) in stdout


def test_no_promoted_spec_means_nothing_to_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _pull_request(tmp_path, monkeypatch)
    git(repo, "branch", "-f", "base", "HEAD")  # the pull request changes nothing
    code, _, calls, summary = _run_gate(tmp_path)
    assert (code, calls) == (0, [])
    assert "nothing to gate" in summary


def test_a_file_name_that_is_not_a_model_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _pull_request(tmp_path, monkeypatch)
    _write(repo / "environments" / "prod" / "$(touch pwned).yaml", "x: 1\n")
    _commit(repo, "hostile")
    code, stdout, calls, _ = _run_gate(tmp_path)
    assert code == 1
    assert "is not a model name" in stdout
    assert len(calls) == 4  # the real models are still gated (each twice)
    assert not (repo / "pwned").exists()


def test_a_statement_run_that_disagrees_fails_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pull_request(tmp_path, monkeypatch)
    code, stdout, _, summary = _run_gate(tmp_path, fails="fraud-detector:intoto")
    assert code == 1
    assert "gate of fraud-detector: met" in summary
    assert (
        "::error file=environments/prod/fraud-detector.yaml::the Statement's gate "
        "run of fraud-detector exited 1, the summary's 0"
    ) in stdout


def test_the_nightly_render_trusts_nothing() -> None:
    """``render --check`` trusts folders by their render.sum; the nightly run
    renders everything, so what the digests cannot see is found within a day."""
    workflow = _real("render-full.yml")
    assert "schedule" in workflow["on"]
    runs = [
        str(step.get("run", ""))
        for job in workflow["jobs"].values()
        for step in job["steps"]
    ]
    assert "modelrail render --check --full" in runs
