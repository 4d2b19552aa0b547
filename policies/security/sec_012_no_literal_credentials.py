"""No value or key anywhere in the spec looks like a credential.

A credential committed to git is leaked: it stays in the history, in every
clone and fork, in CI logs and in rendered manifests, and rotating it is the
only fix. This scans every string of the document, keys included (labels,
args, env values, descriptions, evidence URLs), for the shapes of common
credentials: AWS access key ids, private key blocks, GitHub, Slack and
Stripe live tokens, Google API keys, JSON Web Tokens and URLs with a
password in them. Messages name the kind and a redacted prefix, never the
value. Not waivable: rotate the credential, then remove it.

Fails::

    spec:
      serving:
        args: ["--feature-store=postgres://scorer:s3cr3t-Pa55@db.example.com/features"]

Passes::

    spec:
      serving:
        args: ["--feature-store=postgres://scorer@db.example.com/features"]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from modelrail.findings import Severity, pointer_token
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-012"
NAME = "no-literal-credentials"
SEVERITY = Severity.ERROR
WAIVABLE = False
REMEDIATION = (
    "Revoke the credential, store its replacement in a Kubernetes Secret and "
    "reference it with secretKeyRef."
)

_CREDENTIAL = re.compile(
    r"(?P<aws>\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)"
    r"|(?P<pem>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)"
    r"|(?P<github>\b(?:gh[pousr]_[A-Za-z0-9]{36}\b|github_pat_[A-Za-z0-9_]{22,}))"
    r"|(?P<slack>\bxox[abprs]-[A-Za-z0-9-]{10,})"
    r"|(?P<google>\bAIza[0-9A-Za-z_-]{35})"
    r"|(?P<stripe>\b[rs]k_live_[0-9A-Za-z]{16,})"
    r"|(?P<jwt>\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"
    # scheme://user:password@, unless the password is a $VAR, a {{ template }},
    # a <placeholder> or a mask of asterisks
    r"|(?P<url>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]*:(?![$<{]|\*+@)[^\s/?#@]+@)"
)
KINDS = {
    "aws": "an AWS access key id",
    "pem": "a private key",
    "github": "a GitHub token",
    "slack": "a Slack token",
    "google": "a Google API key",
    "stripe": "a Stripe live key",
    "jwt": "a JSON Web Token",
    "url": "a URL with a password",
}
# The pre-filter: what every credential above contains. All the strings of a
# spec, joined, go through it at once; only a spec that passes it is walked
# string by string with the full pattern.
_MARKERS = ("eyJ", "PRIVATE KEY", "xox", "k_live_")
_LETTERS = re.compile(r"AKIA|ASIA|AIza")
_GITHUB = re.compile(r"ghp_|gho_|ghu_|ghs_|ghr_|github_pat_")
_USERINFO = re.compile(r"://[^\s/?#@]*:[^\s/?#@]*@")


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    strings: list[Any] = []
    _collect(spec.data, strings)
    try:
        text = "\n".join(strings)
    except TypeError:  # a key that YAML read as a number or a date
        text = "\n".join(map(str, strings))
    if _suspect(text):
        yield from _scan(spec.data, "")


def _collect(mapping: Mapping[Any, Any], out: list[Any]) -> None:
    """Every key and string value under ``mapping``, into ``out`` (fast)."""
    out.extend(mapping)
    _values(mapping.values(), out)


def _values(values: Iterable[Any], out: list[Any]) -> None:
    for value in values:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            _collect(value, out)
        elif isinstance(value, list):
            _values(value, out)


def _suspect(text: str) -> bool:
    return (
        any(marker in text for marker in _MARKERS)
        or _LETTERS.search(text) is not None
        or _GITHUB.search(text) is not None
        or ("@" in text and _USERINFO.search(text) is not None)
    )


def _scan(node: Any, pointer: str) -> Iterator[Hit]:
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{pointer}/{pointer_token(key)}"
            if isinstance(key, str):
                yield from _match(key, where, "key")
            yield from _scan(value, where)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _scan(value, f"{pointer}/{index}")
    elif isinstance(node, str):
        yield from _match(node, pointer, "value")


def _match(text: str, pointer: str, what: str) -> Iterator[Hit]:
    found = _CREDENTIAL.search(text)
    if found is not None:
        kind = found.lastgroup or "url"
        shown = _redact(kind, found[0])
        yield Hit(pointer, f"the {what} contains {KINDS[kind]} ({shown!r})")


def _redact(kind: str, secret: str) -> str:
    """What a message may show of a credential: its well-known prefix."""
    if kind == "pem":
        return secret
    if kind == "url":
        return secret[: secret.index(":", secret.index("://") + 3) + 1] + "…@"
    if secret.startswith("github_pat_"):
        return "github_pat_…"
    return secret[: {"slack": 5, "stripe": 8, "jwt": 3}.get(kind, 4)] + "…"
