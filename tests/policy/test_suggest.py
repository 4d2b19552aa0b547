"""'Did you mean': one mechanism (difflib) for unknown policy IDs (covered
through profiles and waivers) and waivers' unknown models."""

from __future__ import annotations

import pytest

from modelrail.policy.suggest import closest, did_you_mean

MODELS = ("churn-predictor", "fraud-detector", "product-recommender")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fraud-detectr", "fraud-detector"),
        ("Product-Recommender", "product-recommender"),
        ("churn", None),
        ("", None),
    ],
)
def test_closest(name: str, expected: str | None) -> None:
    assert closest(name, MODELS) == expected
    assert closest(name, reversed(MODELS)) == expected  # order does not matter


def test_did_you_mean() -> None:
    assert did_you_mean("fraud-detectr", MODELS) == "; did you mean 'fraud-detector'?"
    assert did_you_mean("MR-SEC-04", ["MR-SEC-004"], quote=False) == (
        "; did you mean MR-SEC-004?"
    )
    assert did_you_mean("zzz", MODELS) == ""
