"""Validate loaded documents against the repository's JSON Schemas.

Two validators, one per job. ``jsonschema-rs`` (compiled) answers "is this file
valid?" for every file: that is the hot path, and nearly every file is valid.
Only a file that fails is handed to python-jsonschema, whose error tree gives
``best_match`` for ``oneOf``/``anyOf`` and everything needed for one clear line
per problem. Both read the same Draft 2020-12 schemas, which use patterns
rather than ``format`` so that both judge alike (a test holds them to it).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import yaml

from modelrail.errors import RepositoryError
from modelrail.findings import Finding, Severity, pointer_token
from modelrail.repository.messages import cut, describe, short
from modelrail.rules import SCHEMA

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from pathlib import Path

    from jsonschema import ValidationError

    from modelrail.repository.loader import Document

SCHEMA_FILES = {
    "ModelDeployment": "modeldeployment.v1.json",
    "Environment": "environment.v1.json",
    "Waivers": "waivers.v1.json",
    "PolicyProfiles": "profiles.v1.json",
    "Checklist": "checklist.v1.json",
}


@dataclass(frozen=True)
class Schema:
    """One schema file with its two validators, built on first use."""

    path: Path
    document: dict[str, Any]

    @cached_property
    def fast(self) -> Any:
        return jsonschema_rs.validator_for(self.document)

    @cached_property
    def slow(self) -> Any:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.document)

    def validate(self, doc: Document) -> list[Finding]:
        try:
            valid = bool(self.fast.is_valid(doc.data))
        except ValueError:  # a value it cannot convert: let the slow path judge
            valid = False
        if valid:
            return []
        findings = explain(self.slow.iter_errors(doc.data), doc, self.path.name)
        # The two regex engines differ at the edges ('$' before a final
        # newline, what '\s' holds): when only the fast validator objects,
        # its own errors are reported, so an invalid file never passes.
        return findings or self._fast_findings(doc)

    def _fast_findings(self, doc: Document) -> list[Finding]:
        out = []
        for error in self.fast.iter_errors(doc.data):
            pointer = _pointer(error.instance_path)
            where = _dotted(list(error.instance_path))
            message = f"{where}: {cut(error.message, 200)}"
            out.append(
                Finding(
                    doc.locate(pointer),
                    SCHEMA,
                    Severity.ERROR,
                    message,
                    f"see {self.path.name}",
                )
            )
        return sorted(set(out))


class SchemaSet:
    """The schemas of a repository's ``schemas/`` folder, loaded on demand."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._schemas: dict[str, Schema] = {}

    def get(self, kind: str) -> Schema:
        if kind not in self._schemas:
            self._schemas[kind] = self._load(kind)
        return self._schemas[kind]

    def _load(self, kind: str) -> Schema:
        path = self.folder / SCHEMA_FILES[kind]
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise RepositoryError(
                f"cannot read the {kind} schema {path}: {exc.strerror or exc}"
            ) from exc
        except ValueError as exc:
            raise RepositoryError(f"{path} is not valid JSON: {exc}") from exc
        schema = Schema(path, document)
        try:
            schema.fast  # noqa: B018 - compile now, so a broken schema is a usage error
        except Exception as exc:
            raise RepositoryError(
                f"{path} is not a valid JSON Schema: {cut(str(exc), 200)}"
            ) from exc
        return schema

    def validate(self, kind: str, doc: Document) -> list[Finding]:
        return self.get(kind).validate(doc)


# ---------------------------------------------------------------- messages


def explain(
    errors: Iterable[ValidationError], doc: Document, schema_name: str
) -> list[Finding]:
    """One finding per problem, each placed on the line that holds it."""
    leaves = [_leaf(error) for error in errors]
    # A value of the wrong type also fails its enum or const: the type message
    # (which explains YAML's reading of it) is the one line worth showing.
    mistyped = {_pointer(e.absolute_path) for e in leaves if e.validator == "type"}
    leaves = [
        e
        for e in leaves
        if not (
            e.validator in ("enum", "const") and _pointer(e.absolute_path) in mistyped
        )
    ]
    findings: list[Finding] = []
    folded = _fold_typos(leaves)
    for error in leaves:
        findings.extend(_describe(error, doc, folded, schema_name))
    return sorted(set(findings))


def _leaf(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf, the most relevant error among the branches."""
    from jsonschema.exceptions import best_match

    while error.validator in ("oneOf", "anyOf") and error.context:
        best = best_match(error.context)
        if best is None:
            break
        error = best
    return error


def _subschema(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _bound(error: ValidationError) -> Any:
    """The keyword's value in the schema (jsonschema types it loosely)."""
    return error.validator_value


def _properties(error: ValidationError) -> dict[str, Any]:
    props = _subschema(error).get("properties", {})
    return props if isinstance(props, dict) else {}


def _pointer(path: Iterable[Any]) -> str:
    return "".join(f"/{pointer_token(str(part))}" for part in path)


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the top level"


def _fold_typos(errors: list[ValidationError]) -> dict[tuple[str, str], str]:
    """Unknown keys that are near-misses of a missing required key, per object.

    ``replicsa`` next to a missing ``replicas`` is one mistake, so it gets one
    line ("unknown key 'replicsa'; did you mean 'replicas'?") and the missing
    key is not reported separately. Returns (pointer, unknown) -> required.
    """
    missing: dict[str, set[str]] = {}
    unknown: dict[str, list[str]] = {}
    for error in errors:
        ptr = _pointer(error.absolute_path)
        if error.validator == "required":
            missing.setdefault(ptr, set()).update(_missing_keys(error))
        elif error.validator == "additionalProperties":
            unknown.setdefault(ptr, []).extend(_extra_keys(error))
    folded: dict[tuple[str, str], str] = {}
    for ptr, keys in unknown.items():
        pool = set(missing.get(ptr, ()))
        for key in sorted(keys):
            match = difflib.get_close_matches(key, sorted(pool), n=1, cutoff=0.6)
            if match:
                folded[(ptr, key)] = match[0]
                pool.discard(match[0])
    return folded


def _missing_keys(error: ValidationError) -> list[str]:
    assert isinstance(error.instance, dict)
    return [k for k in _bound(error) if k not in error.instance]


def _extra_keys(error: ValidationError) -> list[str]:
    assert isinstance(error.instance, dict)
    allowed = _properties(error)
    return [k for k in error.instance if k not in allowed]


def _describe(
    error: ValidationError,
    doc: Document,
    folded: dict[tuple[str, str], str],
    schema_name: str,
) -> Iterator[Finding]:
    path = list(error.absolute_path)
    ptr = _pointer(path)
    where = _dotted(path)
    kind = error.validator
    value = error.instance

    def finding(pointer: str, message: str, fix: str, *, key: bool = False) -> Finding:
        location = doc.locate(pointer, key=key)
        return Finding(location, SCHEMA, Severity.ERROR, message, fix)

    if "propertyNames" in list(error.absolute_schema_path)[:-1]:
        # A key that fails propertyNames: python-jsonschema reports it on the
        # mapping with the key as the instance; point at the key itself.
        rule = f"match {_bound(error)}" if kind == "pattern" else f"satisfy {kind}"
        yield finding(
            f"{ptr}/{pointer_token(str(value))}",
            f"key {short(value)} in {where} is not a valid name",
            f"rename it to {rule}",
            key=True,
        )
        return
    if kind == "additionalProperties":
        present = set(value) if isinstance(value, dict) else set()
        allowed = sorted(_properties(error))
        free = [k for k in allowed if k not in present]
        for extra in _extra_keys(error):
            child = f"{ptr}/{pointer_token(extra)}"
            guess = folded.get((ptr, extra)) or next(
                iter(difflib.get_close_matches(extra, free, n=1, cutoff=0.6)), None
            )
            if guess:
                yield finding(
                    child,
                    f"unknown key {short(extra)} in {where}; did you mean {guess!r}?",
                    f"rename it to {guess!r}",
                    key=True,
                )
            else:
                yield finding(
                    child,
                    f"unknown key {short(extra)} in {where}",
                    f"remove it; allowed keys are: {', '.join(allowed)}",
                    key=True,
                )
        return
    if kind == "required":
        typos = {v for (p, _), v in folded.items() if p == ptr}
        for name in _missing_keys(error):
            if name in typos:
                continue
            desc = _properties(error).get(name, {}).get("description")
            yield finding(
                ptr,
                f"missing required key {name!r} in {where}",
                f"add {name!r}" + (f" ({_first_sentence(desc)})" if desc else ""),
                key=True,  # on the line that opens the mapping ("spec:")
            )
        return
    if kind == "type":
        yield finding(ptr, *_type_message(error, doc, ptr, where))
        return
    if kind in ("enum", "const"):
        options = list(_bound(error)) if kind == "enum" else [_bound(error)]
        shown = ", ".join(repr(o) for o in options)
        suggestion = _close(value, options)
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        yield finding(
            ptr,
            f"{where} is {short(value)}, not one of {shown}{hint}",
            f"use one of {shown}",
        )
        return
    if kind == "pattern":
        desc = _subschema(error).get("description", "")
        yield finding(
            ptr,
            f"{where} is {short(value)}, which is not valid: {_lower(desc)}".rstrip(
                ": "
            ),
            "write it in the form described",
        )
        return
    yield finding(ptr, f"{where}: {_plain(error)}", _bound_fix(kind, error))


def _type_message(
    error: ValidationError, doc: Document, ptr: str, where: str
) -> tuple[str, str]:
    expected = _bound(error)
    names: list[str] = expected if isinstance(expected, list) else [expected]
    wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in names)
    node = doc.source_of(ptr)
    value = error.instance
    if isinstance(node, yaml.ScalarNode) and value is None and not node.value:
        return (f"{where} is empty; it must be {wanted}", f"write {wanted}")
    if (
        "string" in names
        and isinstance(node, yaml.ScalarNode)
        and not node.style  # plain: None from PyYAML's composer, '' from libyaml's
        and not isinstance(value, (dict, list))
    ):
        # A YAML 1.1 surprise: an unquoted no/on/yes, 1.10 or 010 that was
        # meant as text but became a boolean or a number.
        message = (
            f"{where} must be {wanted}, but the unquoted {node.value} is read by "
            f"YAML as {describe(value)}"
        )
        return message, f'quote it: "{node.value}"'
    return (f"{where} must be {wanted}, not {describe(value)}", f"write {wanted}")


_TYPE_NAMES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _plain(error: ValidationError) -> str:
    kind, bound, value = error.validator, _bound(error), error.instance
    messages = {
        "minimum": f"{short(value)} is below the minimum {bound}",
        "maximum": f"{short(value)} is above the maximum {bound}",
        "exclusiveMinimum": f"{short(value)} must be greater than {bound}",
        "exclusiveMaximum": f"{short(value)} must be less than {bound}",
        "minLength": f"{short(value)} is shorter than {bound} characters",
        "maxLength": f"the value is longer than {bound} characters",
        "minItems": f"the list needs at least {bound} item(s)",
        "maxItems": f"the list has more than {bound} items",
        "uniqueItems": "the list repeats an item",
        "minProperties": f"needs at least {bound} entr{'y' if bound == 1 else 'ies'}",
        "oneOf": "matches none, or more than one, of the allowed forms",
        "anyOf": "matches none of the allowed forms",
    }
    return messages.get(str(kind), cut(error.message, 200))


def _bound_fix(kind: Any, error: ValidationError) -> str:
    desc = _subschema(error).get("description")
    if kind == "minLength":  # the description says what to write, not how much
        what = f": {_first_sentence(desc)}" if desc else ""
        return f"write at least {_bound(error)} characters{what}"
    return _first_sentence(desc) if desc else f"see the schema ({kind})"


def _close(value: object, options: Sequence[object]) -> object | None:
    if not isinstance(value, str):
        return None
    text = [o for o in options if isinstance(o, str)]
    lowered = {o.lower(): o for o in text}
    if value.lower() in lowered:
        return lowered[value.lower()]
    prefixed = [o for o in text if len(value) >= 3 and o.startswith(value.lower())]
    if len(prefixed) == 1:  # an abbreviation: prod -> production
        return prefixed[0]
    match = difflib.get_close_matches(value, text, n=1, cutoff=0.6)
    return match[0] if match else None


def _first_sentence(text: str) -> str:
    head = text.split(". ")[0].rstrip(".")
    return _lower(head)


def _lower(text: str) -> str:
    """Lower-case the first letter, unless the first word is an acronym (URL, TLS)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]
