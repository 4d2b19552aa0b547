"""A real Alertmanager on 127.0.0.1, for tests of the alerts modelrail renders.

A small, stable API:

- ``running_alertmanager(folder, config_text=CONFIG)``: a context manager
  that starts Alertmanager (Debian's ``prometheus-alertmanager``,
  ``alertmanager`` elsewhere) on a free port of 127.0.0.1 and yields its base
  URL: its storage in ``folder``, clustering off
  (``--cluster.listen-address=``), by default one receiver that sends nothing
  (so an alert stays where the API shows it);
- ``alerts(base_url, matchers)``: the active alerts its API v2 holds that
  match every ``label=value`` of ``matchers`` (``GET /api/v2/alerts``);
- ``wait_for_alerts(base_url, matchers, timeout)``: the same, polled until at
  least one arrives (or ``AlertmanagerError`` after ``timeout`` seconds).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import requests

from testing.servers import serving
from testing.tools import ALERTMANAGER, require_tool

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

__all__ = [
    "AlertmanagerError",
    "alerts",
    "matcher",
    "running_alertmanager",
    "wait_for_alerts",
]

_STARTS = 5  # attempts at a free port (another process may take the one found)
_READY_TIMEOUT = 30.0
_POLL = 0.05  # seconds between two looks at the API

# Every alert goes to a receiver that notifies no one: the tests read the
# API, which holds an alert from the moment it is received until it ends.
CONFIG = """\
route:
  receiver: "null"
receivers:
  - name: "null"
"""


class AlertmanagerError(RuntimeError):
    """Alertmanager did not start, refused a request, or no alert came."""


@contextmanager
def running_alertmanager(folder: Path, config_text: str = CONFIG) -> Iterator[str]:
    """An Alertmanager, its base URL (``http://127.0.0.1:<port>``) while the
    block runs; stopped after (terminate, wait, kill). Its config
    (``config_text``, by default one receiver that sends nothing), storage
    and log are in ``folder``."""
    alertmanager = require_tool(*ALERTMANAGER)
    config = folder / "alertmanager.yml"
    config.write_text(config_text, encoding="utf-8")
    storage = folder / "alertmanager-data"
    storage.mkdir(parents=True, exist_ok=True)

    def command(port: int) -> list[str]:
        return [
            alertmanager, f"--config.file={config}",
            f"--storage.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ]  # fmt: skip

    with serving(
        "Alertmanager", command, folder, ready="/-/ready", error=AlertmanagerError,
        starts=_STARTS, ready_timeout=_READY_TIMEOUT,
    ) as base_url:  # fmt: skip
        yield base_url


def matcher(name: str, value: str) -> str:
    """``name="value"`` as Alertmanager's filter parameter reads it (the value
    quoted and escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'


def alerts(base_url: str, matchers: Mapping[str, str]) -> list[dict[str, Any]]:
    """The active alerts of Alertmanager's API v2 whose labels hold every
    ``matchers`` item, in the order the API gives them."""
    answer = requests.get(
        f"{base_url}/api/v2/alerts",
        params=[("filter", matcher(k, v)) for k, v in matchers.items()]
        + [("active", "true")],
        timeout=10,
    )
    if answer.status_code != 200:
        raise AlertmanagerError(f"HTTP {answer.status_code}: {answer.text}")
    found: list[dict[str, Any]] = answer.json()
    return found


def wait_for_alerts(
    base_url: str, matchers: Mapping[str, str], timeout: float
) -> list[dict[str, Any]]:
    """``alerts(base_url, matchers)`` once it holds at least one alert, polled
    every few milliseconds for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = alerts(base_url, matchers)
        if found:
            return found
        if time.monotonic() > deadline:
            raise AlertmanagerError(
                f"no alert matching {dict(matchers)} in {base_url} after {timeout:g} s"
            )
        time.sleep(_POLL)
