"""Serving images are pinned by sha256 digest, and never tagged latest.

A tag such as ``:v2`` can be pushed again after review, so what runs is not
what was approved; a digest cannot move. ``latest`` misleads even next to a
digest: readers take it for "whatever is newest".

Fails::

    spec:
      serving:
        image: registry.example.com/ml/fraud-detector:3.2.0

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

ID = "MR-SEC-004"
NAME = "pinned-serving-image"
SEVERITY = Severity.ERROR
REMEDIATION = "Reference the image as name@sha256:<digest>, without a latest tag."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    image: str = spec.serving["image"]
    name, _, digest = image.partition("@")
    tag = name.rsplit("/", 1)[-1].partition(":")[2]
    if tag == "latest":
        yield Hit("/spec/serving/image", f"image {image!r} is tagged latest")
    elif not digest:
        yield Hit("/spec/serving/image", f"image {image!r} is not pinned by digest")
