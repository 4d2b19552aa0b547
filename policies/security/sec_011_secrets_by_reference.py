"""Variables named like secrets read them from a Secret, never from the spec.

A literal ``value`` is committed to git, copied into every rendered manifest
and shown by ``kubectl describe``; a ConfigMap is readable by anyone who can
read the namespace's configuration and is not encrypted at rest. Only a
``secretKeyRef`` keeps the secret out of the repository and under the
Secret's access control. A name looks secret when one of its words (split
on ``_`` and camelCase, case-insensitive) is TOKEN, SECRET, PASSWORD,
PASSWD, PWD, APIKEY, CREDENTIAL(S), or a pair API_KEY, PRIVATE_KEY or
ACCESS_KEY; a name ending in a word about the secret rather than the secret
itself (``OIDC_TOKEN_URL``, ``PASSWORD_MIN_LENGTH``, ``API_KEY_HEADER``,
``DB_PASSWORD_FILE``) is not. Not waivable.

Fails::

    spec:
      serving:
        env:
          - {name: DB_PASSWORD, value: hunter2}

Passes::

    spec:
      serving:
        env:
          - name: DB_PASSWORD
            secretKeyRef: {name: fraud-detector-db, key: password}
          - {name: MAX_OUTPUT_TOKENS, value: "1024"}
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-011"
NAME = "secrets-by-reference"
SEVERITY = Severity.ERROR
WAIVABLE = False
REMEDIATION = (
    "Store the value in a Kubernetes Secret and read it with secretKeyRef "
    "{name, key} instead of value or configMapKeyRef."
)

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
SECRET_WORD = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|PWD|APIKEY|CREDENTIALS?")
SECRET_PAIRS = frozenset({("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY")})
# A last word that makes the name about a secret, not the secret itself.
ABOUT = re.compile(
    r"URL|URI|ENDPOINT|HOST|PORT|HEADER|NAME|TYPE|SCOPE|ISSUER|AUDIENCE"
    r"|TTL|EXPIRY|TIMEOUT|LENGTH|LEN|FILE|PATH|DIR"
)


def looks_secret(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret."""
    words = [w.upper() for w in _WORD.findall(name)]
    if not words or words == ["PWD"]:  # $PWD is the working directory
        return False
    for index, word in enumerate(words):
        pair = tuple(words[index : index + 2])
        width = 1 if SECRET_WORD.fullmatch(word) else 2 if pair in SECRET_PAIRS else 0
        if width:
            rest = words[index + width :]
            return not rest or not ABOUT.fullmatch(rest[-1])
    return False


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    for index, variable in enumerate(spec.serving.get("env", ())):
        name = variable["name"]
        if "secretKeyRef" in variable or not looks_secret(name):
            continue
        if "value" in variable:
            yield Hit(
                f"/spec/serving/env/{index}/value",
                f"variable {name!r} holds its secret as a literal value",
            )
        else:
            yield Hit(
                f"/spec/serving/env/{index}/configMapKeyRef",
                f"variable {name!r} reads its secret from a ConfigMap",
            )
