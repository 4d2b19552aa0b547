"""What facts.py works out from a spec: label values, Go durations, canary
steps, and the schema-valid specs it refuses (SpecError, located)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from modelrail.cli import main
from modelrail.render import facts
from modelrail.render.facts import SpecError
from modelrail.repository.loader import Document, load_file, load_text
from testing.render import make_repo
from testing.repo import FIXTURE

if TYPE_CHECKING:
    from pathlib import Path

SPEC = FIXTURE / "environments" / "dev" / "fraud-detector.yaml"
ENV = FIXTURE / "environments" / "dev" / "environment.yaml"
SOURCE = "environments/dev/fraud-detector.yaml"
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
GO_DURATION = re.compile(r"([1-9][0-9]*h)?([1-9][0-9]?m)?([1-9][0-9]?s)?|0s")


def edited(old: str, new: str) -> Document:
    """The dev fraud-detector spec with ``old`` replaced once by ``new``."""
    text = SPEC.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return load_text(text.replace(old, new), SOURCE)


def position(doc_text: str, fragment: str) -> tuple[int, int]:
    """1-based line and column of the only occurrence of ``fragment``."""
    assert doc_text.count(fragment) == 1, fragment
    index = doc_text.index(fragment)
    line = doc_text.count("\n", 0, index) + 1
    return line, index - (doc_text.rfind("\n", 0, index) + 1) + 1


def env() -> dict[str, Any]:
    return load_file(ENV).data


# ---------------------------------------------------------------- label_value


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("3.2.0", "3.2.0"),
        ("1.0.0+build.5", "1.0.0_build.5"),
        ("1.0.0-rc.1+build.5", "1.0.0-rc.1_build.5"),
        ("1.0.0+20260101.sha-abc", "1.0.0_20260101.sha-abc"),
        ("+build+", "build"),  # a label value starts and ends alphanumeric
        ("._-x-_.", "x"),
        ("a b/c:d", "a_b_c_d"),
        ("caf\xe9", "caf"),
        ("", ""),
        ("+", ""),
        ("a" * 70, "a" * 63),  # at most 63 characters
        ("a" * 62 + "+b", "a" * 62),  # cut to 63, then no trailing '_'
    ],
)
def test_label_value(text: str, label: str) -> None:
    assert facts.label_value(text) == label


@given(st.text(max_size=100))
def test_label_value_is_always_a_valid_label_value(text: str) -> None:
    value = facts.label_value(text)
    assert len(value) <= 63
    assert LABEL_VALUE.fullmatch(value)


# ---------------------------------------------------------------- go_duration


@pytest.mark.parametrize(
    ("duration", "go"),
    [
        ("7d", "168h"),
        ("1w", "168h"),
        ("1h30m", "1h30m"),
        ("90m", "1h30m"),
        ("90s", "1m30s"),
        ("2h", "2h"),
        ("15m", "15m"),
        ("30s", "30s"),
        ("1d1s", "24h1s"),
        ("0s", "0s"),
        ("0d", "0s"),
        ("3600s", "1h"),
        ("1h60m", "2h"),
    ],
)
def test_go_duration(duration: str, go: str) -> None:
    # Go's time.ParseDuration knows h, m, s but not d or w
    assert facts.go_duration(duration) == go


@given(st.lists(st.tuples(st.integers(0, 500), st.sampled_from("smhdw")), min_size=1))
def test_go_duration_keeps_the_length(parts: list[tuple[int, str]]) -> None:
    duration = "".join(f"{n}{unit}" for n, unit in parts)
    go = facts.go_duration(duration)
    assert GO_DURATION.fullmatch(go), go
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    back = sum(int(n) * seconds[u] for n, u in re.findall(r"([0-9]+)([hms])", go))
    assert back == sum(n * seconds[unit] for n, unit in parts)


# ---------------------------------------------------------------- canary_steps


def rollout(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"rollout": {"strategy": "canary", "steps": list(steps)}}


def test_canary_steps_manual_pause_is_an_empty_pause() -> None:
    spec = rollout({"weight": 25, "pause": "manual"}, {"weight": 100})
    assert facts.canary_steps(spec, None) == [
        {"setWeight": 25},
        {"pause": {}},
        {"setWeight": 100},
    ]


def test_canary_steps_durations_are_go_durations() -> None:
    spec = rollout({"weight": 10, "pause": "1d"}, {"weight": 50, "pause": "90s"})
    assert facts.canary_steps(spec, None) == [
        {"setWeight": 10},
        {"pause": {"duration": "24h"}},
        {"setWeight": 50},
        {"pause": {"duration": "1m30s"}},
    ]


def test_analysis_steps_only_with_a_template_name() -> None:
    spec = rollout(
        {"weight": 10, "pause": "2h", "analysis": True},
        {"weight": 50, "analysis": False},
        {"weight": 75, "analysis": True},
        {"weight": 100},
    )
    # no AnalysisTemplate rendered alongside: never a dangling reference
    without = facts.canary_steps(spec, None)
    assert all("analysis" not in step for step in without)
    assert without == [
        {"setWeight": 10},
        {"pause": {"duration": "2h"}},
        {"setWeight": 50},
        {"setWeight": 75},
        {"setWeight": 100},
    ]
    analysis = {
        "analysis": {
            "templates": [{"templateName": "fraud-detector"}],
            # the template measures the new pods only: their hash is passed in
            "args": [
                {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}
            ],
        }
    }
    assert facts.canary_steps(spec, "fraud-detector") == [
        {"setWeight": 10},
        {"pause": {"duration": "2h"}},
        analysis,  # after the pause: the canary is measured once it has soaked
        {"setWeight": 50},
        {"setWeight": 75},
        analysis,
        {"setWeight": 100},
    ]


def test_no_steps() -> None:
    assert facts.canary_steps({"rollout": {"strategy": "rolling"}}, "x") == []
    assert facts.canary_steps(rollout(), "x") == []


# ---------------------------------------------------------------- model_facts


def test_model_facts_of_a_bundled_spec() -> None:
    doc = load_file(SPEC, SOURCE)
    values = facts.model_facts(doc, env(), SOURCE)
    assert values["name"] == "fraud-detector"
    assert values["namespace"] == "models-dev"
    assert values["selector"] == {
        "app.kubernetes.io/name": "fraud-detector",
        "app.kubernetes.io/instance": "dev-fraud-detector",
    }
    assert values["labels"]["app.kubernetes.io/version"] == "3.3.0"
    assert values["labels"]["modelrail.io/team"] == "risk-ml"
    assert values["annotations"] == {"modelrail.io/source": SOURCE}
    assert values["config"]["MODEL_VERSION"] == "3.3.0"
    container = values["container"]
    # the model's values first, in each pod template, then monitoring.tracing's
    # OpenTelemetry variables, then the spec's own
    names = [item["name"] for item in container["env"]]
    assert names[:12] == [
        "MODEL_ARTIFACT", "MODEL_DIGEST", "MODEL_FORMAT", "MODEL_NAME",
        "MODEL_VERSION", "MODELRAIL_ENVIRONMENT",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME",
        "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
    ]  # fmt: skip
    assert container["env"][4] == {"name": "MODEL_VERSION", "value": "3.3.0"}
    assert container["env"][14] == {
        "name": "FEATURE_STORE_TOKEN",
        "valueFrom": {
            "secretKeyRef": {"name": "fraud-detector-feature-store", "key": "token"}
        },
    }
    assert container["resources"] == {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    # the liveness and startup probes take endpoints.health
    assert container["probes"]["liveness"]["httpGet"]["path"] == "/healthz"
    assert container["probes"]["readiness"]["httpGet"]["path"] == "/readyz"
    assert container["probes"]["startup"]["httpGet"]["path"] == "/healthz"
    assert values["autoscaling"]["scale_down_window"] == 300
    assert values["router"] == {"type": "none", "route": "fraud-detector"}
    assert values["host"] is None


def test_a_build_version_makes_a_valid_version_label() -> None:
    doc = edited('version: "3.3.0"', 'version: "3.3.0+build.7"')
    values = facts.model_facts(doc, env(), SOURCE)
    assert values["labels"]["app.kubernetes.io/version"] == "3.3.0_build.7"
    assert values["labels"]["modelrail.io/model-version"] == "3.3.0_build.7"
    assert values["config"]["MODEL_VERSION"] == "3.3.0+build.7"  # as written


def test_each_pod_template_carries_its_model() -> None:
    # the model's values are literal env entries of the pod template, so a
    # new artifact is a new ReplicaSet and old pods keep the old model
    one = facts.model_facts(load_file(SPEC, SOURCE), env(), SOURCE)
    two = facts.model_facts(edited("model.onnx", "model-2.onnx"), env(), SOURCE)
    first, second = one["container"]["env"][0], two["container"]["env"][0]
    assert first["name"] == second["name"] == "MODEL_ARTIFACT"
    assert first["value"].endswith("/model.onnx")
    assert second["value"].endswith("/model-2.onnx")
    assert one["config"]["MODEL_ARTIFACT"] == first["value"]


@pytest.mark.parametrize(
    ("cpu", "quantity"),
    [("0.5", "0.5"), ("2.0", "2"), ("0.25", "0.25"), ('"250m"', "250m"), ("3", "3")],
)
def test_cpu_numbers_become_quantity_strings(cpu: str, quantity: str) -> None:
    doc = edited('requests: {cpu: "1", memory: 1Gi}', f"requests: {{cpu: {cpu}}}")
    values = facts.model_facts(doc, env(), SOURCE)
    assert values["container"]["resources"]["requests"] == {"cpu": quantity}


def test_user_labels_are_added() -> None:
    doc = edited(
        "  team: risk-ml\n", "  team: risk-ml\n  labels: {cost-centre: cc-42}\n"
    )
    values = facts.model_facts(doc, env(), SOURCE)
    assert values["labels"]["cost-centre"] == "cc-42"


# ---------------------------------------------------------------- SpecError


@pytest.mark.parametrize("kind", ["liveness", "startup"])
def test_success_threshold_other_than_one_is_refused_where_it_is(kind: str) -> None:
    line = {
        "liveness": "liveness: {periodSeconds: 10, failureThreshold: 3}",
        "startup": "startup: {periodSeconds: 5, failureThreshold: 12}",
    }[kind]
    new = line.replace("}", ", successThreshold: 2}")
    doc = edited(line, new)
    text = SPEC.read_text(encoding="utf-8").replace(line, new)
    with pytest.raises(SpecError) as info:
        facts.model_facts(doc, env(), SOURCE)
    where = info.value.location
    assert where is not None
    line, column = position(text, "successThreshold: 2")
    assert (where.line, where.column) == (line, column + len("successThreshold: "))
    assert where.pointer == f"/spec/serving/probes/{kind}/successThreshold"
    assert f"{kind} probe's successThreshold must be 1" in info.value.message
    assert str(info.value).startswith(f"{SOURCE}:{where.line}:{where.column}: ")


def test_readiness_may_have_a_success_threshold() -> None:
    doc = edited(
        "readiness: {path: /readyz, periodSeconds: 5, failureThreshold: 2}",
        "readiness: {path: /readyz, periodSeconds: 5, successThreshold: 3}",
    )
    values = facts.model_facts(doc, env(), SOURCE)
    assert values["container"]["probes"]["readiness"]["successThreshold"] == 3


@pytest.mark.parametrize(
    "key",
    [
        "app.kubernetes.io/name",
        "app.kubernetes.io/version",
        "app.kubernetes.io/anything",
        "modelrail.io/team",
        "modelrail.io/x",
    ],
)
def test_reserved_label_prefixes_are_refused_at_the_key(key: str) -> None:
    old = "  team: risk-ml\n"
    new = f"  team: risk-ml\n  labels:\n    cost-centre: cc-42\n    {key}: evil\n"
    doc = edited(old, new)
    text = SPEC.read_text(encoding="utf-8").replace(old, new)
    with pytest.raises(SpecError) as info:
        facts.model_facts(doc, env(), SOURCE)
    where = info.value.location
    assert where is not None
    assert (where.line, where.column) == position(text, f"{key}: evil")
    assert f"label {key!r} is set by modelrail itself" in info.value.message


def test_labels_that_only_look_reserved_are_allowed() -> None:
    old = "  team: risk-ml\n"
    new = "  team: risk-ml\n  labels: {example.com/app.kubernetes.io: x, modelrail.io: y}\n"
    values = facts.model_facts(edited(old, new), env(), SOURCE)
    assert values["labels"]["example.com/app.kubernetes.io"] == "x"
    assert values["labels"]["modelrail.io"] == "y"


def test_a_probe_without_a_path_is_refused() -> None:
    doc = edited(
        "endpoints: {predict: /v1/predict, health: /healthz, metrics: /metrics}",
        "endpoints: {predict: /v1/predict, metrics: /metrics}",
    )
    with pytest.raises(SpecError, match="the liveness probe has no path") as info:
        facts.model_facts(doc, env(), SOURCE)
    assert info.value.location is not None
    assert info.value.location.pointer == "/spec/serving/probes/liveness"


def test_render_reports_a_spec_error_as_file_line_col(tmp_path: Path) -> None:
    """Through the command: exit 2, the location, nothing written."""
    repo = make_repo(tmp_path / "repo")
    spec = repo / "environments" / "dev" / "fraud-detector.yaml"
    line = "liveness: {periodSeconds: 10, failureThreshold: 3}"
    new = "liveness: {periodSeconds: 10, successThreshold: 3}"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace(line, new), encoding="utf-8")
    number, column = position(text.replace(line, new), "successThreshold: 3")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["render", "--root", str(repo), "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    column += len("successThreshold: ")  # the value, not the key
    expected = f"environments/dev/fraud-detector.yaml:{number}:{column}: "
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


UNPORTABLE = "\x00\x08\x0b\x0c\x0e\x1f\x7f\x80\x85\x9f\u2028\u2029\ufffe\uffff"


@pytest.mark.parametrize("char", UNPORTABLE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize(
    ("old", "new", "pointer"),
    [
        (
            "{name: LOG_FORMAT, value: json}",
            '{name: LOG_FORMAT, value: "js{}on"}',
            "/spec/serving/env/0/value",
        ),
        (
            "description: Scores card payments for fraud before authorisation.",
            'description: "Scores card payments{}"',
            "/metadata/description",
        ),
    ],
    ids=["env-value", "description"],
)
def test_characters_kustomize_cannot_carry_are_refused_where_they_are(
    char: str, old: str, new: str, pointer: str
) -> None:
    # kustomize (go-yaml, which Argo CD runs) refuses or changes them
    doc = edited(old, new.replace("{}", f"\\u{ord(char):04x}"))
    with pytest.raises(
        SpecError, match=f"control character U\\+{ord(char):04X}"
    ) as info:
        facts.model_facts(doc, env(), SOURCE)
    assert info.value.location == doc.locate(pointer)
    assert info.value.location is not None
    assert info.value.location.line > 1


def test_tab_newline_carriage_return_and_other_unicode_are_kept() -> None:
    value = "a\tb\nc\rd\ufeffe\xa0f\u200bg\U0001f600"
    escaped = value.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    doc = edited(
        "{name: LOG_FORMAT, value: json}", f'{{name: LOG_FORMAT, value: "{escaped}"}}'
    )
    assert doc.data["spec"]["serving"]["env"][0]["value"] == value
    values = facts.model_facts(doc, env(), SOURCE)
    assert values["container"]["env"][12] == {"name": "LOG_FORMAT", "value": value}
