"""Policy examples: small YAML fragments of a spec, run against one policy.

An example is a JSON Merge Patch (RFC 7386: mappings merge, ``null`` deletes,
anything else replaces) on a bundled spec: the one of its ``spec.type``
(fraud-detector, product-recommender or support-assistant) in its
``metadata.environment`` (default ``prod``). Findings are located in the
example itself, so an example says where they must be with carets under the
line above, at the expected column::

    spec:
      serving:
        image: registry.example.com/ml/fraud-detector:3.2.0
        #      ^ MR-SEC-004

A rule about changes (``check --base``) reads the base in the top-level key
``~base``: a merge patch on the same bundled spec, giving the spec as it was
on the base branch. Rules across environments read the same model in the
other environments: the bundled specs, patched by ``~peers`` (environment ->
merge patch; ``null`` removes the spec), and when each peer's version entered
its spec from ``~entered`` (environment -> ISO 8601 time). Soak times are
measured to ``NOW``. ``~earlier`` (a version) is one the example's environment
ran before, in its git history (no ``~earlier``: the model never ran
another version there). ``~ran`` lists what the example's environment ran,
stretch by stretch, newest first: each a merge patch on the bundled spec
(``History.runs``).

The same rules run the ``Fails::``/``Passes::`` snippets of the docstrings.
"""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from modelrail.git.history import Entry, Stretch
from modelrail.policy import Context, Environment, Hit, Spec, profiles
from modelrail.policy.engine import Policy, Registry, load_policies
from modelrail.repository.loader import Document, load_file, load_text
from modelrail.repository.schema import SchemaSet
from testing.history import StaticHistory
from testing.repo import FIXTURE, ROOT

if TYPE_CHECKING:
    from pathlib import Path

EXAMPLES = ROOT / "tests" / "examples"
TODAY = datetime.date(2026, 11, 21)
BASES = {
    "predictive": "fraud-detector",
    "recommendation": "product-recommender",
    "chatbot": "support-assistant",
}
BASE_KEY = "~base"
PEERS_KEY = "~peers"
ENTERED_KEY = "~entered"
EARLIER_KEY = "~earlier"
RAN_KEY = "~ran"
NOW = datetime.datetime(2026, 11, 21, 12, 0, tzinfo=datetime.UTC)
_CARET = re.compile(r"^\s*#\s*(\^+)\s*(MR-[A-Z]+-[0-9]{3})?\s*$")


@dataclass(frozen=True)
class Located:
    line: int
    column: int
    message: str


@cache
def registry() -> Registry:
    return load_policies(ROOT / "policies", ROOT)


@cache
def _config() -> profiles.Profiles:
    return profiles.load(FIXTURE / "policies", FIXTURE, registry(), _schemas())


@cache
def _schemas() -> SchemaSet:
    return SchemaSet(ROOT / "schemas")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def expected(text: str) -> list[tuple[int, int]]:
    """(line, column) of every caret, under the nearest line above that is
    not itself a caret line."""
    out: list[tuple[int, int]] = []
    target = 0
    for number, line in enumerate(text.splitlines(), 1):
        match = _CARET.match(line)
        if match is None:
            target = number
            continue
        assert target, f"line {number}: a caret needs a line above it"
        out.append((target, match.start(1) + 1))
    return sorted(out)


def run(policy: Policy, text: str, name: str) -> list[Located]:
    """The hits of ``policy`` on the example, located in the example."""
    doc = load_text(text, name)
    patch = dict(doc.data)
    base_patch = patch.pop(BASE_KEY, None)
    peer_patches = patch.pop(PEERS_KEY, None) or {}
    entered = patch.pop(ENTERED_KEY, None) or {}
    earlier = patch.pop(EARLIER_KEY, None)
    ran_patches = patch.pop(RAN_KEY, None)
    env_name = patch.get("metadata", {}).get("environment", "prod")
    spec_type = patch.get("spec", {}).get("type", "predictive")
    base = load_file(FIXTURE / "environments" / env_name / f"{BASES[spec_type]}.yaml")
    merged = merge_patch(base.data, patch)
    problems = _schemas().validate("ModelDeployment", Document(name, merged, doc.node))
    assert not problems, f"{name}: the merged spec is not schema-valid: " + "; ".join(
        str(p) for p in problems
    )
    env_doc = load_file(FIXTURE / "environments" / env_name / "environment.yaml")
    env = Environment(env_doc.data)
    setting = _config().settings(env.profile)[policy.id]
    name = merged["metadata"]["name"]
    peers = _peers(BASES[spec_type], name, peer_patches)
    history = None
    if base_patch is not None or earlier is not None or ran_patches is not None:
        before = merge_patch(base.data, base_patch or {})
        entries = {
            (peer_env, name, str(peers[peer_env]["spec"]["model"]["version"])): Entry(
                "0" * 40, datetime.datetime.fromisoformat(str(when))
            )
            for peer_env, when in entered.items()
        }
        ran = {(env_name, name): str(earlier)} if earlier is not None else {}
        history = StaticHistory("main", {(env_name, name): before}, entries, ran)
        history.ran[(env_name, name)] = _runs(base.data, ran_patches or [])
    ctx = Context(
        TODAY, _environments(), setting.options, history, NOW, StaticPeers(peers)
    )
    if not policy.applies_to(spec_type):
        return []
    hits = list(policy.check(Spec(merged), env, ctx))
    assert all(isinstance(h, Hit) for h in hits)
    located = []
    for hit in hits:
        where = doc.locate(hit.pointer)
        located.append(Located(where.line, where.column, hit.message))
    return sorted(located, key=lambda x: (x.line, x.column))


def _runs(bundled: Any, patches: list[Any]) -> list[Stretch]:
    """``~ran``: stretches of history, newest first, a day apart."""
    runs: list[Stretch] = []
    for index, patch in enumerate(patches):
        data = merge_patch(bundled, patch)
        since = Entry(f"{index + 1:040x}", NOW - datetime.timedelta(days=index + 1))
        until = runs[-1].since if runs else None
        version = str(data["spec"]["model"]["version"])
        runs.append(Stretch(version, since, until, since, "", data))
    return runs


@cache
def _environments() -> dict[str, Environment]:
    return {
        folder.name: Environment(load_file(folder / "environment.yaml").data)
        for folder in sorted((FIXTURE / "environments").iterdir())
        if (folder / "environment.yaml").is_file()
    }


def _peers(bundled: str, name: str, patches: dict[str, Any]) -> dict[str, Any]:
    """The model in every environment: the bundled spec, patched."""
    out: dict[str, Any] = {}
    for env_name in _environments():
        path = FIXTURE / "environments" / env_name / f"{bundled}.yaml"
        loaded = load_file(path) if path.is_file() else None
        data = loaded.data if loaded is not None else None
        if env_name in patches:
            data = (
                None
                if patches[env_name] is None
                else merge_patch(data, patches[env_name])
            )
        if data is not None:
            data = merge_patch(data, {"metadata": {"name": name}})
            assert loaded is not None, f"{env_name}: a patch needs a bundled spec"
            problems = _schemas().validate(
                "ModelDeployment", Document(str(path), data, loaded.node)
            )
            assert not problems, f"peer {env_name}: " + "; ".join(map(str, problems))
            out[env_name] = data
    return out


@dataclass(frozen=True)
class StaticPeers:
    specs: dict[str, Any]

    def spec(self, environment: str, name: str) -> Any:
        data = self.specs.get(environment)
        return data if data is not None and data["metadata"]["name"] == name else None


def files(policy_id: str, kind: str) -> list[Path]:
    folder = EXAMPLES / policy_id / kind
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []
