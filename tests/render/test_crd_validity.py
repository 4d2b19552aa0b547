"""Every custom resource in the committed ``rendered/`` is valid against the
CRD schemas (strict: an object that lists its properties takes no other),
and the vendored schemas are the ones their README names.

``render`` validates each file before writing it; this reads the committed
output again, independently of that run, and counts the kinds so that a
kind silently missing from the bundled output fails too.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import yaml

from modelrail.render.kubeschema import SchemaStore, is_core
from testing.repo import FIXTURE, ROOT, bundled

CRDS = ROOT / "schemas" / "crds"
SHARED = ROOT.parent / "shared" / "crd-schemas"  # the workspace's copy, when present
RENDERED = bundled() / "rendered"
# the bundled output: 16 models (4 on KServe) in 4 environments, 10 analysed
EXPECTED = {
    "PrometheusRule": 16,
    "ServiceMonitor": 16,
    "AnalysisTemplate": 10,
    "InferenceService": 4,
    "Rollout": 12,
    "AppProject": 8,  # an environment's, and a cluster's bootstrap project
    "ApplicationSet": 4,
    "Application": 8,  # one root Application per cluster, one _alerting per env
    "AlertmanagerConfig": 12,  # one per team (3) and environment (4)
}


def _manifests() -> list[tuple[str, dict[str, object]]]:
    out = []
    for path in sorted(RENDERED.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append((path.relative_to(RENDERED).as_posix(), data))
    return out


def _kubernetes_version(folder: str) -> str:
    """The environment's version (the cluster bootstrap: the oldest bundled)."""
    if folder.startswith("_"):
        return "1.30"
    env = FIXTURE / "environments" / folder / "environment.yaml"
    return str(yaml.safe_load(env.read_text("utf-8"))["spec"]["kubernetesVersion"])


def test_every_rendered_custom_resource_is_valid() -> None:
    stores: dict[str, SchemaStore] = {}
    kinds: Counter[str] = Counter()
    for rel, manifest in _manifests():
        api_version = str(manifest["apiVersion"])
        if is_core(api_version):
            continue  # core kinds: render validates them against Kubernetes'
        version = _kubernetes_version(rel.split("/")[0])
        store = stores.setdefault(version, SchemaStore(version, CRDS))
        assert store.problems(manifest) == [], rel
        kinds[str(manifest["kind"])] += 1
    for kind, count in EXPECTED.items():
        assert kinds[kind] == count, (kind, kinds)


def test_strictness_catches_a_typo_in_each_kind() -> None:
    store = SchemaStore("1.30", CRDS)
    seen = set()
    for _, manifest in _manifests():
        kind = str(manifest["kind"])
        if kind not in EXPECTED or kind in seen:
            continue
        seen.add(kind)
        broken = dict(manifest)
        broken["spec"] = {**dict(manifest["spec"]), "stepz": 1}  # type: ignore[arg-type]
        assert store.problems(broken), f"{kind} took an unknown spec key"
    assert seen == set(EXPECTED)


def test_vendored_schemas_match_their_readme() -> None:
    readme = (CRDS / "README.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([^`]+\.json)` \|.*\| `([0-9a-f]{64})` \| (\d+) \|$",
        readme,
        re.MULTILINE,
    )
    assert len(rows) == 11, rows
    for name, digest, size in rows:
        body = (CRDS / name).read_bytes()
        assert len(body) == int(size), name
        assert hashlib.sha256(body).hexdigest() == digest, name
    # in the workspace, also byte for byte the shared copy they came from
    if SHARED.is_dir():
        ours = {p.relative_to(CRDS): p.read_bytes() for p in CRDS.rglob("*.json")}
        theirs = {p.relative_to(SHARED): p.read_bytes() for p in SHARED.rglob("*.json")}
        assert ours == theirs


def test_expected_counts_follow_the_bundled_specs() -> None:
    specs = [
        p
        for p in (FIXTURE / "environments").glob("*/*.yaml")
        if p.name not in ("environment.yaml", "waivers.yaml")
    ]
    kserve = [p for p in specs if "runtime: kserve" in p.read_text("utf-8")]
    assert (len(specs), len(kserve)) == (16, EXPECTED["InferenceService"])
    assert EXPECTED["Rollout"] == len(specs) - len(kserve)
