"""Network faults: a source that is down, silent, or answering nonsense is a
clear error and exit 2 (never a pass, never a traceback), quickly.

The servers are local: a closed port, a socket that accepts and never
answers, and an ``http.server`` that answers what each test scripts
(counting the requests, so the retries are seen to be bounded).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result
from tests.gate import lab

from modelrail.cli import main
from testing.repo import bundled, copy_repo

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

AT = "2023-11-15T22:13:20Z"
TOKENS = (
    "MODELRAIL_PROMETHEUS_TOKEN",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
)
QUICK = 10.0  # seconds: bounded, on a busy machine too (the retries are counted)


@pytest.fixture(autouse=True)
def no_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in TOKENS:
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    content_type: str = "application/json"


@dataclass
class Fake:
    """A local HTTP server: ``reply(path)`` answers each GET."""

    reply: Callable[[str], Reply]
    url: str = ""
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@contextmanager
def fake(reply: Callable[[str], Reply]) -> Iterator[Fake]:
    server_state = Fake(reply)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server_state.seen.append((self.path, dict(self.headers)))
            answer = server_state.reply(self.path)
            data = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server_state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def always(reply: Reply) -> Callable[[str], Reply]:
    return lambda path: reply


@contextmanager
def silent() -> Iterator[str]:
    """A server that accepts connections (the kernel does, from the backlog)
    and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def closed_port() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def gate(prometheus: str, registry: str, *args: str) -> tuple[Result, float]:
    start = time.monotonic()
    result = CliRunner().invoke(
        main,
        ["gate", "fraud-detector", "--env", "prod", "--root", str(bundled()),
         "--prometheus", prometheus, "--registry", registry, "--at", AT,
         "--backoff", "0", *args],
    )  # fmt: skip
    return result, time.monotonic() - start


def assert_clear_error(result: Result, *messages: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for message in messages:
        # one error line each: the text report's, else stderr's (issue 15)
        said = [
            line
            for line in result.output.splitlines()
            if line.startswith("error: ") and message in line
        ]
        assert len(said) == 1, result.output


def test_a_refused_connection(tmp_path: Any) -> None:
    prometheus, registry = closed_port(), closed_port()
    result, took = gate(prometheus, registry)
    assert_clear_error(
        result,
        f"Prometheus at {prometheus} refused the connection "
        "(4 attempts): is it running, and is the URL right?",
        f"the MLflow registry at {registry} refused the connection (4 attempts)",
    )
    assert took < QUICK
    # the report says so too: nothing was read, nothing passed
    assert "ERROR (2 error)" in result.stdout


@pytest.mark.parametrize(
    ("args", "on_stdout", "on_stderr"),
    [
        ((), 1, 0),  # the text report says it: not again on stderr
        (("--output", "gate.txt"), 0, 1),  # the report is in a file
        (("--format", "json"), 1, 1),  # the attestation holds it; the log too
        (("--format", "markdown"), 1, 1),  # so does the comment
    ],
)
def test_each_error_is_printed_once(
    tmp_path: Path, args: tuple[str, ...], on_stdout: int, on_stderr: int
) -> None:
    repo = copy_repo(tmp_path / "repo")
    prometheus, registry = closed_port(), closed_port()
    result = CliRunner().invoke(
        main,
        ["gate", "fraud-detector", "--env", "prod", "--root", str(repo),
         "--prometheus", prometheus, "--registry", registry, "--at", AT,
         "--retries", "0",
         *(str(tmp_path / a) if a.endswith(".txt") else a for a in args)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    for message in (
        f"Prometheus at {prometheus} refused the connection (1 attempt)",
        f"the MLflow registry at {registry} refused the connection (1 attempt)",
    ):
        assert sum(message in line for line in result.stdout.splitlines()) == (
            on_stdout
        ), result.stdout
        assert sum(message in line for line in result.stderr.splitlines()) == (
            on_stderr
        ), result.stderr
    if on_stdout == 0:
        assert "refused the connection" in (tmp_path / "gate.txt").read_text()


def test_a_server_that_never_answers() -> None:
    with silent() as prometheus, silent() as registry:
        result, took = gate(prometheus, registry, "--timeout", "0.5")
    assert_clear_error(
        result,
        f"Prometheus at {prometheus} did not answer /api/v1/query within 0.5 s",
        f"the MLflow registry at {registry} did not answer "
        "/api/2.0/mlflow/model-versions/get within 0.5 s",
    )
    assert took < QUICK  # a read timeout is not retried


def test_an_html_answer() -> None:
    page = Reply(200, "<!doctype html><title>Sign in</title>", "text/html")
    with fake(always(page)) as server:
        result, took = gate(server.url, server.url)
    assert_clear_error(
        result,
        f"Prometheus at {server.url} answered HTTP 200 to "
        "/api/v1/query with text/html, not JSON ('<!doctype html><title>Sign "
        f"in</title>'): is {server.url} the base URL of its API?",
        f"the MLflow registry at {server.url} answered HTTP 200 "
        "to /api/2.0/mlflow/model-versions/get with text/html, not JSON",
    )
    assert took < QUICK


@pytest.mark.parametrize(
    ("prometheus_body", "registry_body", "prometheus_error", "registry_error"),
    [
        (
            {"status": "success", "data": {"resultType": "matrix", "result": []}},
            {"model_version": {"name": "fraud-detector"}},
            "(result type 'matrix', not a vector)",
            "(no model_version.version)",
        ),
        (
            {"data": []},
            [],
            "(no status)",
            "(not a JSON object)",
        ),
        (
            {"status": "success", "data": {"resultType": "vector",
                                           "result": [{"value": [1, "x"]}]}},
            {"model_version": {"version": "17", "tags": "none"}},
            "(a sample value 'x')",
            "(model_version.tags is not a list of tags)",
        ),
    ],
)  # fmt: skip
def test_json_of_the_wrong_shape(
    prometheus_body: Any, registry_body: Any, prometheus_error: str, registry_error: str
) -> None:
    with (
        fake(always(Reply(200, json.dumps(prometheus_body)))) as prometheus,
        fake(always(Reply(200, json.dumps(registry_body)))) as registry,
    ):
        result, _ = gate(prometheus.url, registry.url)
    assert_clear_error(result)
    assert "is not a Prometheus query result " + prometheus_error in result.stdout
    assert "is not MLflow's " + registry_error in result.stdout


def test_server_errors_are_retried_a_bounded_number_of_times() -> None:
    with fake(always(Reply(503, "overloaded", "text/plain"))) as server:
        result, took = gate(server.url, server.url, "--retries", "2")
    assert_clear_error(
        result,
        f"Prometheus at {server.url} answered HTTP 503 Service "
        "Unavailable to /api/v1/query (3 attempts): 'overloaded'",
    )
    assert len(server.seen) == 6  # 3 for Prometheus' first query, 3 for MLflow's
    assert took < QUICK


def test_a_retry_that_succeeds_is_a_reading() -> None:
    answers = iter(
        [Reply(429, "slow down", "text/plain"), Reply(502, "", "text/plain")]
    )
    empty = {"status": "success", "data": {"resultType": "vector", "result": []}}

    def reply(path: str) -> Reply:
        return next(answers, Reply(200, json.dumps(empty)))

    not_found = {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no"}
    with (
        fake(reply) as prometheus,
        fake(always(Reply(404, json.dumps(not_found)))) as registry,
    ):
        result, _ = gate(prometheus.url, registry.url, "--format", "json")
    assert result.exit_code == 1, result.output  # read: no data, and missed
    verdicts = {
        e["key"]: e["verdict"] for e in lab.attestation(result.stdout)["evidence"]
    }
    assert verdicts == {
        "slo.availability": "no data",
        "slo.errorRate": "no data",
        "slo.latency.p95": "no data",
        "model.registry": "missed",
    }
    assert len(prometheus.seen) == 2 + 3  # two retried, then the three queries


def test_prometheus_refusing_the_query_is_quoted() -> None:
    refusal = {"status": "error", "errorType": "bad_data", "error": "parse error at 1"}
    with fake(always(Reply(400, json.dumps(refusal)))) as server:
        result, _ = gate(server.url, closed_port())
    assert_clear_error(result)
    assert f"error: SLO record: Prometheus at {server.url} refused the query " in (
        result.stdout
    )
    assert ": bad_data: parse error at 1" in result.stdout


def test_an_unknown_path_is_not_an_api(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake(always(Reply(404, "404 page not found", "text/plain"))) as server:
        result, _ = gate(server.url, server.url)
    assert_clear_error(
        result,
        f"Prometheus at {server.url} answered HTTP 404 to "
        "/api/v1/query with text/plain, not JSON ('404 page not found')",
    )


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    denied = Reply(status, json.dumps({"error": "denied"}))
    with fake(always(denied)) as server:
        result, _ = gate(server.url, server.url)
        assert_clear_error(result)
        reason = "Unauthorized" if status == 401 else "Forbidden"
        assert (
            f"error: SLO record: Prometheus at {server.url} answered HTTP {status} "
            f"{reason} to /api/v1/query: it needs a token: set "
            "MODELRAIL_PROMETHEUS_TOKEN\n"
        ) in result.stdout
        assert (
            "/api/2.0/mlflow/model-versions/get: it needs a token: set "
            "MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and "
            "MLFLOW_TRACKING_PASSWORD)\n"
        ) in result.stdout
        monkeypatch.setenv("MODELRAIL_PROMETHEUS_TOKEN", "s3cr3t-prom")
        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ci")
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "s3cr3t-pw")
        server.seen.clear()
        result, _ = gate(server.url, server.url, "--format", "json")
    assert_clear_error(result)
    assert "/api/v1/query: check the token in MODELRAIL_PROMETHEUS_TOKEN\n" in (
        result.stderr
    )
    assert (
        "model-versions/get: check the token in MLFLOW_TRACKING_USERNAME and "
        "MLFLOW_TRACKING_PASSWORD\n"
    ) in result.stderr
    sent = [headers.get("Authorization") for _, headers in server.seen]
    assert sent == ["Bearer s3cr3t-prom", "Basic Y2k6czNjcjN0LXB3"]  # ci:s3cr3t-pw
    assert "s3cr3t" not in result.output


def test_a_token_goes_as_a_bearer_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0ken")
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ignored")
    with fake(always(Reply(500, "{}"))) as server:
        result, _ = gate(closed_port(), server.url, "--retries", "0")
    assert_clear_error(result)
    assert [h.get("Authorization") for _, h in server.seen] == ["Bearer t0ken"]


def test_one_source_down_the_other_is_still_read() -> None:
    not_found = {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no"}
    down = closed_port()
    with fake(always(Reply(404, json.dumps(not_found)))) as registry:
        result, _ = gate(down, registry.url, "--format", "markdown")
    assert_clear_error(result, f"Prometheus at {down} refused")
    assert "| registry version | 17 | registered | ❌ missed |" in result.stdout
    assert "| SLO record | - | readable | ⛔ error |" in result.stdout
    assert "### ⛔ modelrail gate: `fraud-detector` 3.2.0 into prod: error" in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("headers", "delays"),
    [
        ("", [0.5, 1.0, 2.0]),  # doubled each time
        ("2", [2.0, 2.0, 2.0]),  # what the server asks for, when longer
        ("100", [30.0, 30.0, 30.0]),  # never more than MAX_DELAY
    ],
)
def test_the_backoff(headers: str, delays: list[float]) -> None:
    from modelrail.gate.transport import Endpoint, Settings, SourceError

    waited: list[float] = []

    class Busy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(429)
            if headers:
                self.send_header("Retry-After", headers)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        settings = Settings(timeout=5, retries=3, backoff=0.5)
        with (
            Endpoint("Prometheus", url, settings, sleep=waited.append) as endpoint,
            pytest.raises(
                SourceError, match=r"HTTP 429 Too Many Requests .*4 attempts"
            ),
        ):
            endpoint.get("/api/v1/query", {})
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert waited == delays
