"""Helpers for the promote tests (tests/promote/): the fixture's specs as text
and as data, and a promotion between two of its environments.

Text in, text out: no git, no files written. ``run`` promotes a model of the
fixture repository (``testing.repo.FIXTURE``) from one environment into
another, each spec edited first when a test needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelrail.promote.edit import End, Promotion
from modelrail.promote.update import promote
from modelrail.repository.loader import load_text
from testing.repo import FIXTURE, ROOT

if TYPE_CHECKING:
    from collections.abc import Callable


ENVIRONMENTS = FIXTURE / "environments"


def text_of(env: str, name: str) -> str:
    return (ENVIRONMENTS / env / f"{name}.yaml").read_text(encoding="utf-8")


def data_of(text: str) -> dict[str, Any]:
    return load_text(text, "spec.yaml").data


def environment(env: str) -> dict[str, Any]:
    return data_of((ENVIRONMENTS / env / "environment.yaml").read_text())


def side(env: str, name: str, text: str | None = None, *, new: bool = False) -> End:
    if text is None and not new:
        text = text_of(env, name)
    return End(env, f"environments/{env}/{name}.yaml", text)


def run(
    name: str,
    source: str = "staging",
    target: str = "prod",
    *,
    edit_source: Callable[[str], str] = lambda t: t,
    edit_target: Callable[[str], str] = lambda t: t,
) -> Promotion:
    return promote(
        name,
        side(source, name, edit_source(text_of(source, name))),
        side(target, name, edit_target(text_of(target, name))),
        environment(target),
        ROOT,
    )
