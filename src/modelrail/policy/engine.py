"""Load the policies of a repository and run them on specs.

Policies are modules under ``policies/<category>/``, imported from their paths
in sorted order (files starting with ``_`` are skipped; policies share code
through ``modelrail``, never by importing one another). Each is
checked against the shape ``modelrail.policy`` documents as it loads: a module
without it is a ``PolicyLoadError`` naming the file (exit 2). A policy that
raises while checking a spec is a ``Crash`` naming both (exit 3); the other
policies still run and their findings are still reported.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import string
import sys
import textwrap
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelrail.errors import ModelrailError
from modelrail.findings import Finding, Location, Severity
from modelrail.policy import TYPES, Context, Environment, Hit, Spec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from pathlib import Path
    from types import ModuleType

    from modelrail.repository.loader import Document

ID_PATTERN = re.compile(r"MR-([A-Z]{2,8})-[0-9]{3}")
# Rule prefixes the engine reports itself: a policy may not look like them.
RESERVED = frozenset({"LOAD", "SCHEMA", "REPO", "CONFIG", "WAIVER", "RENDER"})
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_SECTION = re.compile(r"^(Fails|Passes)::(.*)$", re.MULTILINE)


class PolicyLoadError(ModelrailError):
    """A policy module that cannot be used as one (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Policy:
    """A loaded policy: its metadata and its check function."""

    id: str
    name: str
    title: str
    category: str
    severity: Severity
    remediation: str
    rationale: str
    fails: tuple[str, ...]
    passes: tuple[str, ...]
    types: tuple[str, ...]
    waivable: bool
    options_type: type | None
    check: Callable[[Spec, Environment, Context], Iterable[Hit]] = field(repr=False)
    path: str = ""  # relative to the repository root
    # The title and remediation as written, with ``$option`` placeholders;
    # ``title`` and ``remediation`` above are them with the default options.
    title_template: str = ""
    remediation_template: str = ""

    def applies_to(self, spec_type: str) -> bool:
        return spec_type in self.types

    def default_options(self) -> object:
        return None if self.options_type is None else self.options_type()

    def title_with(self, options: object) -> str:
        return fill(self.title_template or self.title, options)

    def remediation_with(self, options: object) -> str:
        return fill(self.remediation_template or self.remediation, options)


def fill(text: str, options: object) -> str:
    """``text`` with each ``$name`` (or ``${name}``) replaced by that option's
    value (or an Options property), so that no text states a number a profile
    can change; ``$$`` is a dollar sign."""
    return string.Template(text).substitute(_OptionValues(options))


class _OptionValues(dict[str, str]):
    """Option (or property) name -> its value as text, read on demand."""

    def __init__(self, options: object) -> None:
        super().__init__()
        self.options = options

    def __missing__(self, name: str) -> str:
        if self.options is None:
            raise KeyError(name)
        try:
            value = getattr(self.options, name)
        except AttributeError:
            raise KeyError(name) from None
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, tuple | list):
            return ", ".join(str(v) for v in value)
        return str(value)


@dataclass(frozen=True)
class Registry:
    """The policies of a repository, sorted by ID."""

    policies: tuple[Policy, ...]
    by_id: dict[str, Policy] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {p.id: p for p in self.policies})

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    def __contains__(self, policy_id: object) -> bool:
        return policy_id in self.by_id

    def get(self, policy_id: str) -> Policy:
        """The policy with this ID (case-insensitive), or KeyError with a hint."""
        by_id = self.by_id
        wanted = policy_id.strip().upper()
        short = re.fullmatch(r"(MR-[A-Z]{2,8})-([0-9]{1,3})", wanted)
        if short:  # MR-SEC-4 is MR-SEC-004
            wanted = f"{short.group(1)}-{int(short.group(2)):03d}"
        found = by_id.get(wanted)
        if found is not None:
            return found
        for policy in self.policies:
            if policy.name == policy_id.lower():
                return policy
        from modelrail.policy.suggest import did_you_mean

        hint = did_you_mean(policy_id.upper(), by_id, quote=False)
        raise KeyError(f"no policy {policy_id!r}{hint} (modelrail policies lists them)")


def load_policies(folder: Path, root: Path | None = None) -> Registry:
    """Every policy under ``folder`` (none when it does not exist)."""
    if not folder.is_dir():
        return Registry(())
    root = root or folder.parent
    loaded: list[Policy] = []
    prefixes: dict[str, str] = {}  # ID prefix -> category
    seen: dict[str, str] = {}  # ID -> file
    names: dict[str, str] = {}  # NAME -> ID
    for category in sorted(p for p in folder.iterdir() if _is_category(p)):
        for path in sorted(category.glob("*.py")):
            if path.name.startswith("_"):
                continue
            display = path.relative_to(root).as_posix()
            policy = _load(path, category.name, display)
            if policy.id in seen:
                raise PolicyLoadError(
                    f"{display}: ID {policy.id} is already used by {seen[policy.id]} "
                    "(IDs are never reused: take the next free number)"
                )
            seen[policy.id] = display
            if policy.name in names:
                raise PolicyLoadError(
                    f"{display}: NAME {policy.name!r} is already the name of "
                    f"{names[policy.name]} (names are unique, like IDs)"
                )
            names[policy.name] = policy.id
            prefix = policy.id.split("-")[1]
            if prefixes.setdefault(prefix, category.name) != category.name:
                raise PolicyLoadError(
                    f"{display}: ID prefix MR-{prefix} belongs to "
                    f"policies/{prefixes[prefix]}/ (one prefix per category)"
                )
            loaded.append(policy)
    by_category: dict[str, set[str]] = {}
    for prefix, category_name in prefixes.items():
        by_category.setdefault(category_name, set()).add(prefix)
    for category_name, found in by_category.items():
        if len(found) > 1:
            raise PolicyLoadError(
                f"policies/{category_name}/ mixes ID prefixes "
                f"{', '.join(sorted(found))} (one prefix per category)"
            )
    return Registry(tuple(sorted(loaded, key=lambda p: p.id)))


def _is_category(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith((".", "_"))


def _load(path: Path, category: str, display: str) -> Policy:
    module = _import(path, category, display)

    def fail(problem: str) -> PolicyLoadError:
        return PolicyLoadError(f"{display}: {problem}")

    def attr(name: str, kind: type, what: str) -> Any:
        value = getattr(module, name, None)
        if not isinstance(value, kind):
            raise fail(f"{name} must be {what}")
        return value

    policy_id = attr("ID", str, "a string such as 'MR-SEC-004'")
    match = ID_PATTERN.fullmatch(policy_id)
    if not match:
        raise fail(f"ID {policy_id!r} does not look like MR-<CATEGORY>-<NNN>")
    if match.group(1) in RESERVED:
        raise fail(
            f"ID {policy_id!r} uses MR-{match.group(1)}, which modelrail reserves"
        )
    name = attr("NAME", str, "a kebab-case string such as 'pinned-serving-image'")
    if not NAME_PATTERN.fullmatch(name):
        raise fail(f"NAME {name!r} is not kebab-case")
    severity = getattr(module, "SEVERITY", None)
    if not isinstance(severity, Severity):
        raise fail("SEVERITY must be a modelrail.findings.Severity")
    remediation = attr("REMEDIATION", str, "one imperative sentence").strip()
    if not remediation:
        raise fail("REMEDIATION is empty")
    check = getattr(module, "check", None)
    if not callable(check):
        raise fail("has no check(spec, env, ctx) function")
    raw_types = getattr(module, "TYPES", TYPES)
    types = tuple(raw_types) if isinstance(raw_types, tuple | list) else ()
    unknown = [t for t in types if t not in TYPES]
    if unknown or not types:
        raise fail(f"TYPES must name some of {', '.join(TYPES)} (got {types!r})")
    waivable = getattr(module, "WAIVABLE", True)
    if not isinstance(waivable, bool):
        raise fail("WAIVABLE must be True or False")
    options_type = getattr(module, "Options", None)
    if options_type is not None:
        params = getattr(options_type, "__dataclass_params__", None)
        if params is None or not params.frozen:
            raise fail("Options must be a frozen dataclass")
        try:
            options_type()
        except TypeError as exc:
            raise fail(f"every field of Options needs a default ({exc})") from exc
        except Exception as exc:
            raise fail(f"Options() raised {type(exc).__name__}: {exc}") from exc
    title, rationale, fails, passes = _document(module.__doc__, fail)
    defaults = options_type() if options_type is not None else None
    filled = []
    for what, text in (("the title", title), ("REMEDIATION", remediation)):
        template = string.Template(text)
        if not template.is_valid():
            raise fail(f"{what} has a '$' that is not $option ($$ is a dollar sign)")
        for placeholder in template.get_identifiers():
            if defaults is None or not hasattr(defaults, placeholder):
                raise fail(f"{what} names ${placeholder}, which is not an option")
        filled.append(fill(text, defaults))
    return Policy(
        id=policy_id,
        name=name,
        title=filled[0],
        category=category,
        severity=severity,
        remediation=filled[1],
        title_template=title,
        remediation_template=remediation,
        rationale=rationale,
        fails=fails,
        passes=passes,
        types=types,
        waivable=waivable,
        options_type=options_type,
        check=check,
        path=display,
    )


def _import(path: Path, category: str, display: str) -> ModuleType:
    name = f"modelrail_policies.{category}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py always has one
        raise PolicyLoadError(f"{display}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while defined
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = f"{display}:{exc.lineno or 0}:{exc.offset or 0}"
        raise PolicyLoadError(f"{where}: syntax error: {exc.msg}") from exc
    except Exception as exc:
        sys.modules.pop(name, None)
        raise PolicyLoadError(
            f"{display}: importing it raised {type(exc).__name__}: {exc}"
        ) from exc
    return module


def _document(
    doc: str | None, fail: Callable[[str], PolicyLoadError]
) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """Title, rationale and the Fails/Passes snippets of a module docstring."""
    if not doc or not doc.strip():
        raise fail("has no docstring (it is the policy's documentation)")
    text = textwrap.dedent(doc).strip("\n")
    title, _, rest = text.partition("\n")
    title = title.strip()
    matches = list(_SECTION.finditer(rest))
    rationale = (rest[: matches[0].start()] if matches else rest).strip()
    snippets: dict[str, list[str]] = {"Fails": [], "Passes": []}
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(rest)
        inline = match.group(2).strip()
        block = textwrap.dedent(rest[match.end() : end]).strip("\n")
        snippet = "\n".join(part for part in (inline, block) if part)
        if snippet:
            snippets[match.group(1)].append(snippet + "\n")
    if not title.endswith("."):
        raise fail("the docstring's first line (the title) must be a sentence")
    for kind, found in snippets.items():
        if not found:
            raise fail(f"the docstring needs a '{kind}::' snippet")
    return title, rationale, tuple(snippets["Fails"]), tuple(snippets["Passes"])


@dataclass(frozen=True, slots=True)
class Crash:
    """A policy that raised on a spec: a bug in the policy (exit code 3)."""

    policy: str
    file: str
    error: str
    traceback: str = field(repr=False, default="")

    def __str__(self) -> str:
        return f"policy {self.policy} crashed on {self.file}: {self.error}"


@dataclass(frozen=True, slots=True)
class Active:
    """A policy switched on in an environment, at its severity, with options."""

    policy: Policy
    severity: Severity
    context: Context


def evaluate(
    doc: Document, env: Environment, active: Sequence[Active]
) -> tuple[list[Finding], list[Crash]]:
    """The findings of every active policy on one spec."""
    spec = Spec(doc.data)
    findings: list[Finding] = []
    crashes: list[Crash] = []
    spec_type = spec.type
    for item in active:
        policy = item.policy
        if spec_type not in policy.types:
            continue
        try:
            hits = list(policy.check(spec, env, item.context))
            for hit in hits:
                if not isinstance(hit, Hit) or not _is_pointer(hit.pointer):
                    raise TypeError(
                        f"check() yielded {hit!r}, not Hit(pointer, message)"
                    )
        except Exception as exc:  # noqa: BLE001 - any bug in a policy is a Crash
            crashes.append(
                Crash(
                    policy.id,
                    doc.path,
                    f"{type(exc).__name__}: {exc}",
                    traceback.format_exc(),
                )
            )
            continue
        findings.extend(
            Finding(
                _locate(doc, hit.pointer),
                policy.id,
                item.severity,
                hit.message,
                policy.remediation_with(item.context.options),
            )
            for hit in hits
        )
    return findings, crashes


def _is_pointer(pointer: object) -> bool:
    return isinstance(pointer, str) and (pointer == "" or pointer.startswith("/"))


def _locate(doc: Document, pointer: str) -> Location:
    """Where a hit is: its node, or for a missing field the key of the nearest
    ancestor that exists (where the field belongs), as schema findings do."""
    if doc.source_of(pointer) is not None:
        return doc.locate(pointer)
    return doc.locate(pointer, key=True)


def with_options(
    policy: Policy, values: dict[str, Any], *, base: object = None
) -> object:
    """``base`` (default: the policy's defaults) with ``values`` set.

    Raises ValueError naming the option and the policy when a value is wrong.
    """
    if policy.options_type is None:
        raise ValueError(f"{policy.id} takes no options")
    defaults: Any = (
        base if isinstance(base, policy.options_type) else policy.options_type()
    )
    fields = {f.name: f for f in dataclasses.fields(defaults)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            known = ", ".join(sorted(fields)) or "none"
            raise ValueError(f"unknown option {key!r} for {policy.id} (known: {known})")
        changes[key] = _coerce(policy.id, key, getattr(defaults, key), value)
    try:
        return dataclasses.replace(defaults, **changes)
    except (TypeError, ValueError) as exc:  # an Options.__post_init__ that objects
        raise ValueError(f"options of {policy.id}: {exc}") from exc


def _coerce(policy_id: str, key: str, default: Any, value: Any) -> Any:
    def wrong() -> ValueError:
        return ValueError(
            f"option {key!r} of {policy_id} must be "
            f"{_kind(default)} like {default!r}, not {value!r}"
        )

    if isinstance(default, bool) or isinstance(value, bool):
        if type(value) is not type(default):
            raise wrong()
        return value
    if isinstance(default, float) and isinstance(value, int | float):
        return float(value)
    if isinstance(default, tuple) and isinstance(value, list):
        if default and not all(isinstance(v, type(default[0])) for v in value):
            raise wrong()
        return tuple(value)
    if isinstance(default, dict) and isinstance(value, dict):
        return dict(value)
    if type(value) is not type(default):
        raise wrong()
    if isinstance(default, str) and _is_duration(default) and not _is_duration(value):
        raise ValueError(
            f"option {key!r} of {policy_id} must be a duration like {default!r} "
            f"(such as 30s, 15m, 24h or 1h30m), not {value!r}"
        )
    return value


def _is_duration(text: str) -> bool:
    from modelrail.units import seconds

    try:
        seconds(text)
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    return {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "a string",
        tuple: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)
