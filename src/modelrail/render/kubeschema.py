"""Validate rendered Kubernetes manifests, strictly and offline, before they are written.

Why: Argo CD applies what ``modelrail render`` writes, and the API server *prunes*
fields it does not know instead of rejecting them. A typo (``stepz`` for ``steps``,
``lables`` for ``labels``) would vanish silently and the canary would run without its
steps. So every manifest is checked against the schema of its kind with unknown fields
rejected, and a manifest whose kind has no schema is a problem, never a pass:

* core kinds (built-in API groups) against the OpenAPI schemas that the
  ``kubernetes-validate`` package ships per Kubernetes minor version, in their
  ``-strict`` variant, picking the newest version not newer than the cluster's;
* custom resources against the CRD schemas vendored in ``schemas/crds``
  (kubeconform layout), made strict while loading (see ``strict_schema``), with
  ``metadata`` checked against Kubernetes' ObjectMeta because CRDs leave it open.

Nothing is fetched: ``$ref`` resolves through a jsonschema-rs ``Registry`` that holds
the version's ``_definitions.json``, and every validator is built with ``offline=True``.
Compiling a schema costs milliseconds (tens for the big CRDs) while validating a valid
manifest costs microseconds, so each validator is compiled once per process, in a
module-level cache keyed by resolved file paths that every ``SchemaStore`` shares.
Only a manifest that fails is walked again with ``iter_errors`` to explain why.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, urljoin

import jsonschema_rs
from jsonschema_rs import ValidationErrorKind

from modelrail.errors import ModelrailError
from modelrail.findings import pointer
from modelrail.repository.messages import describe, short

if TYPE_CHECKING:
    from jsonschema_rs import ValidationError, Validator

__all__ = [
    "CacheInfo",
    "Problem",
    "SchemaError",
    "SchemaStore",
    "cache_clear",
    "cache_info",
    "is_core",
    "kind_key",
    "portable_pattern",
    "strict_schema",
]

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
MESSAGE_LIMIT = 200
_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?")
_STRICT_FOLDER = re.compile(r"v(\d+)\.(\d+)\.(\d+)-local-strict")


class SchemaError(ModelrailError):
    """The schemas cannot be used: unsupported version, missing folder, broken file."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a manifest is invalid: where (a JSON Pointer) and what, in one line."""

    pointer: str
    message: str


class CacheInfo(NamedTuple):
    """The process-wide schema cache: what it holds and how often it was used."""

    validators: int  # compiled validators held (core kinds, CRD files, ObjectMeta)
    definitions: int  # _definitions.json documents loaded (one per version folder)
    compiles: int  # validators compiled since the last cache_clear()
    hits: int  # lookups answered from the cache since the last cache_clear()


# --- identity of a manifest -------------------------------------------------------


def kind_key(manifest: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(group, version, kind)``; the core group is ``""``, a missing value ``""``."""
    api_version = manifest.get("apiVersion")
    kind = manifest.get("kind")
    group, _, version = (
        api_version if isinstance(api_version, str) else ""
    ).rpartition("/")
    return group, version, kind if isinstance(kind, str) else ""


def is_core(api_version: str) -> bool:
    """Whether an apiVersion is a built-in Kubernetes group (schemas ship with k8s).

    ``v1``, ``apps/v1`` (no dot in the group) and ``*.k8s.io`` groups are core; any
    other dotted group (``argoproj.io``) belongs to a custom resource.
    """
    group = api_version.rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def _identity_problems(api_version: object, kind: object) -> list[Problem]:
    out = []
    if not isinstance(api_version, str):
        out.append(
            Problem(
                "/apiVersion",
                f"apiVersion must be a string like 'apps/v1', got {describe(api_version)}",
            )
        )
    if not isinstance(kind, str):
        out.append(
            Problem(
                "/kind",
                f"kind must be a string like 'Deployment', got {describe(kind)}",
            )
        )
    return out


def _malformed(api_version: str, kind: str) -> list[Problem]:
    parts = api_version.split("/")
    out = []
    if len(parts) > 2 or not all(parts):
        out.append(
            Problem(
                "/apiVersion",
                f"apiVersion {short(api_version)} is not 'version' or 'group/version'",
            )
        )
    if not kind:
        out.append(Problem("/kind", "kind is empty: expected a kind like 'Deployment'"))
    return out


# --- the strict transformation and the regex rewrite for CRD schemas --------------

_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")
_SCHEMA_VALUES = ("items", "additionalProperties", "additionalItems")
# allOf/anyOf/oneOf/not are deliberately absent: a branch usually names only some of
# the object's properties, so closing it would reject the properties of the others.


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a CRD schema with unknown properties rejected (kubeconform "strict").

    Every object schema with ``properties``, no ``additionalProperties`` and no
    ``x-kubernetes-preserve-unknown-fields: true`` gets ``additionalProperties: false``,
    the root included (rendered manifests carry no ``status``); schemas inside
    ``allOf/anyOf/oneOf/not`` are left as they are. The input is not modified.
    """
    out = dict(schema)
    if _closable(out):
        out["additionalProperties"] = False
    for key in _SCHEMA_MAPS:
        children = out.get(key)
        if isinstance(children, Mapping):
            out[key] = {name: _strict_child(child) for name, child in children.items()}
    for key in _SCHEMA_VALUES:
        if key in out:
            out[key] = _strict_child(out[key])
    return out


def _strict_child(value: Any) -> Any:
    if isinstance(value, Mapping):
        return strict_schema(value)
    if isinstance(value, list):  # "items" as a list of schemas (tuple validation)
        return [_strict_child(item) for item in value]
    return value


def _closable(schema: Mapping[str, Any]) -> bool:
    return (
        "properties" in schema
        and "additionalProperties" not in schema
        and schema.get("x-kubernetes-preserve-unknown-fields") is not True
    )


_LEADING_FLAGS = re.compile(r"(\^?)\(\?([is]+)\)(.*)", re.DOTALL)


def portable_pattern(pattern: str) -> str:
    """A Go RE2 pattern with leading inline flags, rewritten as a flag group.

    ``^(?i)(abort|warn)?$`` (PrometheusRule ``partial_response_strategy``) puts a
    global flag after ``^``. jsonschema-rs's regex engine would match it correctly,
    but its Draft 7 meta-schema check (``format: regex``, ECMA 262) rejects the file,
    so the pattern becomes ``(?i:^(abort|warn)?$)``. Moving the ``^`` inside the group
    keeps the meaning even with a top-level ``|``; only the ``i``/``s`` flags, which do
    not change what ``^`` means, are rewritten. Other patterns are returned unchanged.
    """
    pattern = _group_flags(pattern)
    match = _LEADING_FLAGS.fullmatch(pattern)
    if match is None:
        return pattern
    anchor, flags, rest = match.groups()
    return f"(?{flags}:{anchor}{rest})"


_GROUP_FLAGS = re.compile(r"\(\(\?([is]+)\)")


def _group_flags(pattern: str) -> str:
    """``((?i)sun|mon)`` as ``((?i:sun|mon))``: RE2 scopes flags set at the
    start of a group to the rest of that group (the AlertmanagerConfig's
    ``daysOfWeek`` and ``months``), which a flag group says in ECMA 262 too."""
    out, at = [], 0
    for match in _GROUP_FLAGS.finditer(pattern):
        if match.start() < at or (match.start() and pattern[match.start() - 1] == "\\"):
            continue
        end = _group_end(pattern, match.end())
        if end is None:
            continue
        out.append(pattern[at : match.start()])
        body = _group_flags(pattern[match.end() : end])
        out.append(f"((?{match.group(1)}:{body})")
        at = end
    return "".join(out) + pattern[at:] if out else pattern


def _group_end(pattern: str, start: int) -> int | None:
    """The index of the ``)`` closing the group open before ``start``."""
    depth, index, in_class = 0, start, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return None


def _portable_patterns(node: Any) -> None:
    """Rewrite every ``pattern`` in a freshly loaded schema in place."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            node["pattern"] = portable_pattern(pattern)
        for value in node.values():
            _portable_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _portable_patterns(value)


# --- locating the schema files ----------------------------------------------------


@cache
def kubernetes_schemas() -> Path:
    """The folder of kubernetes-validate's schemas (one folder a version)."""
    return _kubernetes_schemas()


@cache
def _kubernetes_schemas() -> Path:
    # find_spec locates the package without importing it: its __init__ pulls in
    # python-jsonschema, referencing and PyYAML (~0.1 s) that are not needed here.
    # Same folder as importlib.resources.files("kubernetes_validate").
    spec = importlib.util.find_spec("kubernetes_validate")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise SchemaError("the kubernetes-validate package is not installed")
    return (Path(locations[0]) / "kubernetes-json-schema").resolve()


@cache
def _strict_folders() -> dict[tuple[int, int], Path]:
    """``(major, minor)`` -> the newest ``-strict`` folder of that minor version."""
    found: dict[tuple[int, int], tuple[int, Path]] = {}
    root = _kubernetes_schemas()
    for entry in root.iterdir() if root.is_dir() else ():
        match = _STRICT_FOLDER.fullmatch(entry.name)
        if match and entry.is_dir():
            major, minor, patch = map(int, match.groups())
            if (major, minor) not in found or found[major, minor][0] < patch:
                found[major, minor] = (patch, entry)
    return {version: found[version][1] for version in sorted(found)}


def _version_folder(kubernetes_version: str) -> tuple[tuple[int, int], Path]:
    """The schema version to use for a cluster version, and its folder."""
    folders = _strict_folders()
    if not folders:
        raise SchemaError(f"no strict Kubernetes schemas in {_kubernetes_schemas()}")
    oldest, newest = min(folders), max(folders)
    supported = f"{_dotted(oldest)} to {_dotted(newest)}"
    match = _VERSION.fullmatch(str(kubernetes_version).strip())
    if match is None:
        raise SchemaError(
            f"Kubernetes version {kubernetes_version!r} is not a version like '1.30'"
            f" (supported: {supported})"
        )
    wanted = (int(match[1]), int(match[2]))
    if not oldest <= wanted <= newest:
        raise SchemaError(
            f"Kubernetes version {_dotted(wanted)} is not supported: the installed"
            f" kubernetes-validate has schemas for {supported}"
        )
    chosen = max(version for version in folders if version <= wanted)
    return chosen, folders[chosen]


def version_problem(kubernetes_version: str) -> str | None:
    """Why no schemas serve ``kubernetes_version``; None when some do."""
    try:
        _version_folder(kubernetes_version)
    except SchemaError as exc:
        return exc.message
    return None


def _dotted(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _crd_folder(crd_dir: Path) -> Path:
    if not Path(crd_dir).is_dir():
        raise SchemaError(f"the CRD schema folder {crd_dir} does not exist")
    return Path(crd_dir).resolve()


def _core_file(group: str, version: str, kind: str) -> str:
    # kubernetes_validate.utils.validate(): rbac.authorization.k8s.io/v1 -> rbac-v1
    api = f"{group.split('.')[0]}-{version}" if group else version
    return f"{kind.lower()}-{api}.json"


def _crd_file(group: str, version: str, kind: str) -> str:
    return f"{group}/{kind.lower()}_{version}.json"


# --- the process-wide cache -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A compiled validator and the documents its error locations point into."""

    validator: Validator
    documents: Mapping[str, Any]  # base URI -> schema document


@dataclass(frozen=True, slots=True)
class _Definitions:
    uri: str
    document: dict[str, Any]
    registry: jsonschema_rs.Registry


_LOCK = threading.RLock()
_DEFINITIONS: dict[Path, _Definitions] = {}
_VALIDATORS: dict[tuple[str, Path], _Compiled] = {}
_STATS: Counter[str] = Counter()


def cache_info() -> CacheInfo:
    """How many validators the process holds and how often they were reused."""
    with _LOCK:
        return CacheInfo(
            len(_VALIDATORS), len(_DEFINITIONS), _STATS["compiles"], _STATS["hits"]
        )


def cache_clear() -> None:
    """Forget every compiled validator (existing SchemaStores keep theirs)."""
    with _LOCK:
        _VALIDATORS.clear()
        _DEFINITIONS.clear()
        _STATS.clear()


def _cached(key: tuple[str, Path], build: Callable[[], _Compiled]) -> _Compiled:
    with _LOCK:
        found = _VALIDATORS.get(key)
        if found is not None:
            _STATS["hits"] += 1
            return found
        compiled = _VALIDATORS[key] = build()
        _STATS["compiles"] += 1
        return compiled


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"cannot read the schema {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"the schema {path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise SchemaError(f"the schema {path} is not a JSON object")
    return document


def _build(path: Path, factory: Callable[[], Validator]) -> Validator:
    try:
        return factory()
    except (ValueError, jsonschema_rs.ReferencingError) as exc:
        raise SchemaError(
            f"the schema {path} does not compile: {_one_line(str(exc))}"
        ) from exc


def _definitions(folder: Path) -> _Definitions:
    """The folder's ``_definitions.json`` in a Registry, loaded once per folder."""
    with _LOCK:
        found = _DEFINITIONS.get(folder)
        if found is None:
            path = folder / "_definitions.json"
            document = _read_json(path)
            uri = document.get("$id")
            if not isinstance(uri, str):
                raise SchemaError(f"the schema {path} has no '$id'")
            # Each kind's $id is https://kubernetes.io/api/<kind>/..., so its refs
            # "/api/_definitions.json#/$defs/..." resolve to this $id.
            registry = jsonschema_rs.Registry(
                [(uri, document)], draft=jsonschema_rs.Draft202012
            )
            found = _DEFINITIONS[folder] = _Definitions(uri, document, registry)
        return found


def _core_validator(path: Path) -> _Compiled:
    return _cached(("core", path), lambda: _compile_core(path))


def _compile_core(path: Path) -> _Compiled:
    definitions = _definitions(path.parent)
    schema = _read_json(path)
    base = urljoin(definitions.uri, path.name)
    validator = _build(
        path,
        lambda: jsonschema_rs.Draft202012Validator(
            schema, registry=definitions.registry, base_uri=base, offline=True
        ),
    )
    documents = {
        str(schema.get("$id", base)): schema,
        definitions.uri: definitions.document,
    }
    return _Compiled(validator, documents)


def _object_meta_validator(folder: Path) -> _Compiled:
    return _cached(("objectmeta", folder), lambda: _compile_object_meta(folder))


def _compile_object_meta(folder: Path) -> _Compiled:
    definitions = _definitions(folder)
    schema = {
        "$schema": _DRAFT_2020_12,
        "$ref": f"{definitions.uri}#/$defs/{OBJECT_META}",
    }
    validator = _build(
        folder / "_definitions.json",
        lambda: jsonschema_rs.Draft202012Validator(
            schema,
            registry=definitions.registry,
            base_uri=urljoin(definitions.uri, "modelrail-objectmeta.json"),
            offline=True,
        ),
    )
    return _Compiled(validator, {definitions.uri: definitions.document})


def _crd_validator(path: Path) -> _Compiled:
    return _cached(("crd", path), lambda: _compile_crd(path))


# The API server gives every custom resource these root fields whether the CRD's
# schema lists them or not (Istio's CRDs do not); metadata is checked as
# ObjectMeta on its own, so here it only has to be an object.
_IMPLICIT_ROOT = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
}


def _compile_crd(path: Path) -> _Compiled:
    raw = _read_json(path)
    _portable_patterns(raw)
    if isinstance(raw.get("properties"), dict):
        raw["properties"] = {**_IMPLICIT_ROOT, **raw["properties"]}
    schema = strict_schema(raw)
    uri = path.as_uri()
    # CRDs are OpenAPI v3.0 structural schemas, which validate as Draft 7.
    validator = _build(
        path,
        lambda: jsonschema_rs.Draft7Validator(schema, base_uri=uri, offline=True),
    )
    return _Compiled(validator, {uri: schema})


# --- the store --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Route:
    """What one (apiVersion, kind) is checked against, or why it cannot be."""

    schema: _Compiled | None = None
    metadata: _Compiled | None = None  # ObjectMeta, for custom resources
    problems: tuple[Problem, ...] = ()

    def check(self, manifest: Mapping[str, Any]) -> list[Problem]:
        if self.schema is None:
            return list(self.problems)
        found = _problems(self.schema, manifest, ())
        metadata = manifest.get("metadata")
        if self.metadata is not None and isinstance(metadata, Mapping):
            found += _problems(self.metadata, metadata, ("metadata",))
        return sorted(
            set(found), key=lambda problem: (problem.pointer, problem.message)
        )


class SchemaStore:
    """Validates manifests for one Kubernetes version and one folder of CRD schemas."""

    def __init__(self, kubernetes_version: str, crd_dir: Path) -> None:
        self.kubernetes_version = kubernetes_version
        self.schema_version, self.schema_dir = _version_folder(kubernetes_version)
        self.crd_dir = _crd_folder(crd_dir)
        self._routes: dict[tuple[str, str], _Route] = {}

    def problems(self, manifest: Mapping[str, Any]) -> list[Problem]:
        """Why ``manifest`` is invalid, sorted by pointer then message; ``[]`` if valid."""
        if not isinstance(manifest, Mapping):
            return [
                Problem("", f"a manifest must be a mapping, got {describe(manifest)}")
            ]
        api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return _identity_problems(api_version, kind)
        route = self._routes.get((api_version, kind))
        if route is None:
            route = self._routes[api_version, kind] = self._route(api_version, kind)
        return route.check(manifest)

    def schema_path(self, api_version: str, kind: str) -> Path | None:
        """The schema file a manifest of that kind is validated against (as
        ``problems`` routes it); None when there is none."""
        if _malformed(api_version, kind):
            return None
        group, _, version = api_version.rpartition("/")
        if is_core(api_version):
            core = self.schema_dir / _core_file(group, version, kind)
            if core.is_file():
                return core
            if "." not in group:
                return None
        path = self.crd_dir / _crd_file(group, version, kind)
        return path.resolve() if path.is_file() else None

    def _route(self, api_version: str, kind: str) -> _Route:
        malformed = _malformed(api_version, kind)
        if malformed:
            return _Route(problems=tuple(malformed))
        group, _, version = api_version.rpartition("/")
        if is_core(api_version):
            core = (self.schema_dir / _core_file(group, version, kind)).is_file()
            # *.k8s.io groups that Kubernetes does not ship (Gateway API,
            # volume snapshots) are CRDs: their schemas are in the CRD folder
            if core or "." not in group:
                return self._core_route(group, version, kind)
        return self._crd_route(group, version, kind)

    def _core_route(self, group: str, version: str, kind: str) -> _Route:
        name = _core_file(group, version, kind)
        path = self.schema_dir / name
        if not path.is_file():
            api_version = f"{group}/{version}" if group else version
            message = (
                f"Kubernetes {_dotted(self.schema_version)} has no kind"
                f" {kind!r} in {api_version} (no schema {name} in kubernetes-validate):"
                " check the apiVersion and kind"
            )
            return _Route(problems=(Problem("", message),))
        return _Route(schema=_core_validator(path))

    def _crd_route(self, group: str, version: str, kind: str) -> _Route:
        name = _crd_file(group, version, kind)
        path = self.crd_dir / name
        if not path.is_file():
            message = (
                f"no schema for the custom resource {kind} ({group}/{version}):"
                f" add the CRD schema as {name} in the CRD schema folder"
            )
            return _Route(problems=(Problem("", message),))
        return _Route(
            schema=_crd_validator(path.resolve()),
            metadata=_object_meta_validator(self.schema_dir),
        )


# --- explaining errors ------------------------------------------------------------


def _problems(
    compiled: _Compiled, instance: Mapping[str, Any], prefix: tuple[str, ...]
) -> list[Problem]:
    validator = compiled.validator
    try:
        if validator.is_valid(instance):
            return []
    except ValueError as exc:  # a value that is not JSON data (e.g. a YAML date)
        return list(_not_json(instance, prefix)) or [
            Problem(pointer(*prefix), _one_line(f"cannot validate: {exc}"))
        ]
    return [
        problem
        for error in validator.iter_errors(instance)
        for problem in _explain(error, compiled.documents, prefix)
    ]


def _explain(
    error: ValidationError, documents: Mapping[str, Any], prefix: tuple[str, ...]
) -> list[Problem]:
    path = (*prefix, *error.instance_path)
    if isinstance(error.kind, ValidationErrorKind.AdditionalProperties):
        allowed = _allowed(error.absolute_keyword_location, documents)
        return [
            Problem(pointer(*path, name), _unknown_field(name, allowed))
            for name in error.kind.unexpected
        ]
    return [Problem(pointer(*path), _message(error))]


def _message(error: ValidationError) -> str:
    kind = error.kind
    if isinstance(kind, ValidationErrorKind.Type):
        text = (
            f"wrong type: expected {_types(kind.types)}, got {describe(error.instance)}"
        )
    elif isinstance(kind, ValidationErrorKind.Required):
        text = f"missing required field {kind.property!r}"
    elif isinstance(kind, ValidationErrorKind.Enum):
        options = ", ".join(json.dumps(option) for option in kind.options)
        text = f"{short(error.instance)} is not allowed: expected one of {options}"
    elif isinstance(
        kind, ValidationErrorKind.AnyOf | ValidationErrorKind.OneOfNotValid
    ):
        text = _alternatives(error, kind.context)
    else:
        text = error.message
    return _one_line(text)


def _alternatives(error: ValidationError, context: list[list[ValidationError]]) -> str:
    firsts = [branch[0] for branch in context if branch]
    types: list[str] = []
    for first in firsts:
        if not isinstance(first.kind, ValidationErrorKind.Type):
            break
        if first.instance_path != error.instance_path:
            break
        types += first.kind.types
    else:
        if firsts:  # every alternative only wants another type (int-or-string...)
            return (
                f"wrong type: expected {_types(types)}, got {describe(error.instance)}"
            )
    reasons = " | ".join(_message(first) for first in firsts)
    return f"matches none of the allowed forms: {reasons}"


def _types(types: list[str]) -> str:
    named = list(dict.fromkeys(t for t in types if t != "null")) or ["null"]
    return " or ".join(named)


def _unknown_field(name: str, allowed: list[str] | None) -> str:
    text = f"unknown field {name!r}"
    if not allowed:
        return f"{text} is not allowed here"
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        text += f" (did you mean {close[0]!r}?)"
    return _one_line(f"{text}; allowed: {', '.join(allowed)}")


def _allowed(location: str | None, documents: Mapping[str, Any]) -> list[str] | None:
    """The property names of the schema whose ``additionalProperties`` failed."""
    if location is None:
        return None
    uri, _, fragment = location.partition("#")
    node = documents.get(uri)
    tokens = [
        unquote(t).replace("~1", "/").replace("~0", "~") for t in fragment.split("/")
    ]
    for token in tokens[1:-1]:  # "" before the first "/", "additionalProperties" last
        node = _child(node, token)
    properties = node.get("properties") if isinstance(node, Mapping) else None
    return sorted(properties) if isinstance(properties, Mapping) else None


def _child(node: Any, token: str) -> Any:
    if isinstance(node, Mapping):
        return node.get(token)
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return None


def _not_json(value: Any, path: tuple[str | int, ...]) -> Iterator[Problem]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _not_json(item, (*path, key))
            else:
                yield Problem(
                    pointer(*path), f"mapping key {short(key)} is not a string"
                )
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _not_json(item, (*path, index))
    elif not (value is None or isinstance(value, str | int | float)):
        yield Problem(
            pointer(*path),
            f"{short(value)} ({type(value).__name__}) is not JSON data:"
            " quote it in YAML if it is meant as a string",
        )


def _one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
