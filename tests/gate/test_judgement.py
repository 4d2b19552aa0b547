"""The gate's pure parts: artifact matching, claim precision, values shown,
exit codes, and the SLO judgement of a record (no server)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.gate import lab

from modelrail.gate import slo
from modelrail.gate.evidence import (
    PROMETHEUS,
    Item,
    Verdict,
    decimal,
    exit_code,
    outcome,
    show,
)
from modelrail.gate.model import claim_holds
from modelrail.gate.registry import Version
from modelrail.gate.sources import matches, normal


def version(source: str, storage: str = "") -> Version:
    return Version("fraud-detector", "21", source, "r1", "READY", {}, storage)


ARTIFACT = "s3://bucket/fraud/3.3.0/model.onnx"


@pytest.mark.parametrize(
    ("artifact", "source", "expected"),
    [
        (ARTIFACT, ARTIFACT, True),
        (ARTIFACT, "s3://bucket/fraud/3.3.0", True),  # a file in the folder
        (ARTIFACT, "s3://bucket/fraud/3.3.0/", True),
        (ARTIFACT, "s3://bucket/fraud/3.3.0//", True),
        ("s3://bucket/fraud/3.3.0/", "s3://bucket/fraud/3.3.0", True),
        (ARTIFACT, "s3://bucket/fraud/3.3", False),  # a prefix, not a folder
        (ARTIFACT, "s3://bucket/fraud/3.3.0-rc1", False),
        (ARTIFACT, "s3://bucket/fraud/3.3.0/model.onnx.bak", False),
        (ARTIFACT, "gs://bucket/fraud/3.3.0", False),
        (ARTIFACT, "", False),
        ("s3://bucket/fraud", "s3://bucket/fraud/3.3.0", False),  # the other way
        ("models:/fraud-detector/21", "s3://bucket/fraud/3.3.0", True),
        ("models:/fraud-detector/20", "s3://bucket/fraud/3.3.0", False),
        ("models:/other/21", "s3://bucket/fraud/3.3.0", False),
    ],
)
def test_an_artifact_matches_its_source(
    artifact: str, source: str, expected: bool
) -> None:
    assert matches(artifact, version(source)) is expected


def test_an_alias_uri_matches_when_the_alias_was_resolved() -> None:
    held = version("s3://bucket/x")
    assert matches("models:/fraud-detector@champion", held, "champion")
    assert not matches("models:/fraud-detector@champion", held, None)
    assert not matches("models:/fraud-detector@champion", held, "challenger")


def test_mlflow_3_storage_location_counts() -> None:
    held = version("models:/m-4b1d2c", storage="s3://bucket/fraud/3.3.0")
    assert matches(ARTIFACT, held)


def test_normal_keeps_a_bare_scheme() -> None:
    assert normal(" s3://b/a/ ") == "s3://b/a"
    assert normal("s3://") == "s3://"


@pytest.mark.parametrize(
    ("claimed", "logged", "holds"),
    [
        (0.957, "0.957", True),
        (0.957, "0.95712", True),
        (0.957, "0.9565", True),  # half a unit either way
        (0.957, "0.9575", True),
        (0.957, "0.95749", True),
        (0.957, "0.9564999", False),
        (0.957, "0.95751", False),
        (0.96, "0.957", True),  # a claim written with fewer digits
        (0.96, "0.9549", False),
        (1, "0.99", True),
        (1, "1.6", False),
        (1e-05, "0.0000104", True),
    ],
)
def test_a_claim_holds_at_its_own_precision(
    claimed: float, logged: str, holds: bool
) -> None:
    assert claim_holds(claimed, Decimal(logged)) is holds


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        ("99.99000", None, "99.99"),
        ("45.833333", 4, "45.8333"),
        ("240.625", 1, "240.6"),
        ("100", None, "100"),
        ("1E+2", None, "100"),
        ("0.00", None, "0"),
        ("-0.0", 2, "0"),
        ("NaN", None, "NaN"),
        ("Infinity", 1, "Infinity"),
    ],
)
def test_show(value: str, places: int | None, shown: str) -> None:
    assert show(Decimal(value), places) == shown


def test_a_near_miss_is_not_shown_as_the_threshold() -> None:
    assert slo.distinct(Decimal("99.9499999"), Decimal("99.95")) == "99.9499999"
    assert slo.distinct(Decimal("99.95"), Decimal("99.95")) == "99.95"
    assert slo.distinct(Decimal("99.97123"), Decimal("99.95")) == "99.9712"


def test_decimal_reads_json_numbers_and_prometheus_strings() -> None:
    assert decimal(0.1) == Decimal("0.1")
    assert decimal("0.1") == Decimal("0.1")
    assert decimal("NaN").is_nan()
    assert decimal("+Inf") == Decimal("Infinity")
    for bad in (True, None, [1], {"a": 1}):
        with pytest.raises(TypeError):
            decimal(bad)
    with pytest.raises(ValueError, match="not a number"):
        decimal("lots")


def item(verdict: Verdict) -> Item:
    return Item("k", PROMETHEUS, "t", verdict)


@pytest.mark.parametrize(
    ("verdicts", "code", "word"),
    [
        ([Verdict.MET, Verdict.MET], 0, "passed"),
        ([Verdict.MET, Verdict.MISSED], 1, "failed"),
        ([Verdict.MET, Verdict.NO_DATA], 1, "failed"),
        ([Verdict.MISSED, Verdict.ERROR], 2, "error"),
        ([], 1, "failed"),  # nothing judged is no pass
    ],
)
def test_exit_codes(verdicts: list[Verdict], code: int, word: str) -> None:
    items = [item(v) for v in verdicts]
    assert exit_code(items) == code
    assert outcome(items) == word


def record(requests: str | None, errors: str | None, p95: str | None) -> slo.Record:
    def value(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return slo.Record(value(requests), value(errors), value(p95))


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (("100000", "10", "0.05"), ("met", "met", "met")),  # 99.99 %, 0.01 %
        (("100000", None, "0.05"), ("met", "met", "met")),  # no 5xx series at all
        (("100000", "50", "0.08"), ("met", "met", "met")),  # exactly on each bound
        (("100000", "51", "0.0801"), ("missed", "met", "missed")),
        (("100000", "101", "0.05"), ("missed", "missed", "met")),
        (("0", "0", "NaN"), ("no data", "no data", "no data")),
        ((None, None, None), ("no data", "no data", "no data")),
        (("100000", "10", "+Inf"), ("met", "met", "missed")),
    ],
)
def test_the_slo_judgement(
    measured: tuple[str | None, str | None, str | None],
    expected: tuple[str, str, str],
) -> None:
    inputs = lab.resolve()  # prod fraud-detector: 99.95 %, 0.1 %, p95 80 ms
    items = slo.judge(inputs, slo.Queries.of(inputs), record(*measured))
    assert tuple(i.verdict.value for i in items) == expected
