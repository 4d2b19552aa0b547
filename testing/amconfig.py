"""A test oracle: the native Alertmanager configuration the Prometheus
Operator generates from AlertmanagerConfig resources, for ``amtool``.

What the operator does, and this does the same:

- every AlertmanagerConfig's route becomes a first-level route of the
  Alertmanager's root, with any ``namespace`` matcher of its own replaced by
  ``namespace="<its namespace>"`` and ``continue`` forced to true;
- every receiver is named ``<namespace>/<name>/<receiver>``, and the routes
  refer to those names;
- every inhibition rule's source and target matchers get
  ``namespace="<its namespace>"``;
- the root route sends what no AlertmanagerConfig takes to the base
  configuration's ``"null"`` receiver (the operator's default).

A ``SecretKeySelector`` is a file here: ``secrets`` (a folder) gets one file
per selector, holding a placeholder, and the receiver reads it through the
``*_file`` field Alertmanager has for it (``routing_key_file``,
``api_url_file``, ``auth_password_file``; a webhook's URL is a placeholder
URL naming the selector, as Alertmanager 0.25 has no ``url_file``): ``amtool
check-config`` validates the configuration without a credential in sight.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

NULL = "null"


def receiver_name(namespace: str, name: str, receiver: str) -> str:
    """The name the operator gives a receiver of an AlertmanagerConfig."""
    return f"{namespace}/{name}/{receiver}"


def _matcher(m: Mapping[str, Any]) -> str:
    op = m.get("matchType") or ("=~" if m.get("regex") else "=")
    return f"{m['name']}{op}{json.dumps(m.get('value', ''))}"


def _namespace(namespace: str) -> str:
    return f"namespace={json.dumps(namespace)}"


def _route(
    route: Mapping[str, Any], prefix: str, namespace: str | None
) -> dict[str, Any]:
    """``namespace``: set for the first-level route only."""
    out: dict[str, Any] = {}
    if route.get("receiver"):
        out["receiver"] = f"{prefix}/{route['receiver']}"
    matchers = [_matcher(m) for m in route.get("matchers", ())]
    if namespace is not None:
        matchers = [_namespace(namespace)] + [
            m
            for m, raw in zip(matchers, route.get("matchers", ()), strict=True)
            if raw["name"] != "namespace"
        ]
    if matchers:
        out["matchers"] = matchers
    for ours, theirs in (
        ("groupBy", "group_by"),
        ("groupWait", "group_wait"),
        ("groupInterval", "group_interval"),
        ("repeatInterval", "repeat_interval"),
    ):
        if ours in route:
            out[theirs] = route[ours]
    out["continue"] = True if namespace is not None else bool(route.get("continue"))
    if route.get("routes"):
        out["routes"] = [_route(child, prefix, None) for child in route["routes"]]
    return out


class _Secrets:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def file(
        self, namespace: str, selector: Mapping[str, str], placeholder: str
    ) -> str:
        path = self.folder / f"{namespace}__{selector['name']}__{selector['key']}"
        path.write_text(placeholder, encoding="utf-8")
        return str(path)


def _receiver(
    receiver: Mapping[str, Any], prefix: str, namespace: str, secrets: _Secrets
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f"{prefix}/{receiver['name']}"}
    url = "https://placeholder.invalid/secret"
    for config in receiver.get("pagerdutyConfigs", ()):
        out.setdefault("pagerduty_configs", []).append(
            {
                "routing_key_file": secrets.file(
                    namespace, config["routingKey"], "placeholder-routing-key"
                ),
                "send_resolved": bool(config.get("sendResolved", True)),
            }
        )
    for config in receiver.get("slackConfigs", ()):
        out.setdefault("slack_configs", []).append(
            {
                "api_url_file": secrets.file(namespace, config["apiURL"], url),
                "channel": config["channel"],
                "send_resolved": bool(config.get("sendResolved", False)),
            }
        )
    for config in receiver.get("emailConfigs", ()):
        email: dict[str, Any] = {
            "to": config["to"],
            "from": config["from"],
            "smarthost": config["smarthost"],
            "require_tls": bool(config.get("requireTLS", True)),
            "send_resolved": bool(config.get("sendResolved", False)),
        }
        if "authUsername" in config:
            email["auth_username"] = config["authUsername"]
        if "authPassword" in config:
            email["auth_password_file"] = secrets.file(
                namespace, config["authPassword"], "placeholder-password"
            )
        out.setdefault("email_configs", []).append(email)
    for config in receiver.get("webhookConfigs", ()):
        # Alertmanager 0.25 (Debian's) has no url_file (0.26 has): the
        # placeholder inline, as the operator writes the Secret's value
        selector = config["urlSecret"]
        out.setdefault("webhook_configs", []).append(
            {
                "url": f"{url}/{namespace}/{selector['name']}/{selector['key']}",
                "send_resolved": bool(config.get("sendResolved", True)),
            }
        )
    return out


def native(resources: Iterable[Mapping[str, Any]], secrets: Path) -> dict[str, Any]:
    """The Alertmanager configuration the operator makes of ``resources``
    (AlertmanagerConfig documents), secrets as files under ``secrets``."""
    store = _Secrets(secrets)
    routes: list[dict[str, Any]] = []
    receivers: list[dict[str, Any]] = [{"name": NULL}]
    inhibit: list[dict[str, Any]] = []
    for resource in resources:
        assert resource["kind"] == "AlertmanagerConfig", resource["kind"]
        meta, spec = resource["metadata"], resource["spec"]
        namespace, name = meta["namespace"], meta["name"]
        prefix = f"{namespace}/{name}"
        if "route" in spec:
            routes.append(_route(spec["route"], prefix, namespace))
        receivers.extend(
            _receiver(r, prefix, namespace, store) for r in spec.get("receivers", ())
        )
        inhibit.extend(
            {
                "source_matchers": [_namespace(namespace)]
                + [_matcher(m) for m in rule.get("sourceMatch", ())],
                "target_matchers": [_namespace(namespace)]
                + [_matcher(m) for m in rule.get("targetMatch", ())],
                "equal": list(rule.get("equal", ())),
            }
            for rule in spec.get("inhibitRules", ())
        )
    config: dict[str, Any] = {
        "route": {"receiver": NULL, "group_by": ["namespace"], "routes": routes},
        "receivers": receivers,
    }
    if inhibit:
        config["inhibit_rules"] = inhibit
    return config
