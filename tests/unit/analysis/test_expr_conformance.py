"""The 40 condition-language facts taken from Argo's own tests (expr_cases.json)."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.analysis import ConditionError, evaluate_condition
from tests.conftest import load_conformance

CASES: list[dict[str, Any]] = load_conformance("expr_cases.json")


def test_the_file_holds_the_forty_documented_cases() -> None:
    assert len(CASES) == 40


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['expr']}" for i, c in enumerate(CASES)])
def test_expr_case(case: dict[str, Any]) -> None:
    if case["expect"] == "error":
        with pytest.raises(ConditionError):
            evaluate_condition(case["expr"], case["result"])
    else:
        assert evaluate_condition(case["expr"], case["result"]) is case["expect"]


@pytest.mark.parametrize(
    ("expr", "result", "fragment"),
    [
        ("1", True, "expected bool, but got int"),
        ("invalidVariable", True, "unknown name invalidVariable"),
        ('asFloat(result) == "1.1"', "1.1", "mismatched types float64 and string"),
        ("result < 0.05", None, "invalid operation: <nil> < float64"),
        ("result[0] >= 0.95", [], "index out of range: 0 (array length is 0)"),
        ("result[0] 10.000000", [10.0], "unexpected token '10.000000' (line 1, column 11)"),
        ("asInt(result) == 1.1", "1.1", 'cannot parse "1.1" as an integer'),
    ],
)
def test_error_messages_say_what_was_wrong(expr: str, result: object, fragment: str) -> None:
    with pytest.raises(ConditionError) as caught:
        evaluate_condition(expr, result)
    assert fragment in str(caught.value)
