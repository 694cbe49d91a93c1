"""The value text of a measurement is the string Argo stores in `measurement.value`."""

from __future__ import annotations

import math
from typing import Any

import pytest

from rollouts.analysis.value_text import go_float_text, value_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("raw body", "raw body"),
        ("", ""),
        (10.0, "10"),
        (10, "10"),
        (0.08, "0.08"),
        (1e-05, "0.00001"),
        (-0.0, "0"),
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        ([10.0, 11.0], "[10,11]"),
        ([], "[]"),
        ([math.nan, math.inf], "[NaN,+Inf]"),
        (True, "true"),
        ({"b": [1.0, None], "a": "x"}, '{"a":"x","b":[1,null]}'),
        ([{"count": 2.0}], '[{"count":2}]'),
        ({"average.duration": 0.5}, '{"average.duration":0.5}'),
    ],
)
def test_value_text_is_argos(value: Any, text: str) -> None:
    assert value_text(value) == text


def test_float_text_never_uses_an_exponent() -> None:
    assert go_float_text(1e16) == "10000000000000000"
    assert go_float_text(0.0020008318672513122) == "0.0020008318672513122"
