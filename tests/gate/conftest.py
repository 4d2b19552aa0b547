from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.gate import lab

from testing.mlflow import mlflow_server  # noqa: F401 - a fixture, for the tests here
from testing.prometheus import backfill, openmetrics, running_prometheus
from testing.tools import require_tool

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus holding the lab's staging record: its base URL."""
    require_tool("promtool")
    require_tool("prometheus")
    folder = tmp_path_factory.mktemp("gate-prometheus")
    text = openmetrics(lab.all_series(), lab.START, lab.STEP)
    backfill(text, folder / "data", folder)
    with running_prometheus(folder / "data", folder) as url:
        yield url
