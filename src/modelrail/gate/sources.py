"""Does a registry version's source hold the spec's artifact?

The registry records where a version's files are (``source``, and in
MLflow 3 ``storage_location`` for logged models); the spec says what is
deployed (``spec.model.artifact``). They match when, trailing slashes
aside:

- they are the same URI; or
- the artifact is a file inside the source folder
  (``s3://b/fraud/3.3.0/model.onnx`` in ``s3://b/fraud/3.3.0``): a registry
  records the folder a model was logged to, a server loads one file of it;
- the artifact is a registry URI naming this very version:
  ``models:/<name>/<version>``, or ``models:/<name>@<alias>`` when the spec
  resolved that alias.

Nothing else: a sibling folder (``.../3.3.0-rc1``), another bucket or a
scheme that differs is another model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelrail.gate.registry import Version


def normal(uri: str) -> str:
    """``uri`` without surrounding blanks and trailing slashes (``s3://b/``
    keeps its ``//``)."""
    text = uri.strip()
    while text.endswith("/") and not text.endswith("://"):
        text = text[:-1]
    return text


def inside(artifact: str, folder: str) -> bool:
    """Whether ``artifact`` is ``folder`` or a path under it."""
    artifact, folder = normal(artifact), normal(folder)
    return bool(folder) and (artifact == folder or artifact.startswith(folder + "/"))


def matches(artifact: str, version: Version, alias: str | None = None) -> bool:
    """Whether the spec's ``artifact`` is what registry ``version`` holds."""
    wanted = normal(artifact)
    if wanted.startswith("models:/"):
        names = {f"models:/{version.name}/{version.version}"}
        if alias:
            names.add(f"models:/{version.name}@{alias}")
        if wanted in names:
            return True
    return any(
        inside(wanted, where) for where in (version.source, version.storage_location)
    )
