"""``range_query``: a matrix read strictly, anything else a clear error; and
a chart that cannot be read leaves the gate's outcome as it was."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from tests.gate import lab
from tests.gate.test_faults import Reply, always, fake

from modelrail.gate.prometheus import Curve, range_query
from modelrail.gate.report import as_markdown
from modelrail.gate.run import run
from modelrail.gate.transport import Endpoint, Settings, SourceError

START = datetime.datetime(2023, 11, 15, 22, 0, tzinfo=datetime.UTC)
END = START + datetime.timedelta(minutes=10)


def answer(data: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps({"status": "success", "data": data}))


def test_a_matrix_is_read_exactly() -> None:
    matrix = {
        "resultType": "matrix",
        "result": [
            {
                "metric": {"version": "3.3.0"},
                "values": [[1700085600, "0.25"], [1700085900.5, "NaN"]],
            }
        ],
    }
    with (
        fake(always(answer(matrix))) as server,
        Endpoint("Prometheus", server.url, Settings(backoff=0)) as endpoint,
    ):
        curves = range_query(endpoint, "up", START, END, 300)
    path = server.seen[0][0]
    assert path.startswith("/api/v1/query_range?query=up&start=1700085600.000&")
    assert path.endswith("&end=1700086200.000&step=300s")
    assert len(curves) == 1
    assert curves[0].labels == {"version": "3.3.0"}
    assert curves[0].samples[1700085600000] == Decimal("0.25")
    assert curves[0].samples[1700085900500].is_nan()
    assert isinstance(curves[0], Curve)


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (answer({"resultType": "vector", "result": []}), "'vector', not a matrix"),
        (answer({"resultType": "matrix"}), "no result list"),
        (answer({"resultType": "matrix", "result": [{"metric": {}}]}), "without"),
        (
            answer({"resultType": "matrix", "result": [{"metric": {}, "values": [1]}]}),
            "a sample 1",
        ),
        (
            Reply(400, json.dumps({"status": "error", "errorType": "bad_data",
                                   "error": "parse error"})),
            "refused the query 'up': bad_data: parse error",
        ),
    ],
)  # fmt: skip
def test_anything_else_is_a_clear_error(reply: Reply, says: str) -> None:
    with (
        fake(always(reply)) as server,
        Endpoint("Prometheus", server.url, Settings(backoff=0)) as endpoint,
        pytest.raises(SourceError, match=re.escape(says)),
    ):
        range_query(endpoint, "up", START, END, 300)


def test_charts_that_cannot_be_read_leave_the_outcome_alone() -> None:
    empty = {"status": "success", "data": {"resultType": "vector", "result": []}}
    with fake(always(Reply(200, json.dumps(empty)))) as server:
        inputs = lab.resolve(prometheus=server.url)
        result = run(inputs, Settings(retries=0, backoff=0))
        without = run(inputs, Settings(retries=0, backoff=0), charts=False)
    assert result.items == without.items
    assert without.charts is None
    assert result.charts is not None
    assert "not a matrix" in result.charts.error
    text = as_markdown(result, "0.0.0")
    assert "#### Charts\n\nNo charts: Prometheus at " in text
    assert "```mermaid" not in text
