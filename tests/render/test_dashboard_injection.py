"""Hostile values cannot change a dashboard's structure or a query's meaning.

Like tests/render/test_injection.py: a bundled spec (prod/support-assistant:
a container canary with accuracy, drift and business metrics) and its
environment get the most hostile values their schemas admit wherever a value
reaches the dashboard (quotes, ``}}``, ``{{ $labels.x }}``, ``${datasource}``,
newlines in the description; PromQL keywords as metric names; YAML words as
names), the repository is rendered by the real command next to a clean copy,
and the dashboards are compared: the same panels, keys, targets and
thresholds, only the string leaves meant to carry a value changed, every
query parsing (``promql_parser``) with exactly the hostile label values in
its selectors and no matcher the clean query lacks, every link keeping its
scheme and host.

Values the schemas refuse (quotes in a version, a namespace or a team) are
shown refused, and are given to ``dashboard.build`` directly: its quoting is
the trust boundary, schema or not.
"""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import promql_parser
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelrail.metrics import string
from modelrail.render import dashboard, inputs
from modelrail.render.kubeschema import SchemaStore
from modelrail.render.renderer import render, templates_of
from modelrail.repository.layout import repository
from modelrail.repository.loader import load_file, load_text
from modelrail.repository.schema import SchemaSet
from testing.render import make_repo, read_tree, render_repo
from testing.repo import FIXTURE, ROOT

if TYPE_CHECKING:
    from pathlib import Path

ENV = "prod"
MODEL = "support-assistant"
FILE = f"{ENV}/{MODEL}/dashboard.yaml"
SOURCE = f"environments/{ENV}/{MODEL}.yaml"
CLEAN_NAMESPACE = "models-prod"

# Free text (metadata.description admits any string of 500 characters).
DESCRIPTION = (
    'x"}) or vector(1) # }} {{ $labels.x }} ${datasource} $__range\n'
    '---\nkind: Secret\na\\nb \\" \\\\" </script><script>alert(1)</script>\n'
    '"title": "injected", "panels": []}\r\n\t{{ 7*7 }}'
)
# The most hostile values the patterns admit.
TEAM = "null"  # dnsLabel: a YAML word, nothing else
VERSION = "1.10.0-rc.1+build.5"  # semver: '.', '+', '-' (regex characters)
NAMESPACE = "true"  # dnsLabel
RUNBOOK = (  # an http(s) URL: any non-space character after the host
    "https://runbooks.example.com/x\"}}{{$labels.x}}${datasource}'<b>"
    '?q="a"&b=}}{{#"frag"'
)
REPO_URL = "https://git.example.com/o/r.git#'q'\"d\"&a*b!!x%YAML---:[x]<<"
REVISION = "../../evil/x.y_z-"  # [A-Za-z0-9._/-]
ACCURACY = "on"  # [a-z][a-z0-9_]*: a PromQL keyword, only ever a label value
USAGE = "bool"  # a metric name PromQL lexes as a keyword
SATISFACTION = "job:NaN:rate5m"

# Values the schemas refuse: given to dashboard.build directly.
FORBIDDEN = [
    'x"}) or vector(1) #',
    '"} or vector(1) or {x="',
    "}} {{",
    "a\nb",
    "a\rb",
    '\\"',
    "\\",
    "{{ $labels.x }}",
    "${datasource}",
    "a.*|.*",
    "x', model=~'.+",
]


def hostile_spec(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["metadata"]["description"] = DESCRIPTION
    data["metadata"]["team"] = TEAM
    spec = data["spec"]
    spec["model"]["version"] = VERSION
    monitoring = spec["monitoring"]
    monitoring["runbook"] = RUNBOOK
    monitoring["accuracy"]["metric"] = ACCURACY
    monitoring["business"][0]["metric"] = USAGE
    monitoring["business"][1]["metric"] = SATISFACTION
    return data


def hostile_environment(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["spec"]["namespace"] = NAMESPACE
    data["spec"]["argocd"]["repoURL"] = REPO_URL
    data["spec"]["argocd"]["targetRevision"] = REVISION
    return data


def write(path: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=10**6)
    path.write_text(text, encoding="utf-8")
    assert load_file(path).data == data


def edit(repo: Path) -> None:
    folder = repo / "environments" / ENV
    write(
        folder / f"{MODEL}.yaml", hostile_spec(load_file(folder / f"{MODEL}.yaml").data)
    )
    environment = folder / "environment.yaml"
    write(environment, hostile_environment(load_file(environment).data))


def rendered(tmp: Path, change: Any = None) -> dict[str, bytes]:
    repo = make_repo(tmp / "repo")
    if change is not None:
        change(repo)
    result = render_repo(repo, tmp / "out")
    assert result.returncode == 0, result.stderr
    return read_tree(tmp / "out")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return config_map(rendered(tmp_path_factory.mktemp("clean"))[FILE])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return config_map(rendered(tmp_path_factory.mktemp("hostile"), edit)[FILE])


def config_map(raw: bytes | str) -> dict[str, Any]:
    """The one document of the file, alike for libyaml, PyYAML and modelrail."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    found = []
    for loader in (yaml.CSafeLoader, yaml.SafeLoader):
        documents = list(yaml.load_all(text, Loader=loader))
        assert len(documents) == 1
        found.append(documents[0])
    found.append(load_text(text, "dashboard.yaml").data)
    assert found[0] == found[1] == found[2]
    data: dict[str, Any] = found[0]
    return data


def board_of(config: dict[str, Any]) -> dict[str, Any]:
    [text] = config["data"].values()
    board: dict[str, Any] = json.loads(text)
    return board


# ---------------------------------------------------------------- comparing


def shape(value: Any) -> Any:
    """``value`` with every string replaced by ``str``: keys, list lengths,
    numbers (thresholds), booleans and nulls stay."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return str if isinstance(value, str) else value


def changes(old: Any, new: Any, pointer: str = "") -> list[str]:
    """The JSON pointers of the string leaves that differ (same shape)."""
    if isinstance(old, dict):
        return [p for k in old for p in changes(old[k], new[k], f"{pointer}/{k}")]
    if isinstance(old, list):
        return [p for n, (a, b) in enumerate(zip(old, new, strict=True))
                for p in changes(a, b, f"{pointer}/{n}")]  # fmt: skip
    return [] if old == new else [pointer]


def promql(expr: str) -> Any:
    """The parsed query (Grafana's variables replaced by durations)."""
    return promql_parser.parse(
        expr.replace("$__rate_interval", "5m").replace("$__range", "1d")
    )


def selectors(expr: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Each vector selector of ``expr``: (metric name, its matchers as (label,
    operator, value)), a ``__name__`` matcher read as the name."""
    found: list[Any] = []

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)
        return True

    promql_parser.walk(promql(expr), visit)
    out = []
    for node in found:
        assert not node.matchers.or_matchers
        name = node.name
        matchers = []
        for m in node.matchers.matchers:
            if m.name == "__name__":
                assert name is None
                assert str(m.op) == "MatchOp.Equal"
                name = m.value
                continue
            matchers.append((m.name, str(m.op), m.value))
        out.append((name, matchers))
    return out


def links(board: dict[str, Any]) -> dict[str, str]:
    return {link["title"]: link["url"] for link in board["links"]}


# ---------------------------------------------------------------- the render


def test_the_schemas_refuse_hostile_names() -> None:
    """team, namespace and version admit none of the injection characters."""
    model = SchemaSet(ROOT / "schemas").get("ModelDeployment").fast
    environment = SchemaSet(ROOT / "schemas").get("Environment").fast
    spec = load_file(FIXTURE / "environments" / ENV / f"{MODEL}.yaml").data
    env = load_file(FIXTURE / "environments" / ENV / "environment.yaml").data
    assert model.is_valid(hostile_spec(spec))
    assert environment.is_valid(hostile_environment(env))
    for value in FORBIDDEN:
        for field in ("team", "version", "namespace"):
            edited = copy.deepcopy(env if field == "namespace" else spec)
            if field == "team":
                edited["metadata"]["team"] = value
            elif field == "version":
                edited["spec"]["model"]["version"] = value
            else:
                edited["spec"]["namespace"] = value
            schema = environment if field == "namespace" else model
            assert not schema.is_valid(edited), (field, value)


def test_the_structure_is_the_clean_dashboards(
    clean: dict[str, Any], hostile: dict[str, Any]
) -> None:
    before, after = board_of(clean), board_of(hostile)
    assert shape(after) == shape(before)
    allowed = [
        r"/description",  # metadata.description
        r"/tags/2",  # the team
        r"/panels/\d+/targets/\d+/expr",  # queries (compared below)
        r"/panels/\d+/targets/0/legendFormat",  # the accuracy metric's legend
        r"/panels/\d+/title",  # "Online <accuracy metric>"
        r"/panels/\d+/description",  # the metric and the canary's version
        r"/panels/\d+/fieldConfig/defaults/mappings/0/options/0/text",  # version
        r"/links/\d+/url",
    ]
    changed = changes(before, after)
    for pointer in changed:
        assert any(re.fullmatch(a, pointer) for a in allowed), pointer
    assert after["description"] == DESCRIPTION
    assert after["tags"] == ["modelrail", ENV, TEAM, MODEL]
    assert after["uid"] == before["uid"] == f"{ENV}-{MODEL}"
    assert after["title"] == before["title"]
    titles = [p["title"] for p in after["panels"]]
    assert titles == [
        t.replace("Online accuracy", f"Online {ACCURACY}")
        for t in (p["title"] for p in before["panels"])
    ]
    step = next(p for p in after["panels"] if p["title"].startswith("Canary step"))
    texts = step["fieldConfig"]["defaults"]["mappings"][0]["options"]
    assert texts["0"]["text"] == f"no traffic to {VERSION}"
    assert step["description"].endswith(f"the traffic to {VERSION} matches.")


def test_the_config_map_keeps_its_keys(
    clean: dict[str, Any], hostile: dict[str, Any]
) -> None:
    assert hostile["metadata"]["annotations"] == {
        **clean["metadata"]["annotations"],
        "grafana_folder": TEAM,
    }
    assert type(hostile["metadata"]["annotations"]["grafana_folder"]) is str
    assert hostile["metadata"]["namespace"] == NAMESPACE
    assert list(hostile["data"]) == list(clean["data"])
    assert hostile["metadata"]["labels"]["grafana_dashboard"] == "1"


def test_every_query_means_what_the_clean_one_means(
    clean: dict[str, Any], hostile: dict[str, Any]
) -> None:
    """Each query parses, and is the clean query with the hostile values as
    exactly the label values and metric names they replace."""
    names = {
        "model_business_active_users": USAGE,
        "model_business_satisfaction_score": SATISFACTION,
    }
    clean_version = load_file(FIXTURE / "environments" / ENV / f"{MODEL}.yaml").data[
        "spec"
    ]["model"]["version"]
    values = {
        "namespace": {CLEAN_NAMESPACE: NAMESPACE},
        "version": {clean_version: VERSION},
        "metric": {"accuracy": ACCURACY},
    }
    pairs = [
        (a["expr"], b["expr"])
        for p, q in zip(
            board_of(clean)["panels"], board_of(hostile)["panels"], strict=True
        )
        for a, b in zip(p.get("targets", []), q.get("targets", []), strict=True)
    ]
    assert len(pairs) > 30
    seen: set[str] = set()
    for before, after in pairs:
        old, new = selectors(before), selectors(after)
        assert len(old) == len(new), after
        for (old_name, old_matchers), (new_name, new_matchers) in zip(
            old, new, strict=True
        ):
            assert new_name == names.get(old_name, old_name), after
            expected = [
                (label, op, values.get(label, {}).get(value, value))
                for label, op, value in old_matchers
            ]
            assert new_matchers == expected, after
            seen.update(label for label, _, _ in new_matchers)
        # and the rest of the text is the clean query's
        back = after
        for label, swap in values.items():
            for old_value, new_value in swap.items():
                back = back.replace(
                    f"{label}={string(new_value)}", f"{label}={string(old_value)}"
                )
        back = back.replace(f'{{__name__="{USAGE}", ', "model_business_active_users{")
        back = back.replace(SATISFACTION + "{", "model_business_satisfaction_score{")
        assert back == before
    assert {"namespace", "model", "version", "metric", "pod", "code"} <= seen


def test_links_keep_their_scheme_and_host(
    clean: dict[str, Any], hostile: dict[str, Any]
) -> None:
    after = links(board_of(hostile))
    assert list(after) == list(links(board_of(clean)))
    assert after["Runbook"] == RUNBOOK  # the spec's own URL, as written
    assert urlsplit(after["Runbook"])[:2] == ("https", "runbooks.example.com")
    alerts = urlsplit(after["Alerts"])
    assert (alerts.scheme, alerts.netloc, alerts.path) == ("", "", "/alerting/list")
    assert unquote(alerts.query) == (
        f"search=label:namespace={NAMESPACE} label:model={MODEL}"
    )
    git = after["Spec in git"]
    repo = REPO_URL.removesuffix(".git")
    assert git == f"{repo}/blob/..%2F..%2Fevil%2Fx.y_z-/{SOURCE}"
    assert urlsplit(git)[:2] == ("https", "git.example.com")


# ---------------------------------------------------------------- build itself


def build(spec: dict[str, Any], env: dict[str, Any], namespace: str) -> dict[str, Any]:
    return dashboard.build(spec, env, namespace, SOURCE)


@pytest.fixture(scope="module")
def inputs_() -> tuple[dict[str, Any], dict[str, Any]]:
    folder = FIXTURE / "environments" / ENV
    return (
        load_file(folder / f"{MODEL}.yaml").data,
        load_file(folder / "environment.yaml").data,
    )


@pytest.mark.parametrize("value", FORBIDDEN)
def test_label_values_reach_promql_only_as_literals(
    inputs_: tuple[dict[str, Any], dict[str, Any]], value: str
) -> None:
    """Namespace, model name and version the schemas would refuse, given to
    build directly: every selector still holds exactly them, and the pod
    regular expression matches the name literally."""
    spec, env = copy.deepcopy(inputs_[0]), inputs_[1]
    clean = build(spec, env, CLEAN_NAMESPACE)
    name = f"m{value}"
    spec["metadata"]["name"] = name
    spec["spec"]["model"]["version"] = value
    board = build(spec, env, value)
    assert shape(board) == shape(clean)
    assert re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", board["uid"])
    pairs = [
        (a["expr"], b["expr"])
        for p, q in zip(clean["panels"], board["panels"], strict=True)
        for a, b in zip(p.get("targets", []), q.get("targets", []), strict=True)
    ]
    for before, after in pairs:
        old, new = selectors(before), selectors(after)
        assert [n for n, _ in new] == [n for n, _ in old]
        for (_, old_matchers), (_, new_matchers) in zip(old, new, strict=True):
            assert [(label, op) for label, op, _ in new_matchers] == [
                (label, op) for label, op, _ in old_matchers
            ], after
            for label, _, found in new_matchers:
                if label == "namespace":
                    assert found == value
                elif label == "model":
                    assert found == name
                elif label == "version":
                    assert found == value
                elif label == "pod":
                    assert re.fullmatch(
                        found, f"{name}-5d8f9c7b6-x2x9z"
                    ) or re.fullmatch(found, f"{name}-predictor-00001-deployment-x")
                    assert not re.fullmatch(found, "other-5d8f9c7b6-x2x9z")
    alerts = urlsplit(links(board)["Alerts"])
    assert alerts.path == "/alerting/list"
    assert not alerts.netloc


# ---------------------------------------------------------------- property


SEMVER = r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})(-[0-9A-Za-z.-]{1,20})?(\+[0-9A-Za-z.-]{1,20})?"
# render refuses what kustomize cannot carry (facts.check_portable)
UNPORTABLE = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f" + "".join(
    map(chr, [*range(0x10, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, 0xFFFE, 0xFFFF])
)
descriptions = st.one_of(
    st.text(
        alphabet=st.characters(
            exclude_categories=["Cs"], exclude_characters=UNPORTABLE
        ),
        max_size=500,
    ),
    st.sampled_from([DESCRIPTION, *FORBIDDEN, "", "yes", "{{"]),
)


class Copy:
    """A repository copy whose prod/support-assistant examples overwrite."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = repository(root)
        self.templates = templates_of(root)
        self.path = root / "environments" / ENV / f"{MODEL}.yaml"
        self.spec = load_file(self.path).data
        version = load_file(root / "environments" / ENV / "environment.yaml").data
        self.store = SchemaStore(
            version["spec"]["kubernetesVersion"], root / "schemas" / "crds"
        )

    def dashboard(self, data: dict[str, Any]) -> dict[str, Any]:
        original = self.path.read_bytes()
        try:
            write(self.path, data)
            loaded = inputs.load(self.repo, (ENV,))
            loaded.models[ENV] = [m for m in loaded.models[ENV] if m.name == MODEL]
            output = render(loaded, self.templates, {ENV: self.store})
        finally:
            self.path.write_bytes(original)
        return config_map(output.files[FILE])


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Copy:
    return Copy(make_repo(tmp_path_factory.mktemp("property") / "repo"))


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(descriptions, st.from_regex(SEMVER, fullmatch=True))
def test_any_description_and_version_keep_the_structure(
    repo_copy: Copy, description: str, version: str
) -> None:
    clean = board_of(repo_copy.dashboard(repo_copy.spec))
    data = copy.deepcopy(repo_copy.spec)
    data["metadata"]["description"] = description
    data["spec"]["model"]["version"] = version
    assert (
        SchemaSet(repo_copy.root / "schemas").get("ModelDeployment").fast.is_valid(data)
    )
    board = board_of(repo_copy.dashboard(data))
    assert shape(board) == shape(clean)
    assert board["description"] == description
    for pointer in changes(clean, board):
        assert re.fullmatch(
            r"/description|/panels/\d+/targets/0/expr|/panels/\d+/description"
            r"|/panels/\d+/fieldConfig/defaults/mappings/0/options/0/text",
            pointer,
        ), pointer
    for item in board["panels"]:
        for target in item.get("targets", []):
            for _, matchers in selectors(target["expr"]):
                for label, _, value in matchers:
                    if label == "version":
                        assert value == version
                    if label == "namespace":
                        assert value == CLEAN_NAMESPACE
