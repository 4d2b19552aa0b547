"""The load stage's entry point: one file read and checked against its schema.

Every command that reads the files of a repository goes through here
(``check``, ``render``, ``gate``, ``promote``), so a file is judged the same
way whoever reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from modelrail.findings import Finding, Location, Severity
from modelrail.repository.layout import ENVIRONMENT_FILE
from modelrail.repository.loader import Document, LoadError, load_file
from modelrail.rules import LOAD, MISSING_ENVIRONMENT

if TYPE_CHECKING:
    from collections.abc import Callable

    from modelrail.repository.layout import SourceFile
    from modelrail.repository.schema import SchemaSet

    Screen = Callable[[Document, list[Finding]], tuple[Document | None, list[Finding]]]


def load_and_validate(
    source: SourceFile, schemas: SchemaSet, *, screen: Screen | None = None
) -> tuple[Document | None, list[Finding]]:
    """The document, None when it does not load or match its schema, and the
    findings to report. With ``screen`` (``check`` passes ``waivers.screen``),
    a waivers file whose only problems are malformed waivers is still used,
    without them."""
    try:
        doc = load_file(source.path, source.display)
    except LoadError as exc:
        return None, [
            Finding(exc.location, LOAD, Severity.ERROR, exc.message, exc.remediation)
        ]
    problems = schemas.validate(source.kind, doc)
    if source.kind == "Waivers" and problems and screen is not None:
        # judged waiver by waiver (issue 15): a malformed waiver is reported
        # and left out, and the others of the file still apply
        return screen(doc, problems)
    return (None if problems else doc), problems


def missing_environment(env: str) -> Finding:
    display = (Path("environments") / env / ENVIRONMENT_FILE).as_posix()
    return Finding(
        Location(display),
        MISSING_ENVIRONMENT,
        Severity.ERROR,
        f"environment folder environments/{env}/ has no {ENVIRONMENT_FILE}",
        "add an environment.yaml (see schemas/environment.v1.json)",
    )
