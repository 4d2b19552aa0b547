"""The model artifact is pinned by its sha256 digest.

An artifact URI names a place, not a content: the object behind
``s3://.../model.onnx`` can be overwritten after the review, and the serving
pods would load a model nobody evaluated. With ``model.digest`` the loader can
verify that what runs is the artifact whose metrics were approved, the same
reason serving images are pinned by digest (MR-SEC-004).

Fails::

    spec:
      model:
        artifact: s3://ml-models-example/fraud-detector/3.2.0/model.onnx
        digest: null   # not declared

Passes::

    spec:
      model:
        artifact: s3://ml-models-example/fraud-detector/3.2.0/model.onnx
        digest: "sha256:23a3bb9fa0c2934cd3ad9b720791ddd692e579682b366033b17e4c44bdca631c"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-MDL-001"
NAME = "artifact-digest"
SEVERITY = Severity.ERROR
REMEDIATION = "Set model.digest to the artifact's sha256:<64 hex digits> digest."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if "digest" not in spec.model:
        artifact = spec.model["artifact"]
        yield Hit("/spec/model/digest", f"model artifact {artifact!r} has no digest")
