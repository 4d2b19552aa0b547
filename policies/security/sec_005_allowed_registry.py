"""Serving images come from one of the environment's registries.

An environment lists the registries it trusts (``spec.registries`` in its
``environment.yaml``): the ones that scan images, sign them and keep them.
An image pulled from anywhere else has been through none of that, and a
typosquatted name on a public registry is a known way in. The match is a
prefix ending on a path boundary, so ``registry.example.com/ml`` allows
``registry.example.com/ml/fraud-detector`` but not
``registry.example.com/mlevil/fraud-detector``. Not waivable: add the
registry to the environment instead, through its own review.

Fails::

    spec:
      serving:
        image: docker.io/someone/fraud-detector@sha256:48aae3df0857d74a0691ff737314c991c6b4d1d496cc11206c5c73273d0fc8a0

Passes::

    spec:
      serving:
        image: registry.example.com/ml/fraud-detector@sha256:48aae3df0857d74a0691ff737314c991c6b4d1d496cc11206c5c73273d0fc8a0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-005"
NAME = "allowed-registry"
SEVERITY = Severity.ERROR
WAIVABLE = False
REMEDIATION = (
    "Push the image to one of the environment's registries and reference it there."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    image: str = spec.serving["image"]
    registries = env.registries
    prefixes = tuple(r if r.endswith("/") else f"{r}/" for r in registries)
    if not image.startswith(prefixes):
        allowed = ", ".join(registries) or "none"
        yield Hit(
            "/spec/serving/image",
            f"image {image!r} is not from a registry {env.name} allows ({allowed})",
        )
