"""``modelrail.render.identity``: when two renders of a workload make the
same pods (the same Argo Rollouts pod-template hash, the same Knative
revision template)."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from modelrail.render.identity import canonical, pod_template, same_pods
from testing.repo import bundled


def rendered(path: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((bundled() / "rendered" / path).read_text())
    return data


ROLLOUT = "prod/fraud-detector/rollout.yaml"
SERVICE = "prod/churn-predictor/inferenceservice.yaml"


def test_a_rollouts_pods_are_its_template() -> None:
    rollout = rendered(ROLLOUT)
    assert pod_template(rollout) == rollout["spec"]["template"]
    other = copy.deepcopy(rollout)
    other["spec"]["rollbackWindow"] = {"revisions": 7}  # not the template
    other["metadata"]["annotations"]["modelrail.io/why"] = "INC-2291"
    assert same_pods(rollout, other)


def test_the_order_of_a_list_matters_and_the_order_of_keys_does_not() -> None:
    rollout = rendered(ROLLOUT)
    reordered = copy.deepcopy(rollout)
    labels = reordered["spec"]["template"]["metadata"]["labels"]
    reordered["spec"]["template"]["metadata"]["labels"] = dict(
        reversed(list(labels.items()))
    )
    assert same_pods(rollout, reordered)
    env = reordered["spec"]["template"]["spec"]["containers"][0]["env"]
    env[0], env[1] = env[1], env[0]
    assert not same_pods(rollout, reordered)


def test_an_inference_services_pods_leave_out_the_traffic() -> None:
    service = rendered(SERVICE)
    canary = copy.deepcopy(service)
    canary["spec"]["predictor"]["canaryTrafficPercent"] = 0
    assert same_pods(service, canary)
    assert "canaryTrafficPercent" not in (pod_template(canary) or {})


def test_other_kinds_have_no_pod_template() -> None:
    assert pod_template(rendered("prod/fraud-detector/hpa.yaml")) is None
    assert not same_pods(rendered(ROLLOUT), rendered("prod/fraud-detector/hpa.yaml"))


def test_canonical_bytes() -> None:
    assert canonical({"b": 1, "a": ["é", 2]}) == '{"a":["é",2],"b":1}'.encode()
