"""``modelrail render`` end to end: --check, --env, pruning, determinism, errors.

Most tests drive the command in-process (click's CliRunner on the real
``modelrail.cli.main``, over a copy of the repository in a temporary folder);
the ones about the process itself (the committed ``rendered/``, hash seeds,
the working directory) run the installed ``modelrail`` in a subprocess.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.render import make_repo, read_tree, render_repo
from testing.repo import bundled, line_of, replace_once

if TYPE_CHECKING:
    from collections.abc import Callable

PROD_SPEC = "environments/prod/fraud-detector.yaml"
ROLLOUT = "prod/fraud-detector/rollout.yaml"


def render(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["render", "--root", str(repo), *args])


def _clean(result: Result) -> None:
    """No traceback, and no exception other than the exit itself."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert "Traceback" not in result.output


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".rendered."))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the repository with its committed rendered/ (fresh)."""
    copy = make_repo(tmp_path / "repo")
    shutil.copytree(bundled() / "rendered", copy / "rendered")
    return copy


# the committed output ----------------------------------------------------------


def test_check_of_a_fresh_render_is_up_to_date_and_writes_nothing() -> None:
    root = bundled()  # rendered once for the run, never written to
    before = read_tree(root / "rendered")
    stamps = {p: p.stat().st_mtime_ns for p in (root / "rendered").rglob("*")}
    result = render_repo(root, None, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"rendered/ is up to date ({len(before)} files)\n"
    assert result.stderr == ""
    assert read_tree(root / "rendered") == before
    assert {p: p.stat().st_mtime_ns for p in (root / "rendered").rglob("*")} == stamps
    assert _leftovers(root) == []


# --check -----------------------------------------------------------------------


def test_check_fresh_copy(repo: Path) -> None:
    result = render(repo, "--check")
    _clean(result)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"rendered/ is up to date \(\d+ files\)\n", result.stdout)


def _edit(out: Path) -> str:
    path = out / ROLLOUT
    path.write_text(
        path.read_text().replace("revisionHistoryLimit: 3", "revisionHistoryLimit: 4")
    )
    return f"changed: rendered/{ROLLOUT}"


def _delete(out: Path) -> str:
    (out / "dev/support-assistant/hpa.yaml").unlink()
    return "missing: rendered/dev/support-assistant/hpa.yaml"


def _stray(out: Path) -> str:
    (out / "staging/product-recommender/secret.yaml").write_text("kind: Secret\n")
    return "extra: rendered/staging/product-recommender/secret.yaml"


def _stray_folder(out: Path) -> str:
    (out / "prod/old-model").mkdir()
    (out / "prod/old-model/rollout.yaml").write_text("kind: Rollout\n")
    return "extra: rendered/prod/old-model/rollout.yaml"


def _crlf(out: Path) -> str:
    path = out / ROLLOUT
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return f"changed: rendered/{ROLLOUT}"


@pytest.mark.parametrize(
    "damage",
    [
        _edit,
        _delete,
        _stray,
        _stray_folder,
        _crlf,  # line ends count: files are compared as they are on disk
    ],
)
def test_check_reports_the_difference_and_writes_nothing(
    repo: Path, damage: Callable[[Path], str]
) -> None:
    out = repo / "rendered"
    line = damage(out)
    before = read_tree(out)
    result = render(repo, "--check")
    _clean(result)
    assert result.exit_code == 1, result.output
    assert result.stdout == line + "\n"
    assert "rendered/ is stale: 1 file(s) differ" in result.stderr
    assert "run 'modelrail render'" in result.stderr
    assert read_tree(out) == before  # --check writes nothing
    assert _leftovers(repo) == []
    # and a render repairs exactly that
    result = render(repo)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(" files, 1 changed\n")
    assert render(repo, "--check").exit_code == 0


def test_check_lists_every_difference_sorted(repo: Path) -> None:
    out = repo / "rendered"
    lines = [_edit(out), _delete(out), _stray(out)]
    result = render(repo, "--check")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == sorted(lines, key=lambda x: x.split(": ")[1])
    assert "3 file(s) differ" in result.stderr


def test_check_of_a_missing_folder_creates_nothing(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "nowhere"
    result = render(repo, "--check", "--out", str(out))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines
    assert all(line.startswith(f"missing: {out}/") for line in lines)
    assert len(lines) == len(read_tree(repo / "rendered"))
    assert not out.exists()


# --env and pruning -----------------------------------------------------------------


def test_env_renders_only_that_environment(repo: Path) -> None:
    out = repo / "rendered"
    before = read_tree(out)
    # change a spec in dev and in prod; render prod only
    for env in ("dev", "prod"):
        replace_once(
            repo / "environments" / env / "fraud-detector.yaml",
            "      - {name: LOG_FORMAT, value: json}",
            "      - {name: LOG_FORMAT, value: text}",
        )
    result = render(repo, "--env", "prod")
    _clean(result)
    assert result.exit_code == 0, result.output
    assert " in 1 environments " in result.stdout
    after = read_tree(out)
    assert sorted(after) == sorted(before)
    changed = {p for p in after if after[p] != before[p]}
    # the rollout, and the render.sum that names the spec's new digest
    assert changed == {ROLLOUT, ROLLOUT.replace("rollout.yaml", "render.sum")}
    # the others are byte-identical, dev's now stale file included
    assert render(repo, "--check", "--env", "prod").exit_code == 0
    stale = render(repo, "--check")
    assert stale.exit_code == 1
    assert stale.stdout == (
        "changed: rendered/dev/fraud-detector/render.sum\n"
        "changed: rendered/dev/fraud-detector/rollout.yaml\n"
    )


def test_several_envs(repo: Path) -> None:
    result = render(repo, "--env", "dev", "--env", "test", "--check")
    assert result.exit_code == 0, result.output
    assert render(repo, "-e", "staging").exit_code == 0


def test_removed_spec_is_pruned(repo: Path) -> None:
    out = repo / "rendered"
    before = read_tree(out)
    (repo / "environments" / "dev" / "product-recommender.yaml").unlink()
    stale = render(repo, "--check")
    assert stale.exit_code == 1
    assert {line.split(": ")[0] for line in stale.stdout.splitlines()} == {"extra"}
    result = render(repo)
    assert result.exit_code == 0, result.output
    assert not (out / "dev" / "product-recommender").exists()
    after = read_tree(out)
    gone = {p for p in before if p.startswith("dev/product-recommender/")}
    assert len(gone) == 14  # 12 resources, the kustomization, render.sum
    assert after == {p: b for p, b in before.items() if p not in gone}
    assert render(repo, "--check").exit_code == 0
    assert _leftovers(repo) == []


def test_render_twice_changes_nothing(repo: Path) -> None:
    before = read_tree(repo / "rendered")
    result = render(repo)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(f"{len(before)} files, 0 changed\n")
    assert re.match(
        r"rendered \d+ apps \(\d+ resources\) in 4 environments", result.stdout
    )
    assert read_tree(repo / "rendered") == before


# determinism -------------------------------------------------------------------------


def test_renders_are_byte_identical_across_processes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    runs = [
        render_repo(repo, tmp_path / "a", env={"PYTHONHASHSEED": "0"}),
        # relative --root and --out, from another working directory
        render_repo(
            Path("../repo"),
            Path("b"),
            cwd=elsewhere,
            env={"PYTHONHASHSEED": "4242"},
        ),
        render_repo(repo, env={"PYTHONHASHSEED": "random"}),
    ]
    for result in runs:
        assert result.returncode == 0, result.stderr
    trees = [
        read_tree(tmp_path / "a"),
        read_tree(elsewhere / "b"),
        read_tree(repo / "rendered"),
    ]
    assert trees[0] == trees[1] == trees[2]
    assert trees[0] == read_tree(bundled() / "rendered")
    assert not (repo / "b").exists()


# error paths -----------------------------------------------------------------------


def test_invalid_spec_is_located_and_nothing_is_written(repo: Path) -> None:
    spec = repo / PROD_SPEC
    replace_once(spec, "      minReplicas: 3", "      minReplicsa: 3")
    before = read_tree(repo / "rendered")
    result = render(repo)
    _clean(result)
    assert result.exit_code == 2, result.output
    line = line_of(spec, "minReplicsa")
    assert f"{PROD_SPEC}:{line}:7: error [MR-SCHEMA] unknown key 'minReplicsa'" in (
        result.stderr
    )
    assert "render needs files that pass their schemas" in result.stderr
    assert result.stdout == ""
    assert read_tree(repo / "rendered") == before


def test_unrenderable_spec_is_located(repo: Path) -> None:
    spec = repo / PROD_SPEC
    replace_once(
        spec,
        "      liveness: {periodSeconds: 10, failureThreshold: 3}",
        "      liveness: {periodSeconds: 10, failureThreshold: 3, successThreshold: 2}",
    )
    result = render(repo)
    _clean(result)
    assert result.exit_code == 2, result.output
    line = line_of(spec, "successThreshold: 2")
    column = spec.read_text().splitlines()[line - 1].index("2}") + 1
    assert f"error: {PROD_SPEC}:{line}:{column}: a liveness probe" in result.stderr


def _append_to_template(repo: Path, name: str, text: str) -> int:
    """Append ``text`` (one line) to a template; the line number it lands on."""
    path = repo / "render" / "templates" / name
    body = path.read_text()
    assert body.endswith("\n")
    path.write_text(body + text + "\n")
    return len(body.splitlines()) + 1


def test_raw_value_in_a_template_is_exit_3_with_its_line(repo: Path) -> None:
    line = _append_to_template(repo, "configmap.yaml.j2", "  EXTRA: {{ name }}")
    before = read_tree(repo / "rendered")
    result = render(repo)
    _clean(result)
    assert result.exit_code == 3, result.output
    assert f"template error: render/templates/configmap.yaml.j2:{line}: " in (
        result.stderr
    )
    assert "without a serialising filter" in result.stderr
    assert read_tree(repo / "rendered") == before


def test_template_syntax_error_is_exit_3_with_its_line(repo: Path) -> None:
    line = _append_to_template(repo, "serviceaccount.yaml.j2", "{% endif %}")
    result = render(repo)
    _clean(result)
    assert result.exit_code == 3, result.output
    assert f"template error: render/templates/serviceaccount.yaml.j2:{line}: " in (
        result.stderr
    )
    assert "endif" in result.stderr


def test_unknown_env_is_exit_2(repo: Path) -> None:
    before = read_tree(repo / "rendered")
    for args in (["--env", "qa"], ["--env", "prod", "--env", "qa", "--check"]):
        result = render(repo, *args)
        _clean(result)
        assert result.exit_code == 2, result.output
        assert "unknown environment 'qa'; known: dev, prod, staging, test" in (
            result.stderr
        )
    assert read_tree(repo / "rendered") == before


def test_missing_crd_schemas_is_exit_2(repo: Path, tmp_path: Path) -> None:
    empty = tmp_path / "crds"
    empty.mkdir()
    result = render(repo, "--env", "dev", "--crd-schemas", str(empty))
    _clean(result)
    assert result.exit_code == 2, result.output
    # the first custom resource of the first model, in file order
    assert "no schema for the custom resource InferenceService" in result.stderr
    assert "serving.kserve.io/inferenceservice_v1beta1.json" in result.stderr


def test_no_templates_folder_is_a_clear_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    shutil.rmtree(repo / "render")
    result = render(repo)
    _clean(result)
    assert result.exit_code == 2, result.output
    assert "render/templates is not a folder" in result.stderr
    assert not (repo / "rendered").exists()
