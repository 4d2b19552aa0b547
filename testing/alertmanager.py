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

import socket
import subprocess
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import requests

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
_STOP_TIMEOUT = 10.0
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ready(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/-/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=_STOP_TIMEOUT)


def _tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def running_alertmanager(folder: Path, config_text: str = CONFIG) -> Iterator[str]:
    """An Alertmanager, its base URL (``http://127.0.0.1:<port>``) while the
    block runs; stopped after (terminate, wait, kill). Its config
    (``config_text``, by default one receiver that sends nothing), storage
    and log are in ``folder``."""
    alertmanager = require_tool(*ALERTMANAGER)
    config = folder / "alertmanager.yml"
    config.write_text(config_text, encoding="utf-8")
    for attempt in range(1, _STARTS + 1):
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        storage = folder / f"alertmanager-data-{attempt}"
        storage.mkdir(parents=True, exist_ok=True)
        log = folder / f"alertmanager-{attempt}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [alertmanager, f"--config.file={config}",
                 f"--storage.path={storage}",
                 f"--web.listen-address=127.0.0.1:{port}",
                 "--cluster.listen-address="],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + _READY_TIMEOUT
            while process.poll() is None and not _ready(base_url):
                if time.monotonic() > deadline:
                    raise AlertmanagerError(
                        f"Alertmanager not ready after {_READY_TIMEOUT:.0f} s:\n"
                        + _tail(log)
                    )
                time.sleep(0.1)
            if process.poll() is not None:
                text = _tail(log)
                if "address already in use" in text and attempt < _STARTS:
                    continue  # the port was taken between the probe and the start
                raise AlertmanagerError(
                    f"Alertmanager exited with {process.returncode}:\n{text}"
                )
            yield base_url
            return
        finally:
            _stop(process)
    raise AssertionError("unreachable")  # pragma: no cover


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
