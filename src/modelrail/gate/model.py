"""Model evidence: the registry's word on the version the spec deploys.

The registry conventions (docs/gate.md):

- the candidate is ``spec.model.registry``: its ``name`` and ``version``
  (a registry version number) or ``alias`` (resolved when the gate runs);
- each registry version carries a ``model_version`` tag holding the model's
  release version (the spec's ``spec.model.version``, such as 3.3.0). The
  candidate's tag must be the spec's version (the registry entry the spec
  names is the model it deploys), and the baseline
  (``spec.model.baseline.version``) is the registry version of that model
  tagged with its version (the highest version number when several are);
- the metrics are those of each version's run (``run_id``).

Judged: the version exists and is READY; its tag; its source holds the
spec's artifact (``modelrail.gate.sources``); every metric the spec claims
(``spec.model.metrics``, and the baseline's ``baseline.metrics``) is what the
run logged, compared at the precision the claim is written with; the quality
metric (``monitoring.accuracy.metric``, else ``accuracy``) reaches the ratio
of MR-MDL-003 (95 %) of the baseline run's; and each of ``spec.model.gates``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from modelrail.gate.evidence import REGISTRY, Item, Verdict, show
from modelrail.gate.sources import matches

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.gate.inputs import Inputs
    from modelrail.gate.registry import ModelRegistry, Version

VERSION_TAG = "model_version"
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Run:
    """A version's run metrics, or why there are none."""

    metrics: dict[str, Decimal] | None
    why: str = ""
    label: str = ""  # "run abc of registry version 21 of fraud-detector"
    run_id: str = ""

    @property
    def call(self) -> str:
        """The REST call its metrics came from ("" when there was none)."""
        return f"GET runs/get run_id={self.run_id}" if self.run_id else ""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The baseline's run, or why there is none."""

    run: Run | None
    why: str
    label: str = "baseline"  # "baseline 3.1.4"


def _item(key: str, title: str, verdict: Verdict, **fields: Any) -> Item:
    return Item(key=key, source=REGISTRY, title=title, verdict=verdict, **fields)


def evidence(registry: ModelRegistry, inputs: Inputs) -> list[Item]:
    model: Mapping[str, Any] = inputs.spec["spec"]["model"]
    entry = model.get("registry")
    if entry is None:
        why = (
            "spec.model.registry is not declared: name the registered model and "
            "its version (or alias) there"
        )
        item = _item(
            "model.registry",
            "registry version",
            Verdict.NO_DATA,
            threshold="registered",
            detail=why,
        )
        return [item]
    name: str = entry["name"]
    alias: str | None = entry.get("alias")
    if alias is not None:
        version = registry.alias(name, alias)
        asked, label = f"alias {alias!r} of {name}", f"@{alias}"
        call = f"GET registered-models/alias name={name} alias={alias}"
    else:
        version = registry.version(name, entry["version"])
        asked, label = f"version {entry['version']} of {name}", entry["version"]
        call = f"GET model-versions/get name={name} version={label}"
    if version is None:
        item = _item(
            "model.registry",
            "registry version",
            Verdict.MISSED,
            value=label,
            threshold="registered",
            query=call,
            detail=f"{asked} is not in {registry.where}",
        )
        return [item]
    ready = version.status == "READY"
    not_ready = f"version {version.version} of {name} is {version.status}, not READY"
    items = [
        _item(
            "model.registry",
            "registry version",
            Verdict.MET if ready else Verdict.MISSED,
            value=f"{label} = {version.version}" if alias is not None else label,
            threshold="registered, READY",
            detail="" if ready else not_ready,
            measured=version.version,
            query=call,
        ),
        _tag(version, inputs.version),
        _source(version, model["artifact"], alias),
    ]
    run = _run(registry, version)
    items.extend(_claims("model.claim", "claimed", model.get("metrics", {}), run))
    baseline = model.get("baseline")
    base = Baseline(
        None, "spec.model.baseline is not declared: nothing to compare with"
    )
    if baseline is not None and "version" not in baseline:
        # a first release: the system it replaces is in no registry; its
        # declared metrics (on the same hold-out set) are the comparison
        system = str(baseline["system"])
        declared = {
            str(k): Decimal(str(v))
            for k, v in baseline.get("metrics", {}).items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
        label = f"baseline system {system}"
        base = Baseline(Run(declared, "", label), "", label)
    elif baseline is not None:
        base_item, base_version = _baseline(registry, name, baseline["version"])
        items.append(base_item)
        base = Baseline(None, base_item.detail, f"baseline {baseline['version']}")
        if base_version is not None:
            base_run = _run(registry, base_version)
            base = Baseline(base_run, base_run.why, base.label)
            claims = baseline.get("metrics", {})
            items.extend(_claims("baseline.claim", "baseline's", claims, base_run))
    metric = model_metric(inputs.spec)
    items.append(_ratio(f"model.quality.{metric}", metric, inputs.ratio, run, base))
    for index, gate in enumerate(model.get("gates", [])):
        items.extend(_gate(index, gate, run, base))
    return items


def model_metric(spec: Mapping[str, Any]) -> str:
    """The quality metric production tracks (as MR-MDL-003 picks it)."""
    monitoring = spec["spec"].get("monitoring", {})
    return str(monitoring.get("accuracy", {}).get("metric", "accuracy"))


def claim_holds(claimed: float, logged: Decimal) -> bool:
    """Whether ``logged`` is ``claimed`` at the precision the claim is
    written with: within half a unit of its last digit (0.957 holds for
    0.9565 to 0.9575; 0.96 for 0.955 to 0.965)."""
    written = Decimal(str(claimed))
    exponent = written.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number, from the schema
    return abs(logged - written) <= Decimal(5).scaleb(exponent - 1)


def _tag(version: Version, wanted: str) -> Item:
    tag = version.tags.get(VERSION_TAG)
    where = f"registry version {version.version} of {version.name}"
    if tag is None:
        verdict = Verdict.NO_DATA
        detail = (
            f"{where} has no {VERSION_TAG} tag: tag it with the model version it "
            "holds (docs/gate.md)"
        )
    elif tag == wanted:
        verdict, detail = Verdict.MET, ""
    else:
        verdict = Verdict.MISSED
        detail = f"{where} is tagged {VERSION_TAG}={tag}, the spec deploys {wanted}"
    return _item(
        "model.versionTag",
        "version tag",
        verdict,
        value=tag or "",
        threshold=f"{VERSION_TAG} = {wanted}",
        detail=detail,
        measured=tag,
    )


def _source(version: Version, artifact: str, alias: str | None) -> Item:
    held = version.source or version.storage_location
    ok = matches(artifact, version, alias)
    missed = (
        f"the spec deploys {artifact}, registry version {version.version} of "
        f"{version.name} holds {held or 'nothing (no source)'}"
    )
    return _item(
        "model.source",
        "artifact",
        Verdict.MET if ok else Verdict.MISSED,
        value=held,
        threshold=f"holds {artifact}",
        detail="" if ok else missed,
        measured=held,
    )


def _run(registry: ModelRegistry, version: Version) -> Run:
    where = f"registry version {version.version} of {version.name}"
    if not version.run_id:
        return Run(None, f"{where} has no run: its metrics cannot be read", where)
    label = f"run {version.run_id} of {where}"
    metrics = registry.run_metrics(version.run_id)
    if metrics is None:
        return Run(None, f"{label} is not in {registry.where}", label, version.run_id)
    return Run(metrics, "", label, version.run_id)


def _baseline(
    registry: ModelRegistry, name: str, wanted: str
) -> tuple[Item, Version | None]:
    tagged = [v for v in registry.versions(name) if v.tags.get(VERSION_TAG) == wanted]
    call = f"GET model-versions/search filter=name='{name}'"
    threshold = f"{VERSION_TAG} = {wanted}"
    if not tagged:
        why = f"no version of {name} in {registry.where} is tagged {threshold}"
        item = _item(
            "model.baseline",
            "baseline version",
            Verdict.NO_DATA,
            threshold=threshold,
            detail=why,
            query=call,
        )
        return item, None
    tagged.sort(key=lambda v: (len(v.version), v.version))  # numbers, as numbers
    chosen = tagged[-1]
    others = ", ".join(v.version for v in tagged[:-1])
    item = _item(
        "model.baseline",
        "baseline version",
        Verdict.MET,
        value=chosen.version,
        threshold=threshold,
        detail=f"the highest of the versions tagged so: also {others}"
        if others
        else "",
        measured=chosen.version,
        query=call,
    )
    return item, chosen


def _claims(
    prefix: str, whose: str, claims: Mapping[str, float], run: Run
) -> list[Item]:
    items = []
    for metric, claimed in sorted(claims.items()):
        key, title = f"{prefix}.{metric}", f"{whose} {metric}"
        threshold = f"= {show(Decimal(str(claimed)))} (claimed)"
        logged = run.metrics.get(metric) if run.metrics is not None else None
        if logged is None:
            why = run.why or f"{run.label} logged no {metric}"
            items.append(
                _item(key, title, Verdict.NO_DATA, threshold=threshold, detail=why)
            )
            continue
        ok = claim_holds(claimed, logged)
        missed = f"the spec claims {claimed}, {run.label} logged {show(logged)}"
        items.append(
            _item(
                key,
                title,
                Verdict.MET if ok else Verdict.MISSED,
                value=show(logged),
                threshold=threshold,
                detail="" if ok else missed,
                measured=logged,
                query=run.call,
            )
        )
    return items


def _ratio(key: str, metric: str, ratio: Decimal, run: Run, base: Baseline) -> Item:
    title = f"{metric} vs baseline"
    threshold = f">= {show(ratio * HUNDRED)} % of {base.label}"
    value = run.metrics.get(metric) if run.metrics is not None else None
    was = base.run.metrics.get(metric) if base.run and base.run.metrics else None
    if value is None or was is None or was <= 0:
        if value is None:
            why = run.why or f"{run.label} logged no {metric}"
        elif was is None:
            logged = base.run.label if base.run is not None else base.label
            why = base.why or f"{logged} logged no {metric}"
        else:
            why = f"the {base.label}'s {metric} is {show(was)}: no ratio to take"
        shown = show(value) if value is not None else ""
        return _item(
            key, title, Verdict.NO_DATA, value=shown, threshold=threshold, detail=why
        )
    # rounded down, as MR-MDL-003 says it: 94.99 % is not shown as 95 %
    share = show((value / was * HUNDRED).quantize(Decimal("0.1"), ROUND_DOWN))
    ok = value >= ratio * was
    missed = (
        f"{metric} {show(value)} is {share} % of the {base.label}'s {show(was)}, "
        f"below {show(ratio * HUNDRED)} %"
    )
    return _item(
        key,
        title,
        Verdict.MET if ok else Verdict.MISSED,
        value=f"{show(value)} ({share} % of {show(was)})",
        threshold=threshold,
        detail="" if ok else missed,
        measured=value,
        query="; ".join(r.call for r in (run, base.run) if r is not None and r.call),
    )


def _gate(index: int, gate: Mapping[str, Any], run: Run, base: Baseline) -> list[Item]:
    metric: str = gate["metric"]
    items = []
    if "minRatioToBaseline" in gate:
        ratio = Decimal(str(gate["minRatioToBaseline"]))
        key = f"model.gates.{index}.minRatioToBaseline"
        items.append(_ratio(key, metric, ratio, run, base))
    value = run.metrics.get(metric) if run.metrics is not None else None
    for kind, op in (("min", ">="), ("max", "<=")):
        if kind not in gate:
            continue
        bound = Decimal(str(gate[kind]))
        key, threshold = f"model.gates.{index}.{kind}", f"{op} {show(bound)}"
        title = f"{metric} {threshold}"
        if value is None:
            why = run.why or f"{run.label} logged no {metric}"
            items.append(
                _item(key, title, Verdict.NO_DATA, threshold=threshold, detail=why)
            )
            continue
        ok = value >= bound if op == ">=" else value <= bound
        items.append(
            _item(
                key,
                title,
                Verdict.MET if ok else Verdict.MISSED,
                value=show(value),
                threshold=threshold,
                detail="" if ok else f"{run.label} logged {metric} {show(value)}",
                measured=value,
                query=run.call,
            )
        )
    return items
