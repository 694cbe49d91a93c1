"""Property tests: no input, however malformed, makes the language fail with anything but a
ConditionError, and every successful evaluation yields a real bool."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.analysis import ConditionError, compile_condition, evaluate_condition

TOKENS = [
    "result", "#", "#index", ".", "?.", "[", "]", "(", ")", "{", "}", ",", ":", "?", "??", "..",
    "+", "-", "*", "/", "%", "**", "^", "==", "!=", "<", "<=", ">", ">=", "!", "&&", "||",
    "and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith", "true", "false",
    "nil", "0", "1", "-1", "2.5", "1e309", "0x1F", "9223372036854775807", "'a'", '"b"', "'\\n'",
    "`raw`", "len", "all", "any", "none", "one", "filter", "map", "count", "sum", "find", "max",
    "min", "mean", "median", "abs", "ceil", "floor", "round", "int", "float", "string", "upper",
    "lower", "trim", "split", "join", "keys", "values", "first", "last", "sort", "asInt",
    "asFloat", "isNaN", "isInf", "isNil", "default", "x", "count", "'.*'", "'('",
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "count", "x"]), children, max_size=4)
    ),
    max_leaves=12,
)

token_soup = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join)


def _outcome(expression: str, result: object) -> object:
    try:
        return evaluate_condition(expression, result)
    except ConditionError:
        return "error"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_compiles_or_raises_a_condition_error(text: str) -> None:
    with contextlib.suppress(ConditionError):
        compile_condition(text)


@settings(max_examples=600, deadline=None)
@given(token_soup, json_values)
def test_token_soup_evaluates_to_a_bool_or_a_condition_error(text: str, result: object) -> None:
    outcome = _outcome(text, result)
    assert outcome is True or outcome is False or outcome == "error"


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_typical_conditions_never_leak_python_errors(result: object) -> None:
    for expression in (
        "result[0] < 0.01",
        "result > 1",
        "all(result, # > 1)",
        "len(result) == 0 || result[0] >= 0.95",
        "default(result, 0) < 0.05",
        "result.count == 10 and result['a'] < 15.0",
        "asInt(result) == 1",
        "asFloat(result) > 0.5 || isNaN(result)",
        "max(result) < 0.05",
        "string(result) != '' && sum(result) > 0",
        "sort(result)[0] == 1",
        "result == result",
    ):
        outcome = _outcome(expression, result)
        assert outcome in (True, False, "error")


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_numeric_comparisons_agree_with_python_floats(a: float, b: float) -> None:
    assert evaluate_condition("result[0] < result[1]", [a, b]) is (a < b)
    assert evaluate_condition("result[0] == result[1]", [a, b]) is (a == b)


@settings(max_examples=200, deadline=None)
@given(st.integers(-(2**62), 2**62), st.integers(-(2**62), 2**62))
def test_integer_arithmetic_matches_go_int64(a: int, b: int) -> None:
    wrapped_sum = ((a + b + 2**63) % 2**64) - 2**63  # int64 overflow wraps, as in Go
    assert evaluate_condition("result[0] + result[1] == result[2]", [a, b, wrapped_sum]) is True
    # wrapping arithmetic is a ring, so this holds even when the products overflow
    assert evaluate_condition("result[0] * 4 - result[0] * 3 == result[0]", [a]) is True
    if b != 0:  # Go's % truncates toward zero: the remainder takes the dividend's sign
        quotient = (abs(a) // abs(b)) * (1 if (a >= 0) == (b > 0) else -1)
        remainder = a - b * quotient
        assert evaluate_condition("result[0] % result[1] == result[2]", [a, b, remainder])
