"""The pre-commit hooks: the repository's own (local only, run from .venv
whatever PATH says, passing on the committed repository, run in a clone so
nothing here is rewritten) and those it offers other repositories (installed by
pre-commit itself: modelrail's console scripts)."""

from __future__ import annotations

import importlib
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from testing.git import git, hermetic
from testing.render import render_repo
from testing.repo import ROOT
from testing.tools import require_tool

CONFIG = ROOT / ".pre-commit-config.yaml"
PUBLISHED = ROOT / ".pre-commit-hooks.yaml"
WRAPPER = "scripts/venv-run"
HOOKS = {
    "ruff-check",
    "ruff-format",
    "mypy",
    "import-contracts",
    "generated-docs",
    "modelrail-check",
    "modelrail-render-check",
}
VENV_TOOLS = ("ruff", "mypy", "lint-imports", "python", "modelrail")


def _local_hooks() -> list[dict[str, object]]:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    # `repo: local` hooks use the tools installed here: nothing is fetched.
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks: list[dict[str, object]] = config["repos"][0]["hooks"]
    return hooks


def test_only_local_hooks_and_each_runs_a_tool_of_the_venv() -> None:
    hooks = _local_hooks()
    assert {hook["id"] for hook in hooks} == HOOKS
    for hook in hooks:
        # issue 15, item 9: through the wrapper, not PATH
        assert hook["language"] == "script", hook["id"]
        program, tool, *_ = shlex.split(str(hook["entry"]))
        assert (program, tool in VENV_TOOLS) == (WRAPPER, True), hook["id"]
    assert os.access(ROOT / WRAPPER, os.X_OK)


def _wrapper_in(folder: Path) -> Path:
    """A copy of scripts/venv-run in ``folder``/scripts (its repository: ``folder``)."""
    (folder / "scripts").mkdir(parents=True)
    return Path(shutil.copy2(ROOT / WRAPPER, folder / "scripts"))


def test_the_wrapper_runs_the_venv_tool_with_its_arguments(tmp_path: Path) -> None:
    wrapper = _wrapper_in(tmp_path)
    tool = tmp_path / ".venv" / "bin" / "tool"
    tool.parent.mkdir(parents=True)
    tool.write_text('#!/bin/sh\necho "$0" "$@"\nexit 3\n', encoding="utf-8")
    tool.chmod(0o755)
    done = subprocess.run(
        [str(wrapper), "tool", "a b", "--c"],
        cwd=tmp_path.parent,  # anywhere: the venv is found from the script
        env={**os.environ, "PATH": os.defpath},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (3, f"{tool} a b --c\n", "")


def test_the_wrapper_says_what_to_run_when_the_venv_is_missing(tmp_path: Path) -> None:
    wrapper = _wrapper_in(tmp_path)
    done = subprocess.run(
        [str(wrapper), "modelrail", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"{tmp_path}/.venv/bin/modelrail is missing" in done.stderr
    assert f"run `make install-dev` in {tmp_path}" in done.stderr


def test_published_hooks_install_modelrail_console_scripts() -> None:
    hooks = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    scripts: dict[str, str] = pyproject["project"]["scripts"]
    assert hooks
    for hook in hooks:
        # pre-commit `pip install .`s this repository into the hook's own
        # virtualenv, which provides the entry's program.
        assert hook["language"] == "python", hook["id"]
        program = shlex.split(hook["entry"])[0]
        assert program in scripts, f"{hook['id']}: {program} is no console script"
        module, _, name = scripts[program].partition(":")
        assert callable(getattr(importlib.import_module(module), name))


def _path_without_virtualenvs() -> str:
    """PATH without the bin folder of any virtualenv (one with pyvenv.cfg above it)."""
    return os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not (Path(entry).parent / "pyvenv.cfg").is_file()
    )


def _link_venv(target: Path) -> None:
    """``target``: the virtualenv the tests run in, as links to its entries.

    ~0 s, where `make install-dev` in a clone takes ~5 s with warm uv and pip
    caches (and downloads the lock without them); python run from here still
    finds ``target``/pyvenv.cfg, so it is a virtualenv at ``target``."""
    venv = Path(sys.prefix)
    if venv == Path(sys.base_prefix):
        pytest.skip("the tests do not run in a virtualenv")
    missing = [tool for tool in VENV_TOOLS if not (venv / "bin" / tool).exists()]
    if missing:
        pytest.skip(f"{venv} lacks {', '.join(missing)} (make install-dev)")
    target.mkdir()
    for entry in venv.iterdir():
        (target / entry.name).symlink_to(entry)


def _pre_commit(clone: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            require_tool("pre-commit"),
            "run",
            "--all-files",
            "--show-diff-on-failure",
            "--color=never",
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_pre_commit_passes_on_the_committed_repository_without_venv_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tool("pre-commit")
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git repository")
    head = git(ROOT, "rev-parse", "HEAD")
    hermetic(monkeypatch, tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    # No virtualenv on PATH: the hooks find the clone's .venv themselves. The
    # committed engine runs on the committed content: the clone's src/ comes
    # before the editable install.
    env = {
        **os.environ,
        "PATH": _path_without_virtualenvs(),
        "PYTHONPATH": str(clone / "src"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
    }
    env.pop("VIRTUAL_ENV", None)

    # Without .venv, every hook fails and says what to run.
    done = _pre_commit(clone, env)
    assert done.returncode == 1, done.stdout + done.stderr
    failed = [line for line in done.stdout.splitlines() if line.endswith("Failed")]
    assert len(failed) == len(HOOKS), done.stdout
    assert done.stdout.count("run `make install-dev`") >= len(HOOKS), done.stdout

    _link_venv(clone / ".venv")
    done = _pre_commit(clone, env)
    assert done.returncode == 0, done.stdout + done.stderr
    for hook in (
        "ruff check",
        "ruff format",
        "mypy",
        "docs/policies.md",
        "modelrail check",
        "modelrail render --check",
    ):
        assert any(
            line.startswith(hook) and line.endswith("Passed")
            for line in done.stdout.splitlines()
        ), f"{hook} did not pass:\n{done.stdout}"
    # Nothing was rewritten in the clone, and the repository itself is where
    # it was (the hooks ran in the clone only).
    assert git(clone, "status", "--porcelain") == ""
    assert git(ROOT, "rev-parse", "HEAD") == head


# A GitOps repository of one environment and no model: the committed schemas,
# policies and templates, and none of the live environments/.
ENVIRONMENT = """\
apiVersion: modelrail.io/v1
kind: Environment
metadata:
  name: dev
spec:
  tier: development
  cluster: {name: k8s-dev, server: https://k8s-dev.example.com}
  namespace: models-dev
  kubernetesVersion: "1.30"
  registries: [registry.example.com/ml/]
  trafficRouter: {type: nginx, ingressClass: nginx, domain: models.dev.example.com}
  argocd:
    project: models-dev
    namespace: argocd
    repoURL: https://github.com/example-org/gitops.git
    targetRevision: main
    syncPolicy: {automated: true, prune: true, selfHeal: true}
"""


def _require_index(folder: Path) -> None:
    """Skip unless pip reaches its package index (one of modelrail's
    dependencies, downloaded with pip's configuration): offline, the test is
    skipped in seconds instead of failing."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    probe = pyproject["project"]["dependencies"][0]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
    command += ["--dest", str(folder), "--timeout", "10", "--retries", "0", probe]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"pip cannot download {probe!r}: {done.stderr.strip()[-300:]}")


@pytest.mark.slow
@pytest.mark.network
def test_published_hooks_install_modelrail_and_pass_in_another_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 12 to 26 s: pre-commit makes a virtualenv and `pip install .`s the
    # committed modelrail (uv_build from the index, then ~20 dependencies).
    pre_commit = require_tool("pre-commit")
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git repository")
    _require_index(tmp_path / "probe")
    hermetic(monkeypatch, tmp_path)
    clone = tmp_path / "modelrail"
    git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    gitops = tmp_path / "gitops"
    for folder in ("schemas", "policies", "render"):
        shutil.copytree(clone / folder, gitops / folder)
    (gitops / "environments" / "dev").mkdir(parents=True)
    (gitops / "environments" / "dev" / "environment.yaml").write_text(
        ENVIRONMENT, encoding="utf-8"
    )
    rendered = render_repo(gitops, env={"PYTHONPATH": str(clone / "src")})
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    git(gitops, "init", "-q")
    git(gitops, "add", ".")
    git(gitops, "commit", "-q", "-m", "a GitOps repository")

    # No modelrail but the hooks' own: no virtualenv on PATH, no PYTHONPATH.
    env = {
        **os.environ,
        "PATH": _path_without_virtualenvs(),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
    }
    for name in ("VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(name, None)
    done = subprocess.run(
        [pre_commit, "try-repo", str(clone), "--all-files", "--color=never"],
        cwd=gitops,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Installing environment for" in done.stdout
    for hook in ("modelrail check", "modelrail render --check"):
        assert any(
            line.startswith(f"{hook}.") and line.endswith("Passed")
            for line in done.stdout.splitlines()
        ), f"{hook} did not pass:\n{done.stdout}"
