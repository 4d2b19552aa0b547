"""No policy writes, in its title or its fix, a number a profile can change:
the text names the option (``$minimum``) and says the value in force."""

from __future__ import annotations

import dataclasses
import re

import pytest

from modelrail.policy.engine import Policy, with_options
from testing.examples import registry

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 10: "ten"}
WITH_OPTIONS = [p for p in registry() if p.options_type is not None]


def _spellings(value: object) -> list[str]:
    """How a default could be written out by hand."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return []
    if isinstance(value, str):
        found = re.fullmatch(r"(\d+)([smhd])", value)
        if not found:
            return []
        unit = {"s": "second", "m": "minute", "h": "hour", "d": "day"}[found[2]]
        return [value, f"{found[1]} {unit}"]
    out = [f"{value:g}"]
    if isinstance(value, float) and value < 1:
        out.append(f"{value * 100:g} %")
    if isinstance(value, int) and value in _WORDS:
        out.append(_WORDS[value])
    return out


@pytest.mark.parametrize("policy", WITH_OPTIONS, ids=lambda p: p.id)
def test_no_default_is_written_out(policy: Policy) -> None:
    defaults = dataclasses.asdict(policy.default_options())  # type: ignore[call-overload]
    for text in (policy.title_template, policy.remediation_template):
        for name, value in defaults.items():
            for spelled in _spellings(value):
                pattern = rf"(?<![\w.$]){re.escape(spelled)}(?![\w.])"
                assert not re.search(pattern, text), (
                    f"{policy.id} writes {name}'s default {spelled!r} in {text!r}: "
                    f"write ${name} instead"
                )


@pytest.mark.parametrize("policy", WITH_OPTIONS, ids=lambda p: p.id)
def test_the_text_follows_a_changed_option(policy: Policy) -> None:
    """Every option a text names (directly or through a property such as
    $percent) changes that text when a profile changes it."""
    defaults = policy.default_options()
    before = (policy.title, policy.remediation)
    templates = policy.title_template + policy.remediation_template
    for field in dataclasses.fields(defaults):  # type: ignore[arg-type]
        changed = _changed(getattr(defaults, field.name))
        if changed is None or "$" not in templates:
            continue
        options = with_options(policy, {field.name: changed}, base=defaults)
        after = (policy.title_with(options), policy.remediation_with(options))
        named = f"${field.name}" in templates or "$percent" in templates
        assert (after != before) == named, (policy.id, field.name, after)


def _changed(value: object) -> object:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value + 7
    if isinstance(value, float):
        return round(value / 2, 4)
    if isinstance(value, str) and re.fullmatch(r"\d+[smhd]", value):
        return "97m"
    return None


def test_the_bundled_texts_name_options() -> None:
    placeholders = {
        p.id for p in WITH_OPTIONS if "$" in p.title_template + p.remediation_template
    }
    assert {"MR-OPS-006", "MR-RBK-003", "MR-SLO-001", "MR-MDL-003"} <= placeholders
