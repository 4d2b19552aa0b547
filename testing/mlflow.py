"""A real MLflow tracking server on 127.0.0.1, and its REST API to fill it.

- ``running_mlflow(folder)``: a context manager that starts ``mlflow server``
  (one gunicorn worker, a SQLite backend store and a local artifact root in
  ``folder``, a free port), waits until ``/health`` answers, yields the base
  URL, and stops the server's whole process group after (terminate, wait,
  kill): nothing is left running;
- ``mlflow_server``: the same as a session-scoped pytest fixture (one server
  for the whole run: it takes a few seconds to create its tables);
- :class:`Populate`: registered models, runs with metrics, model versions
  with sources and tags, aliases, through the REST API 2.0 only (the calls
  a registry's users make; the gate reads through the same API).

The server runs on ``mlflow-skinny`` plus the server's own needs (SQLAlchemy,
alembic, Flask, Flask-CORS, gunicorn: the ``test`` extra), served by gunicorn
(``--gunicorn-opts``): MLflow's default uvicorn app imports its AI gateway,
which needs numpy and aiohttp. Background jobs are switched off
(``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false``): they need pandas and huey,
and a registry does not.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
import requests

from testing.servers import serving
from testing.tools import require_tool

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterator, Mapping
    from pathlib import Path

__all__ = ["MlflowError", "Populate", "mlflow_server", "running_mlflow"]

_STARTS = 3  # attempts at a free port (another process may take the one found)
_READY_TIMEOUT = 120.0  # seconds: the first start creates ~60 tables
_STOP_TIMEOUT = 10.0
API = "/api/2.0/mlflow"


class MlflowError(RuntimeError):
    """The MLflow server did not start, or refused a call."""


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and the gunicorn processes it started: its own process
    group (``start_new_session``). The leader is not reaped until the group
    has been killed, so the group id cannot have been reused by then."""
    if process.returncode is None:
        group = process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_TIMEOUT
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT  # look, do not reap
        while time.monotonic() < deadline:
            if os.waitid(os.P_PID, group, flags) is not None:
                break
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)  # any worker left behind
    process.wait(timeout=_STOP_TIMEOUT)


@contextmanager
def running_mlflow(folder: Path) -> Iterator[str]:
    """An MLflow tracking server with its store in ``folder``; its base URL
    (``http://127.0.0.1:<port>``) while the block runs."""
    mlflow = require_tool("mlflow")
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "PYTHONWARNINGS": "ignore",
    }

    def command(port: int) -> list[str]:
        return [
            mlflow, "server", "--host", "127.0.0.1", "--port", str(port),
            "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
            "--default-artifact-root", str(folder / "artifacts"),
            "--workers", "1", "--gunicorn-opts", "--log-level warning",
        ]  # fmt: skip

    with serving(
        "MLflow", command, folder, ready="/health", error=MlflowError,
        starts=_STARTS, ready_timeout=_READY_TIMEOUT, poll=0.2, stopper=_stop,
        env=env, cwd=folder, start_new_session=True,
    ) as base_url:  # fmt: skip
        yield base_url


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One MLflow tracking server for the session: its base URL."""
    require_tool("mlflow")
    with running_mlflow(tmp_path_factory.mktemp("mlflow")) as url:
        yield url


class Populate:
    """Writes to a registry through MLflow's REST API 2.0."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _post(self, call: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        answer = requests.post(f"{self.base_url}{API}/{call}", json=payload, timeout=30)
        if answer.status_code != 200:
            raise MlflowError(f"{call}: HTTP {answer.status_code}: {answer.text}")
        body: dict[str, Any] = answer.json()
        return body

    def model(self, name: str) -> None:
        self._post("registered-models/create", {"name": name})

    def run(
        self, metrics: Mapping[str, float], tags: Mapping[str, str] | None = None
    ) -> str:
        """A finished run in the default experiment with ``metrics`` logged."""
        created = self._post(
            "runs/create",
            {"experiment_id": "0", "start_time": 0, "tags": _tags(tags)},
        )
        run_id: str = created["run"]["info"]["run_id"]
        self._post(
            "runs/log-batch",
            {
                "run_id": run_id,
                "metrics": [
                    {"key": key, "value": value, "timestamp": 0, "step": 0}
                    for key, value in metrics.items()
                ],
            },
        )
        self._post("runs/update", {"run_id": run_id, "status": "FINISHED"})
        return run_id

    def version(
        self,
        name: str,
        source: str,
        *,
        run_id: str = "",
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """A new version of registered model ``name``: its number."""
        payload: dict[str, Any] = {"name": name, "source": source, "tags": _tags(tags)}
        if run_id:
            payload["run_id"] = run_id
        created = self._post("model-versions/create", payload)
        number: str = created["model_version"]["version"]
        return number

    def alias(self, name: str, alias: str, version: str) -> None:
        self._post(
            "registered-models/alias",
            {"name": name, "alias": alias, "version": version},
        )


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in (tags or {}).items()]
