"""Expiring, approved exceptions: ``environments/<env>/waivers.yaml`` applied to findings.

A waiver names one policy and one model. It applies only while it is valid:
well formed (it matches the Waivers schema, with real calendar dates),
approved (by an approver ``policies/profiles.yaml`` accepts), not expired,
no longer than the maximum (90 days by default) from approval to expiry, for
a policy that exists and may be waived. Waivers are judged one by one: an
invalid waiver is itself an error and waives nothing, and the other waivers
of its file still apply (only a broken file, such as one whose ``waivers`` is
not a list, waives nothing at all). A waived finding is kept, marked with its
waiver, and no longer fails the run; a valid waiver that matches no finding
is stale (a warning: the problem was fixed, so delete the waiver).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from modelrail.findings import Finding, Severity
from modelrail.policy.suggest import closest, did_you_mean
from modelrail.repository.messages import cut, short
from modelrail.rules import (
    WAIVER_DUPLICATE,
    WAIVER_EXPIRED,
    WAIVER_EXPIRES_SOON,
    WAIVER_MALFORMED,
    WAIVER_NOT_WAIVABLE,
    WAIVER_STALE,
    WAIVER_TOO_LONG,
    WAIVER_UNAPPROVED,
    WAIVER_UNKNOWN_POLICY,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from modelrail.policy.engine import Registry
    from modelrail.policy.profiles import WaiverRules
    from modelrail.repository.loader import Document

SOON_DAYS = 14

_ENTRY = re.compile(r"/waivers/([0-9]+)(?:/|$)")


def screen(
    doc: Document, problems: Sequence[Finding]
) -> tuple[Document | None, list[Finding]]:
    """A waivers file after its schema check: the document to judge waiver by
    waiver (None when the file itself is broken) and the findings to report.

    A schema problem outside every entry (``waivers`` not a list, a wrong
    ``apiVersion`` or ``kind``, an unknown top-level key) breaks the file: its
    problems are reported as they are and no waiver applies. Problems inside
    entries become one ``MALFORMED`` error per entry, on the entry, and that
    entry is replaced by None in the document's data (indices, and so
    positions, stay), so the ``Book`` judges and applies the others.
    """
    by_entry: dict[int, list[Finding]] = {}
    for problem in problems:
        match = _ENTRY.match(problem.location.pointer)
        if match is None:
            return None, list(problems)
        by_entry.setdefault(int(match.group(1)), []).append(problem)
    if not by_entry:
        return doc, []
    entries = list(doc.data["waivers"])
    findings = []
    for index, found in sorted(by_entry.items()):
        found = sorted(set(found))
        findings.append(
            _malformed(
                doc,
                index,
                _name(entries[index], index),
                [f.message for f in found],
                [f.remediation for f in found],
            )
        )
        entries[index] = None
    return replace(doc, data={**doc.data, "waivers": entries}), findings


def _name(entry: object, index: int) -> str:
    """The waiver as messages name it: by its policy and model, as far as
    they can be read."""
    policy = entry.get("policy") if isinstance(entry, dict) else None
    model = entry.get("model") if isinstance(entry, dict) else None
    name = "waiver"
    if isinstance(policy, str) and policy:
        name += f" of {cut(policy, 60)}"
    if isinstance(model, str) and model:
        name += f" for {short(model)}"
    return name if name != "waiver" else f"waivers[{index}]"


def _malformed(
    doc: Document,
    index: int,
    name: str,
    problems: Sequence[str],
    fixes: Sequence[str],
) -> Finding:
    return Finding(
        doc.locate(f"/waivers/{index}"),
        WAIVER_MALFORMED,
        Severity.ERROR,
        f"{name} is not applied: {'; '.join(p.rstrip('.') for p in problems)}",
        "; ".join(dict.fromkeys(fix for fix in fixes if fix)),
    )


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
    """The waivers of one environment, validated, and which of them were used.

    ``doc`` is a waivers file as ``screen`` leaves it: an entry that did not
    match the schema is None (reported there) and is not judged again.
    """

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
        self.entries = len(doc.data["waivers"])
        for index, entry in enumerate(doc.data["waivers"]):
            if entry is None:
                continue  # malformed: reported by screen()
            waiver = self._validate(index, entry, registry, rules, today)
            if waiver is None:
                continue
            key = (waiver.policy, waiver.model)
            if key in self.valid:
                first = self.valid[key][1]
                self._problem(
                    index,
                    "",
                    WAIVER_DUPLICATE,
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
        dates = {
            key: _calendar_date(entry[key])
            for key in ("expires", "approvedOn")
            if key in entry
        }
        bad = [key for key, date in dates.items() if date is None]
        if bad:
            self.problems.append(
                _malformed(
                    self.doc,
                    index,
                    what,
                    [
                        f"waivers[{index}].{k}: {entry[k]} is not a calendar date"
                        for k in bad
                    ],
                    ["write a real date as YYYY-MM-DD"],
                )
            )
            return None
        expires = dates["expires"]
        approved_on = dates.get("approvedOn")
        assert expires is not None  # required by the schema
        ok = True
        if policy_id not in registry:
            self._problem(
                index,
                "/policy",
                WAIVER_UNKNOWN_POLICY,
                f"{what}: there is no policy {policy_id}"
                + did_you_mean(policy_id, registry.by_id, quote=False),
                "name a policy that `modelrail policies` lists, or delete the waiver",
            )
            ok = False
        elif not registry.get(policy_id).waivable:
            self._problem(
                index,
                "/policy",
                WAIVER_NOT_WAIVABLE,
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
                WAIVER_UNAPPROVED,
                f"{what} is not approved: it has no {missing}",
                "have an approver review it and record approvedBy and approvedOn",
            )
            ok = False
        elif not rules.approves(approver):
            self._problem(
                index,
                "/approvedBy",
                WAIVER_UNAPPROVED,
                f"{what} is approved by {approver}, who is not an approver "
                f"({', '.join(rules.approvers)})",
                "have one of the approvers in policies/profiles.yaml approve it",
            )
            ok = False
        elif approved_on > today:
            self._problem(
                index,
                "/approvedOn",
                WAIVER_UNAPPROVED,
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
                    WAIVER_TOO_LONG,
                    f"{what} expires on {expires}, before its approval on {approved_on}",
                    "set expires after approvedOn",
                )
                ok = False
            elif days > rules.max_days:
                self._problem(
                    index,
                    "/expires",
                    WAIVER_TOO_LONG,
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
                WAIVER_EXPIRED,
                f"{what} expired on {expires}",
                "fix the spec and delete the waiver, or renew it with a new approval",
            )
            ok = False
        elif ok and (expires - today).days <= SOON_DAYS:
            left = (expires - today).days
            self._problem(
                index,
                "/expires",
                WAIVER_EXPIRES_SOON,
                f"{what} expires in {left} day{'s' * (left != 1)} ({expires})",
                "plan the fix, or a renewal with a new approval",
                severity=Severity.INFO,
            )
        if not ok:
            return None
        where = str(self.doc.locate(f"/waivers/{index}"))
        return Waiver(policy_id, model, entry["ticket"], expires, where)

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

    @property
    def invalid(self) -> int:
        """How many waivers of the file are not applied because they are invalid."""
        return self.entries - len(self.valid)

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
            fix = "delete the waiver"
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
                guess = closest(waiver.model, known)
                if guess is not None:  # a misspelt model waives nothing
                    message += f"; did you mean {guess!r}?"
                    fix = f"name the model {guess!r}, or delete the waiver"
            elif waiver.model in checked:
                message = (
                    f"waiver of {waiver.policy} for {waiver.model!r} matches no "
                    "finding: the problem is fixed"
                )
            else:
                continue
            location = self.doc.locate(f"/waivers/{index}")
            yield Finding(location, WAIVER_STALE, Severity.WARNING, message, fix)


def _calendar_date(text: str) -> datetime.date | None:
    """The date ``text`` names, or None for one that does not exist
    (2026-02-30: the schema's pattern lets it through)."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None
