"""A version has run in the promotion source for its soak time.

A soak finds what tests do not: the slow leak, the nightly batch, the
Monday traffic. ``spec.promotion.soak`` of an environment (production: 24h
in staging) is how long a version must have run in the promotion source
before it may enter. It is measured from the commit that brought the
version into the source's spec (on main, the merge of that pull request:
the first-parent history), to ``--now`` (the clock by default). A version
not yet committed in the source has not started its soak. Judged by
``check --base REF`` against REF, and by a plain ``check`` in a git checkout
against HEAD (an uncommitted promotion); the checkout needs the full git
history (outside git, or in a shallow clone, a plain check skips it and says
so). A version going back (a rollback, MR-PROM-004's) soaks nothing: it
returns to what already ran here, and waiting would keep users on the version
being rolled back.

Fails::

    ~base: {}
    ~peers:
      staging: {spec: {model: {version: "3.3.0"}}}
    ~entered:
      staging: "2026-11-21T06:00:00Z"
    spec:
      model:
        version: "3.3.0"

Passes::

    ~base: {}
    ~peers:
      staging: {spec: {model: {version: "3.3.0"}}}
    ~entered:
      staging: "2026-11-19T06:00:00Z"
    spec:
      model:
        version: "3.3.0"
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import move, ready_at, runs
from modelrail.units import human

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-PROM-003"
NAME = "promotion-soak"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Wait until the version has run in the promotion source for the soak "
    "time (spec.promotion.soak of the environment), then promote."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    moved = move(spec, ctx)
    source, soak = env.promotion_source, env.soak
    if moved is None or not moved.entering or moved.revert:
        return
    if source is None or soak is None or ctx.history is None or ctx.now is None:
        return
    version = spec.model["version"]
    if runs(ctx, source, spec) is None:
        return  # not a promotion from the source: MR-PROM-001/002
    entry = ctx.history.entered(source, spec.name, version)
    if entry is None:
        yield Hit(
            "/spec/model/version",
            f"version {version} is not committed in {source}'s spec yet: its "
            f"{soak} soak there has not begun (merge the {source} change first)",
        )
        return
    elapsed = int((ctx.now - entry.time).total_seconds())
    ready = ready_at(entry.time, soak)
    if ctx.now < ready:
        since = (
            f"{human(elapsed)} before {_stamp(ctx.now)}"
            if elapsed >= 0
            else f"after the moment judged, {_stamp(ctx.now)}"
        )
        yield Hit(
            "/spec/model/version",
            f"version {version} entered {source} at {_stamp(entry.time)} (commit "
            f"{entry.short}), {since}; {env.name} needs {soak} there: promote "
            f"at {_stamp(ready)} or later",
        )


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
