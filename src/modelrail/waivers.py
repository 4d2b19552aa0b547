"""Expiring, approved exceptions: ``environments/<env>/waivers.yaml`` applied to findings.

A waiver names one policy and one model. It applies only while it is valid:
approved (by an approver ``policies/profiles.yaml`` accepts), not expired,
no longer than the maximum (90 days by default) from approval to expiry, for
a policy that exists and may be waived. An invalid waiver is itself an error
and waives nothing. A waived finding is kept, marked with its waiver, and no
longer fails the run; a valid waiver that matches no finding is stale (a
warning: the problem was fixed, so delete the waiver).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from modelrail.findings import SCHEMA, Finding, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from modelrail.engine import Registry
    from modelrail.loader import Document
    from modelrail.profiles import WaiverRules

EXPIRED = "MR-WAIVER-001"
TOO_LONG = "MR-WAIVER-002"
UNAPPROVED = "MR-WAIVER-003"
UNKNOWN_POLICY = "MR-WAIVER-004"
NOT_WAIVABLE = "MR-WAIVER-005"
STALE = "MR-WAIVER-006"
DUPLICATE = "MR-WAIVER-007"
EXPIRES_SOON = "MR-WAIVER-008"
SOON_DAYS = 14


@dataclass(frozen=True, slots=True)
class Waiver:
    policy: str
    model: str
    ticket: str
    expires: datetime.date
    where: str  # file:line:column of the entry

    @property
    def label(self) -> str:
        return f"waived by {self.where} ({self.ticket}, until {self.expires})"


class Book:
    """The waivers of one environment, validated, and which of them were used."""

    def __init__(
        self,
        doc: Document,
        registry: Registry,
        rules: WaiverRules,
        today: datetime.date,
    ) -> None:
        self.doc = doc
        self.problems: list[Finding] = []
        self.valid: dict[tuple[str, str], tuple[int, Waiver]] = {}
        self.used: set[tuple[str, str]] = set()
        for index, entry in enumerate(doc.data["waivers"]):
            waiver = self._validate(index, entry, registry, rules, today)
            if waiver is None:
                continue
            key = (waiver.policy, waiver.model)
            if key in self.valid:
                first = self.valid[key][1]
                self._problem(
                    index,
                    "",
                    DUPLICATE,
                    f"{waiver.policy} is already waived for {waiver.model!r} "
                    f"at {first.where}",
                    "keep one waiver per policy and model",
                )
                continue
            self.valid[key] = (index, waiver)

    def _validate(
        self,
        index: int,
        entry: dict[str, Any],
        registry: Registry,
        rules: WaiverRules,
        today: datetime.date,
    ) -> Waiver | None:
        policy_id, model = entry["policy"], entry["model"]
        what = f"waiver of {policy_id} for {model!r}"
        expires = self._date(index, entry, "expires")
        approved_on = self._date(index, entry, "approvedOn")
        if expires is None or ("approvedOn" in entry and approved_on is None):
            return None  # not a calendar date: reported as malformed
        ok = True
        if policy_id not in registry:
            self._problem(
                index,
                "/policy",
                UNKNOWN_POLICY,
                f"{what}: there is no policy {policy_id}",
                "name a policy that `modelrail policies` lists, or delete the waiver",
            )
            ok = False
        elif not registry.get(policy_id).waivable:
            self._problem(
                index,
                "/policy",
                NOT_WAIVABLE,
                f"{what}: {policy_id} cannot be waived",
                f"fix the spec: {registry.get(policy_id).remediation}",
            )
            ok = False
        approver = entry.get("approvedBy")
        if approver is None or approved_on is None:
            missing = " and ".join(
                k for k in ("approvedBy", "approvedOn") if k not in entry
            )
            self._problem(
                index,
                "",
                UNAPPROVED,
                f"{what} is not approved: it has no {missing}",
                "have an approver review it and record approvedBy and approvedOn",
            )
            ok = False
        elif not rules.approves(approver):
            self._problem(
                index,
                "/approvedBy",
                UNAPPROVED,
                f"{what} is approved by {approver}, who is not an approver "
                f"({', '.join(rules.approvers)})",
                "have one of the approvers in policies/profiles.yaml approve it",
            )
            ok = False
        elif approved_on > today:
            self._problem(
                index,
                "/approvedOn",
                UNAPPROVED,
                f"{what} is approved on {approved_on}, which is after today ({today})",
                "record the day the approval was given",
            )
            ok = False
        if approved_on is not None:
            days = (expires - approved_on).days
            if days < 0:
                self._problem(
                    index,
                    "/expires",
                    TOO_LONG,
                    f"{what} expires on {expires}, before its approval on {approved_on}",
                    "set expires after approvedOn",
                )
                ok = False
            elif days > rules.max_days:
                self._problem(
                    index,
                    "/expires",
                    TOO_LONG,
                    f"{what} runs {days} days from approval to expiry; "
                    f"the most is {rules.max_days}",
                    f"set expires at most {rules.max_days} days after approvedOn "
                    "(renew it with a new approval if the fix takes longer)",
                )
                ok = False
        if expires < today:
            self._problem(
                index,
                "/expires",
                EXPIRED,
                f"{what} expired on {expires}",
                "fix the spec and delete the waiver, or renew it with a new approval",
            )
            ok = False
        elif ok and (expires - today).days <= SOON_DAYS:
            left = (expires - today).days
            self._problem(
                index,
                "/expires",
                EXPIRES_SOON,
                f"{what} expires in {left} day{'s' * (left != 1)} ({expires})",
                "plan the fix, or a renewal with a new approval",
                severity=Severity.INFO,
            )
        if not ok:
            return None
        where = str(self.doc.locate(f"/waivers/{index}"))
        return Waiver(policy_id, model, entry["ticket"], expires, where)

    def _date(
        self, index: int, entry: dict[str, Any], key: str
    ) -> datetime.date | None:
        if key not in entry:
            return None
        try:
            return datetime.date.fromisoformat(entry[key])
        except ValueError:
            self._problem(
                index,
                f"/{key}",
                SCHEMA,
                f"waivers[{index}].{key}: {entry[key]} is not a calendar date",
                "write a real date as YYYY-MM-DD",
            )
            return None

    def _problem(
        self,
        index: int,
        suffix: str,
        rule: str,
        message: str,
        fix: str,
        *,
        severity: Severity = Severity.ERROR,
    ) -> None:
        location = self.doc.locate(f"/waivers/{index}{suffix}")
        self.problems.append(Finding(location, rule, severity, message, fix))

    def apply(
        self, model: str, findings: Iterable[Finding], *, enabled: bool = True
    ) -> list[Finding]:
        """``findings`` of ``model``, the waived ones marked (when ``enabled``)."""
        out = []
        for finding in findings:
            key = (finding.rule, model)
            match = self.valid.get(key)
            if match is not None:
                self.used.add(key)
                if enabled:
                    finding = replace(finding, waiver=match[1].label)
            out.append(finding)
        return out

    def stale(
        self, checked: set[str], known: set[str], switched_on: set[str]
    ) -> Iterator[Finding]:
        """Valid waivers of ``checked`` models that waived nothing, waivers of
        models with no spec here at all (``known`` are the spec names), and
        waivers of policies this environment's profile switches off."""
        for key, (index, waiver) in sorted(self.valid.items(), key=lambda i: i[1][0]):
            if key in self.used:
                continue
            if waiver.policy not in switched_on:
                message = (
                    f"waiver of {waiver.policy} for {waiver.model!r}: the policy is "
                    "off in this environment's profile, so there is nothing to waive"
                )
            elif waiver.model not in known:
                message = (
                    f"waiver of {waiver.policy} for {waiver.model!r}: no spec of "
                    f"that model is in this environment"
                )
            elif waiver.model in checked:
                message = (
                    f"waiver of {waiver.policy} for {waiver.model!r} matches no "
                    "finding: the problem is fixed"
                )
            else:
                continue
            location = self.doc.locate(f"/waivers/{index}")
            yield Finding(
                location,
                STALE,
                Severity.WARNING,
                message,
                "delete the waiver",
            )
