"""HTTP for the evidence sources: timeouts, bounded retries, clear errors.

One :class:`Endpoint` per source (Prometheus, the MLflow registry) wraps a
``requests`` session. Every request has a connect and a read timeout.
Connection errors (refused, reset, a connect timeout), 429 and 5xx answers
are retried a bounded number of times, with exponential backoff (an
answer's ``Retry-After``, in seconds, is honoured up to :data:`MAX_DELAY`); a
read timeout is not retried (the server is there, and slow: waiting again
would only double the wait). Whatever still fails becomes a
:class:`SourceError` that names the source, its URL and what to do: the CLI
prints it and exits 2. An unreachable source is never a pass.

URLs never carry credentials (:func:`base_url` refuses them); tokens come
from environment variables only (``modelrail.gate.auth``), and no message
repeats them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from modelrail.errors import ModelrailError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_DELAY = 30.0  # seconds: the longest wait between two attempts
_SNIPPET = 120  # characters of a nonsense answer quoted in its error


class SourceError(ModelrailError):
    """An evidence source that cannot be read: down, slow, refusing the
    credentials, or answering something that is not its API."""


@dataclass(frozen=True, slots=True)
class Settings:
    timeout: float = 10.0  # seconds, to connect and to read an answer
    retries: int = 3  # attempts after the first, for connection errors, 429, 5xx
    backoff: float = 0.5  # seconds before the first retry, doubled each time


@dataclass(frozen=True, slots=True)
class Auth:
    """The ``Authorization`` header a source gets, and where it came from."""

    header: str | None = None
    variables: str = ""  # the environment variable(s), named in 401/403 errors


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any  # parsed JSON


def base_url(url: str, what: str) -> str:
    """``url`` checked (http or https, a host, no credentials, no query) and
    without a trailing slash; a ``UsageError`` that names ``what`` else."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UsageError(f"{what} {url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what} {url!r} is not an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            f"{what} carries credentials in its URL: remove them, and give a "
            "token in an environment variable instead (docs/gate.md)"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{what} {url!r}: give the base URL, without ?query or #")
    return url.rstrip("/")


class Endpoint:
    """GET requests to one source, as JSON."""

    def __init__(
        self,
        name: str,
        url: str,
        settings: Settings,
        auth: Auth | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import requests

        self.name = name  # "Prometheus", "the MLflow registry"
        self.url = url
        self.settings = settings
        self.auth = auth or Auth()
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers["Accept"] = "application/json"
        if self.auth.header is not None:
            self._session.headers["Authorization"] = self.auth.header

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def where(self) -> str:
        return f"{self.name} at {self.url}"

    def get(self, path: str, params: Mapping[str, str]) -> Answer:
        """The JSON answer to ``GET url + path``. An answer other than 2xx
        whose body is JSON is returned (the API says what went wrong in it);
        401/403, retries used up, and anything that is not JSON raise."""
        response = self._send(path, params)
        status = response.status_code
        if status in (401, 403):
            hint = (
                f"check the token in {self.auth.variables}"
                if self.auth.header is not None
                else f"it needs a token: set {self.auth.variables}"
            )
            raise SourceError(
                f"{self.where} answered HTTP {status} {response.reason} to "
                f"{path}: {hint}"
            )
        try:
            body = response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type")
            raise SourceError(
                f"{self.where} answered HTTP {status} to {path} with {kind}, not "
                f"JSON ({_snippet(response.text)}): is {self.url} the base URL of "
                f"its API?"
            ) from None
        if status >= 300 and not isinstance(body, dict):
            raise SourceError(f"{self.where} answered HTTP {status} to {path}")
        return Answer(status, body)

    def _send(self, path: str, params: Mapping[str, str]) -> requests.Response:
        import requests

        settings = self.settings
        attempts = settings.retries + 1
        for attempt in range(1, attempts + 1):
            delay = settings.backoff * 2 ** (attempt - 1)
            try:
                response = self._session.get(
                    self.url + path,
                    params=dict(params),
                    timeout=(settings.timeout, settings.timeout),
                    allow_redirects=True,
                )
            except requests.exceptions.ReadTimeout:
                raise SourceError(
                    f"{self.where} did not answer {path} within "
                    f"{settings.timeout:g} s: it is overloaded or the query too "
                    "heavy (raise --timeout, or shorten --window)"
                ) from None
            except requests.exceptions.SSLError as exc:
                raise SourceError(
                    f"{self.where}: TLS failed ({_reason(exc)})"
                ) from None
            except requests.exceptions.ConnectionError as exc:
                if attempt == attempts:
                    raise SourceError(
                        f"{self.where} {_unreachable(exc, settings.timeout)} "
                        f"({_tries(attempts)}): is it running, and is the URL "
                        "right?"
                    ) from None
            except requests.exceptions.RequestException as exc:
                raise SourceError(
                    f"{self.where} broke off the answer to {path}: {_reason(exc)}"
                ) from None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                if attempt == attempts:
                    raise SourceError(
                        f"{self.where} answered HTTP {response.status_code} "
                        f"{response.reason} to {path} ({_tries(attempts)}): "
                        f"{_snippet(response.text)}"
                    )
                delay = _retry_after(response, delay, settings.backoff)
                response.close()
            if delay > 0:
                self._sleep(min(delay, MAX_DELAY))
        raise AssertionError("unreachable")  # pragma: no cover


def _tries(attempts: int) -> str:
    return "1 attempt" if attempts == 1 else f"{attempts} attempts"


def _retry_after(response: requests.Response, delay: float, backoff: float) -> float:
    """The wait a 429 or 503 asks for (in seconds), when backoff is on."""
    value = response.headers.get("Retry-After", "")
    if backoff <= 0 or not value.strip().isdigit():
        return delay
    return max(delay, float(value))


def _reason(exc: BaseException) -> str:
    """The innermost cause's text, without urllib3's wrapping."""
    inner: Any = exc
    for _ in range(5):
        nested = getattr(inner, "reason", None) or (
            inner.args[0]
            if inner.args and isinstance(inner.args[0], Exception)
            else None
        )
        if not isinstance(nested, Exception):
            break
        inner = nested
    text = str(inner)
    text = re.sub(r"^<[^>]*>: ", "", text)  # urllib3's "<connection object>: "
    text = re.sub(r"^HTTP\w*\(host=[^)]*\): ", "", text)
    return _snippet(text)


def _unreachable(exc: BaseException, timeout: float) -> str:
    import requests

    text = _reason(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"did not accept a connection within {timeout:g} s"
    if "refused" in text.lower():
        return "refused the connection"
    if "resolve" in text.lower() or "name or service" in text.lower():
        return f"cannot be found: its host name does not resolve ({text})"
    return f"cannot be reached ({text})"


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    if not flat:
        return "an empty answer"
    return repr(flat if len(flat) <= _SNIPPET else flat[:_SNIPPET] + "...")
