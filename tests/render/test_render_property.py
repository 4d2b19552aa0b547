"""The property the render feature promises: any spec that ``check`` accepts
renders, and every manifest it renders parses back (one document, the same
data for libyaml, PyYAML and modelrail's loader) and validates against its
Kubernetes or CRD schema.

Specs are the bundled ones mutated by Hypothesis (testing/strategies.py), with
hostile strings among the replacement values. Each example is written into a
copy of the repository and judged by the real ``check.run`` (schemas,
consistency, policies at the environment's profile, waivers); the accepted
ones are rendered by the real loader and renderer.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings

from modelrail.check import runner as check
from modelrail.cli import main
from modelrail.render import inputs, records
from modelrail.render.kubeschema import SchemaStore
from modelrail.render.records import RECORD
from modelrail.render.renderer import MARKER, render, templates_of
from modelrail.repository.layout import repository
from modelrail.repository.loader import load_file, load_text
from modelrail.repository.schema import SchemaSet
from testing.render import make_repo
from testing.strategies import STRINGS, mutated

if TYPE_CHECKING:
    from pathlib import Path

TODAY = datetime.date(2026, 11, 21)  # the day the bundled waivers are judged on
# Replacement strings: the usual ones, and some that inject when pasted.
HOSTILE = (
    "a: b\nc: d",
    "---\nkind: Secret",
    "{{ 7*7 }}",
    "- x",
    "#x",
    "yes",
    "1.10",
    "line\u2028separator",
)


class Repo:
    """A copy of the repository whose specs examples overwrite one at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = repository(root)
        self.schemas = SchemaSet(root / "schemas")
        self.templates = templates_of(root)
        self.stores: dict[str, SchemaStore] = {}

    def store(self, version: str) -> SchemaStore:
        if version not in self.stores:
            self.stores[version] = SchemaStore(version, self.root / "schemas" / "crds")
        return self.stores[version]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return Repo(make_repo(tmp_path_factory.mktemp("property") / "repo"))


def parse_back(name: str, text: str) -> dict[str, Any]:
    found = []
    for loader in (yaml.CSafeLoader, yaml.SafeLoader):
        documents = list(yaml.load_all(text, Loader=loader))
        assert len(documents) == 1, f"{name}: {len(documents)} documents"
        found.append(documents[0])
    found.append(load_text(text, name).data)
    assert found[0] == found[1] == found[2], name
    assert isinstance(found[0], dict), name
    return found[0]


# What render refuses as a value kustomize cannot carry (facts.check_portable).
UNPORTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(mutated(strings=STRINGS + HOSTILE))
def test_what_check_accepts_renders_to_valid_manifests(
    copy: Repo, case: tuple[str, dict[str, Any]]
) -> None:
    env_name, data = case
    assume(copy.schemas.get("ModelDeployment").fast.is_valid(data))
    path = copy.root / "environments" / env_name / f"{data['metadata']['name']}.yaml"
    original = path.read_bytes()
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=10**6)
        path.write_text(text, encoding="utf-8")
        assert load_file(path).data == data
        report = check.run(
            copy.repo, (str(path),), (env_name,), check.Options(today=TODAY)
        )
        assert not report.crashes, report.crashes
        assume(report.exit_code == 0)  # what check accepts
        loaded = inputs.load(copy.repo, (env_name,))
        # the other models of the environment are bundled specs: render this one
        name = data["metadata"]["name"]
        loaded.models[env_name] = [m for m in loaded.models[env_name] if m.name == name]
        version = loaded.environments[env_name].data["spec"]["kubernetesVersion"]
        output = render(loaded, copy.templates, {env_name: copy.store(version)})
    finally:
        path.write_bytes(original)
    store = copy.store(version)
    workload = (
        "rollout"
        if data["spec"]["serving"]["runtime"] == "container"
        else ("inferenceservice")
    )
    assert f"{env_name}/{data['metadata']['name']}/{workload}.yaml" in output.files
    resources = 0
    for name, body in sorted(output.files.items()):
        if name == MARKER:
            continue
        if name.endswith(f"/{RECORD}"):  # not a manifest: checked on its own
            assert records.parse(body, name.rpartition("/")[0]) is not None, name
            continue
        manifest = parse_back(name, body)
        if name.endswith("/kustomization.yaml"):
            folder = name.rpartition("/")[0]
            mine = sorted(
                n.rpartition("/")[2]
                for n in output.files
                if n.rpartition("/")[0] == folder
                and not n.endswith(("/kustomization.yaml", f"/{RECORD}"))
            )
            assert [r for r in manifest["resources"] if "/" not in r] == mine
            continue
        resources += 1
        assert store.problems(manifest) == [], name
    assert resources >= output.resources


# ---------------------------------------------------------------- known gaps

DIGEST = '    digest: "sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7"\n'
ENDPOINTS = "endpoints: {predict: /v1/predict, health: /healthz, metrics: /metrics}"
LIVENESS = "liveness: {periodSeconds: 10, failureThreshold: 3}"


def gap(name: str, old: str, new: str, reason: str) -> Any:
    """A spec the mutations cannot reach; ``reason`` says why check must refuse
    it (MR-RENDER-001) or render must render it."""
    return pytest.param(old, new, id=name)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        gap(
            "no-digest",
            DIGEST,
            "",
            "model.digest is optional outside production (MR-MDL-001): render "
            "leaves MODEL_DIGEST and the digest annotation out",
        ),
        gap(
            "no-health-endpoint",
            ENDPOINTS,
            "endpoints: {predict: /v1/predict, metrics: /metrics}",
            "probes without a path and no endpoints.health: MR-RENDER-001",
        ),
        gap(
            "liveness-success-threshold",
            LIVENESS,
            LIVENESS.replace("}", ", successThreshold: 2}"),
            "a liveness successThreshold other than 1: MR-RENDER-001",
        ),
        gap(
            "reserved-label",
            "  team: risk-ml\n",
            "  team: risk-ml\n  labels: {app.kubernetes.io/name: x}\n",
            "a label under app.kubernetes.io/ or modelrail.io/: MR-RENDER-001",
        ),
        gap(
            "control-character",
            "{name: LOG_FORMAT, value: json}",
            '{name: LOG_FORMAT, value: "a\\u2028b"}',
            "a character kustomize cannot carry: MR-RENDER-001",
        ),
        gap(
            "kserve-runtime",
            "runtime: container",
            "runtime: kserve",
            "serving.runtime kserve is not rendered yet: MR-RENDER-001",
        ),
    ],
)
def test_check_refuses_what_render_cannot_render(
    tmp_path: Path, old: str, new: str
) -> None:
    """The property on specs the mutations cannot reach: either check refuses
    the spec, or render renders it."""
    root = make_repo(tmp_path / "repo")
    path = root / "environments" / "dev" / "fraud-detector.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    report = check.run(repository(root), (str(path),), ("dev",), check.Options(TODAY))
    if report.exit_code != 0:
        # check refuses it, for the reason render would
        rules = {f.rule for f in report.findings if not f.waived}
        assert "MR-RENDER-001" in rules, report.findings
        return
    result = CliRunner().invoke(
        main, ["render", "--root", str(root), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
