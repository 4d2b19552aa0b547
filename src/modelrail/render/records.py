"""What a rendered app was made from and what it holds: its ``render.sum``.

Every model's folder of ``rendered/`` carries a ``render.sum`` that render
writes with the manifests. It lists, as comments, the digest of everything the
folder was made from, and then each file of the folder with its SHA-256 in
``sha256sum`` format, so that in the folder ``sha256sum -c render.sum`` checks
the files with nothing but coreutils::

    # rendered/prod/fraud-detector/: made by 'modelrail render'; do not edit.
    # made-by modelrail 0.1.0; grafana-foundation-sdk ...; jinja2 3.1.6; ...
    # from 5c1f...  environments/prod/fraud-detector.yaml
    # from 9a03...  environments/prod/environment.yaml (data)
    # from 77e2...  render/templates/rollout.yaml.j2
    # from 0b4d...  schemas/crds/argoproj.io/rollout_v1alpha1.json
    # team fraud
    # contact fraud-oncall@example.com
    3e2a...  analysistemplate.yaml
    ...

The inputs are: the spec (its bytes), the environment file (its data: a
comment or a reordering there changes no folder), every template the folder's
plan consulted and every template those include, the spec's JSON Schema, the
Kubernetes or CRD schema of each kind in the folder, and the versions of
modelrail and of the libraries whose output lands in the files. ``team`` and
``contact`` are what the environment's alert routing takes from the spec.

``render --check``, ``render`` and ``promote`` trust a folder whose inputs all
have the digests its ``render.sum`` names and whose files all have the sums it
lists: they neither load its spec nor render it again. Any other folder is
rendered and compared byte for byte, so a hand edit of any file, the
``render.sum`` included, is found. ``--full`` trusts nothing.

Argo CD never reads it: the folder's ``kustomization.yaml`` lists the
resources, and ``.sum`` is not a manifest suffix.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from modelrail.repository.layout import CRDS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from modelrail.render.kubeschema import SchemaStore
    from modelrail.render.templating import Templates
    from modelrail.repository.layout import Repository

RECORD = "render.sum"
# the libraries whose code shapes the text of rendered files (modelrail first)
TOOLCHAIN = ("modelrail", "grafana-foundation-sdk", "jinja2", "kubernetes-validate")
DATA = " (data)"  # the label suffix of an input digested by its data


@dataclass(frozen=True, slots=True)
class RenderSum:
    """A folder's ``render.sum``: inputs (label -> sha256), files (name ->
    sha256), and what the alert routing takes from the spec."""

    made_by: str
    inputs: tuple[tuple[str, str], ...]
    files: tuple[tuple[str, str], ...]
    team: str
    contacts: tuple[str, ...] = ()

    def text(self, folder: str) -> str:
        lines = [
            f"# {folder}/: made by 'modelrail render'; do not edit.",
            f"# Its files with their SHA-256 (check them: sha256sum -c {RECORD}),",
            "# and what it was made from: 'modelrail render --check' renders it",
            "# again when one of those changes, else checks its files by these sums.",
            f"# made-by {self.made_by}",
            *(f"# from {digest}  {label}" for label, digest in self.inputs),
            f"# team {self.team}",
            *(f"# contact {address}" for address in self.contacts),
            *(f"{digest}  {name}" for name, digest in self.files),
        ]
        body = "\n".join(lines) + "\n"
        # the record's own sum: an edit of any line above it shows
        return f"{body}# record {sha256(body.encode('utf-8'))}\n"


def parse(text: str, folder: str) -> RenderSum | None:
    """The record ``text`` holds for ``folder``; None unless it is exactly
    what render writes (a hand edit, a damaged file: the folder is then
    rendered again and compared)."""
    body, sep, last = text[:-1].rpartition("\n")
    if not sep or not last.startswith("# record ") or not text.endswith("\n"):
        return None
    body += "\n"
    if last[9:] != sha256(body.encode("utf-8")):  # its own sum: edited since
        return None
    record = _parse(body)
    return record if record is not None and record.text(folder) == text else None


def _parse(text: str) -> RenderSum | None:
    made_by = team = ""
    inputs: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []
    contacts: list[str] = []
    for line in text.splitlines():
        if line.startswith("# "):
            word, _, rest = line[2:].partition(" ")
            if word == "from":
                if rest[64:66] != "  ":
                    return None
                inputs.append((rest[66:], rest[:64]))
            elif word == "made-by":
                made_by = rest
            elif word == "team":
                team = rest
            elif word == "contact":
                contacts.append(rest)
        elif line[64:66] == "  " and len(line) > 66:
            files.append((line[66:], line[:64]))
        else:
            return None
    if not made_by or not team or not inputs:
        return None
    return RenderSum(made_by, tuple(inputs), tuple(files), team, tuple(contacts))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_digest(data: Mapping[str, Any]) -> str:
    """The digest of a YAML document's data, not of its text: keys sorted,
    no layout, so comments and formatting do not count."""
    canonical = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return sha256(canonical.encode("utf-8"))


@cache
def made_by() -> str:
    """modelrail's version and those of the libraries in ``TOOLCHAIN``."""
    from importlib import metadata

    found = []
    for name in TOOLCHAIN:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return "; ".join(found)


@dataclass
class Sources:
    """The digests of a run's inputs, each computed once: what a record's
    ``from`` lines are compared with. ``environments``: each environment's
    data (loaded by the run), by name."""

    repo: Repository
    templates: Templates
    environments: Mapping[str, Mapping[str, Any]]
    stores: Mapping[str, SchemaStore]
    _digests: dict[str, str | None] = field(default_factory=dict)
    _closures: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _schemas: dict[tuple[str, str, str], str | None] = field(default_factory=dict)

    # --- labels of an app's inputs ----------------------------------------------

    def inputs(
        self,
        spec: str,
        environment: str,
        consulted: Iterable[str],
        kinds: Iterable[tuple[str, str]],
    ) -> tuple[tuple[str, str], ...]:
        """The ``from`` lines of an app: its spec (path relative to the
        repository), its environment, the templates ``consulted`` (and what
        they include), the spec schema, the schema of each (apiVersion, kind)."""
        labels = {
            spec,
            self.environment_label(environment),
            f"{self.repo.schemas_dir.name}/modeldeployment.v1.json",
        }
        for name in consulted:
            labels.update(self.template_closure(name))
        store = self.stores[environment]
        for api_version, kind in kinds:
            key = (environment, api_version, kind)
            if key not in self._schemas:
                self._schemas[key] = schema_label(store, api_version, kind)
            label = self._schemas[key]
            if label is not None:
                labels.add(label)
        out = []
        for label in sorted(labels):
            digest = self.digest(label)
            out.append((label, digest if digest is not None else "0" * 64))
        return tuple(out)

    def environment_label(self, environment: str) -> str:
        return f"environments/{environment}/environment.yaml{DATA}"

    def template_closure(self, name: str) -> tuple[str, ...]:
        """``render/templates/<name>`` and every template it includes,
        imports or extends, transitively (a name computed at render time:
        every template of the folder)."""
        if name not in self._closures:
            self._closures[name] = tuple(sorted(self._closure(name)))
        return self._closures[name]

    def _closure(self, name: str) -> set[str]:
        import jinja2
        from jinja2 import meta

        seen: set[str] = set()
        todo = [name]
        folder = self.templates.folder
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            path = folder / current
            if not path.is_file():
                continue
            try:
                parsed = self.templates.environment.parse(
                    path.read_text(encoding="utf-8")
                )
            except (OSError, UnicodeError, jinja2.TemplateSyntaxError):
                continue  # rendering it fails anyway; the digest still counts
            for found in meta.find_referenced_templates(parsed):
                if found is None:  # computed: any template of the folder
                    todo.extend(p.name for p in folder.iterdir() if p.is_file())
                else:
                    todo.append(found)
        prefix = self.templates.display
        return {f"{prefix}/{n}" for n in seen}

    # --- digests ------------------------------------------------------------------

    def digest(self, label: str) -> str | None:
        """The digest of the input ``label`` now; None when it is gone."""
        if label not in self._digests:
            self._digests[label] = self._compute(label)
        return self._digests[label]

    def _compute(self, label: str) -> str | None:
        if label.endswith(DATA):
            environment = label.split("/")[1]
            data = self.environments.get(environment)
            return data_digest(data) if data is not None else None
        path = self._path(label)
        if path is None:
            return None
        try:
            return sha256(path.read_bytes())
        except OSError:
            return None

    def _path(self, label: str) -> Path | None:
        head, _, rest = label.partition("/")
        if head == KUBERNETES:
            from modelrail.render.kubeschema import kubernetes_schemas

            return kubernetes_schemas() / rest
        if label.startswith(f"{CRDS}/") and self.stores:
            crd_dir = next(iter(self.stores.values())).crd_dir
            return crd_dir / label.removeprefix(f"{CRDS}/")
        return self.repo.root / label

    def fresh(self, record: RenderSum, spec: str, environment: str) -> bool:
        """Whether ``record`` was made from exactly today's inputs, by this
        modelrail, for the spec at ``spec``."""
        if record.made_by != made_by():
            return False
        labels = {label for label, _ in record.inputs}
        if spec not in labels or self.environment_label(environment) not in labels:
            return False
        return all(self.digest(label) == digest for label, digest in record.inputs)


KUBERNETES = "kubernetes-validate"  # a core kind's schema, in that package


def schema_label(store: SchemaStore, api_version: str, kind: str) -> str | None:
    """The input label of the schema a manifest of that kind is validated
    against: ``kubernetes-validate/<version folder>/<file>``, or
    ``schemas/crds/<group>/<file>`` wherever the CRD folder is (its content
    counts, not its place)."""
    path = store.schema_path(api_version, kind)
    if path is None:
        return None
    base = store.schema_dir.parent
    if path.is_relative_to(base):
        return f"{KUBERNETES}/{path.relative_to(base).as_posix()}"
    return f"{CRDS}/{path.relative_to(store.crd_dir).as_posix()}"
