"""Per-tier strictness: ``policies/profiles.yaml`` turned into severities and options.

A policy's own ``SEVERITY`` is what it is in production. A profile lists only
what differs (``MR-ROLL-009: off`` in staging, a looser option in test), and
may ``extend`` another. An environment uses ``spec.policyProfile`` or, without
one, the profile named after its tier; a tier with no profile uses every
policy's own severity. Profiles are data the platform team edits by pull
request; any name in them that means nothing (an unknown policy, option or
profile) is a configuration error with its file:line:column (exit code 2).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from modelrail.findings import Finding, Severity, pointer_token
from modelrail.policy import TIERS
from modelrail.policy.engine import with_options
from modelrail.repository.loader import (
    Document,
    LoadError,
    load_file,
)
from modelrail.rules import BAD_EXTENDS, BAD_OPTION, LOAD, UNKNOWN_POLICY

if TYPE_CHECKING:
    from pathlib import Path

    from modelrail.policy import Environment
    from modelrail.policy.engine import Registry
    from modelrail.repository.schema import SchemaSet

PROFILES_FILE = "profiles.yaml"
DEFAULT_MAX_DAYS = 90

_LEVELS: dict[object, Severity | None] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "off": None,
    False: None,  # YAML 1.1 reads an unquoted `off` as false
}


@dataclass(frozen=True, slots=True)
class Setting:
    """A policy's severity (None: off) and options in one profile."""

    severity: Severity | None
    options: object


@dataclass(frozen=True, slots=True)
class WaiverRules:
    max_days: int = DEFAULT_MAX_DAYS
    approvers: tuple[str, ...] = ()

    def approves(self, email: str) -> bool:
        if not self.approvers:
            return True
        email = email.lower()
        return any(
            email.endswith(a.lower()) if a.startswith("@") else email == a.lower()
            for a in self.approvers
        )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a policy's setting in a profile comes from: the profile that set
    its severity (None: the policy's own SEVERITY) and each option's (absent:
    the option's default)."""

    severity: str | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Profiles:
    """The parsed profiles file (or nothing: every policy at its own severity)."""

    registry: Registry
    doc: Document | None = None
    problems: list[Finding] = field(default_factory=list)
    waivers: WaiverRules = field(default_factory=WaiverRules)
    _resolved: dict[str, dict[str, Setting]] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        if self.doc is None:
            return ()
        return tuple(sorted(self.doc.data.get("profiles", {})))

    def exists(self, name: str) -> bool:
        return name in TIERS or name in self.names

    def settings(self, name: str) -> dict[str, Setting]:
        """Every policy's setting under profile ``name`` (which must exist)."""
        if name not in self._resolved:
            self._resolved[name] = self._resolve(name)
        return self._resolved[name]

    def origins(self, name: str) -> dict[str, Origin]:
        """Where each policy's setting under profile ``name`` comes from: the
        profile itself, one it extends, or the policy (its own defaults)."""
        out: dict[str, Origin] = {}
        for profile_name in self.chain(name):
            assert self.doc is not None
            entries = self.doc.data["profiles"][profile_name].get("policies", {})
            for policy_id, entry in entries.items():
                if policy_id not in self.registry:
                    continue
                was = out.get(policy_id, Origin())
                severity, options = was.severity, dict(was.options)
                if not isinstance(entry, dict) or "severity" in entry:
                    severity = profile_name
                if isinstance(entry, dict):
                    options.update(
                        dict.fromkeys(entry.get("options", {}), profile_name)
                    )
                out[policy_id] = Origin(severity, options)
        return out

    def _resolve(self, name: str) -> dict[str, Setting]:
        settings = {
            p.id: Setting(p.severity, p.default_options()) for p in self.registry
        }
        for profile_name in self.chain(name):
            self._apply(profile_name, settings)
        return settings

    def used_by(self, env: Environment) -> str:
        """The profile an environment uses: its ``policyProfile`` when that is
        defined, else its tier's own (an undefined one is MR-CONFIG-004)."""
        return env.profile if self.exists(env.profile) else env.tier

    def for_environment(self, env: Environment) -> dict[str, Setting]:
        """The settings of every policy in the profile ``env`` uses."""
        return self.settings(self.used_by(env))

    def chain(self, name: str) -> list[str]:
        """``name`` and what it extends, base first (a broken link ends it)."""
        if self.doc is None:
            return []
        profiles = self.doc.data.get("profiles", {})
        chain: list[str] = []
        current: str | None = name
        while current is not None and current in profiles and current not in chain:
            chain.append(current)
            current = profiles[current].get("extends")
        return chain[::-1]

    def _apply(self, name: str, settings: dict[str, Setting]) -> None:
        assert self.doc is not None
        entries = self.doc.data["profiles"][name].get("policies", {})
        for policy_id, entry in entries.items():
            if policy_id not in self.registry:
                continue  # reported once by check_names
            policy = self.registry.get(policy_id)
            current = settings[policy_id]
            if isinstance(entry, dict):
                severity = (
                    _LEVELS[entry["severity"]]
                    if "severity" in entry
                    else current.severity
                )
                options = current.options
                if "options" in entry:
                    with contextlib.suppress(ValueError):  # reported by check_names
                        options = with_options(
                            policy, entry["options"], base=current.options
                        )
                settings[policy_id] = Setting(severity, options)
            else:
                settings[policy_id] = Setting(_LEVELS[entry], current.options)

    def check_names(self) -> None:
        """Report every name in the file that means nothing."""
        if self.doc is None:
            return
        profiles = self.doc.data.get("profiles", {})
        for name in sorted(profiles):
            base = f"/profiles/{pointer_token(name)}"
            extends = profiles[name].get("extends")
            if extends is not None:
                if extends not in profiles:
                    self._problem(
                        f"{base}/extends",
                        BAD_EXTENDS,
                        f"profile {name!r} extends {extends!r}, which is not a profile "
                        f"(profiles: {', '.join(sorted(profiles))})",
                        "name a profile of this file, or remove extends",
                    )
                elif name in self.chain(extends):
                    self._problem(
                        f"{base}/extends",
                        BAD_EXTENDS,
                        f"profile {name!r} extends itself through {extends!r}",
                        "break the cycle: one profile of the chain extends nothing",
                    )
            for policy_id, entry in profiles[name].get("policies", {}).items():
                pointer = f"{base}/policies/{pointer_token(policy_id)}"
                if policy_id not in self.registry:
                    message = f"no policy {policy_id!r}"
                    try:
                        self.registry.get(policy_id)
                    except KeyError as exc:
                        message = str(exc.args[0])
                    self._problem(
                        pointer,
                        UNKNOWN_POLICY,
                        f"profile {name!r} sets {policy_id}: {message}",
                        "name a policy of policies/, or remove the entry",
                        key=True,
                    )
                    continue
                if isinstance(entry, dict) and "options" in entry:
                    policy = self.registry.get(policy_id)
                    for option, value in entry["options"].items():
                        try:
                            with_options(policy, {option: value})
                        except ValueError as exc:
                            self._problem(
                                f"{pointer}/options/{pointer_token(option)}",
                                BAD_OPTION,
                                str(exc),
                                f"see the options of {policy_id} in "
                                f"`modelrail explain {policy_id}`",
                                key=True,
                            )

    def _problem(
        self, pointer: str, rule: str, message: str, fix: str, *, key: bool = False
    ) -> None:
        assert self.doc is not None
        self.problems.append(
            Finding(
                self.doc.locate(pointer, key=key), rule, Severity.ERROR, message, fix
            )
        )


def load(
    folder: Path, display_root: Path, registry: Registry, schemas: SchemaSet
) -> Profiles:
    """``folder/profiles.yaml`` when there is one, checked against the registry."""
    path = folder / PROFILES_FILE
    profiles = Profiles(registry)
    if not path.is_file():
        return profiles

    display = path.relative_to(display_root).as_posix()
    try:
        doc = load_file(path, display)
    except LoadError as exc:
        profiles.problems.append(
            Finding(exc.location, LOAD, Severity.ERROR, exc.message, exc.remediation)
        )
        return profiles
    problems = schemas.validate("PolicyProfiles", doc)
    if problems:
        profiles.problems.extend(problems)
        return profiles
    profiles.doc = doc
    rules = doc.data.get("waivers", {})
    profiles.waivers = WaiverRules(
        rules.get("maxDays", DEFAULT_MAX_DAYS), tuple(rules.get("approvers", ()))
    )
    profiles.check_names()
    return profiles
