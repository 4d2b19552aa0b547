""".github/dependabot.yml: valid against Dependabot's published schema, and
covering what the repository pins (the lock and the workflows' actions),
weekly and grouped. Each rule is also shown failing on a copy broken for it."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
import yaml

from testing.repo import ROOT

CONFIG = ROOT / ".github" / "dependabot.yml"
SCHEMA = ROOT / "schemas" / "external" / "dependabot-2.0.json"

Config = dict[str, Any]


def load() -> Config:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def schema_problems(config: Config) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return sorted(
        f"{error.json_path}: {error.message}" for error in validator.iter_errors(config)
    )


def coverage_problems(config: Config) -> list[str]:
    """The lock's folder for pip and the root for the actions, each once."""
    seen = {
        (update.get("package-ecosystem"), update.get("directory"))
        for update in config.get("updates", [])
    }
    wanted = {("pip", "/requirements"), ("github-actions", "/")}
    problems = [
        f"no {eco} updates for {folder}" for eco, folder in sorted(wanted - seen)
    ]
    lock = sorted(p.name for p in (ROOT / "requirements").glob("*.txt"))
    if lock != ["bootstrap.txt", "dev.txt", "run.txt", "test.txt"]:
        problems.append(f"the lock's files moved: {lock}")
    return problems


def cadence_problems(config: Config) -> list[str]:
    problems = []
    for update in config.get("updates", []):
        name = update.get("package-ecosystem")
        if update.get("schedule", {}).get("interval") != "weekly":
            problems.append(f"{name}: not weekly")
        if not update.get("groups"):
            problems.append(f"{name}: updates are not grouped")
        if not update.get("cooldown", {}).get("default-days"):
            problems.append(f"{name}: no cooldown for brand-new releases")
    return problems


def test_the_real_config_passes_every_rule() -> None:
    config = load()
    assert schema_problems(config) == []
    assert coverage_problems(config) == []
    assert cadence_problems(config) == []


def test_the_schema_is_draft_07_and_valid() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def _broken(edit: str) -> Config:
    config = copy.deepcopy(load())
    first = config["updates"][0]
    if edit == "version":
        config["version"] = 1
    elif edit == "interval":
        first["schedule"]["interval"] = "hourly"
    elif edit == "typo":
        first["shedule"] = first.pop("schedule")
    elif edit == "ecosystem":
        first["package-ecosystem"] = "pip-tools"
    elif edit == "group":
        first["groups"]["python-minor-and-patch"]["update-types"] = ["minor", "tiny"]
    elif edit == "time":
        first["schedule"]["time"] = "6am"
    return config


@pytest.mark.parametrize(
    "edit", ["version", "interval", "typo", "ecosystem", "group", "time"]
)
def test_the_schema_catches_a_broken_copy(edit: str) -> None:
    assert schema_problems(_broken(edit)) != []


def test_the_rules_catch_a_broken_copy() -> None:
    config = copy.deepcopy(load())
    config["updates"] = [
        u for u in config["updates"] if u["package-ecosystem"] == "pip"
    ]
    assert coverage_problems(config) == ["no github-actions updates for /"]
    config["updates"][0]["schedule"]["interval"] = "monthly"
    del config["updates"][0]["groups"]
    del config["updates"][0]["cooldown"]
    assert cadence_problems(config) == [
        "pip: not weekly",
        "pip: updates are not grouped",
        "pip: no cooldown for brand-new releases",
    ]
