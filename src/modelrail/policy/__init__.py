"""What a policy module sees and returns: the API of ``policies/``.

A policy is a module under the repository's ``policies/<category>/`` with::

    ID = "MR-SEC-004"            # never reused
    NAME = "pinned-serving-image"
    SEVERITY = Severity.ERROR    # when on; profiles.yaml adjusts it per tier
    REMEDIATION = "Reference the image as name@sha256:<digest>."
    def check(spec: Spec, env: Environment, ctx: Context) -> Iterable[Hit]: ...

and optionally ``TYPES`` (the spec types it applies to), ``WAIVABLE = False``
and an ``Options`` frozen dataclass whose fields profiles may set. The module
docstring is the user documentation: a summary line, why it matters, then
``Fails::`` and ``Passes::`` snippets (YAML fragments of a spec file).

Policies see only schema-valid specs, so required fields are indexed directly
and optional ones read with ``.get``. Hits carry JSON Pointers from the
document root (``/spec/serving/image``); the engine turns them into
file:line:column, pointing at the nearest ancestor when the field is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from modelrail.findings import pointer

if TYPE_CHECKING:
    import datetime
    from collections.abc import Iterator

    from modelrail.git.history import History

__all__ = [
    "TIERS",
    "TYPES",
    "Context",
    "Environment",
    "Hit",
    "Spec",
    "must_be_true",
    "pointer",
]

TIERS = ("development", "test", "staging", "production")
TYPES = ("predictive", "recommendation", "chatbot")

EMPTY: Mapping[str, Any] = MappingProxyType({})
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Hit:
    """A problem a policy found: where (a JSON Pointer) and what, in one line."""

    pointer: str
    message: str


def must_be_true(
    value: object, pointer: str, label: str, consequence: str
) -> Iterator[Hit]:
    """One hit unless ``value`` is true: ``"<label> is not set|false: <consequence>"``.

    For the many checklist items that are a switch which must be on.
    """
    if value is not True:
        state = "not set" if value is None else "false"
        yield Hit(pointer, f"{label} is {state}: {consequence}")


class Spec:
    """A schema-valid ModelDeployment, read-only, with its sections by name.

    Optional sections read as empty mappings, so ``spec.rollback.get("runbook")``
    works whether or not ``rollback`` is there; ``spec.has("rollback")`` tells.
    """

    __slots__ = ("body", "data", "metadata")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.metadata: Mapping[str, Any] = data["metadata"]
        self.body: Mapping[str, Any] = data["spec"]

    @property
    def name(self) -> str:
        return str(self.metadata["name"])

    @property
    def type(self) -> str:
        return str(self.body["type"])

    def has(self, section: str) -> bool:
        return section in self.body

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.body.get(name)
        if type(value) is dict:  # what the loader makes: no ABC check needed
            return value
        return value if isinstance(value, Mapping) else EMPTY

    model = property(lambda self: self.section("model"))
    serving = property(lambda self: self.section("serving"))
    slo = property(lambda self: self.section("slo"))
    rollout = property(lambda self: self.section("rollout"))
    rollback = property(lambda self: self.section("rollback"))
    monitoring = property(lambda self: self.section("monitoring"))
    security = property(lambda self: self.section("security"))
    compliance = property(lambda self: self.section("compliance"))
    chatbot = property(lambda self: self.section("chatbot"))

    @property
    def steps(self) -> list[Mapping[str, Any]]:
        """The canary steps (empty for a rolling update)."""
        return list(self.rollout.get("steps", ()))


class Environment:
    """A schema-valid environment.yaml: the context a spec is judged in."""

    __slots__ = ("data", "name", "spec", "tier")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.name: str = data["metadata"]["name"]
        self.spec: Mapping[str, Any] = data["spec"]
        self.tier: str = self.spec["tier"]

    @property
    def profile(self) -> str:
        """The policy profile: ``spec.policyProfile``, else the tier's own."""
        return str(self.spec.get("policyProfile", self.tier))

    @property
    def registries(self) -> tuple[str, ...]:
        return tuple(self.spec.get("registries", ()))

    @property
    def traffic_router(self) -> str:
        """``none`` when canaries can only split traffic by replica count."""
        return str(self.spec.get("trafficRouter", {}).get("type", "none"))

    @property
    def auto_sync(self) -> bool:
        """Whether Argo CD applies what is merged without a person pressing sync."""
        sync = self.spec.get("argocd", {}).get("syncPolicy", {})
        return bool(sync.get("automated", False))

    @property
    def promotion_source(self) -> str | None:
        """The environment versions must run in first (None: versions enter here)."""
        source = self.spec.get("promotion", {}).get("from")
        return str(source) if source is not None else None

    @property
    def soak(self) -> str | None:
        """How long a version must have run in the promotion source (a duration)."""
        soak = self.spec.get("promotion", {}).get("soak")
        return str(soak) if soak is not None else None

    @property
    def limits(self) -> Mapping[str, Any]:
        value = self.spec.get("limits")
        return value if isinstance(value, Mapping) else EMPTY


class Peers(Protocol):
    """The specs of the working tree, in any environment (read-only)."""

    def spec(self, environment: str, name: str) -> Mapping[str, Any] | None:
        """The data of ``environments/<environment>/<name>.yaml`` if it exists
        and is schema-valid, else None."""
        ...


@dataclass(frozen=True, slots=True)
class Context:
    """What else a policy may know: the date, other environments, its options.

    ``today`` and ``now`` come from the command line (``--today``, ``--now``),
    never the clock read inside a policy, so a verdict is reproducible.
    """

    today: datetime.date
    environments: Mapping[str, Environment] = field(default_factory=dict)
    options: object = None
    # the repository at the base of the change (``check --base``), else None
    history: History | None = None
    # the moment a soak is measured to (UTC); None outside ``check``
    now: datetime.datetime | None = None
    # the same model in other environments of the working tree
    peers: Peers | None = None

    def peer(self, environment: str, name: str) -> Spec | None:
        """The spec ``name`` of ``environment`` in the working tree (None when
        it is absent or not schema-valid, or the run gives no peers)."""
        if self.peers is None:
            return None
        data = self.peers.spec(environment, name)
        return Spec(data) if data is not None else None

    def base_spec(self, spec: Spec) -> Spec | None:
        """The same spec at the base of the change: None without ``--base``,
        or when the spec is new there."""
        if self.history is None:
            return None
        env = str(spec.metadata.get("environment", ""))
        data = self.history.spec_at_base(env, spec.name)
        if not isinstance(data, Mapping):
            return None
        parts = (data.get("metadata"), data.get("spec"))
        return Spec(data) if all(isinstance(p, Mapping) for p in parts) else None

    def options_as(self, cls: type[T]) -> T:
        """The policy's ``Options`` (the defaults when no profile sets any)."""
        if isinstance(self.options, cls):
            return self.options
        return cls()
