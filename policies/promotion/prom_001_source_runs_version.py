"""A version enters an environment only as its promotion source runs it.

Promotion is the same bytes moving on, never a rebuild: what enters
production must be exactly what was tested and soaked in staging, so the
promotion source (``environment.yaml`` ``spec.promotion.from``) must run the
same model version with the same digest, the same artifact and the same
serving image. A digest or image that differs for the same version is a
model nobody tested. Judged with ``check --base`` on the specs whose version,
digest, artifact or image the change sets. A version going back is no
promotion but a rollback (MR-PROM-004 judges it): the source has usually
moved on from the version it restores, and what ran here needs no proof from
it. Nor is the first environment of the chain promoted into. A version that
skipped an environment is MR-PROM-002's.

Fails::

    ~base: {}
    spec:
      model:
        version: "3.3.0"
        artifact: s3://ml-models-example/fraud-detector/3.3.0/model.onnx
        digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111"
      serving:
        image: registry.example.com/ml/fraud-detector@sha256:33991e25bc33aacc16a02b3d16760e29ebc5f8b63089c68e82e1d4164b44199b

Passes::

    ~base: {}
    spec:
      model:
        version: "3.3.0"
        artifact: s3://ml-models-example/fraud-detector/3.3.0/model.onnx
        digest: "sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7"
      serving:
        image: registry.example.com/ml/fraud-detector@sha256:33991e25bc33aacc16a02b3d16760e29ebc5f8b63089c68e82e1d4164b44199b
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import move, upstream

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-PROM-001"
NAME = "promotion-source-runs-version"
SEVERITY = Severity.ERROR
WAIVABLE = False  # a version nobody tested is not a risk to accept
REMEDIATION = (
    "Promote what the source environment runs: modelrail promote <model> "
    "--to <env> copies its version, artifact, digest and image."
)
_SAME = (
    ("digest", "/spec/model/digest", "model", "digest"),
    ("artifact", "/spec/model/artifact", "model", "artifact"),
    ("image", "/spec/serving/image", "serving", "image"),
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    moved = move(spec, ctx)
    source = env.promotion_source
    if moved is None or not moved.entering or moved.revert or source is None:
        return
    version = spec.model["version"]
    peer = ctx.peer(source, spec.name)
    if peer is None or peer.model["version"] != version:
        if any(
            (up := ctx.peer(name, spec.name)) is not None
            and up.model["version"] == version
            for name in upstream(env, ctx)[1:]
        ):
            return  # it skipped an environment: MR-PROM-002
        state = (
            f"has no (valid) spec of {spec.name}"
            if peer is None
            else f"runs {peer.model['version']}"
        )
        yield Hit(
            "/spec/model/version",
            f"version {version} enters {env.name}, but its promotion source "
            f"{source} {state}: a version reaches {env.name} only from {source}",
        )
        return
    for label, pointer, section, key in _SAME:
        mine, theirs = spec.section(section).get(key), peer.section(section).get(key)
        if mine != theirs:
            yield Hit(
                pointer,
                f"version {version} has {label} {_short(mine)} here but "
                f"{_short(theirs)} in {source}: the same version must be the "
                "same bytes",
            )


def _short(value: object) -> str:
    if value is None:
        return "none"
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-12:]}"
