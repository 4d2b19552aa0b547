"""Real servers for tests, on a free port of 127.0.0.1: the one start loop.

Prometheus, Alertmanager and the MLflow server all start the same way: a
free port is found, the server is started on it with its output in a log, and
its readiness URL is polled; a server that exits because the port was taken
between the probe and the start is started again on another port (a few
times); one that exits for another reason, or is not ready in time, is an
error with the end of its log. The server is stopped when the block ends.
"""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, wait, kill."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def serving(
    name: str,
    command: Callable[[int], Sequence[str]],
    folder: Path,
    *,
    ready: str,
    error: type[Exception],
    starts: int = 5,
    ready_timeout: float = 30.0,
    poll: float = 0.1,
    stopper: Callable[[subprocess.Popen[bytes]], None] = stop,
    **popen: Any,
) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:<port>``) of the server ``command(port)``
    starts, once ``<base URL><ready>`` answers 200, while the block runs; its
    log is ``folder/<name>-<attempt>.log``. ``error``: what a server that does
    not start raises."""
    for attempt in range(1, starts + 1):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = folder / f"{name.lower()}-{attempt}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                list(command(port)),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                **popen,
            )
        try:
            deadline = time.monotonic() + ready_timeout
            while process.poll() is None and not answers(base_url + ready):
                if time.monotonic() > deadline:
                    raise error(
                        f"{name} not ready after {ready_timeout:.0f} s:\n" + tail(log)
                    )
                time.sleep(poll)
            if process.poll() is not None:
                text = tail(log)
                if "already in use" in text.lower() and attempt < starts:
                    continue  # the port was taken between the probe and the start
                raise error(f"{name} exited with {process.returncode}:\n{text}")
            yield base_url
            return
        finally:
            stopper(process)
    raise AssertionError("unreachable")  # pragma: no cover
