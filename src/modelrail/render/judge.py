"""``check`` judges the dashboards render makes (MR-RENDER-002).

For each spec with a metrics endpoint, the panels ``render/dashboard.rows``
makes (the queries and threshold steps the dashboard's JSON is built from):

- every query is PromQL that Prometheus' parser takes (``promql-parser``, a
  port of Prometheus' own), Grafana's ``$__rate_interval`` and ``$__range``
  read as durations, as Grafana sends them;
- every series a query reads is one the dashboards may read: the metric
  convention of the environment (docs/metrics.md, names overridden by its
  ``spec.monitoring.metrics``), the platform's cAdvisor series, or a
  ``monitoring.business[].metric`` the spec declares. A business ``query``
  that reads a misspelt series (``model_request_total``) draws an empty
  panel and alerts that can never fire: it is reported at its line;
- every threshold step is its spec value (``Limit.expected``: the value at
  its pointer in the spec, in the panel's unit), exactly.

Queries are parsed once per shape: string literals (label values, which
``alerts.string`` quotes) are replaced by one literal before parsing, so the
queries of a thousand models are a few dozen parses. A literal that the
quoting failed to close changes the shape and fails the parse.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from modelrail.findings import Finding, Location, Severity
from modelrail.metrics import Convention
from modelrail.render import dashboard
from modelrail.rules import DASHBOARD_JUDGED

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.repository.loader import Document

# Grafana's variables, as Grafana replaces them before the query is sent
GRAFANA = {"$__rate_interval": "4m", "$__range": "1d", "$__interval": "1m"}
# a string literal, but the one naming a series (``{__name__="bool", ...}``:
# render selects a metric whose name PromQL lexes as a keyword that way)
# (the quote first, then the look behind it: the engine searches for the
# quote alone; and unrolled, ``"[^"\\]*(?:\\.[^"\\]*)*"``, with no alternation
# at every character: the same strings as ``"(?:[^"\\]|\\.)*"``)
_LITERAL = re.compile(r'"(?<!__name__=")[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_HELP = (
    "write the query with the series of docs/metrics.md, or declare the series "
    "as a business metric's `metric`"
)


def problems(doc: Document, env: Mapping[str, Any]) -> list[Finding]:
    """What is wrong with the dashboard ``render`` would make of ``doc``."""
    spec = doc.data
    if "metrics" not in spec["spec"]["serving"]["endpoints"]:
        return []  # no metrics, no dashboard
    allowed = allowed_series(spec, env)
    queries = _business_queries(spec)
    out: list[Finding] = []
    seen: set[str] = set()
    for row in dashboard.rows(spec, env, env["spec"]["namespace"]):
        for panel in row.panels:
            for query in panel.queries:
                if query.expr in seen:
                    continue
                seen.add(query.expr)
                out.extend(_judge_query(doc, panel.title, query.expr, allowed, queries))
            out.extend(_judge_limits(doc, panel))
    return out


def allowed_series(spec: Mapping[str, Any], env: Mapping[str, Any]) -> frozenset[str]:
    """The series a dashboard of ``spec`` may read."""
    names = Convention.of(env)
    latency = names.latency
    business = spec["spec"].get("monitoring", {}).get("business", [])
    return frozenset(
        {
            names.requests,
            f"{latency}_bucket",
            f"{latency}_sum",
            f"{latency}_count",
            names.in_flight,
            names.drift,
            names.quality,
            *dashboard.PLATFORM,
            *(item["metric"] for item in business if "metric" in item),
        }
    )


def _business_queries(spec: Mapping[str, Any]) -> dict[str, str]:
    """Each business query (as the dashboard writes it) -> its pointer."""
    items = spec["spec"].get("monitoring", {}).get("business", [])
    return {
        item["query"]: f"/spec/monitoring/business/{i}/query"
        for i, item in enumerate(items)
        if "query" in item
    }


def _judge_query(
    doc: Document,
    title: str,
    expr: str,
    allowed: frozenset[str],
    business: Mapping[str, str],
) -> list[Finding]:
    error, series = _judge(expr)
    if error is None and allowed.issuperset(series):
        return []  # the usual case: no position needed
    # a business query is the spec's own text: report it at its line
    pointer = next((p for q, p in business.items() if q in expr), None)
    where = doc.locate(pointer) if pointer else doc.locate("/metadata/name")
    if error is not None:
        return [
            _finding(
                where,
                f"the dashboard panel {title!r} has a query Prometheus cannot "
                f"parse: {error}",
                "fix the PromQL (promtool check rules shows the same error)"
                if pointer
                else "report this to the platform team: render made the query",
            )
        ]
    unknown = sorted(set(series) - allowed)
    if not unknown:
        return []
    return [
        _finding(
            where,
            f"the dashboard panel {title!r} reads {', '.join(unknown)}: not a "
            "series of the metric convention or of the spec, so the panel stays "
            "empty (a misspelt name?)",
            _HELP,
        )
    ]


def _judge_limits(doc: Document, panel: dashboard.Panel) -> list[Finding]:
    out = []
    for limit in panel.limits:
        expected = limit.expected(doc.data)
        if limit.value == expected:
            continue
        where = doc.locate(limit.pointer) if limit.pointer else doc.locate("")
        out.append(
            _finding(
                where,
                f"the dashboard panel {panel.title!r} draws a threshold at "
                f"{limit.value}, but the spec says {expected}",
                "report this to the platform team: render made the threshold",
            )
        )
    return out


def _judge(expr: str) -> tuple[str | None, tuple[str, ...]]:
    """(the parser's error or None, the series read) of a dashboard query."""
    if "$__" in expr:  # each variable its own pass: no Python call per match
        for variable, pattern in _VARIABLES:
            if variable in expr:
                expr = pattern.sub(GRAFANA[variable], expr)
    return _parse(_LITERAL.sub('"_"', expr) if '"' in expr else expr)


# each variable of GRAFANA where it is a whole word ($__interval, not the
# $__interval_ms Grafana also has); a replacement never makes another
_VARIABLES = tuple((v, re.compile(re.escape(v) + r"\b")) for v in GRAFANA)


@functools.lru_cache(maxsize=4096)
def _parse(shape: str) -> tuple[str | None, tuple[str, ...]]:
    """(the parser's error or None, the names of the series read)."""
    import promql_parser

    try:
        tree = promql_parser.parse(shape)
    except (ValueError, TypeError) as exc:
        return str(exc) or type(exc).__name__, ()
    names: list[str] = []

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            names.append(node.name or _name_matcher(node))
        return True

    promql_parser.walk(tree, visit)
    return None, tuple(names)


def _name_matcher(node: Any) -> str:
    """A selector without a name: the series its ``__name__="..."`` matcher
    names; any other (a regular expression, no matcher) as written, never in
    the allowed set (a dashboard names the series it reads)."""
    import promql_parser

    for matcher in node.matchers.matchers:
        if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
            return str(matcher.value)
    return str(node)


def _finding(where: Location, message: str, remedy: str) -> Finding:
    return Finding(where, DASHBOARD_JUDGED, Severity.ERROR, message, remedy)
