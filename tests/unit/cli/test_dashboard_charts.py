"""The numbers a metric chart draws: thresholds read from conditions, values from results."""

from __future__ import annotations

import pytest

from adapters.cli.web.charts import numeric, thresholds


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("result < 0.05", [("<", 0.05)]),
        ("result[0] <= 100", [("<=", 100.0)]),
        ("asFloat(result) > 0.9", [(">", 0.9)]),
        ("0.9 <= result[0]", [(">=", 0.9)]),
        ("result[0] >= 0.95 && result[0] < 1.5e3", [(">=", 0.95), ("<", 1500.0)]),
        ("len(result) == 0", []),
        ("", []),
    ],
)
def test_thresholds_are_the_numbers_result_is_compared_with(
    condition: str, expected: list[tuple[str, float]]
) -> None:
    found = thresholds(condition, "success")
    assert [(line["op"], line["value"]) for line in found] == expected
    assert {line["kind"] for line in found} <= {"success"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.02", 0.02), ("[0.02]", 0.02), ('{"p99": 0.3}', 0.3), ("-4", -4.0), ("", None)],
)
def test_a_measured_value_plots_as_its_first_number(value: str, expected: float | None) -> None:
    assert numeric(value) == expected


def test_a_value_with_no_number_is_not_plotted() -> None:
    assert numeric("connection refused") is None
