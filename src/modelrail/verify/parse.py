"""Read a Statement: safe JSON with positions, the in-toto Statement v1
schema, then what modelrail's predicate must hold. Anything else is bad
input (``UsageError``, exit 2), located at ``file:line:column``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.errors import UsageError
from modelrail.gate.intoto import PREDICATE_TYPE
from modelrail.repository.loader import load_bytes
from modelrail.repository.schema import Schema

if TYPE_CHECKING:
    from pathlib import Path

    from modelrail.repository.loader import Document

# vendored, with its source and digest: schemas/external/README.md
SCHEMA = "external/in-toto-statement-v1.json"
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")  # a Kubernetes name
MAX_BYTES = 16 * 1024 * 1024  # GitHub's limit on a predicate


@dataclass(frozen=True, slots=True)
class Statement:
    doc: Document
    environment: str  # predicate.environment
    model: str  # predicate.model

    @property
    def subjects(self) -> list[dict[str, Any]]:
        subjects: list[dict[str, Any]] = self.doc.data["subject"]
        return subjects

    @property
    def predicate(self) -> dict[str, Any]:
        predicate: dict[str, Any] = self.doc.data.get("predicate", {})
        return predicate


def schema(schemas_dir: Path) -> Schema:
    """The in-toto Statement v1 schema of the repository's ``schemas/``."""
    path = schemas_dir / SCHEMA
    try:
        return Schema(path, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"cannot read the in-toto Statement schema {path}: {exc}"
        ) from None


def load(path: Path, display: str, statement_schema: Schema) -> Statement:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {display}: {exc.strerror or exc}") from None
    # JSON is YAML: the loader gives every node its line and column
    doc = load_bytes(raw, display, max_bytes=MAX_BYTES)
    problems = statement_schema.validate(doc)
    if problems:
        lines = [f"{p.location}: {p.message}" for p in problems]
        lines[0] = f"{problems[0].message} (not an in-toto Statement v1)"
        raise UsageError("\n".join(lines), problems[0].location)
    if doc.data["predicateType"] != PREDICATE_TYPE:
        raise UsageError(
            f"predicateType is {doc.data['predicateType']!r}: modelrail verifies "
            f"its gate's Statements ({PREDICATE_TYPE}) only",
            doc.locate("/predicateType"),
        )
    predicate = doc.data.get("predicate", {})
    found = []
    for key in ("environment", "model"):
        value = predicate.get(key)
        if not isinstance(value, str) or not _NAME.match(value):
            raise UsageError(
                f"predicate.{key} is {value!r}, not an {key} name",
                doc.locate(f"/predicate/{key}"),
            )
        found.append(value)
    return Statement(doc, found[0], found[1])
