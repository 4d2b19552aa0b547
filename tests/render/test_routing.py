"""Alert routing as data (``render/routing.py``): the timings against the
seed's deadlines, credentials only by Secret reference, contacts, and an
environment that declares no routing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from modelrail.render import routing
from modelrail.repository.loader import load_text
from modelrail.repository.schema import SchemaSet
from modelrail.units import seconds
from testing.render import ROOT
from testing.repo import FIXTURE, copy_repo

SCHEMAS = SchemaSet(ROOT / "schemas")


def _prod() -> dict[str, Any]:
    path = FIXTURE / "environments" / "prod" / "environment.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    "timing", [routing.CRITICAL, routing.WARNING], ids=["critical", "warning"]
)
def test_notifications_leave_within_the_deadline(timing: routing.Timing) -> None:
    deadline = seconds(timing.deadline)
    # the group's first notification, and one about an alert joining it
    assert seconds(timing.wait) < deadline
    assert seconds(timing.interval) < deadline
    assert seconds(timing.repeat) >= seconds(timing.interval)


def test_the_seed_deadlines() -> None:
    assert seconds(routing.CRITICAL.deadline) == 5 * 60
    assert seconds(routing.WARNING.deadline) == 15 * 60


def _errors(data: dict[str, Any]) -> list[str]:
    doc = load_text(yaml.safe_dump(data), "environment.yaml")
    return [f.message for f in SCHEMAS.validate("Environment", doc)]


def test_the_fixture_environments_are_valid() -> None:
    assert _errors(_prod()) == []


LITERALS = [
    # a credential pasted where a Secret reference belongs, or in a field
    # that is not one
    ("pager", "routingKey", "0123456789abcdef0123456789abcdef"),
    ("slack", "apiURL", "https://hooks.slack.com/services/T000/B000/XXXX"),
    ("slack", "channel", "https://hooks.slack.com/services/T000/B000/XXXX"),
    ("email", "password", "hunter2"),
    ("email", "smarthost", "https://user:pass@smtp.example.com:587"),
    ("email", "to", ["https://hooks.example.com/x?token=abc"]),
    ("email", "username", "user:password@host"),
]


@pytest.mark.parametrize(("receiver", "field", "value"), LITERALS)
def test_the_schema_refuses_a_literal_credential(
    receiver: str, field: str, value: object
) -> None:
    data = _prod()
    data["spec"]["alerting"]["teams"]["risk-ml"][receiver][field] = value
    assert _errors(data)


@pytest.mark.parametrize(
    "ref",
    [
        "https://relay.example.com/modelrail-rollback",
        {"name": "relay", "key": "url", "value": "https://relay.example.com/x"},
        {"name": "https://relay.example.com", "key": "url"},
    ],
)
def test_the_rollback_relay_is_a_secret_reference(ref: object) -> None:
    data = _prod()
    data["spec"]["alerting"]["rollback"]["url"] = ref
    assert _errors(data)


def test_a_team_with_no_receiver_is_refused() -> None:
    data = _prod()
    data["spec"]["alerting"]["teams"]["risk-ml"] = {}
    assert _errors(data)


def test_an_email_password_goes_with_a_user_name() -> None:
    data = _prod()
    del data["spec"]["alerting"]["teams"]["risk-ml"]["email"]["username"]
    assert _errors(data)


def test_contacts_join_the_email_and_nothing_else() -> None:
    specs = [
        {"metadata": {"team": "risk-ml", "contacts": {"oncall": "https://pd.example.com/s",
                                                       "escalation": "leads@example.com"}}},
        {"metadata": {"team": "risk-ml", "contacts": {"escalation": "leads@example.com"}}},
        {"metadata": {"team": "growth-ml", "contacts": {"escalation": "g@example.com"}}},
    ]  # fmt: skip
    configs = routing.configs(_prod(), specs)
    (email,) = [r for r in configs["risk-ml"]["receivers"] if r["name"] == "email"]
    assert email["emailConfigs"][0]["to"] == (
        "risk-ml-oncall@example.com, leads@example.com"
    )


def test_warnings_go_to_email_where_a_team_has_no_slack() -> None:
    team = copy.deepcopy(_prod()["spec"]["alerting"]["teams"]["risk-ml"])
    del team["slack"]
    spec = routing.team_spec("risk-ml", team, None)
    by_severity = {
        r["matchers"][0]["value"]: r["receiver"] for r in spec["route"]["routes"]
    }
    assert by_severity == {"page": "pager", "ticket": "email"}
    assert [r["name"] for r in spec["receivers"]] == ["pager", "email"]


def test_an_environment_without_alerting_renders_no_routing(tmp_path) -> None:
    import subprocess
    import sys

    root = copy_repo(tmp_path / "repo", templates=True)
    path = root / "environments" / "dev" / "environment.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert routing.configs(data, []) != {}
    del data["spec"]["alerting"]
    assert routing.configs(data, []) == {}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "modelrail", "render", "--root", str(root)],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip
    rendered = root / "rendered" / "dev"
    assert not (rendered / "_alerting").exists()
    assert not (rendered / "_argocd" / "alerting.yaml").exists()
    assert (root / "rendered" / "prod" / "_alerting" / "risk-ml.yaml").is_file()
    # and check says where the alerts now go: nowhere
    result = subprocess.run(
        [sys.executable, "-m", "modelrail", "check", "--root", str(root),
         "--env", "dev", "--format", "json"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "MR-OPS-016" in result.stdout
