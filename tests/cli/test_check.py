"""``modelrail check`` end to end: exit codes, both formats, one clear line per problem."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.repo import line_of, replace_once

SPEC = "environments/prod/fraud-detector.yaml"


def check(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--root", str(repo), *args])


def test_bundled_environments_are_clean(root: Path) -> None:
    result = check(root)
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 24 files in 4 environments: no problems\n"


# Each case: how to break the prod spec, then the rule, the line (found by a
# fragment of the broken file) and the column of the one finding, and the exit code.
Mutation = Callable[[Path], None]


def _misspelt_key(p: Path) -> None:
    replace_once(p, "      minReplicas: 3", "      minReplicsa: 3")


def _wrong_type(p: Path) -> None:
    replace_once(p, "    port: 8080", "    port: [8080]")


def _missing_section(p: Path) -> None:
    text = p.read_text()
    start, end = text.index("  slo:\n"), text.index("  rollout:\n")
    p.write_text(text[:start] + text[end:])


def _duplicate_key(p: Path) -> None:
    replace_once(p, "  type: predictive\n", "  type: predictive\n  type: chatbot\n")


def _python_tag(p: Path) -> None:
    replace_once(p, "    format: onnx", "    format: !!python/object:os.system onnx")


def _alias_bomb(p: Path) -> None:
    lines = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    p.write_text(p.read_text() + "\n".join(lines) + "\n")


def _five_mib(p: Path) -> None:
    p.write_text(p.read_text() + "# " + "x" * (5 * 1024 * 1024) + "\n")


def _latin1(p: Path) -> None:
    text = p.read_text().replace("Scores card payments", "Scores card paymènts")
    p.write_bytes(text.encode("latin-1"))


def _norway(p: Path) -> None:
    replace_once(p, "  compliance:\n", "  compliance:\n    dataResidency: [FR, NO]\n")


def _other_environment(p: Path) -> None:
    replace_once(p, "  environment: prod\n", "  environment: staging\n")


CASES: list[tuple[str, Mutation, str, str, int, int, str]] = [
    # id, mutation, rule, line fragment, column, exit code, message fragment
    ("misspelt-key", _misspelt_key, "MR-SCHEMA", "minReplicsa", 7, 1,
     "unknown key 'minReplicsa' in spec.serving.autoscaling; did you mean 'minReplicas'?"),
    ("wrong-type", _wrong_type, "MR-SCHEMA", "port: [8080]", 11, 1,
     "spec.serving.port must be a whole number, not a list"),
    ("missing-section", _missing_section, "MR-SCHEMA", "spec:", 1, 1,
     "missing required key 'slo' in spec"),
    ("duplicate-key", _duplicate_key, "MR-LOAD", "type: chatbot", 3, 2,
     "duplicate key 'type' (first defined on line"),
    ("python-tag", _python_tag, "MR-LOAD", "!!python/object", 13, 2,
     "tag !!python/object:os.system is not allowed"),
    ("alias-bomb", _alias_bomb, "MR-LOAD", "lol0: &l0", 27, 2,
     "more than 64 alias references"),
    ("five-mib", _five_mib, "MR-LOAD", None, 1, 2, "file is 5.0 MiB, over the 1.0 MiB limit"),
    ("latin-1", _latin1, "MR-LOAD", None, 32, 2,
     "byte 0xe8 is not valid UTF-8"),
    ("unquoted-no", _norway, "MR-SCHEMA", "dataResidency", 25, 1,
     "unquoted NO is read by YAML as the boolean false"),
    ("other-environment", _other_environment, "MR-REPO-002", "environment: staging", 16, 1,
     "the spec is in environments/prod/ but metadata.environment is 'staging'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "rule", "fragment", "column", "code", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_one_clear_line_per_problem(
    repo: Path,
    mutate: Mutation,
    rule: str,
    fragment: str | None,
    column: int,
    code: int,
    message: str,
) -> None:
    spec = repo / SPEC
    mutate(spec)
    # Without a fragment the file is not text (Latin-1) or too big to search:
    # the problem is on line 1 (the size) or line 8 (the description).
    fallback = 1 if column == 1 else 8
    line = line_of(spec, fragment) if fragment is not None else fallback
    result = check(repo)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    findings, summary = result.stdout.splitlines()[:-1], result.stdout.splitlines()[-1]
    assert len(findings) == 1, result.output
    assert findings[0].startswith(f"{SPEC}:{line}:{column}: error [{rule}] "), findings[
        0
    ]
    assert message in findings[0]
    assert "(fix: " in findings[0]
    assert summary == "checked 24 files in 4 environments: 1 error"


def test_json_format_matches_its_schema(repo: Path, root: Path) -> None:
    import jsonschema

    _misspelt_key(repo / SPEC)
    _norway(repo / SPEC)
    result = check(repo, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    schema = json.loads((root / "schemas" / "report.v1.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["summary"].pop("policies") >= 40
    assert report["summary"] == {
        "files": 24, "environments": ["dev", "prod", "staging", "test"],
        "errors": 2, "warnings": 0, "infos": 0, "waived": 0, "exitCode": 1,
        "waiversNotApplied": 0,
    }  # fmt: skip
    first = report["findings"][0]
    assert first == {
        "file": SPEC,
        "line": line_of(repo / SPEC, "minReplicsa"),
        "column": 7,
        "pointer": "/spec/serving/autoscaling/minReplicsa",
        "rule": "MR-SCHEMA",
        "severity": "error",
        "message": "unknown key 'minReplicsa' in spec.serving.autoscaling; "
        "did you mean 'minReplicas'?",
        "remediation": "rename it to 'minReplicas'",
    }
    assert report["findings"][1]["pointer"] == "/spec/compliance/dataResidency/1"


def test_json_clean_run(root: Path) -> None:
    result = check(root, "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["summary"]["exitCode"] == 0


def _other_environment_recommender(p: Path) -> None:
    replace_once(p, "  environment: staging\n", "  environment: prod\n")


def test_output_is_deterministic(repo: Path) -> None:
    _misspelt_key(repo / SPEC)
    _other_environment_recommender(
        repo / "environments/staging/product-recommender.yaml"
    )
    first, second = check(repo, "-f", "json"), check(repo, "-f", "json")
    assert first.output == second.output
    assert first.exit_code == second.exit_code == 1


def test_findings_are_sorted_by_file_and_line(repo: Path) -> None:
    _other_environment_recommender(
        repo / "environments/staging/product-recommender.yaml"
    )
    _misspelt_key(repo / SPEC)
    _norway(repo / SPEC)
    lines = check(repo).stdout.splitlines()[:-1]
    keys = []
    for line in lines:
        match = re.match(r"^(.+?):(\d+):(\d+): ", line)
        assert match, line
        keys.append((match[1], int(match[2]), int(match[3])))
    assert keys == sorted(keys)
    assert len(keys) == 3


def test_paths_and_env_select_files(repo: Path) -> None:
    _misspelt_key(repo / SPEC)
    only_staging = check(repo, "--env", "staging")
    assert only_staging.exit_code == 0
    assert only_staging.stdout == "checked 6 files in 1 environment: no problems\n"
    one_file = check(repo, str(repo / SPEC))
    assert one_file.exit_code == 1
    assert "checked 1 file in 1 environment: 1 error" in one_file.output
    folder = check(repo, str(repo / "environments" / "dev"))
    assert folder.stdout == "checked 6 files in 1 environment: no problems\n"


def test_root_is_found_from_the_current_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "environments" / "prod")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "checked 24 files" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "qa"], "unknown environment 'qa'; known: dev, prod, staging, test"),
        (["environments/dev/nope.yaml"], "no such file or folder"),
        (["environments/nope.yaml"], "'nope.yaml' is not an environment folder"),
        (["--env", "dev", "environments/prod"], "which --env leaves out"),
        (["schemas/modeldeployment.v1.json"], "not inside"),
        (["--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2(
    repo: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_no_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert "no modelrail repository at or above" in result.output


def test_missing_schema_folder_exits_2(repo: Path) -> None:
    import shutil

    shutil.rmtree(repo / "schemas")
    result = check(repo)
    assert result.exit_code == 2
    assert "cannot read the" in result.output
    assert "schema" in result.output


def test_internal_error_exits_3_without_traceback(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import modelrail.check.runner

    def boom(*_: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(modelrail.check.runner, "_run", boom)
    result = check(repo)
    assert result.exit_code == 3
    assert "internal error: RuntimeError: kaboom" in result.output
    assert "Traceback" not in result.output
    debug = CliRunner().invoke(main, ["--debug", "check", "--root", str(repo)])
    assert debug.exit_code == 3
    assert "Traceback" in debug.output


def test_output_file_is_written_whole(repo: Path) -> None:
    target = repo / "out" / "report.json"
    result = check(repo, "-f", "json", "-o", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text())["summary"]["files"] == 24
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]
    assert "checked 24 files" in result.output  # the summary still reaches the terminal


def test_no_colour_when_not_a_terminal(repo: Path) -> None:
    _misspelt_key(repo / SPEC)
    assert "\x1b[" not in check(repo).output


def test_every_command_has_help() -> None:
    for name in main.list_commands(None):  # type: ignore[arg-type]
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert "Usage:" in result.output


def test_a_reader_that_goes_away_is_no_internal_error(root: Path) -> None:
    """`modelrail policies -f markdown | true`: the reader is gone before the
    text (larger than a pipe holds) is written: exit 141 as a shell reports a
    broken pipe, and not a word on stderr."""
    import subprocess
    import sys

    script = (
        'set -o pipefail; "$0" -m modelrail policies -f markdown --root "$1" | true'
    )
    done = subprocess.run(
        ["bash", "-c", script, sys.executable, str(root)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (141, "")
