"""The MLflow registry, read through its REST API 2.0 (no MLflow client).

Four calls, all GET:

- ``/api/2.0/mlflow/model-versions/get?name=&version=``: a version;
- ``/api/2.0/mlflow/registered-models/alias?name=&alias=``: the version an
  alias points at;
- ``/api/2.0/mlflow/model-versions/search?filter=name='...'``: every version
  of a registered model (paged), to find the baseline by its tag;
- ``/api/2.0/mlflow/runs/get?run_id=``: a run, for its metrics (the latest
  value of each).

"Not there" (MLflow's ``RESOURCE_DOES_NOT_EXIST``, or an alias that is not
set) is an answer, returned as None for the caller to judge; any other error
is a :class:`SourceError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.gate.evidence import decimal
from modelrail.gate.transport import SourceError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

    from modelrail.gate.transport import Answer, Endpoint

API = "/api/2.0/mlflow"
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"
MAX_PAGES = 100  # of model-versions/search: a registry that pages forever is broken
PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Version:
    """A registered model version, as the registry describes it."""

    name: str
    version: str
    source: str
    run_id: str
    status: str  # READY, PENDING_REGISTRATION, FAILED_REGISTRATION
    tags: Mapping[str, str]
    storage_location: str = ""  # MLflow 3: where a logged model's files are

    @classmethod
    def of(cls, data: Any, endpoint: Endpoint, call: str) -> Version:
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise _shape(endpoint, call, "no model_version.version")
        tags = data.get("tags", [])
        if not isinstance(tags, list) or not all(
            isinstance(t, dict) and isinstance(t.get("key"), str) for t in tags
        ):
            raise _shape(endpoint, call, "model_version.tags is not a list of tags")
        return cls(
            name=str(data.get("name", "")),
            version=data["version"],
            source=str(data.get("source", "")),
            run_id=str(data.get("run_id", "")),
            status=str(data.get("status", "READY")),
            tags={t["key"]: str(t.get("value", "")) for t in tags},
            storage_location=str(data.get("storage_location", "")),
        )


class ModelRegistry:
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    @property
    def where(self) -> str:
        return f"the registry at {self.endpoint.url}"

    def version(self, name: str, version: str) -> Version | None:
        call = "model-versions/get"
        answer = self._get(call, {"name": name, "version": version})
        if _not_found(answer):
            return None
        self._ok(answer, call)
        return Version.of(answer.body.get("model_version"), self.endpoint, call)

    def alias(self, name: str, alias: str) -> Version | None:
        """The version ``alias`` points at; None when the model or the alias
        does not exist (MLflow answers the latter with INVALID_PARAMETER_VALUE
        "... alias ... not found")."""
        call = "registered-models/alias"
        answer = self._get(call, {"name": name, "alias": alias})
        message = str(answer.body.get("message", "")).lower()
        if _not_found(answer) or (
            answer.status == 400 and "alias" in message and "not found" in message
        ):
            return None
        self._ok(answer, call)
        return Version.of(answer.body.get("model_version"), self.endpoint, call)

    def versions(self, name: str) -> list[Version]:
        """Every version of registered model ``name`` ([] when there is none)."""
        call = "model-versions/search"
        found: list[Version] = []
        token = ""
        for _ in range(MAX_PAGES):
            params = {"filter": f"name='{name}'", "max_results": str(PAGE_SIZE)}
            if token:
                params["page_token"] = token
            answer = self._get(call, params)
            self._ok(answer, call)
            page = answer.body.get("model_versions", [])
            if not isinstance(page, list):
                raise _shape(self.endpoint, call, "model_versions is not a list")
            found.extend(Version.of(v, self.endpoint, call) for v in page)
            token = str(answer.body.get("next_page_token") or "")
            if not token:
                return found
        raise SourceError(
            f"{self.where} kept paging {call} past {MAX_PAGES} pages for {name!r}"
        )

    def run_metrics(self, run_id: str) -> dict[str, Decimal] | None:
        """The latest value of each metric of run ``run_id``; None when the
        run is not there."""
        call = "runs/get"
        answer = self._get(call, {"run_id": run_id})
        if _not_found(answer):
            return None
        self._ok(answer, call)
        run = answer.body.get("run")
        data = run.get("data", {}) if isinstance(run, dict) else None
        metrics = data.get("metrics", []) if isinstance(data, dict) else None
        if not isinstance(metrics, list):
            raise _shape(self.endpoint, call, "no run.data.metrics list")
        out: dict[str, Decimal] = {}
        for metric in metrics:
            try:
                out[str(metric["key"])] = decimal(metric["value"])
            except (TypeError, KeyError, ValueError):
                raise _shape(self.endpoint, call, f"a metric {metric!r}") from None
        return out

    def _get(self, call: str, params: dict[str, str]) -> Answer:
        answer = self.endpoint.get(f"{API}/{call}", params)
        if not isinstance(answer.body, dict):
            raise _shape(self.endpoint, call, "not a JSON object")
        return answer

    def _ok(self, answer: Answer, call: str) -> None:
        if answer.status == 200:
            return
        code = answer.body.get("error_code", "no error_code")
        message = answer.body.get("message", "no message")
        raise SourceError(
            f"{self.endpoint.where} answered {call} with HTTP {answer.status}: "
            f"{code}: {message}"
        )


def _not_found(answer: Answer) -> bool:
    return answer.status == 404 and answer.body.get("error_code") == NOT_FOUND


def _shape(endpoint: Endpoint, call: str, what: str) -> SourceError:
    return SourceError(
        f"{endpoint.where} answered {call} with JSON that is not MLflow's ({what}): "
        f"is {endpoint.url} an MLflow tracking server's base URL?"
    )
