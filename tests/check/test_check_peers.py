"""``check.Peers``: the specs of other environments, read on demand.

``modelrail check --base main environments/prod/fraud-detector.yaml`` checks
one file, yet MR-PROM-001 judges it against staging's spec of the same
model: ``Peers`` reads it from the working tree when a policy asks, and a
spec that is not valid there reads as absent. Each test copies the bundled
repository, commits it on ``main`` with git itself (dated long ago, so every
soak is met) and promotes fraud-detector 3.3.0 from staging into prod by
copying staging's version, artifact, digest and image lines. Proven:

- the promotion passes with one file named, and staging is read, not
  checked: its working tree counts (a digest edited there and not
  committed is what prod is compared with), and its own problems are not
  reported;
- a staging spec that is schema-invalid, does not parse or is gone reads as
  absent: MR-PROM-001 says staging has no (valid) spec; when test runs the
  version, that is MR-PROM-002's skipped environment instead;
- ``Peers`` itself: the run's own specs come from memory, any other is read
  and validated once (the answer, None too, is kept for the run); an
  environment that is not a folder of the repository has no peers.

A gap these tests found stays pinned: a spec written ``<name>.yml``, which
``check`` reads and validates like a ``.yaml`` one, was no peer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from modelrail.check.runner import Peers
from modelrail.cli import main
from modelrail.repository.consistency import Loaded
from modelrail.repository.layout import Repository
from modelrail.repository.loader import load_file
from modelrail.repository.schema import SchemaSet
from testing.git import git, hermetic
from testing.repo import copy_repo, line_of, replace_once

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

PROD = "environments/prod/fraud-detector.yaml"
STAGING = "environments/staging/fraud-detector.yaml"
IDENTITY = ("    version:", "    artifact:", "    digest:", "    image:")
OTHER_DIGEST = "sha256:" + "1" * 64


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch, tmp_path)
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_DATE", "2020-01-01T00:00:00Z")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled repository committed on main, prod's fraud-detector
    promoted to staging's 3.3.0 in the working tree; the current folder."""
    root = copy_repo(tmp_path / "repo")
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    staging = (root / STAGING).read_text(encoding="utf-8").splitlines(True)
    prod = (root / PROD).read_text(encoding="utf-8").splitlines(True)
    for fragment in IDENTITY:
        (line,) = [text for text in staging if text.startswith(fragment)]
        (index,) = [i for i, text in enumerate(prod) if text.startswith(fragment)]
        assert prod[index] != line  # prod ran 3.2.0: each line changes
        prod[index] = line
    # as promote writes it: what prod ran becomes the version to return to
    (index,) = [i for i, text in enumerate(prod) if "previousVersion:" in text]
    prod[index] = prod[index].replace('"3.1.4"', '"3.2.0"')
    (root / PROD).write_text("".join(prod), encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def check(*args: str) -> Result:
    return CliRunner().invoke(
        main, ["check", "--now", "2026-11-20T00:00:00Z", "--base", "main", *args]
    )


def one_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    *lines, summary = result.stdout.splitlines()
    assert summary == "checked 1 file in 1 environment: 1 error", result.output
    assert len(lines) == 1, result.output
    return lines[0]


def test_a_promotion_is_judged_against_staging(repo: Path) -> None:
    result = check(PROD)
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 1 file in 1 environment: no problems\n"
    assert result.stderr == ""  # named paths: no change scope is computed


@pytest.mark.parametrize("side", [PROD, STAGING])
def test_a_digest_that_differs_from_staging_is_refused(repo: Path, side: str) -> None:
    """Edited in prod, or in staging's working tree (not committed, not
    named): either way staging's spec as it stands is what prod meets."""
    replace_once(repo / side, "sha256:c9d03977", OTHER_DIGEST[:15])
    finding = one_error(check(PROD))
    line = line_of(repo / PROD, "    digest:")
    assert finding.startswith(f"{PROD}:{line}:"), finding
    assert "[MR-PROM-001]" in finding
    assert "version 3.3.0 has digest sha256:" in finding
    assert "in staging: the same version must be the same bytes" in finding


def _schema_invalid(spec: Path) -> None:
    replace_once(spec, "  type: predictive\n", "  type: predictive\n  bogus: 1\n")


def _unparseable(spec: Path) -> None:
    spec.write_text(spec.read_text(encoding="utf-8") + "spec: [\n", encoding="utf-8")


def _gone(spec: Path) -> None:
    spec.unlink()


BREAKAGES = [
    pytest.param(_schema_invalid, id="schema-invalid"),
    pytest.param(_unparseable, id="unparseable"),
    pytest.param(_gone, id="gone"),
]


def move_upstream_on(root: Path) -> None:
    """dev and test run 3.4.0: only staging could be prod's source of 3.3.0."""
    for env in ("dev", "test"):
        replace_once(
            root / f"environments/{env}/fraud-detector.yaml",
            'version: "3.3.0"',
            'version: "3.4.0"',
        )


def test_staging_valid_is_the_source(repo: Path) -> None:
    move_upstream_on(repo)
    assert check(PROD).exit_code == 0


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_an_invalid_staging_spec_reads_as_absent(
    repo: Path, breakage: Callable[[Path], None]
) -> None:
    move_upstream_on(repo)
    breakage(repo / STAGING)
    result = check(PROD)
    finding = one_error(result)
    assert f"{PROD}:{line_of(repo / PROD, '    version:')}:" in finding
    assert "[MR-PROM-001]" in finding
    assert (
        "version 3.3.0 enters prod, but its promotion source staging has no "
        "(valid) spec of fraud-detector" in finding
    )
    # staging is read, not checked: its own problems are not this run's
    assert STAGING not in result.output


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_an_invalid_staging_spec_is_a_skipped_environment(
    repo: Path, breakage: Callable[[Path], None]
) -> None:
    """test still runs 3.3.0: without a valid staging spec, prod takes it
    from test, skipping staging (MR-PROM-002; MR-PROM-001 leaves it)."""
    breakage(repo / STAGING)
    finding = one_error(check(PROD))
    assert "[MR-PROM-002]" in finding
    assert "version 3.3.0 enters prod from test, skipping staging" in finding


# --- Peers itself ---------------------------------------------------------------


def peers(root: Path, loaded: list[Loaded] | None = None) -> Peers:
    repo = Repository(root)
    return Peers(repo, SchemaSet(repo.schemas_dir), loaded or [])


def test_peers_read_a_spec_once(repo: Path) -> None:
    found = peers(repo)
    data = found.spec("staging", "fraud-detector")
    assert data is not None
    assert data["metadata"]["environment"] == "staging"
    assert data["spec"]["model"]["version"] == "3.3.0"
    _schema_invalid(repo / STAGING)  # read once: the run keeps its answer
    assert found.spec("staging", "fraud-detector") is data
    assert peers(repo).spec("staging", "fraud-detector") is None  # a new run


def test_peers_remember_none(repo: Path) -> None:
    found = peers(repo)
    assert found.spec("staging", "no-such-model") is None
    (repo / "environments/staging/no-such-model.yaml").write_bytes(
        (repo / STAGING).read_bytes()
    )
    assert found.spec("staging", "no-such-model") is None
    assert peers(repo).spec("staging", "no-such-model") is not None


def test_peers_of_the_run_come_from_memory(repo: Path) -> None:
    path = repo / STAGING
    doc = load_file(path, STAGING)
    found = peers(repo, [Loaded(doc, "staging", "ModelDeployment")])
    path.unlink()
    assert found.spec("staging", "fraud-detector") is doc.data
    # only specs: an environment file of the run is no peer
    env_file = repo / "environments/prod/environment.yaml"
    env = load_file(env_file, "environments/prod/environment.yaml")
    others = peers(repo, [Loaded(env, "prod", "Environment")])
    env_file.unlink()
    assert others.spec("prod", "environment") is None


def test_peers_only_in_environments_of_the_repository(repo: Path) -> None:
    hidden = repo / "environments/.hidden"
    hidden.mkdir()
    (hidden / "fraud-detector.yaml").write_bytes((repo / STAGING).read_bytes())
    found = peers(repo)
    assert found.spec(".hidden", "fraud-detector") is None
    assert found.spec("nowhere", "fraud-detector") is None
    assert found.spec("prod", "fraud-detector") is not None


def test_a_yml_spec_is_a_peer(repo: Path) -> None:
    (repo / STAGING).rename((repo / STAGING).with_suffix(".yml"))
    assert peers(repo).spec("staging", "fraud-detector") is not None
