"""``modelrail verify``: a gate's Statement against a checkout. It passes on
the real one and fails (exit 1, naming the subject and both digests) when the
spec's digest, a rendered manifest or the Statement's digest is swapped; a
file that is not such a Statement is bad input (exit 2, located)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from testing.attestation import APP, SPEC, rolled_back, statement, verify
from testing.repo import line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path

ARTIFACT = "s3://ml-models-example/fraud-detector/3.2.0/model.onnx"
DIGEST = "23a3bb9fa0c2934cd3ad9b720791ddd692e579682b366033b17e4c44bdca631c"
OTHER = "ab" * 32


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return rolled_back(tmp_path / "repo")


@pytest.fixture
def attestation(repo: Path, tmp_path: Path) -> Path:
    return statement(repo, tmp_path / "gate.intoto.json")


def test_the_real_statement_verifies(repo: Path, attestation: Path) -> None:
    done = verify(repo, attestation)
    assert done.exit_code == 0, done.output
    assert f"match: {ARTIFACT} sha256:{DIGEST}" in done.stdout
    assert "match: rendered/prod/fraud-detector/ sha256:" in done.stdout
    assert "every subject matches this checkout" in done.stdout
    assert verify(repo, attestation, "--env", "prod").exit_code == 0


def test_a_swapped_spec_digest_fails(repo: Path, attestation: Path) -> None:
    replace_once(repo.joinpath(*SPEC), DIGEST, OTHER)
    done = verify(repo, attestation)
    assert done.exit_code == 1, done.output
    # located at the subject's digest in the Statement (the line before its
    # sha256, sorted keys), and at the spec's digest
    line = line_of(attestation, f'"sha256": "{DIGEST}"') - 1
    assert (
        f"{attestation}:{line}:17: {ARTIFACT}: the Statement says sha256:{DIGEST}, "
        f"spec.model.digest (environments/prod/fraud-detector.yaml:19:13) is "
        f"sha256:{OTHER}"
    ) in done.output
    assert "match: rendered/prod/fraud-detector/" in done.stdout


def test_a_swapped_artifact_fails(repo: Path, attestation: Path) -> None:
    replace_once(repo.joinpath(*SPEC), "3.2.0/model.onnx", "3.3.0/model.onnx")
    done = verify(repo, attestation)
    assert done.exit_code == 1, done.output
    assert f"subject '{ARTIFACT}' is not one this checkout has" in done.output
    assert "no subject names s3://ml-models-example/fraud-detector/3.3.0" in (
        done.output
    )


def test_a_swapped_manifest_fails(repo: Path, attestation: Path) -> None:
    rollout = repo.joinpath(*APP, "rollout.yaml")
    rollout.write_text(
        rollout.read_text(encoding="utf-8").replace("replicas", "replicas", 1)
        + "# edited\n",
        encoding="utf-8",
    )
    done = verify(repo, attestation)
    assert done.exit_code == 1, done.output
    assert "rendered/prod/fraud-detector/: the Statement says sha256:" in done.output
    assert "this checkout's files digest to sha256:" in done.output
    assert "(rendered/prod/fraud-detector/rollout.yaml changed)" in done.output
    assert f"match: {ARTIFACT}" in done.stdout


def test_an_added_and_a_removed_manifest_are_named(
    repo: Path, attestation: Path
) -> None:
    app = repo.joinpath(*APP)
    (app / "pdb.yaml").rename(app / "extra.yaml")
    done = verify(repo, attestation)
    assert done.exit_code == 1, done.output
    assert (
        "(rendered/prod/fraud-detector/extra.yaml added; "
        "rendered/prod/fraud-detector/pdb.yaml removed)"
    ) in done.output


def test_an_edited_statement_digest_fails(repo: Path, attestation: Path) -> None:
    text = attestation.read_text(encoding="utf-8")
    subject = f'"sha256": "{DIGEST}"'  # the subject's, not the predicate's
    assert text.count(subject) == 1
    edited = text.replace(subject, f'"sha256": "{OTHER}"')
    attestation.write_text(edited, encoding="utf-8")
    done = verify(repo, attestation)
    assert done.exit_code == 1, done.output
    assert f"the Statement says sha256:{OTHER}" in done.output
    assert f"is sha256:{DIGEST}" in done.output


def test_an_edited_rendered_digest_fails(repo: Path, attestation: Path) -> None:
    doc = json.loads(attestation.read_text(encoding="utf-8"))
    doc["subject"][1]["digest"]["sha256"] = OTHER
    attestation.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    done = verify(repo, attestation)
    assert done.exit_code == 1, done.output
    assert f"rendered/prod/fraud-detector/: the Statement says sha256:{OTHER}" in (
        done.output
    )
    # the files still match the predicate's list: none is named
    assert "changed" not in done.output


def test_another_environment_fails(repo: Path, attestation: Path) -> None:
    done = verify(repo, attestation, "--env", "staging")
    assert done.exit_code == 1, done.output
    assert "the Statement gates prod, not staging" in done.output


def test_a_statement_whose_spec_is_gone_fails(repo: Path, attestation: Path) -> None:
    repo.joinpath(*SPEC).unlink()
    done = verify(repo, attestation)
    assert done.exit_code == 1, done.output
    assert "environments/prod/fraud-detector.yaml: no such spec" in done.output


# (what is replaced, by what, what the error says); None: the whole text
MALFORMED = {
    "truncated": (None, '{\n  "_type": [', "expected"),
    "empty": (None, "", "file is empty"),
    "type": ("in-toto.io/Statement/v1", "in-toto.io/Statement/v0.1", "in-toto"),
    "no-subject": ('"subject": [', '"subjects": [', "missing required key 'subject'"),
    "uppercase-hex": ('"sha256": "23a3', '"sha256": "23A3', "subject[0].digest"),
    "predicate": ("https://modelrail.io/gate/v1", "https://slsa.dev/x", "only"),
    "model": ('"model": "fraud-detector"', '"model": "../x"', "predicate.model"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_statement_is_bad_input(
    repo: Path, attestation: Path, case: str
) -> None:
    old, new, expected = MALFORMED[case]
    text = attestation.read_text(encoding="utf-8")
    if old is None:
        text = new
    else:
        assert old in text
        text = text.replace(old, new)
    attestation.write_text(text, encoding="utf-8")
    done = verify(repo, attestation)
    assert done.exit_code == 2, done.output
    assert expected in done.output
    assert f"{attestation}:" in done.output  # located
    assert "Traceback" not in done.output


def test_a_missing_file_is_bad_input(repo: Path, tmp_path: Path) -> None:
    done = verify(repo, tmp_path / "none.json")
    assert done.exit_code == 2
    assert "cannot read" in done.output
