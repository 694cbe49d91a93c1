"""Classification tables: direction, significance and the effect-size gate, as in Kayenta."""

from __future__ import annotations

import math
from typing import Any

import pytest

from rollouts.judge import MetricCriteria, MetricSamples, classify
from rollouts.judge.criteria import MAX_SAMPLES

BASE = [0.010, 0.012, 0.011, 0.009, 0.010, 0.011, 0.012, 0.010, 0.009, 0.011]
HIGHER = [value * 1.5 for value in BASE]
LOWER = [value * 0.5 for value in BASE]
NOISY_SAME = [0.011, 0.010, 0.009, 0.012, 0.010, 0.011, 0.010, 0.012, 0.009, 0.0105]


def _judge(baseline: list[float], canary: list[float], **criteria: Any) -> tuple[str, object]:
    result = classify(MetricSamples.of(MetricCriteria(name="m", **criteria), baseline, canary))
    return result.classification, result


@pytest.mark.parametrize(
    ("direction", "canary", "expected"),
    [
        ("increase", HIGHER, "High"),
        ("increase", LOWER, "Pass"),
        ("decrease", HIGHER, "Pass"),
        ("decrease", LOWER, "Low"),
        ("either", HIGHER, "High"),
        ("either", LOWER, "Low"),
        ("either", NOISY_SAME, "Pass"),
        ("increase", NOISY_SAME, "Pass"),
    ],
)
def test_direction_table(direction: str, canary: list[float], expected: str) -> None:
    label, _ = _judge(BASE, canary, direction=direction)
    assert label == expected


@pytest.mark.parametrize(
    ("allowed_increase", "expected"),
    [(1.0, "High"), (1.4, "High"), (1.5, "High"), (1.6, "Pass"), (3.0, "Pass")],
)
def test_allowed_increase_gates_on_the_mean_ratio(allowed_increase: float, expected: str) -> None:
    label, result = _judge(BASE, HIGHER, direction="increase", allowed_increase=allowed_increase)
    assert result.effect_size == pytest.approx(1.5)  # type: ignore[attr-defined]
    assert label == expected


@pytest.mark.parametrize(
    ("allowed_decrease", "expected"), [(1.0, "Low"), (0.5, "Low"), (0.4, "Pass")]
)
def test_allowed_decrease_gates_on_the_mean_ratio(allowed_decrease: float, expected: str) -> None:
    label, _ = _judge(BASE, LOWER, direction="decrease", allowed_decrease=allowed_decrease)
    assert label == expected


@pytest.mark.parametrize(
    ("confidence", "expected"),
    # 3 vs 3 values, fully separated: exact two-sided p = 2/20 = 0.1
    [(0.85, "High"), (0.90, "Pass"), (0.95, "Pass"), (0.98, "Pass")],
)
def test_confidence_level_sets_the_significance(confidence: float, expected: str) -> None:
    label, result = _judge([1.0, 2.0, 3.0], [4.0, 5.0, 6.0], confidence=confidence)
    assert result.p_value == pytest.approx(0.1)  # type: ignore[attr-defined]
    assert result.method == "exact"  # type: ignore[attr-defined]
    assert label == expected


def test_no_data_when_either_side_is_empty_after_dropping_nan() -> None:
    label, result = _judge([math.nan, math.inf], [1.0, 2.0])
    assert label == "NoData" and result.reason == "no baseline data"  # type: ignore[attr-defined]
    label, result = _judge([1.0], [])
    assert label == "NoData" and result.reason == "no canary data"  # type: ignore[attr-defined]


def test_nan_values_are_dropped_not_ranked() -> None:
    label, result = _judge(BASE, [*HIGHER, math.nan], direction="increase")
    assert label == "High" and result.canary_count == len(HIGHER)  # type: ignore[attr-defined]


def test_identical_samples_pass_without_a_test() -> None:
    label, result = _judge(BASE, list(reversed(BASE)))
    assert label == "Pass" and result.p_value is None  # type: ignore[attr-defined]
    assert result.reason == "identical samples"  # type: ignore[attr-defined]


def test_zero_baseline_counts_any_canary_error_as_an_increase() -> None:
    """The case that matters for error rates: stable at 0, canary erring a little."""
    baseline = [0.0] * 20
    canary = [0.0] * 10 + [0.01] * 10
    label, result = _judge(baseline, canary, direction="increase", allowed_increase=2.0)
    assert label == "High" and result.effect_size is None  # type: ignore[attr-defined]
    assert "undefined" in result.reason  # type: ignore[attr-defined]


def test_significant_but_within_tolerance_says_so() -> None:
    label, result = _judge(BASE, HIGHER, direction="increase", allowed_increase=2.0)
    assert label == "Pass" and "within tolerance" in result.reason  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("confidence", 1.0),
        ("confidence", 0.0),
        ("weight", 0.0),
        ("allowed_increase", 0.9),
        ("allowed_decrease", 1.1),
        ("direction", "up"),
    ],
)
def test_bad_criteria_are_refused_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        MetricCriteria(name="m", **{field: value})


def test_samples_are_bounded_naming_the_side() -> None:
    criteria = MetricCriteria(name="m")
    with pytest.raises(ValueError, match="canary"):
        MetricSamples.of(criteria, [1.0], [0.5] * (MAX_SAMPLES + 1))
    bounded = MetricSamples.of(criteria, [1.0] * 8, [0.5] * MAX_SAMPLES)
    assert classify(bounded).classification == "Low"
