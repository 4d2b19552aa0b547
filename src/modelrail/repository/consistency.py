"""Checks across files that need no policy engine: names, folders, promotions.

A file's name and folder must agree with its metadata (Argo CD and the
renderer name things after the folder; a spec copied to the wrong place must
not deploy under the wrong name), and promotion sources must form a chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from modelrail.findings import Finding, Location, Severity
from modelrail.rules import (
    ARGOCD_CLASH,
    DUPLICATE_NAME,
    ENVIRONMENT_MISMATCH,
    NAME_MISMATCH,
    PROMOTION_CYCLE,
    SHARED_CLUSTER,
    UNKNOWN_SOURCE,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from modelrail.repository.loader import Document


@dataclass(frozen=True, slots=True)
class Loaded:
    """A file that loaded and passed its schema (a waivers file: but for its
    malformed waivers, which ``waivers.screen`` left out)."""

    doc: Document
    environment: str
    kind: str


def check(
    loaded: Sequence[Loaded],
    environments: Mapping[str, Document],
    folders: Sequence[str],
) -> Iterator[Finding]:
    """Findings for the loaded files.

    ``environments`` are the valid environment files, ``folders`` every
    environment folder (an invalid environment file is reported on its own;
    it still names an environment).
    """
    for item in loaded:
        yield from file_problems(item)
    yield from duplicates(
        [declared(item) for item in loaded if item.kind == "ModelDeployment"]
    )
    reported = {i.doc.path for i in loaded}
    yield from _promotions(environments, folders, reported)
    yield from _argocd(environments, reported)


@dataclass(frozen=True, slots=True)
class Declared:
    """The model a valid spec declares, and where it names it: what the
    duplicates across files need of a spec (``check`` judges the specs of
    each model apart, possibly in another process, and keeps only this)."""

    path: str
    environment: str
    name: str
    where: Location


def declared(item: Loaded) -> Declared:
    """What the spec of ``item`` declares (a ModelDeployment)."""
    return Declared(
        item.doc.path,
        item.environment,
        item.doc.data["metadata"]["name"],
        item.doc.locate("/metadata/name"),
    )


def duplicates(specs: Sequence[Declared]) -> Iterator[Finding]:
    """A model declared twice in an environment: reported on each spec after
    the first (``specs`` in the order of the files)."""
    seen: dict[tuple[str, str], str] = {}
    for spec in specs:
        key = (spec.environment, spec.name)
        if key in seen:
            yield Finding(
                spec.where,
                DUPLICATE_NAME,
                Severity.ERROR,
                f"a model named {spec.name!r} is already declared in {seen[key]}",
                "give each model of an environment its own name and file",
            )
        else:
            seen[key] = spec.path


def file_problems(item: Loaded) -> Iterator[Finding]:
    """A file whose name or folder disagrees with what it declares."""
    data, doc = item.doc.data, item.doc
    folder = item.environment
    if item.kind == "ModelDeployment":
        name = data["metadata"]["name"]
        stem = PurePosixPath(doc.path).stem
        if name != stem:
            yield _finding(
                doc,
                "/metadata/name",
                NAME_MISMATCH,
                f"metadata.name is {name!r} but the file is {PurePosixPath(doc.path).name}",
                f"rename the file to {name}.yaml, or set metadata.name to {stem!r}",
            )
        declared = data["metadata"]["environment"]
        if declared != folder:
            yield _finding(
                doc,
                "/metadata/environment",
                ENVIRONMENT_MISMATCH,
                f"the spec is in environments/{folder}/ but metadata.environment "
                f"is {declared!r}",
                f"set metadata.environment to {folder!r}, or move the file to "
                f"environments/{declared}/",
            )
    elif item.kind == "Environment":
        if data["metadata"]["name"] != folder:
            yield _finding(
                doc,
                "/metadata/name",
                ENVIRONMENT_MISMATCH,
                f"environment file of environments/{folder}/ is named "
                f"{data['metadata']['name']!r}",
                f"set metadata.name to {folder!r}",
            )
    elif item.kind == "Waivers" and data["metadata"]["environment"] != folder:
        yield _finding(
            doc,
            "/metadata/environment",
            ENVIRONMENT_MISMATCH,
            f"waivers of environments/{folder}/ name environment "
            f"{data['metadata']['environment']!r}",
            f"set metadata.environment to {folder!r}",
        )


def _promotions(
    environments: Mapping[str, Document], folders: Sequence[str], reported: set[str]
) -> Iterator[Finding]:
    sources = {
        name: doc.data["spec"].get("promotion", {}).get("from")
        for name, doc in environments.items()
    }
    for name in sorted(sources):
        doc = environments[name]
        source = sources[name]
        if source is None or doc.path not in reported:
            continue
        if source not in folders:
            yield _finding(
                doc,
                "/spec/promotion/from",
                UNKNOWN_SOURCE,
                f"promotion source {source!r} is not an environment "
                f"(known: {', '.join(sorted(folders))})",
                "name an existing environment, or remove spec.promotion",
            )
            continue
        chain = [name]
        current: str | None = source
        while current is not None and current in sources and current not in chain:
            chain.append(current)
            current = sources[current]
        if current is not None and current in chain:
            loop = " -> ".join([*chain[chain.index(current) :], current])
            yield _finding(
                doc,
                "/spec/promotion/from",
                PROMOTION_CYCLE,
                f"promotion sources form a cycle: {loop}",
                "break the cycle: the first environment of the chain has no spec.promotion",
            )


_SHARED = (
    "/spec/cluster/server",
    "/spec/argocd/namespace",
    "/spec/argocd/repoURL",
    "/spec/argocd/targetRevision",
)


def _argocd(
    environments: Mapping[str, Document], reported: set[str]
) -> Iterator[Finding]:
    """Environments on one cluster share its Argo CD and root Application:
    they must agree on where Argo CD runs and what it reads, and no two may
    use the same AppProject (per Argo CD namespace) or the same namespace of
    one cluster."""
    first: dict[str, str] = {}
    projects: dict[tuple[str, str], str] = {}
    namespaces: dict[tuple[str, str], str] = {}
    for name in sorted(environments):
        doc = environments[name]
        spec = doc.data["spec"]
        cluster = spec["cluster"]["name"]
        owner = environments[first.setdefault(cluster, name)]
        mine = doc.path in reported
        for pointer in _SHARED if owner is not doc else ():
            value, theirs = _at(doc.data, pointer), _at(owner.data, pointer)
            if mine and value != theirs:
                yield _finding(
                    doc, pointer, SHARED_CLUSTER,
                    f"cluster {cluster!r} is shared with {owner.path}, where "
                    f"{pointer[1:].replace('/', '.')} is {theirs!r}, not {value!r}",
                    "environments on one cluster share one Argo CD: make the "
                    "values agree, or give the cluster another name",
                )  # fmt: skip
        project = (spec["argocd"]["namespace"], spec["argocd"]["project"])
        place = (cluster, spec["namespace"])
        for key, seen, pointer, what in (
            (project, projects, "/spec/argocd/project", "Argo CD project"),
            (place, namespaces, "/spec/namespace", "namespace of the cluster"),
        ):
            if key in seen and mine:
                yield _finding(
                    doc, pointer, ARGOCD_CLASH,
                    f"the {what} {key[1]!r} is already {seen[key]}'s",
                    "give each environment its own Argo CD project and namespace",
                )  # fmt: skip
            seen.setdefault(key, name)


def _at(data: Mapping[str, object], pointer: str) -> object:
    node: object = data
    for part in pointer.strip("/").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _finding(doc: Document, pointer: str, rule: str, message: str, fix: str) -> Finding:
    return Finding(doc.locate(pointer), rule, Severity.ERROR, message, fix)
