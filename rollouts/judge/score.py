"""The score out of 100 and the verdict, as Kayenta's WeightedSumScorer and threshold classifier.

- Score: the weighted share of Pass among the metrics that were classified (NoData metrics are
  left out of both sides), rounded to two decimals as Kayenta rounds it. Kayenta weighs groups
  of metrics; here each metric carries its own weight.
- A critical metric that is not Pass (High, Low or NoData) fails the whole judgment with score 0,
  and so do NoData results on half of the metrics or more: Kayenta's two overrides.
- Verdict: score >= pass is Successful, score >= marginal is Inconclusive, lower is Failed.
"""

from __future__ import annotations

from collections.abc import Sequence

from events.judgment import JudgeVerdict, Judgment, MetricJudgment
from rollouts.judge.classify import classify
from rollouts.judge.criteria import MetricSamples, Thresholds

NO_DATA_FAILS_AT_PERCENT = 50.0


def weighted_score(metrics: Sequence[MetricJudgment]) -> float:
    """100 x weight of Pass / weight of Pass, High and Low; 100 when nothing was classified."""
    judged = [m for m in metrics if m.classification != "NoData"]
    total = sum(m.weight for m in judged)
    if total == 0:
        return 100.0
    passed = sum(m.weight for m in judged if m.classification == "Pass")
    return round(100 * passed / total, 2)


def verdict_of(score: float, thresholds: Thresholds) -> JudgeVerdict:
    if score >= thresholds.pass_score:
        return "Successful"
    if score >= thresholds.marginal:
        return "Inconclusive"
    return "Failed"


def _override(metrics: Sequence[MetricJudgment]) -> str:
    """Why the judgment fails whatever the score (Kayenta's order: critical metrics first)."""
    critical = [m for m in metrics if m.critical and m.classification != "Pass"]
    if critical:
        first = critical[0]
        return f"critical metric {first.metric!r} classified {first.classification}"
    no_data = sum(1 for m in metrics if m.classification == "NoData")
    if 100 * no_data / len(metrics) >= NO_DATA_FAILS_AT_PERCENT:
        return f"{no_data} of {len(metrics)} metrics returned NoData"
    return ""


def score_judgment(metrics: Sequence[MetricJudgment], thresholds: Thresholds) -> Judgment:
    """The judgment of already classified metrics; `metrics` must not be empty."""
    if not metrics:
        raise ValueError("metrics: a judgment needs at least one metric")
    names = [m.metric for m in metrics]
    if len(set(names)) != len(names):
        raise ValueError(f"metrics: names must be unique, got {names}")
    reason = _override(metrics)
    score = 0.0 if reason else weighted_score(metrics)
    verdict = verdict_of(score, thresholds)
    return Judgment(
        metrics=tuple(metrics),
        score=score,
        verdict=verdict,
        marginal=thresholds.marginal,
        pass_score=thresholds.pass_score,
        reason=reason or f"score {score:g}: {verdict}",
    )


def judge(samples: Sequence[MetricSamples], thresholds: Thresholds) -> Judgment:
    """Classify every metric's canary against its baseline, then score and judge the whole."""
    return score_judgment([classify(metric) for metric in samples], thresholds)
