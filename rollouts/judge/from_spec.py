"""The judge's criteria read from an AnalysisTemplate's judge extension (rollouts.spec.judge).

Kept apart from the spec models so the judge can be called with criteria from anywhere (a test,
a replay), and the spec layer never depends on the statistics.
"""

from __future__ import annotations

from rollouts.judge.criteria import MetricCriteria, Thresholds
from rollouts.spec.analysis import Metric
from rollouts.spec.judge import JudgeThresholds


def criteria_of(metric: Metric) -> MetricCriteria:
    """The criteria of a metric with a judge block; ValueError naming the metric otherwise."""
    judge = metric.judge
    if judge is None:
        raise ValueError(f"metric {metric.name!r}: has no judge block")
    return MetricCriteria(
        name=metric.name,
        direction=judge.direction,
        weight=judge.weight,
        critical=judge.critical,
        confidence=judge.confidence,
        allowed_increase=judge.allowed_increase,
        allowed_decrease=judge.allowed_decrease,
    )


def thresholds_of(thresholds: JudgeThresholds | None) -> Thresholds:
    """The template's thresholds, or the defaults (marginal 75, pass 90) when it sets none."""
    if thresholds is None:
        return Thresholds()
    return Thresholds(marginal=thresholds.marginal, pass_score=thresholds.pass_score)
