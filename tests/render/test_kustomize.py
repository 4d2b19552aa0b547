"""The committed ``rendered/`` as its consumers see it: the schemas, and kustomize.

Independently of the renderer (which validates before it writes), every
manifest under ``rendered/`` is validated again with ``SchemaStore`` for its
environment's ``kubernetesVersion`` and the vendored CRD schemas, and every
folder Argo CD or a person builds (``<env>/<model>``, ``<env>/_argocd``,
``<env>/_alerting``, ``_bootstrap/<cluster>``) goes through the real ``kubectl kustomize``, which
must output exactly the resources the folder's files hold (no more, no fewer,
none renamed). The golden cases' expected trees get the same kustomize check.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelrail.render.kubeschema import SchemaStore
from testing.render import ROOT
from testing.repo import FIXTURE, bundled
from testing.tools import require_tool

RENDERED = bundled() / "rendered"
CRDS = ROOT / "schemas" / "crds"
CASES = Path(__file__).parent / "cases"
KUSTOMIZATION = "kustomization.yaml"

Identity = tuple[str, str, str | None, str]  # apiVersion, kind, namespace, name


@cache
def _environments() -> dict[str, dict[str, Any]]:
    """Bundled environment name -> its environment.yaml data."""
    return {
        path.parent.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((FIXTURE / "environments").glob("*/environment.yaml"))
    }


def _cluster_versions() -> dict[str, str]:
    out: dict[str, str] = {}
    for data in _environments().values():
        spec = data["spec"]
        version = out.setdefault(spec["cluster"]["name"], spec["kubernetesVersion"])
        assert version == spec["kubernetesVersion"], "one cluster, two versions"
    return out


def _folders(tree: Path) -> list[Path]:
    """Every folder holding a kustomization.yaml under ``tree``."""
    return sorted(p.parent for p in tree.rglob(KUSTOMIZATION))


def _identity(doc: dict[str, Any]) -> Identity:
    meta = doc["metadata"]
    return (doc["apiVersion"], doc["kind"], meta.get("namespace"), meta["name"])


def _declared(folder: Path) -> list[Identity]:
    """The resources the folder's files hold, following resource folders."""
    kustomization = yaml.safe_load((folder / KUSTOMIZATION).read_text("utf-8"))
    assert kustomization["kind"] == "Kustomization"
    out: list[Identity] = []
    for entry in kustomization["resources"]:
        target = (folder / entry).resolve()
        if target.is_dir():
            out.extend(_declared(target))
        else:
            out.append(_identity(yaml.safe_load(target.read_text("utf-8"))))
    return out


def _kustomize(folder: Path) -> list[Identity]:
    kubectl = require_tool("kubectl")
    result = subprocess.run(
        [kubectl, "kustomize", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize {folder}: {result.stderr}"
    return [_identity(doc) for doc in yaml.safe_load_all(result.stdout) if doc]


def _rendered_folders() -> list[str]:
    return [p.relative_to(RENDERED).as_posix() for p in _folders(RENDERED)]


def test_every_app_and_argocd_folder_is_a_kustomization() -> None:
    """Every model folder, ``_argocd`` and ``_bootstrap/<cluster>`` is buildable;
    nothing outside them is left over."""
    folders = set(_rendered_folders())
    for env in _environments():
        models = {p.stem for p in (FIXTURE / "environments" / env).glob("*.yaml")}
        models -= {"environment", "waivers"}
        assert {f"{env}/{m}" for m in models} | {
            f"{env}/_argocd",
            f"{env}/_alerting",
        } == {f for f in folders if f.startswith(f"{env}/")}
    assert {f"_bootstrap/{c}" for c in _cluster_versions()} == {
        f for f in folders if f.startswith("_bootstrap/")
    }
    files = {p.relative_to(RENDERED).as_posix() for p in RENDERED.rglob("*.yaml")}
    assert all(f.rsplit("/", 1)[0] in folders for f in files)


@pytest.mark.tool
@pytest.mark.parametrize("folder", _rendered_folders())
def test_kustomize_builds_exactly_the_files(folder: str) -> None:
    built = _kustomize(RENDERED / folder)
    declared = _declared(RENDERED / folder)
    assert len(declared) == len(set(declared)), "a resource is declared twice"
    assert sorted(built, key=str) == sorted(declared, key=str)


@pytest.mark.tool
@pytest.mark.parametrize(
    "folder",
    [
        p.relative_to(CASES).as_posix()
        for case in sorted(CASES.iterdir())
        if (case / "expected").is_dir()
        for p in _folders(case / "expected")
    ],
)
def test_kustomize_builds_golden_trees(folder: str) -> None:
    built = _kustomize(CASES / folder)
    assert sorted(built, key=str) == sorted(_declared(CASES / folder), key=str)


def test_every_rendered_manifest_validates() -> None:
    """Re-validated here, with the schemas of the Kubernetes version of the
    environment (or cluster) each folder belongs to."""
    versions = _cluster_versions()
    stores: dict[str, SchemaStore] = {}
    checked = 0
    for path in sorted(RENDERED.rglob("*.yaml")):
        rel = path.relative_to(RENDERED).parts
        if rel[0] == "_bootstrap":
            version = versions[rel[1]]
        else:
            version = _environments()[rel[0]]["spec"]["kubernetesVersion"]
        store = stores.setdefault(version, SchemaStore(version, CRDS))
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        assert len(docs) == 1, f"{path}: {len(docs)} documents"
        if path.name == KUSTOMIZATION:
            assert docs[0]["kind"] == "Kustomization"
            continue
        problems = store.problems(docs[0])
        assert problems == [], f"{path}: {problems}"
        checked += 1
    listed = sum(
        1
        for folder in _folders(RENDERED)
        for entry in yaml.safe_load((folder / KUSTOMIZATION).read_text("utf-8"))[
            "resources"
        ]
        if (folder / entry).is_file()
    )
    assert checked == listed > 100  # every file, each listed in its kustomization


def test_validation_is_not_vacuous() -> None:
    """The same store rejects a rendered Rollout with one misspelt field."""
    doc = yaml.safe_load(
        (RENDERED / "prod" / "fraud-detector" / "rollout.yaml").read_text("utf-8")
    )
    canary = doc["spec"]["strategy"]["canary"]
    canary["stepz"] = canary.pop("steps")
    problems = SchemaStore("1.30", CRDS).problems(doc)
    assert problems
    assert any("stepz" in p.message or "stepz" in p.pointer for p in problems)
