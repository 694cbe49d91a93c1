"""Go-compatible value handling: float text, recorded value strings, JSON decoding, time forms."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.metrics.time_expr import evaluate_time
from adapters.metrics.values import epoch_seconds, go_float_text, loads_like_go, value_text

NOW = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (10.0, "10"),
        (0.08, "0.08"),
        (1e-05, "0.00001"),
        (1e16, "10000000000000000"),
        (-2.5, "-2.5"),
        (-0.0, "0"),
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (0.0020008318672513122, "0.0020008318672513122"),
    ],
)
def test_go_float_text(number: float, text: str) -> None:
    assert go_float_text(number) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("raw body", "raw body"),
        (10.0, "10"),
        ([10.0, 11.0], "[10,11]"),
        ([], "[]"),
        ([math.nan], "[NaN]"),
        (True, "true"),
        ({"b": [1.0, None], "a": "x"}, '{"a":"x","b":[1,null]}'),
        ([{"count": 2.0}], '[{"count":2}]'),
    ],
)
def test_value_text_matches_argo(value: Any, text: str) -> None:
    assert value_text(value) == text


def test_json_numbers_are_floats_and_nan_is_not_json() -> None:
    assert loads_like_go('{"a": 1, "b": [2]}') == {"a": 1.0, "b": [2.0]}
    assert isinstance(loads_like_go("1"), float)
    for text in ("NaN", "[Infinity]", "-Infinity"):
        with pytest.raises(ValueError):
            loads_like_go(text)


def test_naive_times_are_utc() -> None:
    assert epoch_seconds(datetime(2024, 1, 1, 12)) == epoch_seconds(NOW) == 1704110400


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("now()", NOW),
        ('now() - duration("5m")', NOW - timedelta(minutes=5)),
        ("now()+duration('1h30m')", NOW + timedelta(minutes=90)),
        (' now( ) - duration( "1.5s" ) ', NOW - timedelta(seconds=1.5)),
    ],
)
def test_time_expressions(expression: str, expected: datetime) -> None:
    assert evaluate_time(expression, NOW) == expected


@pytest.mark.parametrize(
    "expression",
    ["", "now", "now() - 5m", 'date("2024-01-01")', 'now() * duration("5m")',
     'now() - duration("5x")', '__import__("os")'],
)  # fmt: skip
def test_other_time_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        evaluate_time(expression, NOW)
