"""Line two sides up: per rendered file, per model, per finding.

Everything comes out sorted (files by path, models by environment then name,
findings by file, pointer, rule and message), so the same two sides always
give the same result.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from modelrail import versions
from modelrail.diffing.results import (
    ADDED,
    CHANGED,
    REMOVED,
    AppChange,
    FieldChange,
    FindingChange,
    Resource,
    Result,
    SideInfo,
)
from modelrail.render.renderer import ALERTING, ARGOCD, BOOTSTRAP, PREFIX
from modelrail.repository.loader import LoadError, load_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from modelrail.diffing.side import Side
    from modelrail.findings import Finding

# what is served: a change to any of these is a new revision of the model
SERVED = (
    ("version", ("model", "version")),
    ("artifact", ("model", "artifact")),
    ("digest", ("model", "digest")),
    ("image", ("serving", "image")),
)


def compare(ref: str, base: Side, head: Side, base_label: str) -> Result:
    resources = files(base.files, head.files)
    by_app: dict[tuple[str, str], list[Resource]] = {}
    argocd: list[Resource] = []
    other: list[Resource] = []
    for resource in resources:
        parts = resource.path.split("/")
        if parts[0] == BOOTSTRAP or (
            len(parts) == 3 and parts[1] in (ARGOCD, ALERTING)
        ):
            argocd.append(resource)
        elif len(parts) == 3:
            by_app.setdefault((parts[0], parts[1]), []).append(resource)
        else:
            other.append(resource)
    keys = sorted({*by_app, *base.specs, *head.specs})
    apps = []
    for key in keys:
        app = _app(key, base.specs.get(key), head.specs.get(key), by_app.get(key, []))
        if app is not None:
            apps.append(app)
    return Result(
        ref=ref,
        base=SideInfo(base_label, base.error, base.check_error, base.crashes),
        head=SideInfo("working tree", head.error, head.check_error, head.crashes),
        apps=tuple(apps),
        argocd=tuple(argocd),
        other=tuple(other),
        findings=findings(base.findings, head.findings),
    )


def files(before: Mapping[str, str], after: Mapping[str, str]) -> list[Resource]:
    """Every file that differs, in path order, with its unified diff."""
    out = []
    for path in sorted({*before, *after}):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        state = ADDED if old is None else REMOVED if new is None else CHANGED
        kind, name = _identity(path, new if new is not None else old or "")
        out.append(Resource(path, state, kind, name, unified(path, old, new)))
    return out


def unified(path: str, before: str | None, after: str | None) -> str:
    """A unified diff as git shows one (``/dev/null`` for a missing side)."""
    old = f"a/{PREFIX}/{path}" if before is not None else "/dev/null"
    new = f"b/{PREFIX}/{path}" if after is not None else "/dev/null"
    lines = difflib.unified_diff(
        _lines(before or ""), _lines(after or ""), old, new, n=3
    )
    return "".join(
        line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
        for line in lines
    )


def _lines(text: str) -> list[str]:
    # split on "\n" only: a value's U+2028 stays inside its line
    parts = text.split("\n")
    lines = [f"{part}\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _identity(path: str, text: str) -> tuple[str, str]:
    if not path.endswith((".yaml", ".yml")):
        return "", ""
    try:
        data = load_text(text, f"{PREFIX}/{path}").data
    except LoadError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    kind = data.get("kind")
    return (
        kind if isinstance(kind, str) else "",
        name if isinstance(name, str) else "",
    )


def _app(
    key: tuple[str, str],
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    resources: list[Resource],
) -> AppChange | None:
    served = [
        FieldChange(label, _at(before, where), _at(after, where))
        for label, where in SERVED
    ]
    changed = tuple(f for f in served if f.before != f.after)
    canary = (_plan(before), _plan(after))
    moved = canary if before and after and canary[0] != canary[1] else None
    version = (served[0].before, served[0].after)
    if after is None and before is None:  # a side that did not render
        states = {r.state for r in resources}
        state = states.pop() if len(states) == 1 else CHANGED
    elif before is None:
        state = ADDED
    elif after is None:
        state = REMOVED
    elif version[0] and version[1] and versions.lower(version[1], version[0]):
        state = "rolled back"
    elif changed:
        state = "promoted"
    elif resources or moved:
        state = CHANGED
    else:
        return None
    source = after if after is not None else before
    description = _at(source, ("description",), top="metadata") or ""
    return AppChange(
        key[0],
        key[1],
        state,
        version,
        changed if before is not None and after is not None else (),
        moved,
        description,
        tuple(resources),
    )


def _at(
    data: Mapping[str, Any] | None, where: tuple[str, ...], top: str = "spec"
) -> str | None:
    node: Any = data.get(top) if data is not None else None
    for key in where:
        node = node.get(key) if isinstance(node, dict) else None
    return None if node is None else str(node)


def _plan(data: Mapping[str, Any] | None) -> str:
    """The canary plan in one line: ``10% 2h analysis, 25% 6h, 100%; at step 2``."""
    spec = data.get("spec") if data is not None else None
    rollout = spec.get("rollout") if isinstance(spec, dict) else None
    if not isinstance(rollout, dict):
        return ""
    steps = []
    for step in rollout.get("steps") or ():
        if not isinstance(step, dict):
            continue
        words = [f"{step.get('weight')}%"]
        if step.get("pause"):
            words.append(str(step["pause"]))
        if step.get("analysis"):
            words.append("analysis")
        steps.append(" ".join(words))
    plan = f"{rollout.get('strategy', '?')}: {', '.join(steps) or 'no steps'}"
    if rollout.get("currentStep") is not None:
        plan += f"; at step {rollout['currentStep']} of {len(steps)}"
    return plan


def findings(
    before: Iterable[Finding], after: Iterable[Finding]
) -> tuple[FindingChange, ...]:
    """New, resolved and changed findings, matched by (file, pointer, rule,
    message) and sorted so; two findings alike on one side pair up in order."""
    sides: dict[tuple[str, str, str, str], tuple[list[Finding], list[Finding]]] = {}
    for index, found in enumerate((before, after)):
        for finding in found:
            sides.setdefault(_key(finding), ([], []))[index].append(finding)
    out = []
    for key in sorted(sides):
        old, new = (sorted(s) for s in sides[key])
        for index in range(max(len(old), len(new))):
            was = old[index] if index < len(old) else None
            now = new[index] if index < len(new) else None
            if was is None or now is None or _verdict(was) != _verdict(now):
                out.append(FindingChange(was, now))
    return tuple(out)


def _key(finding: Finding) -> tuple[str, str, str, str]:
    where = finding.location
    return (where.file, where.pointer, finding.rule, finding.message)


def _verdict(finding: Finding) -> tuple[int, str]:
    return (int(finding.severity), finding.waiver)
