"""Score and verdict tables: weights, thresholds, critical metrics and NoData (Kayenta's rules)."""

from __future__ import annotations

import pytest

from events.judgment import MetricClassification, MetricJudgment
from rollouts.judge import MetricCriteria, MetricSamples, Thresholds, judge, score_judgment

THRESHOLDS = Thresholds(marginal=50, pass_score=75)


def _metric(
    name: str, label: MetricClassification, weight: float = 1.0, critical: bool = False
) -> MetricJudgment:
    return MetricJudgment(
        metric=name,
        classification=label,
        direction="either",
        weight=weight,
        critical=critical,
        baseline_count=10,
        canary_count=10,
    )


@pytest.mark.parametrize(
    ("labels", "weights", "score", "verdict"),
    [
        (["Pass", "Pass", "Pass", "Pass"], [1, 1, 1, 1], 100.0, "Successful"),
        (["Pass", "Pass", "Pass", "High"], [1, 1, 1, 1], 75.0, "Successful"),  # at pass
        (["Pass", "Pass", "Low", "High"], [1, 1, 1, 1], 50.0, "Inconclusive"),  # at marginal
        (["Pass", "High", "High", "High"], [1, 1, 1, 1], 25.0, "Failed"),
        (["Pass", "High"], [3, 1], 75.0, "Successful"),
        (["Pass", "High"], [1, 3], 25.0, "Failed"),
        (["Pass", "Pass", "High"], [1, 1, 1], 66.67, "Inconclusive"),  # two decimals
        (["Pass", "High", "Pass", "NoData"], [1, 1, 1, 1], 66.67, "Inconclusive"),
    ],
)
def test_weighted_score_and_verdict(
    labels: list[MetricClassification], weights: list[float], score: float, verdict: str
) -> None:
    pairs = enumerate(zip(labels, weights, strict=True))
    metrics = [_metric(f"m{i}", label, weight) for i, (label, weight) in pairs]
    judgment = score_judgment(metrics, THRESHOLDS)
    assert (judgment.score, judgment.verdict) == (score, verdict)
    assert judgment.reason == f"score {score:g}: {verdict}"


@pytest.mark.parametrize("label", ["High", "Low", "NoData"])
def test_a_failed_critical_metric_fails_the_judgment(label: MetricClassification) -> None:
    metrics = [_metric(f"p{i}", "Pass") for i in range(9)] + [_metric("c", label, critical=True)]
    judgment = score_judgment(metrics, THRESHOLDS)
    assert (judgment.score, judgment.verdict) == (0.0, "Failed")
    assert judgment.reason == f"critical metric 'c' classified {label}"


def test_a_passing_critical_metric_changes_nothing() -> None:
    metrics = [_metric("c", "Pass", critical=True), _metric("x", "Pass")]
    assert score_judgment(metrics, THRESHOLDS).verdict == "Successful"


@pytest.mark.parametrize(("no_data", "verdict"), [(1, "Successful"), (2, "Failed")])
def test_half_the_metrics_without_data_fails(no_data: int, verdict: str) -> None:
    missing: list[MetricClassification] = ["NoData"]
    passed: list[MetricClassification] = ["Pass"]
    labels = missing * no_data + passed * (4 - no_data)
    judgment = score_judgment([_metric(f"m{i}", x) for i, x in enumerate(labels)], THRESHOLDS)
    assert judgment.verdict == verdict


def test_thresholds_must_be_ordered_and_in_range() -> None:
    with pytest.raises(ValueError, match="marginal"):
        Thresholds(marginal=80, pass_score=70)
    with pytest.raises(ValueError, match="pass_score"):
        Thresholds(marginal=10, pass_score=101)


def test_empty_and_duplicate_metrics_are_refused() -> None:
    with pytest.raises(ValueError, match="metrics"):
        score_judgment([], THRESHOLDS)
    with pytest.raises(ValueError, match="metrics: names must be unique"):
        score_judgment([_metric("a", "Pass"), _metric("a", "High")], THRESHOLDS)


def test_judge_end_to_end_on_samples() -> None:
    """An error rate under any fixed 5% threshold, yet clearly worse than the stable's."""
    baseline = [0.001, 0.002, 0.001, 0.0, 0.002, 0.001, 0.001, 0.002, 0.0, 0.001]
    canary = [0.011, 0.012, 0.010, 0.013, 0.011, 0.012, 0.010, 0.011, 0.012, 0.013]
    latency_base = [100.0 + i for i in range(10)]
    latency_canary = [101.5 + i for i in range(10)]
    errors = MetricCriteria(name="error-rate", direction="increase", critical=True)
    latency = MetricCriteria(name="latency", direction="increase", weight=2)
    judgment = judge(
        [
            MetricSamples.of(errors, baseline, canary),
            MetricSamples.of(latency, latency_base, latency_canary),
        ],
        Thresholds(),
    )
    assert max(canary) < 0.05
    assert [m.classification for m in judgment.metrics] == ["High", "Pass"]
    assert judgment.verdict == "Failed" and judgment.reason.startswith("critical metric")
