"""Hostile strings in every free-text field that reaches a manifest.

A bundled spec (prod/support-assistant: nginx, TLS, a NetworkPolicy with pod
labels, secret references) and its environment get values the schemas admit
but that would inject YAML, templates or types if pasted as text: newlines,
``---``, ``{{ 7*7 }}``, ``{% raw %}``, ``: ``, ``- x``, quotes, ``#``,
anchors, aliases, tags, directives, tabs, CR, unicode, and the words YAML
reads as booleans, null or numbers. The repository is rendered by the real
command, next to a clean copy; then every file must be one document holding
the same resource as the clean render, differing only where the hostile value
was meant to go, and holding it there exactly (for Python's YAML readers and
for kustomize's). Characters kustomize cannot carry (U+2028, NEL, DEL, C0/C1
controls) and Go-template braces where Argo CD evaluates templates are refused
with their location instead.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from click.testing import CliRunner

from modelrail.cli import main
from modelrail.render import records
from modelrail.render.records import RECORD
from modelrail.repository.loader import load_file, load_text
from testing.render import make_repo, read_tree, render_repo
from testing.tools import require_tool

if TYPE_CHECKING:
    from pathlib import Path

ENV = "prod"
MODEL = "support-assistant"
FOLDER = f"{ENV}/{MODEL}"
# the env entries modelrail writes before the spec's own: the model's values
# (6) and the OpenTelemetry variables of monitoring.tracing (6)
RENDERED_ENV = 12

# Free text: env values and args admit anything (newlines included).
HOSTILE = [
    "line one\nline two\n",
    "---\napiVersion: v1\nkind: Secret\nmetadata: {name: injected}\n",
    "x\n---\nkind: ConfigMap",
    "...\n--- !!python/object/apply:os.system ['id']",
    "{{ 7*7 }}",
    "{{ name }}",
    "{{ ''.__class__.__mro__ }}",
    "{% raw %}{{ name }}{% endraw %}",
    "{% include '../../etc/passwd' %}",
    "{# comment #}",
    "key: value",
    "a: b\nc: d",
    "- x",
    "- x\n- y",
    '"double" quotes',
    "'single' quotes",
    "# comment",
    "value # comment",
    "&anchor x",
    "*alias",
    "<<: *alias",
    "!!python/object/apply:os.system ['id']",
    "!!binary aGVsbG8=",
    "%YAML 1.1",
    "%TAG ! tag:example.com,2000:",
    "? complex key",
    "| literal",
    "> folded",
    "[flow, seq]",
    "{flow: map}",
    "@at `backtick`",
    "\ttab\tseparated\t",
    " leading and trailing spaces ",
    "caf\xe9 \u65e5\u672c \U0001f600 \u200b",
    "tab\tCR\rLF\nCRLF\r\n",
    "bom\ufeff zero\u200bwidth nbsp\xa0",
    "back\\slash \\n not a newline",
    "$(VECTOR_DB_API_KEY) ${HOME}",
    "yes",
    "NO",
    "on",
    "Off",
    "y",
    "null",
    "~",
    "",
    "1.10",
    "0x1F",
    "1e3",
    "012",
    "1_000",
    "12:30:00",
    "2026-12-31",
    ".inf",
    "=",
]
# Characters kustomize (go-yaml v3, which Argo CD runs) cannot carry through
# (it fails on DEL, C1 controls, U+FFFE/U+FFFF and turns NEL into a space):
# render refuses them, at the value's line:col.
UNPORTABLE = [
    "\x00", "\x07", "\x1b", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9b",
    "\u2028", "\u2029", "\ufffe", "\uffff",
]  # fmt: skip
# No whitespace (the artifact pattern is scheme://[^\s]+).
ARTIFACT = (
    "s3://bucket/\"q\"/'s'/#frag/{{7*7}}/{%raw%}/a:b/&a/*b/!!python/object/"
    "%YAML/---/[x]/{y}/|/>/@/`/~/=/<<?/caf\xe9/\U0001f600"
)
# Label keys and values within the label patterns: the type-confusion words.
LABELS = {
    "example.com/yes": "no",
    "true": "false",
    "y": "n",
    "null": "NULL",
    "on": "Off",
    "example.com/version": "1.10",
    "hex": "0x1F",
    "exp": "1e3",
    "octal": "012",
    "under": "1_000",
    "example.com/empty": "",
}
POD_LABELS = {"app.kubernetes.io/name": "yes", "null": "true", "n": "1.10"}
HEALTH = "/h:&a*b!$'(),;=@%25-~+"
READY = "/'r'/*x/&y/!!z/%YAML/a:b/---"
VERSION = "1.10.0-rc.1+build.5"
SECRET_REF = {"name": "null", "key": "yes"}
CONFIG_REF = {"name": "true", "key": "1.10"}
CAPABILITIES = {"drop": ["ALL", "NO", "Y"], "add": ["ON"]}

# Environment file: the URLs admit any non-space character.
# (no braces: those would be Go templates in the ApplicationSet; the schema
# refuses them)
REPO_URL = "https://git.example.com/o/r.git#'q'\"d\"&a*b!!x%YAML---:[x]<<"
SERVER = "https://k8s.example.com/x#'\"&*!%YAML---:-y,[z]"
REVISION = "yes"
NAMESPACE = "true"
INGRESS_CLASS = "null"
DOMAIN = "on.off.example.com"


def env_vars(values: list[str]) -> list[dict[str, Any]]:
    return [{"name": f"HOSTILE_{n:02d}", "value": v} for n, v in enumerate(values)]


def hostile_spec(data: dict[str, Any], values: list[str]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["metadata"]["team"] = "null"
    data["metadata"]["labels"] = dict(LABELS)
    spec = data["spec"]
    spec["model"]["name"] = "1.10"
    spec["model"]["version"] = VERSION
    spec["model"]["artifact"] = ARTIFACT
    serving = spec["serving"]
    serving["endpoints"]["health"] = HEALTH
    serving["probes"]["readiness"]["path"] = READY
    serving["env"] = [
        *env_vars(values),
        {"name": "FROM_SECRET", "secretKeyRef": dict(SECRET_REF)},
        {"name": "FROM_CONFIG", "configMapKeyRef": dict(CONFIG_REF)},
    ]
    serving["args"] = list(values)
    spec["security"]["capabilities"] = copy.deepcopy(CAPABILITIES)
    spec["security"]["networkPolicy"]["ingress"][1]["podLabels"] = dict(POD_LABELS)
    return data


def hostile_environment(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    spec = data["spec"]
    spec["namespace"] = NAMESPACE
    spec["cluster"]["server"] = SERVER
    spec["trafficRouter"]["ingressClass"] = INGRESS_CLASS
    spec["trafficRouter"]["domain"] = DOMAIN
    spec["argocd"]["repoURL"] = REPO_URL
    spec["argocd"]["targetRevision"] = REVISION
    return data


def write(path: Path, data: dict[str, Any]) -> None:
    """``data`` as YAML a person could have written (every non-ASCII and
    control character escaped), checked to load back as exactly ``data``."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=10**6)
    path.write_text(text, encoding="utf-8")
    assert load_file(path).data == data


def rendered(tmp: Path, edit: Any = None) -> Path:
    """The output folder of a render of a repository copy edited by ``edit``."""
    repo = make_repo(tmp / "repo")
    if edit is not None:
        edit(repo)
    out = tmp / "out"
    result = render_repo(repo, out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


def edit_spec(values: list[str]) -> Any:
    def edit(repo: Path) -> None:
        path = repo / "environments" / ENV / f"{MODEL}.yaml"
        write(path, hostile_spec(load_file(path).data, values))

    return edit


def edit_environment(repo: Path) -> None:
    path = repo / "environments" / ENV / "environment.yaml"
    write(path, hostile_environment(load_file(path).data))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return read_tree(rendered(tmp_path_factory.mktemp("clean")))


@pytest.fixture(scope="module")
def spec_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered(tmp_path_factory.mktemp("spec"), edit_spec(HOSTILE))


@pytest.fixture(scope="module")
def spec_render(spec_out: Path) -> dict[str, bytes]:
    return read_tree(spec_out)


@pytest.fixture(scope="module")
def env_render(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return read_tree(rendered(tmp_path_factory.mktemp("env"), edit_environment))


def parse(name: str, raw: bytes) -> Any:
    """The one document of a rendered file, read by libyaml, pure-Python
    PyYAML and modelrail's loader alike."""
    text = raw.decode("utf-8")
    found = []
    for loader in (yaml.CSafeLoader, yaml.SafeLoader):
        documents = list(yaml.load_all(text, Loader=loader))
        assert len(documents) == 1, f"{name}: {len(documents)} documents"
        found.append(documents[0])
    if name.endswith(".yaml"):
        found.append(load_text(text, name).data)
    assert all(f == found[0] for f in found), name
    return found[0]


def changes(old: Any, new: Any, pointer: str = "") -> list[str]:
    """JSON pointers where ``new`` differs from ``old`` (added and removed
    keys and items included)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            token = key.replace("~", "~0").replace("/", "~1")
            if key not in old or key not in new:
                out.append(f"{pointer}/{token}")
            else:
                out += changes(old[key], new[key], f"{pointer}/{token}")
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = enumerate(zip(old, new, strict=True))
        return [p for n, (a, b) in pairs for p in changes(a, b, f"{pointer}/{n}")]
    if type(old) is not type(new) or old != new:
        return [pointer or "/"]
    return []


def identity(data: Any) -> tuple[Any, ...]:
    meta = data.get("metadata", {})
    return data.get("apiVersion"), data.get("kind"), meta.get("name")


def check_files(clean: dict[str, bytes], hostile: dict[str, bytes]) -> dict[str, Any]:
    """Same files, each one document with the same resource; the parsed files."""
    assert sorted(hostile) == sorted(clean)
    parsed = {}
    for name in sorted(hostile):
        if name.endswith(f"/{RECORD}"):
            # the digests differ, the form does not: it reads back, and
            # lists the same files (no value of the spec became a line)
            folder = name.rpartition("/")[0]
            theirs = records.parse(hostile[name].decode("utf-8"), folder)
            ours = records.parse(clean[name].decode("utf-8"), folder)
            assert theirs is not None, name
            assert ours is not None, name
            assert [f for f, _ in theirs.files] == [f for f, _ in ours.files], name
            assert hostile[name].count(b"\n") - clean[name].count(b"\n") == len(
                theirs.contacts
            ) - len(ours.contacts), name
            continue
        if not name.endswith(".yaml"):
            assert hostile[name] == clean[name], name
            continue
        before, after = parse(name, clean[name]), parse(name, hostile[name])
        assert identity(after) == identity(before), name
        if name.endswith("kustomization.yaml"):
            assert after == before, name
        parsed[name] = after
    return parsed


# ---------------------------------------------------------------- the spec


ROLLOUT_CONTAINER = "/spec/template/spec/containers/0"
ALLOWED = {  # where the hostile spec values may change a file of the model
    "rollout.yaml": [
        "/metadata/labels/",
        "/spec/template/metadata/labels/",
        "/spec/template/metadata/annotations/modelrail.io~1config-checksum",
        f"{ROLLOUT_CONTAINER}/env",
        f"{ROLLOUT_CONTAINER}/args",
        f"{ROLLOUT_CONTAINER}/livenessProbe/httpGet/path",
        f"{ROLLOUT_CONTAINER}/readinessProbe/httpGet/path",
        f"{ROLLOUT_CONTAINER}/startupProbe/httpGet/path",
        f"{ROLLOUT_CONTAINER}/securityContext/capabilities/",
    ],
    "configmap.yaml": [
        "/metadata/labels/",
        "/data/MODEL_ARTIFACT",
        "/data/MODEL_NAME",
        "/data/MODEL_VERSION",
    ],
    "networkpolicy.yaml": ["/metadata/labels/", "/spec/ingress/0/from/1/podSelector"],
    # the team labels every alert (a hostile team name stays a label value)
    "prometheusrule.yaml": ["/metadata/labels/", "/spec/groups/1/rules/"],
    # the team is the dashboard's folder and a tag, the version in its canary
    # step: tests/render/test_dashboard_injection.py reads the JSON itself
    "dashboard.yaml": [
        "/metadata/labels/",
        "/metadata/annotations/grafana_folder",
        "/data/",
    ],
}


def _without_email_to(resource: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    for receiver in out["spec"]["receivers"]:
        for config in receiver.get("emailConfigs", ()):
            config.pop("to")
    return out


def expected_labels(clean_labels: dict[str, str]) -> dict[str, str]:
    labels = dict(clean_labels)
    for key in ("app.kubernetes.io/version", "modelrail.io/model-version"):
        labels[key] = "1.10.0-rc.1_build.5"
    labels["app.kubernetes.io/part-of"] = labels["modelrail.io/team"] = "null"
    return {**labels, **LABELS}


def test_hostile_spec_values_land_exactly_where_they_belong(
    clean: dict[str, bytes], spec_render: dict[str, bytes]
) -> None:
    parsed = check_files(clean, spec_render)
    for name in sorted(parsed):
        if name.startswith(f"{ENV}/_alerting/") and "kustomization" not in name:
            # a spec's email contacts join its team's email (docs/alerting.md):
            # the hostile spec left its team, taking its address away, and
            # nothing else of the routing may change
            before_routing = _without_email_to(parse(name, clean[name]))
            assert _without_email_to(parsed[name]) == before_routing, name
            continue
        if not name.startswith(f"{FOLDER}/"):
            # nothing of it leaks into another app, _argocd or _bootstrap
            assert spec_render[name] == clean[name], name
            continue
        file = name.rpartition("/")[2]
        before, after = parse(name, clean[name]), parsed[name]
        allowed = ALLOWED.get(file, ["/metadata/labels/"])
        for pointer in changes(before, after):
            assert any(
                pointer.startswith(a) or pointer == a.rstrip("/") for a in allowed
            ), f"{name}: {pointer} changed"
        if file != "kustomization.yaml":
            assert after["metadata"]["labels"] == expected_labels(
                before["metadata"]["labels"]
            ), name


def test_hostile_values_in_the_rollout(
    clean: dict[str, bytes], spec_render: dict[str, bytes]
) -> None:
    rollout = parse("rollout.yaml", spec_render[f"{FOLDER}/rollout.yaml"])
    before = parse("rollout.yaml", clean[f"{FOLDER}/rollout.yaml"])
    container = rollout["spec"]["template"]["spec"]["containers"][0]
    # the model's values, then monitoring.tracing's OpenTelemetry variables
    rendered = container["env"][:RENDERED_ENV]
    assert [item["name"] for item in rendered] == [
        "MODEL_ARTIFACT", "MODEL_DIGEST", "MODEL_FORMAT", "MODEL_NAME",
        "MODEL_VERSION", "MODELRAIL_ENVIRONMENT",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME",
        "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
    ]  # fmt: skip
    assert container["env"][RENDERED_ENV:] == [
        *env_vars(HOSTILE),
        {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": SECRET_REF}},
        {"name": "FROM_CONFIG", "valueFrom": {"configMapKeyRef": CONFIG_REF}},
    ]
    assert container["args"] == HOSTILE
    assert container["livenessProbe"]["httpGet"]["path"] == HEALTH
    assert container["startupProbe"]["httpGet"]["path"] == HEALTH
    assert container["readinessProbe"]["httpGet"]["path"] == READY
    assert container["securityContext"]["capabilities"] == CAPABILITIES
    template = rollout["spec"]["template"]["metadata"]
    assert template["labels"] == expected_labels(
        before["spec"]["template"]["metadata"]["labels"]
    )
    # the selector is modelrail's own: no user label reaches it
    assert rollout["spec"]["selector"] == before["spec"]["selector"]


def test_hostile_values_in_the_config_map(spec_render: dict[str, bytes]) -> None:
    config = parse("configmap.yaml", spec_render[f"{FOLDER}/configmap.yaml"])
    assert config["data"] == {
        "MODEL_ARTIFACT": ARTIFACT,
        "MODEL_DIGEST": config["data"]["MODEL_DIGEST"],
        "MODEL_FORMAT": "huggingface",
        "MODEL_NAME": "1.10",
        "MODEL_VERSION": VERSION,
        "MODELRAIL_ENVIRONMENT": ENV,
    }
    assert all(type(v) is str for v in config["data"].values())


def test_hostile_pod_labels_in_the_network_policy(
    spec_render: dict[str, bytes],
) -> None:
    policy = parse("np.yaml", spec_render[f"{FOLDER}/networkpolicy.yaml"])
    peer = policy["spec"]["ingress"][0]["from"][1]
    assert peer["podSelector"] == {"matchLabels": POD_LABELS}


def test_templates_never_evaluate_a_value(spec_render: dict[str, bytes]) -> None:
    text = spec_render[f"{FOLDER}/rollout.yaml"].decode("utf-8")
    # every hostile value is one double-quoted scalar (or a plain word)
    assert '"{{ 7*7 }}"' in text
    assert '"{% raw %}{{ name }}{% endraw %}"' in text
    assert not re.search(r"^\s*-?\s*49\s*$", text, re.MULTILINE)
    assert not any(line.startswith(("---", "...", "%")) for line in text.splitlines())


# ---------------------------------------------------------------- the environment


def test_hostile_environment_values_land_exactly_where_they_belong(
    clean: dict[str, bytes], env_render: dict[str, bytes]
) -> None:
    parsed = check_files(clean, env_render)
    for name, data in parsed.items():
        top = name.partition("/")[0]
        if top not in (ENV, "_bootstrap"):
            assert env_render[name] == clean[name], name  # other environments
        elif top == ENV and "/_argocd/" not in name and "metadata" in data:
            assert data["metadata"]["namespace"] == NAMESPACE, name
    project = parsed[f"{ENV}/_argocd/appproject.yaml"]["spec"]
    assert project["sourceRepos"] == [REPO_URL]
    assert project["destinations"] == [{"server": SERVER, "namespace": NAMESPACE}]
    appset = parsed[f"{ENV}/_argocd/applicationset.yaml"]["spec"]
    assert appset["generators"][0]["git"]["repoURL"] == REPO_URL
    assert appset["generators"][0]["git"]["revision"] == REVISION
    source = appset["template"]["spec"]["source"]
    assert source == {
        "repoURL": REPO_URL,
        "targetRevision": REVISION,
        "path": "{{.path.path}}",
    }
    assert appset["template"]["spec"]["destination"] == {
        "server": SERVER,
        "namespace": NAMESPACE,
    }
    root = parsed["_bootstrap/k8s-prod/application.yaml"]["spec"]["source"]
    assert (root["repoURL"], root["targetRevision"]) == (REPO_URL, REVISION)
    ingress = parsed[f"{FOLDER}/ingress.yaml"]["spec"]
    assert ingress["ingressClassName"] == INGRESS_CLASS
    assert ingress["rules"][0]["host"] == f"{MODEL}.{DOMAIN}"
    assert ingress["tls"][0]["hosts"] == [f"{MODEL}.{DOMAIN}"]


def test_no_value_is_a_go_template_in_the_application_set(
    env_render: dict[str, bytes],
) -> None:
    """The ApplicationSet has goTemplate: true: Argo CD evaluates every string
    of its template. Only modelrail's own placeholders may be there."""
    text = env_render[f"{ENV}/_argocd/applicationset.yaml"].decode("utf-8")
    template = yaml.safe_load(text)["spec"]["template"]
    found = re.findall(r"\{\{.*?\}\}", yaml.safe_dump(template, width=10**6))
    assert sorted(set(found)) == ["{{.path.basename}}", "{{.path.path}}"]


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/spec/argocd/repoURL", "https://git.example.com/{{.path.path}}.git"),
        ("/spec/argocd/repoURL", "git@git.example.com:o/r{{7*7}}.git"),
        ("/spec/cluster/server", "https://k8s.example.com/{{ env }}"),
    ],
)
def test_go_template_braces_in_the_environment_are_refused(
    tmp_path: Path, pointer: str, value: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / "environments" / ENV / "environment.yaml"
    data = load_file(path).data
    *parents, key = pointer.strip("/").split("/")
    node = data
    for part in parents:
        node = node[part]
    node[key] = value
    write(path, data)
    where = load_file(path, f"environments/{ENV}/environment.yaml").locate(pointer)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["render", "--root", str(repo), "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert f"{where}: error [MR-SCHEMA]" in result.output
    assert not out.exists()


# ---------------------------------------------------------------- type confusion


def test_a_model_named_null(tmp_path: Path, clean: dict[str, bytes]) -> None:
    """A model whose name YAML would read as null: every name stays the string."""

    def edit(repo: Path) -> None:
        folder = repo / "environments" / ENV
        data = load_file(folder / f"{MODEL}.yaml").data
        data["metadata"]["name"] = "null"
        (folder / f"{MODEL}.yaml").unlink()
        write(folder / "null.yaml", data)

    files = read_tree(rendered(tmp_path, edit))
    ours = sorted(n.rpartition("/")[2] for n in files if n.startswith(f"{ENV}/null/"))
    theirs = sorted(n.rpartition("/")[2] for n in clean if n.startswith(f"{FOLDER}/"))
    assert ours == theirs
    assert not any(n.startswith(f"{FOLDER}/") for n in files)
    for name in ours:
        if name == "kustomization.yaml":
            continue
        if name == RECORD:  # "null" is its folder and spec, as text
            text = files[f"{ENV}/null/{name}"].decode("utf-8")
            assert records.parse(text, f"{ENV}/null") is not None
            assert f"  environments/{ENV}/null.yaml\n" in text
            continue
        data = parse(name, files[f"{ENV}/null/{name}"])
        assert data["metadata"]["name"] in (
            "null",
            "null-canary",
            "null-model",
            "null-metrics",
            "null-dashboard",
        )
        assert data["metadata"]["labels"]["app.kubernetes.io/name"] == "null"
        assert data["metadata"]["labels"]["modelrail.io/model"] == "null"


# ---------------------------------------------------------------- kustomize


def kustomize(folder: Path) -> list[dict[str, Any]]:
    import subprocess

    kubectl = require_tool("kubectl")
    result = subprocess.run(
        [kubectl, "kustomize", str(folder)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return list(yaml.load_all(result.stdout, Loader=_GoYamlOutput))


class _GoYamlOutput(yaml.SafeLoader):
    """go-yaml writes a lone '=' plain (YAML 1.2); PyYAML's YAML 1.1 reads
    that as the 'value' tag and has no constructor for it: it is a string."""


_GoYamlOutput.add_constructor(
    "tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str
)


def by_kind(
    documents: list[dict[str, Any]], kind: str, suffix: str = ""
) -> dict[str, Any]:
    """The one document of ``kind`` (whose name ends in ``suffix``: the
    model's ConfigMap is ``<model>-model``, its dashboard ``<model>-dashboard``)."""
    [found] = [
        d
        for d in documents
        if d["kind"] == kind and d["metadata"]["name"].endswith(suffix)
    ]
    return found


@pytest.mark.tool
def test_kustomize_reads_the_hostile_values_back(spec_out: Path) -> None:
    """Argo CD builds each folder with kustomize (go-yaml): it must read the
    same values as Python does."""
    documents = kustomize(spec_out / FOLDER)
    rollout = by_kind(documents, "Rollout")
    container = rollout["spec"]["template"]["spec"]["containers"][0]
    hostile = container["env"][RENDERED_ENV : RENDERED_ENV + len(HOSTILE)]
    assert hostile == env_vars(HOSTILE)
    assert container["args"] == HOSTILE
    assert container["readinessProbe"]["httpGet"]["path"] == READY
    assert (
        by_kind(documents, "ConfigMap", "-model")["data"]["MODEL_ARTIFACT"] == ARTIFACT
    )
    for document in documents:
        labels = document["metadata"]["labels"]
        assert {k: labels[k] for k in LABELS} == LABELS


@pytest.mark.parametrize("char", UNPORTABLE, ids=lambda c: f"U+{ord(c):04X}")
def test_characters_kustomize_cannot_carry_are_refused_where_they_are(
    tmp_path: Path, char: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    edit_spec(["fine", f"bad{char}value"])(repo)
    source = f"environments/{ENV}/{MODEL}.yaml"
    spec = load_file(repo / source, source)
    where = spec.locate("/spec/serving/env/1/value")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["render", "--root", str(repo), "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert f"{where}: the value holds the control character U+{ord(char):04X}" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert not out.exists()
