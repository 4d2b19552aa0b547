"""Recompute a Statement's subjects from a checkout and compare.

The model artifact: its name is the spec's ``spec.model.artifact`` and its
sha256 is ``spec.model.digest``, in ``environments/<env>/<model>.yaml`` as
the checkout has it. The rendered app: ``rendered/<env>/<model>/``, whose
sha256 is the folder digest of its files (``repository.digests``). Each
difference is a ``Mismatch`` at the Statement's line, naming the subject and
both digests; a rendered file that differs is named when the predicate lists
the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.errors import UsageError
from modelrail.gate.intoto import artifact_digest, rendered_app, rendered_files
from modelrail.repository.digests import tree_digest
from modelrail.repository.files import load_and_validate

if TYPE_CHECKING:
    from modelrail.findings import Location
    from modelrail.repository.layout import Repository
    from modelrail.repository.schema import SchemaSet
    from modelrail.verify.parse import Statement


@dataclass(frozen=True, slots=True)
class Mismatch:
    location: Location  # in the Statement
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, slots=True)
class Outcome:
    matched: tuple[str, ...]  # "<name> sha256:<hex>", one per subject
    mismatches: tuple[Mismatch, ...]


def _sha(subject: dict[str, Any]) -> str | None:
    value = subject["digest"].get("sha256")
    return value if isinstance(value, str) else None


def compare(
    repo: Repository,
    statement: Statement,
    schemas: SchemaSet,
    *,
    environment: str | None = None,
) -> Outcome:
    doc, env, model = statement.doc, statement.environment, statement.model
    out: list[Mismatch] = []
    if environment is not None and environment != env:
        where = doc.locate("/predicate/environment")
        out.append(Mismatch(where, f"the Statement gates {env}, not {environment}"))
    spec_path = repo.environments_dir / env / f"{model}.yaml"
    if not spec_path.is_file():
        where = doc.locate("/predicate/model")
        shown = f"environments/{env}/{model}.yaml"
        out.append(Mismatch(where, f"{shown}: no such spec in this checkout"))
        return Outcome((), tuple(out))
    source = repo.source(spec_path)
    spec, problems = load_and_validate(source, schemas)
    if spec is None:
        raise UsageError(
            f"{problems[0].location}: {problems[0].message} (run modelrail check)"
        )
    # name -> (its sha256 in this checkout, what gives it, what lacks it)
    expected = {
        spec.data["spec"]["model"]["artifact"]: (
            artifact_digest(spec.data),
            f"spec.model.digest ({spec.locate('/spec/model/digest')}) is",
            f"the spec ({source.display}) declares no spec.model.digest",
        )
    }
    app = rendered_app(env, model)
    files = rendered_files(repo, env, model)
    expected[app] = (
        tree_digest(files) if files else None,
        "this checkout's files digest to",
        "this checkout has no such folder, or an empty one",
    )
    matched: list[str] = []
    seen: set[str] = set()
    for index, subject in enumerate(statement.subjects):
        name = subject.get("name")
        where = doc.locate(f"/subject/{index}/digest")
        if not isinstance(name, str) or name not in expected or name in seen:
            out.append(_unexpected(where, name, expected, seen))
            continue
        seen.add(name)
        want, whence, lacking = expected[name]
        have = _sha(subject)
        if want is None:
            out.append(Mismatch(where, f"{name}: {lacking}"))
        elif have != want:
            said = f"sha256:{have}" if have else "no sha256"
            message = f"{name}: the Statement says {said}, {whence} sha256:{want}"
            if name == app:
                message += _changed(statement, app, files)
            out.append(Mismatch(where, message))
        else:
            matched.append(f"{name} sha256:{want}")
    for name in expected:
        if name not in seen:
            where = doc.locate("/subject")
            out.append(Mismatch(where, f"no subject names {name}"))
    return Outcome(tuple(matched), tuple(out))


def _unexpected(
    where: Location, name: object, expected: dict[str, Any], seen: set[str]
) -> Mismatch:
    if isinstance(name, str) and name in seen:
        return Mismatch(where, f"{name} is a subject twice")
    wanted = ", ".join(sorted(n for n in expected if n not in seen))
    return Mismatch(
        where,
        f"subject {name!r} is not one this checkout has (it has {wanted})",
    )


def _changed(statement: Statement, app: str, files: dict[str, str]) -> str:
    """Which rendered files differ, from the predicate's list ("" when the
    predicate lists none)."""
    listed = statement.predicate.get("rendered", {})
    said = listed.get("files") if isinstance(listed, dict) else None
    if not isinstance(said, dict):
        return ""
    then = {
        str(path): (d.get("sha256") if isinstance(d, dict) else None)
        for path, d in said.items()
    }
    changed = sorted(p for p in files.keys() & then.keys() if files[p] != then[p])
    parts = [f"{app}{p} changed" for p in changed]
    parts += [f"{app}{p} added" for p in sorted(files.keys() - then.keys())]
    parts += [f"{app}{p} removed" for p in sorted(then.keys() - files.keys())]
    return f" ({'; '.join(parts)})" if parts else ""
