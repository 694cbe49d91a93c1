"""The cost of Argo success/failure conditions: compiling once, then evaluating per measurement.

`compile_condition` caches by expression text, so the parse is paid once per distinct condition
and every later measurement pays a cache lookup plus the evaluation. The parse is timed below
the cache (`parse` + `compile_tree`, exactly what a cache miss runs) so the cache stays clean.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

from rollouts.analysis import compile_condition, evaluate_condition
from rollouts.analysis.expr.compiler import compile_tree
from rollouts.analysis.expr.parser import parse

CASES: tuple[tuple[str, object], ...] = (
    ("result[0] < 0.01", [0.004]),
    ("all(result, # < 0.05)", [0.01, 0.02, 0.012, 0.03, 0.001]),
    (
        "result.count == 10 and result['average.duration'] < 15.0",
        {"count": 10, "average.duration": 12.5},
    ),
    ("result matches '^5[0-9][0-9]$'", "503"),  # RE2: about 0.7 µs more than Python's re
)
REFERENCE = "tooling-notes: a small interpreter parses in about 70 µs and evaluates in about 5 µs"
REPEATS = 5


def _best_us(run: Callable[[], object], number: int) -> float:
    """The least disturbed of `REPEATS` batches, in µs per call."""
    best = min(timeit.Timer(run).repeat(repeat=REPEATS, number=number))
    return round(best / number * 1e6, 2)


def measure_case(
    expression: str, result: object, *, parses: int, evaluations: int
) -> dict[str, Any]:
    compiled = compile_condition(expression)
    outcome = compiled.evaluate(result)
    return {
        "expression": expression,
        "outcome": outcome,
        "parse_us": _best_us(lambda: compile_tree(parse(expression)), parses),
        "cached_evaluate_condition_us": _best_us(
            lambda: evaluate_condition(expression, result), evaluations
        ),
        "compiled_evaluate_us": _best_us(lambda: compiled.evaluate(result), evaluations),
    }


def measure_conditions(*, quick: bool) -> dict[str, Any]:
    parses, evaluations = (100, 2_000) if quick else (500, 20_000)
    cases = [
        measure_case(expression, result, parses=parses, evaluations=evaluations)
        for expression, result in CASES
    ]
    return {
        "cases": cases,
        "max_parse_us": max(case["parse_us"] for case in cases),
        "max_cached_evaluate_us": max(case["cached_evaluate_condition_us"] for case in cases),
        "reference": REFERENCE,
    }
