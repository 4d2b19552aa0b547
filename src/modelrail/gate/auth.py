"""Credentials for the evidence sources: from environment variables only.

Never from a spec, an environment file or the command line (where they would
be committed, or seen in ``ps`` and CI logs). The variables:

- ``MODELRAIL_PROMETHEUS_TOKEN``: a bearer token for Prometheus (or the
  proxy in front of it);
- ``MLFLOW_TRACKING_TOKEN``: a bearer token for the MLflow registry, else
  ``MLFLOW_TRACKING_USERNAME`` and ``MLFLOW_TRACKING_PASSWORD`` for HTTP basic
  authentication (the variables MLflow's own client reads).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from modelrail.errors import UsageError
from modelrail.gate.transport import Auth

if TYPE_CHECKING:
    from collections.abc import Mapping

PROMETHEUS_TOKEN = "MODELRAIL_PROMETHEUS_TOKEN"
MLFLOW_TOKEN = "MLFLOW_TRACKING_TOKEN"
MLFLOW_USERNAME = "MLFLOW_TRACKING_USERNAME"
MLFLOW_PASSWORD = "MLFLOW_TRACKING_PASSWORD"


def prometheus(environ: Mapping[str, str]) -> Auth:
    token = environ.get(PROMETHEUS_TOKEN, "").strip()
    return Auth(f"Bearer {token}" if token else None, PROMETHEUS_TOKEN)


def mlflow(environ: Mapping[str, str]) -> Auth:
    token = environ.get(MLFLOW_TOKEN, "").strip()
    if token:
        return Auth(f"Bearer {token}", MLFLOW_TOKEN)
    user = environ.get(MLFLOW_USERNAME, "")
    password = environ.get(MLFLOW_PASSWORD, "")
    both = f"{MLFLOW_USERNAME} and {MLFLOW_PASSWORD}"
    if bool(user) != bool(password):
        missing = MLFLOW_PASSWORD if user else MLFLOW_USERNAME
        raise UsageError(f"{missing} is not set: basic authentication needs {both}")
    if user:
        pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return Auth(f"Basic {pair}", both)
    return Auth(None, f"{MLFLOW_TOKEN} (or {both})")
