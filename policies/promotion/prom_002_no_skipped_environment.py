"""A version passes through every environment of the promotion chain.

Each environment is a stage of evidence: test runs the integration suite,
staging soaks the version under production-like load. A version copied into
production from test (or from dev) skipped staging's evidence, whatever its
numbers say. The chain is the environments' ``spec.promotion.from``
(dev -> test -> staging -> prod): a version entering an environment whose
source does not run it, but that an environment further up does, skipped
that source. A version going back (a rollback, MR-PROM-004's) passes through
no chain: it ran here before, wherever the other environments are now.
Judged with ``check --base``.

Fails::

    ~base: {}
    ~peers:
      staging: {spec: {model: {version: "3.4.0"}}}
      test: {spec: {model: {version: "3.5.0"}}}
    spec:
      model:
        version: "3.5.0"

Passes::

    ~base: {}
    ~peers:
      staging: {spec: {model: {version: "3.4.0"}}}
      test: {spec: {model: {version: "3.5.0"}}}
    spec:
      model:
        version: "3.4.0"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import move, upstream

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-PROM-002"
NAME = "no-skipped-environment"
SEVERITY = Severity.ERROR
WAIVABLE = False
REMEDIATION = (
    "Promote the version one environment at a time: first into the skipped "
    "environment (modelrail promote <model> --to <skipped>), then on."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    moved = move(spec, ctx)
    if moved is None or not moved.entering or moved.revert:
        return
    version = spec.model["version"]
    chain = upstream(env, ctx)
    skipped: list[str] = []
    for name in chain:
        peer = ctx.peer(name, spec.name)
        if peer is not None and peer.model["version"] == version:
            if skipped:
                yield Hit(
                    "/spec/model/version",
                    f"version {version} enters {env.name} from {name}, skipping "
                    f"{' and '.join(skipped)} (the chain is "
                    f"{' -> '.join(reversed([env.name, *chain]))})",
                )
            return
        skipped.append(name)
