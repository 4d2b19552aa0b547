"""Analysis conditions: expr semantics, Argo's phase table, the rendered conditions.

Proven here, for :mod:`testing.argo_conditions` (an oracle of Argo Rollouts' conditions, used by the tests only):

- :func:`phase` combines success/failure conditions exactly like Argo Rollouts'
  ``EvaluateResult`` (both evaluated, an error is Error, a lone condition decides
  both ways, neither set is Successful, failure wins, neither true is
  Inconclusive), and gives the table we rely on for the rendered conditions on
  ``[]``, ``[NaN]``, values either side of and exactly at the threshold, ``[inf]``;
- the expr subset: precedence and associativity as in expr (``!`` above the
  comparisons, ``&&`` above ``||``, ``*`` above ``+``), keyword operators,
  short-circuit (the skipped side is never evaluated), division (float, with
  IEEE infinities and NaN), number literals, and that everything outside the
  subset, every runtime failure and every non-bool verdict is a ConditionError
  (so the Error phase), never Python's ``eval``;
- :func:`check` accepts every condition of every rendered AnalysisTemplate, every
  rendered success/failure pair is exhaustive and exclusive on non-NaN values, and
  garbage is rejected;
- by hypothesis: evaluate raises nothing but ConditionError and phase raises
  nothing on arbitrary text and token soup and arbitrary results; check accepts
  whatever evaluate can evaluate; the rendered-style condition agrees with a
  plain Python reference for random values and thresholds.

The edge cases found when these tests were written (``+ - *`` with a zero
operand, ``asInt`` of NaN or inf, huge literals, deep nesting, unknown
functions passing ``check``, float indexes, Python's ``%`` and ``true == 1``)
are pinned by the tests below.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from hypothesis import Phase as Stage
from hypothesis import given, settings
from hypothesis import strategies as st

from testing.argo_conditions import ConditionError, Phase, check, evaluate, phase
from testing.repo import bundled

if TYPE_CHECKING:
    from collections.abc import Callable

NAN = math.nan
INF = math.inf

# the success-rate and latency metrics of rendered/prod/fraud-detector
RATE_OK = "len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.999"
RATE_BAD = "len(result) > 0 && !isNaN(result[0]) && result[0] < 0.999"
LATENCY_OK = "len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.08"
LATENCY_BAD = "len(result) > 0 && !isNaN(result[0]) && result[0] > 0.08"


def rendered_metrics() -> list[tuple[str, dict[str, Any]]]:
    """Every metric of every rendered AnalysisTemplate, with a readable id."""
    metrics: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(bundled().glob("rendered/*/*/analysistemplate.yaml")):
        where = f"{path.parent.parent.name}/{path.parent.name}"
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "AnalysisTemplate":
                metrics.extend(
                    (f"{where}/{metric['name']}", metric)
                    for metric in doc["spec"]["metrics"]
                )
    return metrics


METRICS = rendered_metrics()
RENDERED_CONDITIONS = sorted(
    {
        metric[key]
        for _, metric in METRICS
        for key in ("successCondition", "failureCondition")
        if metric.get(key)
    }
)


def outcome(condition: str, result: Any) -> Any:
    """The value of ``condition``, or the ConditionError class when it fails."""
    try:
        return evaluate(condition, result)
    except ConditionError:
        return ConditionError


# --- phase: Argo's EvaluateResult -------------------------------------------


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param([], Phase.INCONCLUSIVE, id="no-series"),
        pytest.param([NAN], Phase.INCONCLUSIVE, id="nan"),
        pytest.param([1.0], Phase.SUCCESSFUL, id="all-ok"),
        pytest.param([0.5], Phase.FAILED, id="half-failing"),
        pytest.param([0.999], Phase.SUCCESSFUL, id="exactly-threshold"),
        pytest.param([0.9989999], Phase.FAILED, id="just-below"),
        pytest.param([INF], Phase.SUCCESSFUL, id="inf"),
        pytest.param([-INF], Phase.FAILED, id="minus-inf"),
        pytest.param([1.0, 0.0], Phase.SUCCESSFUL, id="first-sample-decides"),
        pytest.param([NAN, 0.0], Phase.INCONCLUSIVE, id="nan-first"),
    ],
)
def test_success_rate_phase_table(result: list[float], expected: Phase) -> None:
    assert phase(result, RATE_OK, RATE_BAD) is expected


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param([], Phase.INCONCLUSIVE, id="no-series"),
        pytest.param([NAN], Phase.INCONCLUSIVE, id="nan"),
        pytest.param([0.01], Phase.SUCCESSFUL, id="fast"),
        pytest.param([0.08], Phase.SUCCESSFUL, id="exactly-threshold"),
        pytest.param([0.0800001], Phase.FAILED, id="just-above"),
        pytest.param([INF], Phase.FAILED, id="inf"),
    ],
)
def test_latency_phase_table(result: list[float], expected: Phase) -> None:
    assert phase(result, LATENCY_OK, LATENCY_BAD) is expected


def test_rendered_conditions_alone_decide_both_ways() -> None:
    # only one condition set: the other is its negation, so [] is never
    # inconclusive any more
    assert phase([], RATE_OK, None) is Phase.FAILED
    assert phase([], None, RATE_BAD) is Phase.SUCCESSFUL
    assert phase([0.5], None, RATE_BAD) is Phase.FAILED
    assert phase([1.0], RATE_OK, None) is Phase.SUCCESSFUL


T, F = "true", "false"
BROKEN = "result[9] > 0"  # index out of range on []


@pytest.mark.parametrize(
    ("success", "failure", "expected"),
    [
        (None, None, Phase.SUCCESSFUL),
        ("", "", Phase.SUCCESSFUL),
        ("", None, Phase.SUCCESSFUL),
        (T, None, Phase.SUCCESSFUL),
        (F, None, Phase.FAILED),
        (None, T, Phase.FAILED),
        (None, F, Phase.SUCCESSFUL),
        ("", F, Phase.SUCCESSFUL),
        (T, F, Phase.SUCCESSFUL),
        (F, T, Phase.FAILED),
        (T, T, Phase.FAILED),
        (F, F, Phase.INCONCLUSIVE),
        (BROKEN, None, Phase.ERROR),
        (None, BROKEN, Phase.ERROR),
        (BROKEN, T, Phase.ERROR),
        (BROKEN, F, Phase.ERROR),
        (T, BROKEN, Phase.ERROR),
        (F, BROKEN, Phase.ERROR),
        ("  ", None, Phase.ERROR),
        ("1 + 1", None, Phase.ERROR),
        (None, "nil", Phase.ERROR),
        (T, "len(result)", Phase.ERROR),
        ("result", None, Phase.ERROR),
        ("no such thing", None, Phase.ERROR),
    ],
)
def test_phase_combines_like_evaluate_result(
    success: str | None, failure: str | None, expected: Phase
) -> None:
    assert phase([], success, failure) is expected


def test_phase_errors_on_non_bool_and_out_of_range_results() -> None:
    assert phase([1.0], "result[0]", None) is Phase.ERROR
    assert phase([1.0], "result[1] > 0", "result[1] <= 0") is Phase.ERROR
    assert phase([], "result[0] >= 0.999", None) is Phase.ERROR
    assert phase(None, RATE_OK, RATE_BAD) is Phase.ERROR
    assert phase(["0.5"], RATE_OK, RATE_BAD) is Phase.ERROR


# --- evaluate: the expr subset ----------------------------------------------


@pytest.mark.parametrize(
    ("condition", "result", "expected"),
    [
        # ! and not sit above the comparisons and && / ||
        ("!true == false", [], True),
        ("not true == false", [], True),
        ("!false && false", [], False),
        ("not false and false", [], False),
        ("!(false && false)", [], True),
        ("!!true", [], True),
        ("not not false", [], False),
        # arithmetic, left-associative
        ("1 + 2 * 3 == 7", [], True),
        ("(1 + 2) * 3 == 9", [], True),
        ("10 - 4 - 3 == 3", [], True),
        ("12 / 2 / 3 == 2", [], True),
        ("2 * 3 % 4 == 2", [], True),
        ("1 + 1 > 1 + 2", [], False),
        ("1 < 2 == true", [], True),
        ("-2 * 3 == -6", [], True),
        ("- -2 == 2", [], True),
        ("+1 == 1", [], True),
        ("-result[0] == -0.5", [0.5], True),
        # && above ||, keywords as operators
        ("true || false && false", [], True),
        ("false && false || true", [], True),
        ("true or false and false", [], True),
        ("false and false or true", [], True),
        ("1 == 1 && 2 > 1", [], True),
        ("1 != 1 || 2 >= 2", [], True),
        # short-circuit: the skipped side is never evaluated
        ("len(result) > 0 && result[0] > 1", [], False),
        ("true || result[5] > 0", [], True),
        ("false and result[5] > 0", [], False),
        ("true or result[5]", [], True),
        ("false && (result[5] > 0 || true)", [], False),
        ("true || 1 % 0 == 0", [], True),
        ("len(result) == 0 || isNaN(result[0])", None, ConditionError),
        # numbers
        ("1e-3 == 0.001", [], True),
        (".5 == 0.5", [], True),
        ("1E3 == 1000", [], True),
        ("2.5e+1 == 25", [], True),
        ("0.999 > .5", [], True),
        ("  true  ", [], True),
        # division: always float, IEEE at zero
        ("7 / 2 == 3.5", [], True),
        ("4 / 2 == 2", [], True),
        ("1 / 0", [], INF),
        ("-1 / 0", [], -INF),
        ("isNaN(0 / 0)", [], True),
        ("isInf(1 / 0) && isInf(-1 / 0)", [], True),
        ("result[0] / result[1] == 0.25", [1.0, 4.0], True),
        ("7 % 3 == 1", [], True),
        ("1 % 0", [], ConditionError),
        # functions and values
        ("len(result)", [1.0, 2.0, 3.0], 3),
        ("len(result)", "abc", 3),
        ("isNaN(result[0])", [NAN], True),
        ("isNaN(result[0])", [1.0], False),
        ("isInf(result[0])", [-INF], True),
        ("asFloat(result) == 0.5", "0.5", True),
        ("asInt(result) == 3", "3", True),
        ("asInt(2.7)", [], 2),
        ("result[0] != result[0]", [NAN], True),
        ("result[0] >= 0 || result[0] < 0", [NAN], False),
        ("nil == nil", [], True),
        ("result == nil", None, True),
        ("result[0]", [1.5], 1.5),
        ("result[1]", [1.0, 2.0], 2.0),
        ("result[0][1]", [[1.0, 2.0]], 2.0),
    ],
)
def test_evaluate(condition: str, result: Any, expected: Any) -> None:
    value = outcome(condition, result)
    assert value == expected
    assert type(value) is type(expected) or isinstance(expected, float)


@pytest.mark.parametrize(
    ("condition", "result"),
    [
        # ! binds tighter than ==: (!1) == 2 is a type error, not !(1 == 2)
        ("!1 == 2", []),
        ("not 1 == 2", []),
        ("! result[0] > 1", [2.0]),
        # ** is not in the subset, with or without a unary minus
        ("-2 ** 2", []),
        ("2 ** 2 == 4", []),
        # unknown functions and identifiers
        ("nosuch(result) > 0", [1.0]),
        ("isNil(result)", []),
        ("foo", []),
        ("foo > 1", []),
        ("result.x", []),
        ("__import__('os').system('true')", []),
        # arity and argument types
        ("len()", []),
        ("len(result, 1)", []),
        ("len(nil)", []),
        ("isNaN(nil)", []),
        ("isNaN(result)", [1.0]),
        ("isInf(true)", []),
        ("asFloat(result)", [1.0]),
        ("asFloat(nil)", []),
        ("asInt(result)", "x"),
        # indexing
        ("result[5] > 0", []),
        ("result[0]", []),
        ("result[1]", [1.0]),
        ("result[0]", None),
        ("result[0]", "abc"),
        ("result[0]", {"a": 1}),
        ("result[true]", [1.0]),
        ("result[0.5]", [1.0, 2.0]),
        ("result[nil]", [1.0]),
        # type errors
        ("1 < 2 < 3", []),
        ("true + 1", []),
        ("-true", []),
        ("!1", []),
        ("1 && true", []),
        ("true && 1", []),
        ("false || 0", []),
        ("nil > 0", []),
        ("result[0] >= 0.999", ["0.999"]),
        ("result[0] >= 0.999", [True]),
        # syntax
        ("", []),
        ("   ", []),
        ("(1 + 2", []),
        ("1 + 2)", []),
        ("result[0", []),
        ("result[]", [1.0]),
        ("1 +", []),
        ("!", []),
        ("1 2", []),
        ("1 = 1", []),
        ("1 === 1", []),
        ("1 =< 2", []),
        ("true & false", []),
        ("true | false", []),
        ("'x' == 'x'", []),
        ('"x"', []),
        ("1 ? 2 : 3", []),
        ("result[0] >= 0.999; true", [1.0]),
        ("@", []),
        ("len(result) > 0 &&", [1.0]),
    ],
)
def test_evaluate_rejects(condition: str, result: Any) -> None:
    with pytest.raises(ConditionError):
        evaluate(condition, result)


# --- check and the rendered templates ---------------------------------------


def test_rendered_analysis_templates_exist() -> None:
    assert METRICS, "no rendered/*/*/analysistemplate.yaml with metrics"
    assert RENDERED_CONDITIONS
    assert RATE_OK in RENDERED_CONDITIONS
    assert RATE_BAD in RENDERED_CONDITIONS


@pytest.mark.parametrize("condition", RENDERED_CONDITIONS)
def test_check_accepts_rendered_condition(condition: str) -> None:
    check(condition)


PROBES: list[list[float]] = [
    [0.0],
    [-1.0],
    [1e-9],
    [0.08],
    [0.15],
    [0.999],
    [1.0],
    [1.8],
    [1e9],
    [INF],
    [-INF],
]


@pytest.mark.parametrize(
    "metric", [metric for _, metric in METRICS], ids=[name for name, _ in METRICS]
)
def test_rendered_pair_is_exhaustive_and_exclusive(metric: dict[str, Any]) -> None:
    success, failure = metric["successCondition"], metric["failureCondition"]
    for result in ([], [NAN]):
        assert evaluate(success, result) is False
        assert evaluate(failure, result) is False
        assert phase(result, success, failure) is Phase.INCONCLUSIVE
    for result in PROBES:
        assert evaluate(success, result) is not evaluate(failure, result), result
        assert phase(result, success, failure) in (Phase.SUCCESSFUL, Phase.FAILED)


@pytest.mark.parametrize(
    "condition",
    [
        "",
        "   ",
        "len(result) >",
        "result[0] >= 0.999 &&",
        "result[0] => 0.999",
        "result[0] >= 0.999)",
        "(result[0] >= 0.999",
        "result[0",
        "result[]",
        "foo",
        "result 1",
        "1 ** 2",
        "'0.999'",
        "result[0] >= 0.999; true",
        "__import__('os')",
        "result.__class__",
        "lambda: 1",
        "$",
        "==",
        "result[0] in [1, 2]",
        "{{args.threshold}}",
    ],
)
def test_check_rejects_garbage(condition: str) -> None:
    with pytest.raises(ConditionError):
        check(condition)


@pytest.mark.parametrize(
    "condition",
    [
        "result[5] > 0",
        "1 % 0 == 0",
        "len(result) > 0 && result[0] > 1",
        "true || result[5] > 0",
        "asFloat(result) > 0.5",
    ],
)
def test_check_is_static(condition: str) -> None:
    # runtime failures belong to evaluate: check only reads the condition
    check(condition)


# --- bugs found, pinned -----------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        "len(result) > 0 && isNan(result[0])",
        "nosuch(result) > 0",
        "len() > 0",
        "len(result, 1) > 0",
    ],
)
def test_check_rejects_unknown_functions(condition: str) -> None:
    with pytest.raises(ConditionError):
        check(condition)


def test_typo_in_short_circuited_function_is_an_error() -> None:
    # expr rejects it when compiling: Error, not Failed on []
    assert phase([], "len(result) > 0 && isNan(result[0])", None) is Phase.ERROR


def test_index_by_arithmetic() -> None:
    assert evaluate("result[len(result) - 1]", [1.0, 2.0]) == 2.0


def test_negative_index() -> None:
    assert evaluate("result[-1]", [1.0, 2.0]) == 2.0


def test_modulo_truncates_like_go() -> None:
    assert evaluate("-7 % 3 == -1", []) is True


def test_bool_is_not_a_number_in_equality() -> None:
    assert outcome("true == 1", []) in (False, ConditionError)


@pytest.mark.parametrize(
    ("result", "success"),
    [
        pytest.param([NAN], "asInt(result[0]) > 0", id="asInt-nan-ValueError"),
        pytest.param([], "asInt(1 / 0) > 0", id="asInt-inf-OverflowError"),
        pytest.param([], "1" * 400 + " > 0", id="huge-literal-OverflowError"),
        pytest.param([], "1" * 5000 + " > 0", id="4300-digits-ValueError"),
        pytest.param([10**400], "result[0] > 0", id="huge-int-result"),
        pytest.param([], "(" * 1000 + "true" + ")" * 1000, id="RecursionError"),
    ],
)
def test_phase_never_raises_on_edge_inputs(result: Any, success: str) -> None:
    assert phase(result, success, None) is Phase.ERROR


@pytest.mark.parametrize(
    ("result", "success"),
    [
        pytest.param([2.0], "result[0] + 0 > 1", id="plus-0"),
        pytest.param([2.0], "result[0] * 0 == 0", id="times-0"),
        pytest.param([], "1 - len(result) == 1", id="minus-0"),
    ],
)
def test_arithmetic_with_a_zero_operand(result: Any, success: str) -> None:
    # an operation other than / and % never divides (it once did, eagerly)
    assert phase(result, success, None) is Phase.SUCCESSFUL


# --- properties ---------------------------------------------------------------

# grammar-shaped token soup (asInt and binary + - * are exercised by the
# well-formed expressions property below and the edge cases above)
TOKENS = (
    "result", "[", "]", "(", ")", ",", "len", "isNaN", "isInf", "asFloat",
    "0", "1", "2", "0.5", "1e-3", ".5", "0.999", "true", "false", "nil",
    "&&", "||", "!", "not", "and", "or", "==", "!=", "<", "<=", ">", ">=",
    "/", "%", "**", "=", "'", "x",
)  # fmt: skip
soup = st.builds(
    lambda parts, sep: sep.join(parts),
    st.lists(st.sampled_from(TOKENS), max_size=20),
    st.sampled_from((" ", "")),
)
conditions = st.text(max_size=40) | soup
floats = st.floats(allow_nan=True, allow_infinity=True)
results = (
    st.none()
    | st.text(max_size=5)
    | floats
    | st.lists(floats, max_size=4)
    | st.lists(
        st.none()
        | floats
        | st.text(max_size=3)
        | st.booleans()
        | st.integers(-(10**6), 10**6)
        | st.lists(floats, max_size=2),
        max_size=4,
    )
)


@settings(max_examples=300, deadline=None)
@given(conditions, results)
def test_evaluate_raises_only_condition_error(condition: str, result: Any) -> None:
    outcome(condition, result)


@settings(max_examples=300, deadline=None)
@given(conditions, conditions | st.none(), results)
def test_phase_never_raises(success: str, failure: str | None, result: Any) -> None:
    assert isinstance(phase(result, success, failure), Phase)
    assert isinstance(phase(result, failure, success), Phase)


@settings(max_examples=300, deadline=None)
@given(soup, st.lists(floats, max_size=3))
def test_check_accepts_what_evaluate_evaluates(
    condition: str, result: list[float]
) -> None:
    if outcome(condition, result) is not ConditionError:
        check(condition)


def binary(left: str, op: str, right: str) -> str:
    return f"({left} {op} {right})"


def unary(op: str, operand: str) -> str:
    return f"{op}{operand}"


# well-formed expressions over the whole subset but asInt
ATOMS = (
    "0", "1", "2.5", ".5", "1e-3", "true", "false", "nil", "result", "result[0]",
    "len(result)", "isNaN(result[0])", "isInf(result[0])", "asFloat(result[0])",
)  # fmt: skip
expressions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: (
        st.builds(
            binary,
            inner,
            st.sampled_from(("+", "-", "*", "/", "%", "<", ">=", "==", "&&", "||")),
            inner,
        )
        | st.builds(unary, st.sampled_from(("!", "-", "not ")), inner)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, derandomize=True, phases=[Stage.generate])
@given(expressions, expressions | st.none(), st.lists(floats, max_size=2))
def test_phase_never_raises_on_expressions(
    success: str, failure: str | None, result: list[float]
) -> None:
    assert isinstance(phase(result, success, failure), Phase)


COMPARE: dict[str, tuple[Callable[[float, float], bool], str]] = {
    ">=": (operator.ge, "<"),
    "<=": (operator.le, ">"),
    ">": (operator.gt, "<="),
    "<": (operator.lt, ">="),
}


def reference(values: list[float], op: str, threshold: float) -> bool:
    """The rendered-style condition, in plain Python."""
    compare = COMPARE[op][0]
    return (
        len(values) > 0 and not math.isnan(values[0]) and compare(values[0], threshold)
    )


def rendered_style(op: str, threshold: float) -> str:
    return f"len(result) > 0 && !isNaN(result[0]) && result[0] {op} {threshold!r}"


@settings(max_examples=400, deadline=None)
@given(
    st.lists(floats, max_size=3),
    st.sampled_from(sorted(COMPARE)),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_rendered_style_condition_matches_reference(
    values: list[float], op: str, threshold: float
) -> None:
    success = rendered_style(op, threshold)
    failure = rendered_style(COMPARE[op][1], threshold)
    passed = reference(values, op, threshold)
    failed = reference(values, COMPARE[op][1], threshold)
    assert evaluate(success, values) is passed
    assert evaluate(failure, values) is failed
    expected = (
        Phase.FAILED if failed else Phase.SUCCESSFUL if passed else Phase.INCONCLUSIVE
    )
    assert phase(values, success, failure) is expected
    check(success)
