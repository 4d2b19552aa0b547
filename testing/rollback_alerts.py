"""Rollback alerts end to end: the rendered rules in a real Prometheus, the
alerts in a real Alertmanager.

``rollback_alerts(root, environment, model, folder)`` is the harness the
rollback tests use: it reads the model's rendered PrometheusRule under
``root/rendered/`` (its rule groups, verbatim, become a Prometheus rule file),
backfills a two-hour history of the model ending at the wall clock, starts
Alertmanager (``testing.alertmanager``) and a Prometheus that evaluates the
rules every second and sends what fires there, and yields a :class:`Run`: the
Alertmanager URL and the rollback alerts it holds. ``Cause`` picks the
history:

- ``ACCURACY``: the spec's quality metric (``model_quality{metric=...}``)
  0.05 under its floor for two hours (0.86 for prod fraud-detector, floor
  0.91: under the checklist's 90 %); the quality alert fires;
- ``BURN``: twice the fast-burn threshold of server errors from a version
  first seen two hours ago (new: promoted within 24 h); the fast-burn
  rollback trigger fires;
- ``HEALTHY``: accuracy 0.95 and no server error; nothing may fire. The
  harness waits ``quiet_cycles`` evaluations of the alert group (after
  checking that Prometheus sees the data and the Alertmanager) and yields
  what Alertmanager holds then: nothing, unless a rule is wrong. (``quiet``
  waits so for the other causes too: for rules that should not ask for a
  rollback.)

Prometheus sends a firing alert again every ``--rules.alert.resend-delay``
(1 m by default); its notifier learns of the Alertmanager from service
discovery, which updates every 5 s, so the first send of an alert that fires
within seconds of the start is dropped (no Alertmanager yet) and the next
would come a minute later. The harness sets the delay to one evaluation
(1 s): the alert arrives with the first send after discovery. (In production
Prometheus runs long before an alert fires.) Alertmanager ends an alert
4 resend delays after its last send: about 4 s after the harness stops.

Every history has the version's request counters (a healthy trickle, 5xx
only for ``BURN``), so the absent-metric alert stays quiet.

The quality alert waits ``for: 1h``, and Prometheus evaluates rules at "now":
a history written before Prometheus starts cannot make it fire sooner by
itself. What does is what makes it survive a restart in production:
Prometheus records every pending or firing alert as ``ALERTS_FOR_STATE``
(its labels, the time it became active as the value) and, on start, restores
the ``for`` state of each alert that is active again from that series
(``--rules.alert.for-outage-tolerance``, 1 h by default: the last sample must
be that recent). The history therefore carries the series Prometheus would
have written while the accuracy was low: active since the first step, a
sample every step up to the end. After its second evaluation, Prometheus
restores the alert as active for two hours, and the next evaluation fires it.
The rule is not changed (``for: 1h`` stays) and nothing is mocked: it is
Prometheus' own restart path, on data that says the accuracy has been under
the floor for two hours. ``HEALTHY`` carries the same series, as a control:
a restored state alone fires nothing while the expression is false.
"""

from __future__ import annotations

import enum
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import requests
import yaml

from modelrail import burnrate
from modelrail.metrics import Convention
from modelrail.render.alerts import ACTION, QUALITY_ALERT, error_budget
from modelrail.repository.layout import ENVIRONMENT_FILE, Repository
from testing.alertmanager import alerts, running_alertmanager, wait_for_alerts
from testing.prometheus import (
    Counter,
    PrometheusError,
    backfill,
    openmetrics,
    query,
    running_prometheus,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

__all__ = [
    "EVALUATION",
    "Cause",
    "Run",
    "Target",
    "history",
    "rollback_alerts",
    "rule_file",
]

EVALUATION = 1  # seconds between two rule evaluations
STEP = 30  # seconds between samples, as the ServiceMonitor scrapes
STEPS = 240  # two hours: the quality alert's for: hour, and the 1 h burn window
PER_STEP = 3000  # requests a step (100/s)
HEALTHY_ACCURACY = 0.95
UNDER_FLOOR = Decimal("0.05")  # how far under its floor ACCURACY puts a model


class Cause(enum.Enum):
    ACCURACY = "accuracy"
    BURN = "burn"
    HEALTHY = "healthy"


@dataclass(frozen=True, slots=True)
class Target:
    """One rendered model: what its rules select and what they should say."""

    environment: str
    model: str
    namespace: str
    version: str  # spec.model.version
    metric: str  # monitoring.accuracy.metric
    floor: Decimal  # monitoring.accuracy.floor
    budget: Decimal  # the error ratio the availability objective allows
    slo_window: str
    convention: Convention
    rules: Path  # rendered/<env>/<model>/prometheusrule.yaml

    @classmethod
    def of(cls, root: Path, environment: str, model: str) -> Target:
        repo = Repository(root)
        folder = repo.environments_dir / environment
        spec = _yaml(folder / f"{model}.yaml")["spec"]
        env = _yaml(folder / ENVIRONMENT_FILE)
        rules = repo.rendered_dir / environment / model / "prometheusrule.yaml"
        if not rules.is_file():
            raise FileNotFoundError(f"{rules}: render the repository first")
        accuracy = spec["monitoring"]["accuracy"]
        return cls(
            environment=environment,
            model=model,
            namespace=_yaml(rules)["metadata"]["namespace"],
            version=spec["model"]["version"],
            metric=accuracy["metric"],
            floor=Decimal(str(accuracy["floor"])),
            budget=error_budget(spec["slo"].get("availability", 99.9)),
            slo_window=spec["slo"].get("window", burnrate.DEFAULT_WINDOW),
            convention=Convention.of(env),
            rules=rules,
        )

    def rule(self, alert: str) -> dict[str, Any]:
        """The rendered alerting rule named ``alert``."""
        for group in _yaml(self.rules)["spec"]["groups"]:
            for item in group["rules"]:
                if item.get("alert") == alert:
                    found: dict[str, Any] = item
                    return found
        raise LookupError(f"{self.rules}: no alert {alert}")

    def labels(self, alert: str) -> dict[str, str]:
        """The labels Prometheus gives ``alert`` when it fires: the rule's own
        over the series' (``namespace``, ``model``), and ``alertname``."""
        series = {"namespace": self.namespace, "model": self.model}
        return {**series, **self.rule(alert)["labels"], "alertname": alert}


@dataclass(frozen=True, slots=True)
class Run:
    """A Prometheus and an Alertmanager running over one history."""

    url: str  # Alertmanager's base URL: what ``rollback --from-alerts`` reads
    prometheus: str  # Prometheus' base URL
    target: Target
    cause: Cause
    alerts: list[dict[str, Any]]  # the rollback alerts Alertmanager held
    backfilled_to_alert: float | None  # seconds: blocks written -> alert there
    ready_to_alert: float | None  # seconds: Prometheus ready -> alert there

    def rollback_alerts(self) -> list[dict[str, Any]]:
        """The rollback alerts Alertmanager holds now."""
        return alerts(self.url, {ACTION: "rollback"})


def _yaml(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def rule_file(rules: Path, folder: Path) -> Path:
    """The rule groups of a rendered PrometheusRule, verbatim (annotations
    included), as a Prometheus rule file in ``folder``."""
    spec = _yaml(rules)["spec"]
    out = folder / f"{rules.parent.parent.name}-{rules.parent.name}.rules.yaml"
    out.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return out


def _error_share(target: Target) -> Decimal:
    """Twice the higher page threshold (so both page windows burn), at most half."""
    page = max(
        w.rate(target.slo_window) for w in burnrate.WINDOWS if w.severity == "page"
    )
    return min(Decimal("0.5"), 2 * page * target.budget)


def history(target: Target, cause: Cause, end: int) -> list[Counter]:
    """The model's series over the ``STEPS`` steps up to ``end`` (Unix
    seconds): request counters, the quality gauge and the quality alert's
    ``ALERTS_FOR_STATE`` (see the module's docstring)."""
    start = end - STEPS * STEP
    version = {"namespace": target.namespace, "model": target.model,
               "version": target.version, "pod": f"{target.model}-0"}  # fmt: skip
    errors = _error_share(target) if cause is Cause.BURN else Decimal(0)
    failed = int(PER_STEP * errors)
    requests_ = target.convention.requests
    series = [
        Counter(requests_, {**version, "code": "200"},
                [float(i * (PER_STEP - failed)) for i in range(STEPS + 1)]),
    ]  # fmt: skip
    if failed:
        series.append(
            Counter(requests_, {**version, "code": "500"},
                    [float(i * failed) for i in range(STEPS + 1)])
        )  # fmt: skip
    accuracy = _accuracy(target, cause)
    assert target.floor < HEALTHY_ACCURACY, target
    series.append(
        Counter(target.convention.quality, {**version, "metric": target.metric},
                [accuracy] * (STEPS + 1))
    )  # fmt: skip
    if cause is not Cause.BURN:
        # what Prometheus writes at each evaluation while the quality alert is
        # active: its labels, the time it became active as the value (the
        # history's first step, when the accuracy was first seen). HEALTHY
        # has it too: a control (a restored state fires nothing by itself)
        series.append(
            Counter("ALERTS_FOR_STATE", target.labels(QUALITY_ALERT),
                    [float(start)] * (STEPS + 1))
        )  # fmt: skip
    return series


def _iterations(base_url: str, group: str) -> int:
    """How many times Prometheus has evaluated the rule group ``group``."""
    text = requests.get(f"{base_url}/metrics", timeout=10).text
    pattern = re.compile(
        r'^prometheus_rule_group_iterations_total\{rule_group="[^"]*;'
        + re.escape(group)
        + r'"\} (\S+)$',
        re.MULTILINE,
    )
    found = pattern.search(text)
    return int(float(found.group(1))) if found else 0


def _sees_alertmanager(base_url: str, alertmanager: str) -> bool:
    answer = requests.get(f"{base_url}/api/v1/alertmanagers", timeout=10).json()
    active = answer["data"]["activeAlertmanagers"]
    return any(a["url"].startswith(f"{alertmanager}/") for a in active)


@contextmanager
def rollback_alerts(
    root: Path,
    environment: str,
    model: str,
    folder: Path,
    *,
    cause: Cause = Cause.ACCURACY,
    version: str | None = None,
    timeout: float = 60.0,
    quiet: bool | None = None,
    quiet_cycles: int = 5,
) -> Iterator[Run]:
    """A real Prometheus evaluating ``environment``/``model``'s rendered rules
    over a ``cause`` history, and the real Alertmanager it sends alerts to:
    a :class:`Run` once the rollback alert is there (``AlertmanagerError``
    after ``timeout`` seconds), or, when ``quiet`` (the default for
    ``HEALTHY``), after ``quiet_cycles`` evaluations of the alert group once
    Prometheus sees the history and the Alertmanager, whatever it holds then.

    The alert's ``version`` is the rendered rule's (``spec.model.version`` at
    render time); ``version``, when given, must be that one. Both servers
    stop when the block ends. Files go to ``folder``."""
    target = Target.of(root, environment, model)
    if version is not None and version != target.version:
        raise ValueError(
            f"{target.rules} names version {target.version}, not {version}: "
            "render a repository whose spec names it"
        )
    rules = rule_file(target.rules, folder)
    group = next(
        g["name"] for g in _yaml(rules)["groups"] if g["name"].endswith(".alerts")
    )
    end = int(time.time())
    text = openmetrics(history(target, cause, end), end - STEPS * STEP, STEP)
    backfill(text, folder / "data", folder)
    backfilled = time.monotonic()
    wanted = {ACTION: "rollback", "model": target.model,
              "environment": target.environment}  # fmt: skip
    with (
        running_alertmanager(folder) as alertmanager,
        running_prometheus(
            folder / "data",
            folder,
            rule_files=[rules],
            alertmanagers=[alertmanager],
            evaluation_interval=f"{EVALUATION}s",
            resend_delay=f"{EVALUATION}s",
        ) as prometheus,
    ):
        ready = time.monotonic()
        if cause is Cause.HEALTHY if quiet is None else quiet:
            found = _quiet(target, cause, prometheus, alertmanager, group,
                           quiet_cycles, timeout, wanted)  # fmt: skip
            yield Run(alertmanager, prometheus, target, cause, found, None, None)
            return
        found = wait_for_alerts(alertmanager, wanted, timeout)
        arrived = time.monotonic()
        yield Run(
            alertmanager, prometheus, target, cause, found,
            arrived - backfilled, arrived - ready,
        )  # fmt: skip


def _accuracy(target: Target, cause: Cause) -> float:
    if cause is Cause.ACCURACY:
        return float(target.floor - UNDER_FLOOR)
    return HEALTHY_ACCURACY


def _quiet(
    target: Target,
    cause: Cause,
    prometheus: str,
    alertmanager: str,
    group: str,
    cycles: int,
    timeout: float,
    wanted: Mapping[str, str],
) -> list[dict[str, Any]]:
    """What Alertmanager holds after ``cycles`` evaluations of ``group``, once
    Prometheus sees the history and the Alertmanager (so that an empty answer
    means the rules stayed quiet, not that nothing could have arrived)."""
    deadline = time.monotonic() + timeout
    selector = (
        f'{target.convention.quality}{{namespace="{target.namespace}", '
        f'model="{target.model}", metric="{target.metric}"}}'
    )
    while not (
        _sees_alertmanager(prometheus, alertmanager)
        and query(prometheus, selector, time.time()) == [_accuracy(target, cause)]
    ):
        if time.monotonic() > deadline:
            raise PrometheusError(
                f"Prometheus does not see the history ({selector}) or the "
                f"Alertmanager after {timeout:g} s"
            )
        time.sleep(0.1)
    first = _iterations(prometheus, group)
    while _iterations(prometheus, group) < first + cycles:
        if time.monotonic() > deadline:
            raise PrometheusError(
                f"{group}: under {cycles} evaluations in {timeout:g} s"
            )
        time.sleep(EVALUATION / 4)
    return alerts(alertmanager, wanted)
