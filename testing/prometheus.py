"""A real Prometheus over synthetic series, for tests of rendered queries.

A small, stable API:

- :class:`Counter` and :class:`Histogram`: synthetic series, one value (or one
  histogram point) per step of a fixed timeline;
- ``openmetrics(series, start, step)``: their OpenMetrics text (``# EOF``
  terminated), as ``promtool tsdb create-blocks-from openmetrics`` reads it;
- ``backfill(text, data_dir, folder)``: that text turned into TSDB blocks;
- ``running_prometheus(data_dir, folder)``: a context manager that serves a
  data folder on 127.0.0.1 (a free port) and yields its base URL; with
  ``rule_files``, ``alertmanagers`` and ``evaluation_interval`` it also
  evaluates rules at the wall clock and sends the alerts that fire;
- ``query(base_url, promql, at)``: an instant query at a fixed time, answered
  as Argo Rollouts' Prometheus provider hands it to the conditions;
- ``vector(base_url, promql, at)``: the same query's series with their labels
  (what a Grafana panel draws).

The timeline is fixed (old timestamps, never the wall clock), so answers are
deterministic; the retention is long, and Prometheus' time retention counts
from the newest block anyway, not from now. Rules are the exception: Prometheus
evaluates them at "now", so data meant for them ends at the wall clock
(``testing/rollback_alerts.py``).
"""

from __future__ import annotations

import math
import re
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
import yaml

from testing.servers import serving
from testing.tools import require_tool

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from pathlib import Path

__all__ = [
    "Counter",
    "Histogram",
    "PrometheusError",
    "backfill",
    "openmetrics",
    "query",
    "running_prometheus",
    "vector",
]

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_STARTS = 5  # attempts at a free port (another process may take the one found)
_READY_TIMEOUT = 30.0


class PrometheusError(RuntimeError):
    """Prometheus refused a query, or did not start."""


@dataclass(frozen=True, slots=True)
class Counter:
    """A counter's samples, one per step from the timeline's start.

    ``name`` is the sample name (``model_requests_total``): its family is the
    name without ``_total``; a name without that suffix is written as an
    ``unknown`` family (OpenMetrics counters must end in ``_total``)."""

    name: str
    labels: Mapping[str, str]
    values: Sequence[float]


@dataclass(frozen=True, slots=True)
class Histogram:
    """A histogram (``name_bucket{le}``, ``name_count``, ``name_sum``), one
    point per step: ``cumulative[i][j]`` is the count of observations at or
    under ``bounds[j]`` at step ``i`` (the ``+Inf`` bucket is ``counts[i]``)."""

    name: str
    labels: Mapping[str, str]
    bounds: Sequence[float]
    cumulative: Sequence[Sequence[float]]
    counts: Sequence[float]
    sums: Sequence[float]

    def __post_init__(self) -> None:
        if list(self.bounds) != sorted(set(self.bounds)) or not all(
            math.isfinite(b) for b in self.bounds
        ):
            raise ValueError(f"{self.name}: bounds must be finite and ascending")
        if not len(self.cumulative) == len(self.counts) == len(self.sums):
            raise ValueError(f"{self.name}: one bucket row, count and sum a step")
        for row, count in zip(self.cumulative, self.counts, strict=True):
            if len(row) != len(self.bounds) or list(row) != sorted(row):
                raise ValueError(f"{self.name}: buckets are cumulative, one a bound")
            if row and row[-1] > count:
                raise ValueError(f"{self.name}: a bucket counts more than _count")

    @classmethod
    def of_observations(
        cls,
        name: str,
        labels: Mapping[str, str],
        bounds: Sequence[float],
        steps: Sequence[Mapping[float, float]],
    ) -> Histogram:
        """The histogram of ``steps[i]``: the observations made during step
        ``i`` (an observed value -> how many times), accumulated."""
        total = [0.0] * len(bounds)
        count = total_sum = 0.0
        cumulative: list[list[float]] = []
        counts: list[float] = []
        sums: list[float] = []
        for observed in steps:
            for value, times in sorted(observed.items()):
                for j, bound in enumerate(bounds):
                    if value <= bound:
                        total[j] += times
                count += times
                total_sum += value * times
            cumulative.append(list(total))
            counts.append(count)
            sums.append(total_sum)
        return cls(name, labels, bounds, cumulative, counts, sums)


@dataclass(slots=True)
class _Family:
    name: str
    kind: str
    lines: list[str] = field(default_factory=list)


def openmetrics(series: Iterable[Counter | Histogram], start: int, step: int) -> str:
    """OpenMetrics text of ``series`` on the timeline ``start + i * step``
    (Unix seconds), families kept together, ``# EOF`` terminated."""
    families: dict[str, _Family] = {}
    for item in series:
        if isinstance(item, Counter):
            total = item.name.endswith("_total")
            name = item.name.removesuffix("_total") if total else item.name
            kind = "counter" if total else "unknown"
        else:
            name, kind = item.name, "histogram"
        family = families.setdefault(name, _Family(name, kind))
        if family.kind != kind:
            raise ValueError(f"{name} is both {family.kind} and {kind}")
        family.lines.extend(_lines(item, start, step))
    out = []
    for family in families.values():
        _check_name(family.name)
        out.append(f"# TYPE {family.name} {family.kind}\n")
        out.extend(family.lines)
    out.append("# EOF\n")
    return "".join(out)


def _lines(item: Counter | Histogram, start: int, step: int) -> Iterator[str]:
    if isinstance(item, Counter):
        labels = _labels(item.labels)
        for i, value in enumerate(item.values):
            yield f"{item.name}{labels} {_value(value)} {start + i * step}\n"
        return
    les = [*map(_value, item.bounds), "+Inf"]
    for i, (row, count, total) in enumerate(
        zip(item.cumulative, item.counts, item.sums, strict=True)
    ):
        at = start + i * step
        for le, value in zip(les, [*row, count], strict=True):
            labels = _labels({**item.labels, "le": le})
            yield f"{item.name}_bucket{labels} {_value(value)} {at}\n"
        labels = _labels(item.labels)
        yield f"{item.name}_count{labels} {_value(count)} {at}\n"
        yield f"{item.name}_sum{labels} {_value(total)} {at}\n"


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a metric name: {name!r}")


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    parts = []
    for key, value in labels.items():
        if not _LABEL.fullmatch(key) or key.startswith("__"):
            raise ValueError(f"not a label name: {key!r}")
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        parts.append(f'{key}="{escaped}"')
    return "{" + ",".join(parts) + "}"


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def backfill(text: str, data_dir: Path, folder: Path) -> None:
    """``text`` (OpenMetrics) as TSDB blocks in ``data_dir``, through
    ``promtool tsdb create-blocks-from openmetrics``; the input file is
    written to ``folder``."""
    promtool = require_tool("promtool")
    source = folder / "backfill.om"
    source.write_text(text, encoding="utf-8")
    data_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet",
         str(source), str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )  # fmt: skip
    if result.returncode != 0:
        raise PrometheusError(
            f"promtool could not backfill {source}:\n{result.stdout}{result.stderr}"
        )


def _config(
    rule_files: Sequence[Path], alertmanagers: Sequence[str], evaluation_interval: str
) -> str:
    if not rule_files and not alertmanagers:
        return "global: {}\nscrape_configs: []\n"
    config: dict[str, Any] = {
        "global": {"evaluation_interval": evaluation_interval},
        "scrape_configs": [],
        "rule_files": [str(path) for path in rule_files],
    }
    if alertmanagers:
        targets = [url.removeprefix("http://") for url in alertmanagers]
        config["alerting"] = {
            "alertmanagers": [
                {"api_version": "v2", "static_configs": [{"targets": targets}]}
            ]
        }
    return yaml.safe_dump(config, sort_keys=False)


@contextmanager
def running_prometheus(
    data_dir: Path,
    folder: Path,
    *,
    rule_files: Sequence[Path] = (),
    alertmanagers: Sequence[str] = (),
    evaluation_interval: str = "1m",
    resend_delay: str = "1m",
) -> Iterator[str]:
    """A Prometheus serving ``data_dir`` (no scrape targets), its base URL
    (``http://127.0.0.1:<port>``) while the block runs; stopped after
    (terminate, wait, kill). Its config and log are written to ``folder``.

    ``rule_files`` (Prometheus rule files) are evaluated every
    ``evaluation_interval``, at the wall clock, and the alerts that fire are
    sent to ``alertmanagers`` (base URLs, ``http://127.0.0.1:<port>``); a
    firing alert is sent again every ``resend_delay``
    (``--rules.alert.resend-delay``, Prometheus' default 1m)."""
    prometheus = require_tool("prometheus")
    config = folder / "prometheus.yml"
    config.write_text(
        _config(rule_files, alertmanagers, evaluation_interval), encoding="utf-8"
    )

    def command(port: int) -> list[str]:
        return [
            prometheus, f"--config.file={config}",
            f"--storage.tsdb.path={data_dir}",
            "--storage.tsdb.retention.time=100y",
            f"--rules.alert.resend-delay={resend_delay}",
            f"--web.listen-address=127.0.0.1:{port}",
        ]  # fmt: skip

    with serving(
        "Prometheus", command, folder, ready="/-/ready", error=PrometheusError,
        starts=_STARTS, ready_timeout=_READY_TIMEOUT,
    ) as base_url:  # fmt: skip
        yield base_url


def _data(base_url: str, promql: str, at: float) -> dict[str, Any]:
    """The ``data`` of Prometheus' answer to an instant query; an error, or an
    answer that is not one, raises :class:`PrometheusError` with its text."""
    answer = requests.get(
        f"{base_url}/api/v1/query",
        params={"query": promql, "time": f"{at:.3f}"},
        timeout=30,
    )
    try:
        body: dict[str, Any] = answer.json()
    except ValueError:
        raise PrometheusError(
            f"HTTP {answer.status_code}: {answer.text} (query {promql!r})"
        ) from None
    if answer.status_code != 200 and "error" in body:
        raise PrometheusError(
            f"{body.get('errorType')}: {body['error']} (query {promql!r})"
        )
    if body.get("status") != "success":
        raise PrometheusError(f"{body.get('error')} in {promql!r}")
    data: dict[str, Any] = body["data"]
    return data


def query(base_url: str, promql: str, at: float) -> list[float] | float:
    """The answer to ``promql`` at ``at`` (Unix seconds), as Argo Rollouts'
    Prometheus provider passes it to the conditions as ``result``: a vector
    is the list of its sample values (``[]`` when empty, ``NaN`` a float
    NaN), a scalar its value. Anything else, or an error, raises
    :class:`PrometheusError` with Prometheus' own text."""
    data = _data(base_url, promql, at)
    if data["resultType"] == "vector":
        return [float(sample["value"][1]) for sample in data["result"]]
    if data["resultType"] == "scalar":
        return float(data["result"][1])
    raise PrometheusError(f"{data['resultType']} answer to {promql!r}")


def vector(base_url: str, promql: str, at: float) -> list[tuple[dict[str, str], float]]:
    """The series ``promql`` answers at ``at`` (Unix seconds), each as its
    labels and value (``[]`` when none): what a panel draws from an instant
    query. An answer that is not a vector raises :class:`PrometheusError`."""
    data = _data(base_url, promql, at)
    if data["resultType"] != "vector":
        raise PrometheusError(f"{data['resultType']} answer to {promql!r}")
    return [
        (dict(sample["metric"]), float(sample["value"][1])) for sample in data["result"]
    ]
