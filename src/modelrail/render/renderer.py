"""``render``: specs and environments in, the files of ``rendered/`` out (in memory).

For each environment in scope: one folder per model (one file per resource and
a ``kustomization.yaml``), ``_argocd/`` (the AppProject and the
ApplicationSet, and the Application of ``_alerting/``) and, where the
environment declares ``spec.alerting``, ``_alerting/`` (an
AlertmanagerConfig per team, ``render/routing.py``). For each cluster: ``_bootstrap/<cluster>/``, the one root
Application to apply by hand and its project.

Every file is made by a template (``render/templates/``), read back as the
strict loader the specs go through reads it (one document, no duplicate key;
``render/readback``: by the template's shape, or from libyaml's events, the
loader itself for anything unusual and for its messages), and compared with
what it was meant to be (apiVersion, kind, name, namespace): a
template or a value that made anything else is caught here. Then every
manifest is validated against the Kubernetes or CRD schema of its kind; the
first invalid manifest stops the render before anything is written.

Each model's folder also gets its ``render.sum`` (``render/records``): what it
was made from and the sums of its files, by which ``render/pipeline.sync``
trusts it next time instead of rendering it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelrail.errors import ModelrailError, RepositoryError
from modelrail.render import (
    alerts,
    analysis,
    dashboard,
    facts,
    kserve,
    readback,
    routing,
)
from modelrail.render.inputs import clusters
from modelrail.render.templating import TemplateFailure, Templates
from modelrail.repository.layout import RENDER, RENDERED
from modelrail.repository.loader import LoadError, load_text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from modelrail.findings import Location
    from modelrail.render.inputs import EnvironmentFile, Inputs, Model
    from modelrail.render.kubeschema import SchemaStore
    from modelrail.render.records import RenderSum, Sources

PREFIX = RENDERED  # where Argo CD reads the output in the repository
ARGOCD = "_argocd"
ALERTING = "_alerting"
BOOTSTRAP = "_bootstrap"
MARKER = "README.md"
MARKER_TEXT = """\
# rendered/ (generated: do not edit)

Made by `modelrail render` from `environments/` and `render/templates/`; CI runs
`modelrail render --check` and fails when this folder is not what the specs say.
Argo CD syncs it: `_bootstrap/<cluster>/` holds the root Application of each
cluster (apply it once with `kubectl apply -k`), `<env>/_argocd/` the
environment's AppProject and ApplicationSet, `<env>/_alerting/` its alert
routing (an AlertmanagerConfig per team), `<env>/<model>/` one application.
"""
ANALYSIS_TEMPLATE = "analysistemplate.yaml.j2"
DASHBOARD_TEMPLATE = "dashboard.yaml.j2"


class ManifestInvalid(ModelrailError):
    """A rendered manifest failed its schema: nothing is written (exit 2)."""


@dataclass(frozen=True, slots=True)
class Planned:
    """A file a template is meant to make, and the resource it must hold."""

    template: str
    file: str
    api_version: str
    kind: str
    name: str
    namespace: str | None
    values: Mapping[str, Any]


@dataclass
class Output:
    """The rendered tree: paths relative to the output folder, and their text."""

    files: dict[str, str] = field(default_factory=dict)
    environments: tuple[str, ...] = ()
    apps: int = 0
    resources: int = 0


@dataclass(frozen=True, slots=True)
class Made:
    """One model's folder: its files (``render.sum`` included), the (group,
    kind) pairs in it, how many resources, and its record."""

    files: dict[str, str]
    kinds: frozenset[tuple[str, str]]
    resources: int
    record: RenderSum


@dataclass(frozen=True, slots=True)
class Share:
    """What a model's folder gives its environment's folders: the (group,
    kind) pairs the AppProject must allow, and its team and addresses for
    the alert routing."""

    kinds: frozenset[tuple[str, str]]
    team: str
    contacts: tuple[str, ...]

    @classmethod
    def of(cls, record: RenderSum) -> Share:
        """The share of a folder, from its record: the kinds are those of
        the files it lists (a file name says its kind, ``MODEL_KINDS``)."""
        names = {name for name, _ in record.files}
        kinds = frozenset(
            (_group(k.api_version), k.kind) for k in MODEL_KINDS if k.file in names
        )
        return cls(kinds, record.team, record.contacts)


def schema_stores(loaded: Inputs, crd_dir: Path) -> dict[str, SchemaStore]:
    """A schema store per environment of ``loaded``, for its
    ``kubernetesVersion``; a version the installed schemas do not cover is a
    ``SchemaError`` located at that field of the environment file."""
    return stores_for(loaded.environments, crd_dir)


def stores_for(
    environments: Mapping[str, EnvironmentFile], crd_dir: Path
) -> dict[str, SchemaStore]:
    """``schema_stores`` of these environment files."""
    from modelrail.render.kubeschema import SchemaError, SchemaStore, version_problem

    stores = {}
    for name, env in environments.items():
        version = env.data["spec"]["kubernetesVersion"]
        try:
            stores[name] = SchemaStore(version, crd_dir)
        except SchemaError as exc:
            if version_problem(version) is None:
                raise  # not the version: the CRD folder, say
            where = env.doc.locate("/spec/kubernetesVersion")
            raise SchemaError(exc.message, where) from exc
    return stores


def render(
    inputs: Inputs,
    templates: Templates,
    stores: Mapping[str, SchemaStore],
    jobs: int = 1,
) -> Output:
    """Render the environments of ``inputs`` (``stores``: a schema store per
    environment, for its Kubernetes version), all of it, in memory. ``jobs``
    > 1 renders the models in that many processes; the output is the same,
    byte for byte."""
    from modelrail.render import parallel
    from modelrail.render.records import Sources

    sources = Sources(
        inputs.repo,
        templates,
        {name: env.data for name, env in inputs.environments.items()},
        stores,
    )
    out = Output(environments=tuple(inputs.scope))
    tasks = [
        (env_name, index)
        for env_name in inputs.scope
        for index in range(len(inputs.models.get(env_name, ())))
    ]
    made = parallel.run(render_model, tasks, (inputs, templates, stores, sources), jobs)
    shares: dict[str, list[Share]] = {}
    for env_name in inputs.scope:
        for index in range(len(inputs.models.get(env_name, ()))):
            one = made[env_name, index]
            out.files.update(one.files)
            out.apps += 1
            out.resources += one.resources
            shares.setdefault(env_name, []).append(Share.of(one.record))
    out.files.update(
        surroundings(inputs.environments, inputs.scope, shares, templates, stores)
    )
    out.files = dict(sorted(out.files.items()))
    return out


def surroundings(
    environments: Mapping[str, EnvironmentFile],
    scope: Sequence[str],
    shares: Mapping[str, Sequence[Share]],
    templates: Templates,
    stores: Mapping[str, SchemaStore],
) -> dict[str, str]:
    """Every file but the models' folders: the marker, each environment's
    ``_alerting/`` and ``_argocd/`` (from what its models ``shares``), and
    the ``_bootstrap/`` of each cluster (all environments count)."""
    files = {MARKER: MARKER_TEXT}
    for env_name in scope:
        env = environments[env_name]
        mine = shares.get(env_name, ())
        kinds: set[tuple[str, str]] = set()
        for share in mine:
            kinds.update(share.kinds)
        teams = routing.configs_of(env.data, [(s.team, s.contacts) for s in mine])
        if teams:
            planned = plan_alerting(env.data, env.source, teams)
            kinds.update((_group(p.api_version), p.kind) for p in planned)
            files.update(
                _render_folder(
                    f"{env_name}/{ALERTING}",
                    planned,
                    templates,
                    stores[env_name],
                    env.doc.locate("/spec/alerting"),
                )
            )
        planned = plan_argocd(env.data, env.source, sorted(kinds), bool(teams))
        files.update(
            _render_folder(
                f"{env_name}/{ARGOCD}",
                planned,
                templates,
                stores[env_name],
                env.doc.locate("/metadata/name"),
            )
        )
    for cluster, members in clusters(environments).items():
        first = environments[members[0]]
        planned = plan_bootstrap(cluster, [environments[m].data for m in members])
        files.update(
            _render_folder(
                f"{BOOTSTRAP}/{cluster}",
                planned,
                templates,
                stores.get(members[0]) or stores[scope[0]],
                first.doc.locate("/spec/cluster/name"),
                extra=[f"../../{m}/{ARGOCD}" for m in members],
            )
        )
    return files


def render_model(
    task: tuple[str, int],
    state: tuple[Inputs, Templates, Mapping[str, SchemaStore], Sources],
) -> Made:
    """The folder of the ``index``-th model of environment ``env_name``."""
    inputs, templates, stores, sources = state
    env_name, index = task
    model = inputs.models[env_name][index]
    return render_app(
        model, env_name, inputs.environments[env_name].data, templates, stores, sources
    )


def render_app(
    model: Model,
    env_name: str,
    env: Mapping[str, Any],
    templates: Templates,
    stores: Mapping[str, SchemaStore],
    sources: Sources,
) -> Made:
    """One model's folder, its ``render.sum`` included."""
    from modelrail.render.records import RECORD, RenderSum, made_by, sha256

    templates.consulted.clear()
    folder = f"{env_name}/{model.name}"
    planned = plan_model(model, env, templates)
    files = _render_folder(
        folder,
        planned,
        templates,
        stores[env_name],
        model.doc.locate("/metadata/name"),
    )
    record = RenderSum(
        made_by(),
        sources.inputs(
            model.source,
            env_name,
            sorted(templates.consulted),
            sorted({(p.api_version, p.kind) for p in planned}),
        ),
        tuple(
            (path.rpartition("/")[2], sha256(text.encode("utf-8")))
            for path, text in files.items()
        ),
        model.doc.data["metadata"]["team"],
        routing.addresses(model.doc.data),
    )
    files[f"{folder}/{RECORD}"] = record.text(folder)
    kinds = frozenset((_group(p.api_version), p.kind) for p in planned)
    return Made(files, kinds, len(planned), record)


@dataclass(frozen=True, slots=True)
class Kind:
    """A resource a model may have: its template, file, apiVersion and kind,
    the name it takes (a key of ``facts.model_facts()["names"]``) and when."""

    template: str
    file: str
    api_version: str
    kind: str
    name: str = "stable"
    when: str = "always"  # a key of plan_model's "wanted"


MODEL_KINDS = (
    Kind(
        "serviceaccount.yaml.j2",
        "serviceaccount.yaml",
        "v1",
        "ServiceAccount",
        "account",
    ),
    Kind("configmap.yaml.j2", "configmap.yaml", "v1", "ConfigMap", "config"),
    Kind("service.yaml.j2", "service.yaml", "v1", "Service", when="rollout"),
    Kind(
        "service.yaml.j2", "service-canary.yaml", "v1", "Service", "canary", "rollout"
    ),
    Kind(
        "rollout.yaml.j2",
        "rollout.yaml",
        "argoproj.io/v1alpha1",
        "Rollout",
        when="rollout",
    ),
    Kind(
        "hpa.yaml.j2",
        "hpa.yaml",
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        when="rollout",
    ),
    Kind(
        "inferenceservice.yaml.j2",
        "inferenceservice.yaml",
        "serving.kserve.io/v1beta1",
        "InferenceService",
        when="kserve",
    ),
    Kind("pdb.yaml.j2", "pdb.yaml", "policy/v1", "PodDisruptionBudget"),
    Kind(
        "networkpolicy.yaml.j2",
        "networkpolicy.yaml",
        "networking.k8s.io/v1",
        "NetworkPolicy",
        when="network",
    ),
    Kind(
        "ingress.yaml.j2",
        "ingress.yaml",
        "networking.k8s.io/v1",
        "Ingress",
        when="ingress",
    ),
    Kind(
        "virtualservice.yaml.j2",
        "virtualservice.yaml",
        "networking.istio.io/v1",
        "VirtualService",
        when="istio",
    ),
    Kind(
        "httproute.yaml.j2",
        "httproute.yaml",
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        when="gateway-api",
    ),
    Kind(
        "service-metrics.yaml.j2",
        "service-metrics.yaml",
        "v1",
        "Service",
        "metrics",
        when="metrics",
    ),
    Kind(
        "servicemonitor.yaml.j2",
        "servicemonitor.yaml",
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
        when="metrics",
    ),
    Kind(
        "prometheusrule.yaml.j2",
        "prometheusrule.yaml",
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        when="metrics",
    ),
    Kind(
        "dashboard.yaml.j2",
        "dashboard.yaml",
        "v1",
        "ConfigMap",
        "dashboard",
        when="dashboard",
    ),
    Kind(
        ANALYSIS_TEMPLATE,
        "analysistemplate.yaml",
        "argoproj.io/v1alpha1",
        "AnalysisTemplate",
        when="analysis",
    ),
)


def plan_model(
    model: Model, env: Mapping[str, Any], templates: Templates
) -> list[Planned]:
    """The files of one model's folder, in file-name order."""
    spec = model.doc.data["spec"]
    values = facts.model_facts(model.doc, env, model.source)
    names = values["names"]
    rollout = spec["serving"]["runtime"] == "container"
    if not rollout:  # KServe: an InferenceService instead of Rollout and Services
        values.update(kserve.values(model.doc, values))
    # the monitoring resources need a metrics endpoint to scrape
    metrics = "metrics" in spec["serving"]["endpoints"]
    if metrics:
        values["rule_groups"] = alerts.groups(model.doc.data, env, values["namespace"])
    dashboards = metrics and templates.exists(DASHBOARD_TEMPLATE)
    if dashboards:
        values["dashboard"] = dashboard_values(model, env, values)
    # an AnalysisTemplate is rendered, and canary steps refer to it, only
    # where the templates make one and a step asks for analysis (model_facts
    # made sure there are metrics and a Prometheus)
    analysed = (
        rollout
        and templates.exists(ANALYSIS_TEMPLATE)
        and facts.analysis_step(spec) is not None
    )
    if analysed:
        values["analysis"] = analysis.template_spec(
            model.doc.data, env, values["namespace"]
        )
    values["steps"] = facts.canary_steps(spec, names["stable"] if analysed else None)
    router = values["router"]["type"]
    wanted = {
        "metrics": metrics,
        "analysis": analysed,
        "dashboard": dashboards,
        "always": True,
        "rollout": rollout,
        "kserve": not rollout,
        "network": values["network"] is not None,
        # KServe routes through Knative: the router's resources are Argo's
        "ingress": rollout and router in ("nginx", "alb"),
        "istio": rollout and router == "istio",
        "gateway-api": rollout and router == "gateway-api",
    }
    planned = [
        Planned(
            kind.template,
            kind.file,
            kind.api_version,
            kind.kind,
            names[kind.name],
            values["namespace"],
            {**values, "service_name": names[kind.name]},
        )
        for kind in MODEL_KINDS
        if wanted[kind.when]
    ]
    return sorted(planned, key=lambda p: p.file)


def dashboard_values(
    model: Model, env: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """What the dashboard's ConfigMap holds: the JSON (``render/dashboard``),
    its file name, and the labels and annotation the Grafana sidecar reads."""
    data = model.doc.data
    # the text straight from the SDK's model: build() and text() would
    # serialise it twice (once to make the dict that text() serialises)
    text = dashboard.rendered(data, env, values["namespace"], model.source)
    uid = dashboard.uid(env["metadata"]["name"], data["metadata"]["name"])
    return {
        "json": text,
        "file": f"{uid}.json",
        "labels": {**values["labels"], dashboard.SIDECAR_LABEL: "1"},
        "annotations": {
            **values["annotations"],
            dashboard.FOLDER_ANNOTATION: data["metadata"]["team"],
        },
    }


def plan_alerting(
    env: Mapping[str, Any], source: str, teams: Mapping[str, dict[str, Any]]
) -> list[Planned]:
    """One AlertmanagerConfig per team, in the environment's namespace."""
    name = env["metadata"]["name"]
    namespace = env["spec"]["namespace"]
    return [
        Planned(
            "alertmanagerconfig.yaml.j2",
            f"{team}.yaml",
            "monitoring.coreos.com/v1alpha1",
            "AlertmanagerConfig",
            routing.name(team),
            namespace,
            {
                "resource_name": routing.name(team),
                "namespace": namespace,
                "config": config,
                "labels": {
                    "app.kubernetes.io/managed-by": facts.MANAGED_BY,
                    "modelrail.io/environment": name,
                    "modelrail.io/team": team,
                },
                "annotations": {"modelrail.io/source": source},
            },
        )
        for team, config in sorted(teams.items())
    ]


def alerting_application(environment: str) -> str:
    """The Application of ``_alerting/``: no model's Application
    (``<env>-<model>``) can take the name, as no name starts or ends with
    ``-`` (DNS labels)."""
    return f"{environment}--alerting"


def plan_argocd(
    env: Mapping[str, Any],
    source: str,
    kinds: list[tuple[str, str]],
    alerting: bool = False,
) -> list[Planned]:
    spec = env["spec"]
    name = env["metadata"]["name"]
    argocd = spec["argocd"]
    values = {
        "environment": name,
        "namespace": spec["namespace"],
        "cluster": spec["cluster"],
        "argocd": argocd,
        "prefix": f"{PREFIX}/{name}",
        "description": f"modelrail: the models of environment {name}",
        "kinds": [{"group": group, "kind": kind} for group, kind in kinds],
        "sync_policy": _sync_policy(argocd["syncPolicy"]),
        "labels": {
            "app.kubernetes.io/managed-by": facts.MANAGED_BY,
            "modelrail.io/environment": name,
        },
        "annotations": {"modelrail.io/source": source},
    }
    ns = argocd["namespace"]
    extra = []
    if alerting:
        application = alerting_application(name)
        extra.append(
            Planned(
                "alerting-application.yaml.j2",
                "alerting.yaml",
                "argoproj.io/v1alpha1",
                "Application",
                application,
                ns,
                {**values, "application_name": application},
            )
        )
    return [
        *extra,
        Planned(
            "appproject.yaml.j2",
            "appproject.yaml",
            "argoproj.io/v1alpha1",
            "AppProject",
            argocd["project"],
            ns,
            values,
        ),
        Planned(
            "applicationset.yaml.j2",
            "applicationset.yaml",
            "argoproj.io/v1alpha1",
            "ApplicationSet",
            argocd["project"],
            ns,
            values,
        ),
    ]


def plan_bootstrap(cluster: str, envs: list[Mapping[str, Any]]) -> list[Planned]:
    argocd = envs[0]["spec"]["argocd"]
    root = f"modelrail-{cluster}"
    names = ", ".join(e["metadata"]["name"] for e in envs)
    values = {
        "root_name": root,
        "argocd": argocd,
        "path": f"{PREFIX}/{BOOTSTRAP}/{cluster}",
        "description": f"modelrail bootstrap of cluster {cluster} (environments {names})",
        "labels": {
            "app.kubernetes.io/managed-by": facts.MANAGED_BY,
            "modelrail.io/cluster": cluster,
        },
    }
    ns = argocd["namespace"]
    return [
        Planned(
            "bootstrap-project.yaml.j2",
            "appproject.yaml",
            "argoproj.io/v1alpha1",
            "AppProject",
            root,
            ns,
            values,
        ),
        Planned(
            "root-application.yaml.j2",
            "application.yaml",
            "argoproj.io/v1alpha1",
            "Application",
            root,
            ns,
            values,
        ),
    ]


def _sync_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if policy.get("automated"):
        out["automated"] = {
            "prune": bool(policy.get("prune", False)),
            "selfHeal": bool(policy.get("selfHeal", False)),
        }
    # PruneLast: old resources go after the new ones are healthy
    out["syncOptions"] = ["PruneLast=true"]
    retry = policy.get("retry")
    if retry:
        entry: dict[str, Any] = {}
        if "limit" in retry:
            entry["limit"] = retry["limit"]
        if retry.get("backoff"):
            entry["backoff"] = {
                k: (facts.go_duration(v) if k != "factor" else v)
                for k, v in retry["backoff"].items()
            }
        out["retry"] = entry
    return out


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def _render_folder(
    folder: str,
    planned: list[Planned],
    templates: Templates,
    store: SchemaStore,
    where: Location,
    extra: list[str] | None = None,
) -> dict[str, str]:
    files: dict[str, str] = {}
    for item in planned:
        # the text, and its parts around the filters' outputs: read back by
        # its shape where the same template made the same shape before
        text, parts, slots = templates.render_parts(item.template, dict(item.values))
        data = None if parts is None else readback.shaped(parts, slots, text)
        manifest = _parse_back(text, item, templates, folder, data)
        problems = store.problems(manifest)
        if problems:
            shown = "; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems[:5])
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise ManifestInvalid(
                f"renders an invalid {item.kind} {item.name!r} "
                f"({folder}/{item.file}, template {templates.display}/{item.template}): "
                f"{shown}{more}; fix the spec value or the template",
                where,
            )
        if item.file in files:
            raise TemplateFailure(item.template, 0, f"{item.file} is planned twice")
        files[item.file] = text
    resources = sorted(files) + (extra or [])
    text = templates.render("kustomization.yaml.j2", {"resources": resources})
    kustomization = _parse(
        text, f"{folder}/kustomization.yaml", "kustomization.yaml.j2", templates
    )
    if kustomization.get("resources") != resources:
        raise TemplateFailure(
            f"{templates.display}/kustomization.yaml.j2",
            0,
            "the kustomization does not list exactly the rendered files",
        )
    files["kustomization.yaml"] = text
    return {f"{folder}/{name}": body for name, body in sorted(files.items())}


def _parse(
    text: str, shown: str, template: str, templates: Templates
) -> dict[str, Any]:
    # the values straight from libyaml's events where the text is a plain
    # document (readback: the same values load_text builds); anything else,
    # errors included, is load_text's to read and to report
    data = readback.plain_data(text)
    if data is not None:
        return data
    try:
        return load_text(text, shown).data
    except LoadError as exc:
        raise TemplateFailure(
            f"{templates.display}/{template}",
            0,
            f"its output is not one clean YAML document: {exc}",
        ) from exc


def _parse_back(
    text: str,
    item: Planned,
    templates: Templates,
    folder: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The resource the text holds, which must be exactly the planned one
    (``data``: the text already read, by readback)."""
    if data is None:
        data = _parse(text, f"{folder}/{item.file}", item.template, templates)
    meta = data.get("metadata")
    made = (
        data.get("apiVersion"),
        data.get("kind"),
        meta.get("name") if isinstance(meta, dict) else None,
        meta.get("namespace") if isinstance(meta, dict) else None,
    )
    meant = (item.api_version, item.kind, item.name, item.namespace)
    if made != meant:
        raise TemplateFailure(
            f"{templates.display}/{item.template}",
            0,
            f"made {made[1]} {made[2]!r} ({made[0]}, namespace {made[3]}) where "
            f"{item.kind} {item.name!r} ({item.api_version}, namespace "
            f"{item.namespace}) was meant",
        )
    return data


def templates_of(root: Path) -> Templates:
    """The templates of the repository at ``root`` (``render/templates/``)."""
    folder = root / RENDER / "templates"
    if not folder.is_dir():
        raise RepositoryError(
            f"{folder} is not a folder: the renderer's templates live in "
            "render/templates/ of the repository (copy them from modelrail's)"
        )
    return Templates(folder, "render/templates")
