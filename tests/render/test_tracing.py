"""``spec.monitoring.tracing`` as OpenTelemetry's SDK variables on the serving
container (``modelrail.render.tracing``), for a Rollout and a KServe predictor.

Proven on the tests' repository (``testing.repo``; ``make_repo`` for a copy
to patch):

- enabled: ``parentbased_traceidratio`` with the spec's ``sampleRate`` as a
  plain decimal (default 1), the environment's collector and protocol, the
  service name and resource attributes;
- disabled, or no ``tracing``: ``always_off`` and no exporter, even where the
  environment names no collector (and such a repository renders validly);
- enabled where the environment names no collector: refused where the spec
  says ``enabled`` (render exit 2, check MR-RENDER-001);
- ``OTEL_RESOURCE_ATTRIBUTES`` read back as an SDK reads it (split on ``,``
  then on the first ``=``, values percent-decoded) holds exactly the four
  attributes whatever the team, model name or version holds;
- a ``serving.env`` variable that would shadow a rendered one is refused;
- the environment's endpoint admits no credentials, query or ``$(VAR)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from modelrail import rules
from modelrail.cli import main
from modelrail.render import facts, kserve, refusals
from modelrail.render.facts import SpecError
from modelrail.repository.loader import Document, load_file, load_text
from testing.render import make_repo, read_tree, render_repo
from testing.repo import bundled as assembled
from testing.repo import line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path

PROD = "environments/prod/fraud-detector.yaml"
KSERVE = "environments/staging/churn-predictor.yaml"
TRACING = "    tracing: {enabled: true, sampleRate: 0.05}\n"
KSERVE_TRACING = "    tracing: {enabled: true, sampleRate: 0.2}\n"
COLLECTOR = (
    "  tracing:   # the OpenTelemetry collector models send traces to"
    " (OTEL_EXPORTER_OTLP_*)\n"
    "    endpoint: http://otel-collector.observability.svc:4318\n"
    "    protocol: http/protobuf\n"
)
ATTRIBUTES = [
    "service.namespace",
    "service.version",
    "deployment.environment.name",
    "k8s.namespace.name",
]


@pytest.fixture
def bundled() -> Path:
    """The tests' repository, assembled once per run (read, never written)."""
    return assembled()


def environment(root: Path, source: str) -> dict[str, Any]:
    env_file = root / source.rpartition("/")[0] / "environment.yaml"
    data: dict[str, Any] = load_file(env_file).data
    return data


def spec(root: Path, source: str, *changes: tuple[str, str]) -> Document:
    """The spec at ``source`` with each ``old`` replaced once by ``new``."""
    text = (root / source).read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return load_text(text, source)


def otel(env: list[dict[str, Any]]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in env if e["name"].startswith("OTEL_")}


def rollout_otel(doc: Document, env: dict[str, Any]) -> dict[str, str]:
    return otel(facts.model_facts(doc, env, doc.path)["container"]["env"])


def predictor_otel(doc: Document, env: dict[str, Any]) -> dict[str, str]:
    values = facts.model_facts(doc, env, doc.path)
    return otel(kserve.values(doc, values)["predictor"]["model"]["env"])


def sdk_attributes(text: str) -> dict[str, str]:
    """OTEL_RESOURCE_ATTRIBUTES as the SDKs read it (the Resource SDK: W3C
    Baggage without properties): pairs split on ``,``, each on its first
    ``=``, keys and values trimmed, values percent-decoded."""
    out = {}
    for pair in text.split(","):
        key, _, value = pair.partition("=")
        out[key.strip()] = unquote(value.strip())
    return out


# --- enabled ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "ratio"),
    [
        ("sampleRate: 0.05", "0.05"),
        ("sampleRate: 0.2", "0.2"),
        ("sampleRate: 1.0", "1"),
        ("sampleRate: 1", "1"),
        ("sampleRate: 0", "0"),
        ("sampleRate: 0.000001", "0.000001"),  # never 1e-06
        ("sampleRate: 0.333333333333", "0.333333333333"),
    ],
)
def test_enabled_samples_the_specs_ratio(
    bundled: Path, written: str, ratio: str
) -> None:
    doc = spec(bundled, PROD, (TRACING, f"    tracing: {{enabled: true, {written}}}\n"))
    assert rollout_otel(doc, environment(bundled, PROD)) == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.observability.svc:4318",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_RESOURCE_ATTRIBUTES": (
            "service.namespace=risk-ml,service.version=3.2.0,"
            "deployment.environment.name=prod,k8s.namespace.name=models-prod"
        ),
        "OTEL_SERVICE_NAME": "fraud-detector",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": ratio,
    }


def test_no_sample_rate_is_the_sdks_default_of_one(bundled: Path) -> None:
    doc = spec(bundled, PROD, (TRACING, "    tracing: {enabled: true}\n"))
    assert (
        rollout_otel(doc, environment(bundled, PROD))["OTEL_TRACES_SAMPLER_ARG"] == "1"
    )


def test_the_variables_follow_the_models_values_and_precede_the_specs(
    bundled: Path,
) -> None:
    doc = spec(bundled, PROD)
    names = [
        e["name"]
        for e in facts.model_facts(doc, environment(bundled, PROD), PROD)["container"][
            "env"
        ]
    ]
    first = names.index("OTEL_EXPORTER_OTLP_ENDPOINT")
    assert names[first - 1] == "MODELRAIL_ENVIRONMENT"
    assert names[first : first + 6] == sorted(names[first : first + 6])
    assert names[first + 6] == "LOG_FORMAT"  # the spec's own serving.env


def test_the_environments_protocol_is_rendered(bundled: Path) -> None:
    env = environment(bundled, PROD)
    env["spec"]["tracing"] = {
        "endpoint": "http://otel-collector.observability.svc:4317",
        "protocol": "grpc",
    }
    found = rollout_otel(spec(bundled, PROD), env)
    assert found["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
    del env["spec"]["tracing"]["protocol"]  # the specification's default
    found = rollout_otel(spec(bundled, PROD), env)
    assert found["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"


# --- KServe ----------------------------------------------------------------------


def test_kserve_predictor_carries_the_same_variables(bundled: Path) -> None:
    doc = spec(
        bundled,
        KSERVE,
        (KSERVE_TRACING, "    tracing: {enabled: true, sampleRate: 0.5}\n"),
    )
    env = environment(bundled, KSERVE)
    found = predictor_otel(doc, env)
    assert found == rollout_otel(doc, env)  # the same container values
    assert found["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert found["OTEL_TRACES_SAMPLER_ARG"] == "0.5"
    assert found["OTEL_SERVICE_NAME"] == "churn-predictor"
    assert sdk_attributes(found["OTEL_RESOURCE_ATTRIBUTES"]) == {
        "service.namespace": "growth-ml",
        "service.version": "1.5.0",
        "deployment.environment.name": "staging",
        "k8s.namespace.name": "models-staging",
    }


def test_kserve_disabled_is_always_off(bundled: Path) -> None:
    doc = spec(bundled, KSERVE, (KSERVE_TRACING, "    tracing: {enabled: false}\n"))
    found = predictor_otel(doc, environment(bundled, KSERVE))
    assert found["OTEL_TRACES_SAMPLER"] == "always_off"
    assert "OTEL_TRACES_SAMPLER_ARG" not in found


# --- disabled --------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "    tracing: {enabled: false}\n",
        "    tracing: {enabled: false, sampleRate: 0.5}\n",
        "",  # no tracing at all: not enabled (MR-OPS-012 reads it so too)
    ],
)
def test_disabled_is_always_off_without_an_exporter(
    bundled: Path, written: str
) -> None:
    doc = spec(bundled, PROD, (TRACING, written))
    found = rollout_otel(doc, environment(bundled, PROD))
    assert found == {
        "OTEL_RESOURCE_ATTRIBUTES": (
            "service.namespace=risk-ml,service.version=3.2.0,"
            "deployment.environment.name=prod,k8s.namespace.name=models-prod"
        ),
        "OTEL_SERVICE_NAME": "fraud-detector",
        "OTEL_TRACES_SAMPLER": "always_off",
    }


def test_disabled_needs_no_collector_and_renders_validly(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    env_file = root / "environments/dev/environment.yaml"
    replace_once(
        env_file,
        COLLECTOR,
        "",
    )
    for path in sorted((root / "environments/dev").glob("*-*.yaml")):
        replace_once(
            path,
            "    tracing: {enabled: true, sampleRate: 1.0}\n",
            "    tracing: {enabled: false}\n",
        )
    result = render_repo(root, tmp_path / "out", "--env", "dev")
    assert result.returncode == 0, result.stderr
    tree = read_tree(tmp_path / "out")
    rollout = tree["dev/fraud-detector/rollout.yaml"].decode("utf-8")
    assert "- name: OTEL_TRACES_SAMPLER\n              value: always_off\n" in rollout
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in rollout
    service = tree["dev/churn-predictor/inferenceservice.yaml"].decode("utf-8")
    assert "value: always_off\n" in service


# --- refused ---------------------------------------------------------------------


def test_enabled_without_a_collector_is_refused_where_it_says_so(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "repo")
    replace_once(root / "environments/prod/environment.yaml", COLLECTOR, "")
    doc = spec(root, PROD)
    env = environment(root, PROD)
    with pytest.raises(SpecError) as caught:
        facts.model_facts(doc, env, PROD)
    assert "names no OpenTelemetry collector" in caught.value.message
    assert "spec.tracing.endpoint" in caught.value.message
    where = caught.value.location
    assert where is not None
    line = line_of(root / PROD, TRACING.strip())
    assert (where.line, where.pointer) == (line, "/spec/monitoring/tracing/enabled")
    # check says it as MR-RENDER-001 (what check accepts, render renders)
    (finding,) = refusals.problems(doc, env)
    assert finding.rule == rules.UNRENDERABLE
    result = CliRunner().invoke(
        main, ["check", "--root", str(root), "--env", "prod", "--no-waivers"]
    )
    assert f"{PROD}:{line}:" in result.output
    assert "MR-RENDER-001" in result.output


@pytest.mark.parametrize(
    "name", ["OTEL_TRACES_SAMPLER", "OTEL_RESOURCE_ATTRIBUTES", "MODEL_VERSION"]
)
def test_serving_env_may_not_shadow_a_rendered_variable(
    bundled: Path, name: str
) -> None:
    doc = spec(
        bundled,
        PROD,
        (
            "      - {name: LOG_FORMAT, value: json}\n",
            f"      - {{name: {name}, value: x}}\n",
        ),
    )
    with pytest.raises(SpecError) as caught:
        facts.model_facts(doc, environment(bundled, PROD), PROD)
    assert f"serving.env sets {name}, which modelrail sets itself" in (
        caught.value.message
    )
    assert caught.value.location is not None
    assert caught.value.location.pointer.startswith("/spec/serving/env/")


def test_other_otel_variables_stay_the_specs(bundled: Path) -> None:
    """Headers (a token, by secret reference) are the spec's to add."""
    doc = spec(
        bundled,
        PROD,
        (
            "      - {name: LOG_FORMAT, value: json}\n",
            "      - {name: OTEL_EXPORTER_OTLP_HEADERS, value: x-team=risk}\n",
        ),
    )
    found = rollout_otel(doc, environment(bundled, PROD))
    assert found["OTEL_EXPORTER_OTLP_HEADERS"] == "x-team=risk"


# --- injection -------------------------------------------------------------------

HOSTILE = [
    "risk-ml,service.name=evil",
    "a=b",
    "x,k8s.namespace.name=kube-system,y=z",
    "semi;colon=1",
    "percent%2Cencoded",
    "%",
    " spaced , out ",
    'quote"d\\',
    "caf\xe9 \u65e5\u672c",
    "line\nbreak",
    "$(HOME)",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_team_cannot_add_an_attribute(bundled: Path, value: str) -> None:
    """The schema admits only DNS labels as teams; the encoding holds anyway."""
    doc = spec(bundled, PROD)
    doc.data["metadata"]["team"] = value
    attributes = rollout_otel(doc, environment(bundled, PROD))[
        "OTEL_RESOURCE_ATTRIBUTES"
    ]
    assert list(sdk_attributes(attributes)) == ATTRIBUTES
    assert sdk_attributes(attributes)["service.namespace"] == value
    assert "$(" not in attributes  # Kubernetes would expand a $(VAR)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_version_cannot_add_an_attribute(bundled: Path, value: str) -> None:
    doc = spec(bundled, PROD)
    doc.data["spec"]["model"]["version"] = value
    attributes = rollout_otel(doc, environment(bundled, PROD))[
        "OTEL_RESOURCE_ATTRIBUTES"
    ]
    assert list(sdk_attributes(attributes)) == ATTRIBUTES
    assert sdk_attributes(attributes)["service.version"] == value


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_model_name_stays_the_service_name(bundled: Path, value: str) -> None:
    """OTEL_SERVICE_NAME is taken as it is (no list to escape from); the name
    is not among the attributes."""
    doc = spec(bundled, PROD)
    doc.data["metadata"]["name"] = value
    found = rollout_otel(doc, environment(bundled, PROD))
    assert found["OTEL_SERVICE_NAME"] == value
    assert list(sdk_attributes(found["OTEL_RESOURCE_ATTRIBUTES"])) == ATTRIBUTES


# --- the environment's endpoint ------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://user:secret@otel-collector:4318",
        "http://otel-collector:4318/?token=x",
        "http://$(COLLECTOR_HOST):4318",
        "otel-collector:4317",
        "http://otel-collector:4318 ",
        "ftp://otel-collector:4318",
    ],
)
def test_the_endpoint_is_a_plain_url(tmp_path: Path, endpoint: str) -> None:
    root = make_repo(tmp_path / "repo")
    env_file = root / "environments/prod/environment.yaml"
    replace_once(
        env_file,
        "    endpoint: http://otel-collector.observability.svc:4318\n",
        f'    endpoint: "{endpoint}"\n',
    )
    result = CliRunner().invoke(
        main, ["check", "--root", str(root), "--env", "prod", "--no-waivers"]
    )
    line = line_of(env_file, "    endpoint: ")
    assert f"environments/prod/environment.yaml:{line}:" in result.output
    assert "MR-SCHEMA" in result.output
