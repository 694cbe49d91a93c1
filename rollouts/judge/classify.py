"""One metric classified Pass, High, Low or NoData, as Kayenta's MannWhitneyClassifier does.

Kayenta decides High/Low from a Hodges-Lehmann confidence interval; this judge uses the p-value of
the same Mann-Whitney test (two-sided, at the metric's confidence level) together with the side
the canary's ranks fall on, and keeps Kayenta's effect-size gate on the ratio of the means:
- High: increase is bad (`increase` or `either`), p < 1 - confidence, the canary ranks higher,
  and mean(canary) / mean(baseline) >= allowedIncrease;
- Low: the mirror image with allowedDecrease (ratio <= allowedDecrease);
- NoData: either sample empty once NaN and infinite values are dropped;
- Pass otherwise, and at once when both samples hold the same values (Kayenta's shortcut).
A baseline mean of 0 makes the ratio undefined (None); a canary mean above 0 then counts as an
unbounded increase, below 0 as an unbounded decrease, and 0 as no change.
"""

from __future__ import annotations

import math
from statistics import fmean

from events.judgment import MetricClassification, MetricJudgment
from rollouts.judge.criteria import MetricCriteria, MetricSamples
from rollouts.judge.mannwhitney import MannWhitneyResult, mann_whitney_u


def finite(values: tuple[float, ...]) -> tuple[float, ...]:
    """Kayenta's NaN removal; infinities go too, since no ratio or rank of them means much."""
    return tuple(value for value in values if math.isfinite(value))


def mean_ratio(baseline: tuple[float, ...], canary: tuple[float, ...]) -> float | None:
    """mean(canary) / mean(baseline), None when the baseline mean is 0."""
    base = fmean(baseline)
    return None if base == 0 else fmean(canary) / base


def _ratio_at_least(ratio: float | None, canary_mean: float, bound: float) -> bool:
    return canary_mean > 0 if ratio is None else ratio >= bound


def _ratio_at_most(ratio: float | None, canary_mean: float, bound: float) -> bool:
    return canary_mean < 0 if ratio is None else ratio <= bound


def classify(samples: MetricSamples) -> MetricJudgment:
    """The classification of one metric, with the numbers behind it."""
    criteria = samples.criteria
    baseline, canary = finite(samples.baseline), finite(samples.canary)
    base = MetricJudgment(
        metric=criteria.name,
        classification="NoData",
        direction=criteria.direction,
        weight=criteria.weight,
        critical=criteria.critical,
        baseline_count=len(baseline),
        canary_count=len(canary),
    )
    if not baseline or not canary:
        return base.model_copy(update={"reason": f"no {'canary' if baseline else 'baseline'} data"})
    if sorted(baseline) == sorted(canary):
        same = {"classification": "Pass", "effect_size": 1.0, "reason": "identical samples"}
        return base.model_copy(update=same)
    test = mann_whitney_u(canary, baseline)
    ratio = mean_ratio(baseline, canary)
    label = _label(criteria, test, len(canary) * len(baseline), ratio, fmean(canary))
    judged = {
        "classification": label,
        "p_value": test.p_value,
        "method": test.method,
        "effect_size": ratio,
        "reason": _reason(label, criteria, test.p_value, ratio),
    }
    return base.model_copy(update=judged)


def _label(
    criteria: MetricCriteria,
    test: MannWhitneyResult,
    pairs: int,
    ratio: float | None,
    canary_mean: float,
) -> MetricClassification:
    significant = test.p_value < criteria.alpha
    higher, lower = test.u_statistic > pairs / 2, test.u_statistic < pairs / 2
    if (
        criteria.direction != "decrease"
        and significant
        and higher
        and _ratio_at_least(ratio, canary_mean, criteria.allowed_increase)
    ):
        return "High"
    if (
        criteria.direction != "increase"
        and significant
        and lower
        and _ratio_at_most(ratio, canary_mean, criteria.allowed_decrease)
    ):
        return "Low"
    return "Pass"


def _reason(
    label: MetricClassification, criteria: MetricCriteria, p_value: float, ratio: float | None
) -> str:
    shown = "undefined (baseline mean 0)" if ratio is None else f"{ratio:.4g}"
    if label == "High":
        bound = f">= allowed increase {criteria.allowed_increase:g}"
        return f"canary higher: p={p_value:.4g} < {criteria.alpha:.4g}, mean ratio {shown} {bound}"
    if label == "Low":
        bound = f"<= allowed decrease {criteria.allowed_decrease:g}"
        return f"canary lower: p={p_value:.4g} < {criteria.alpha:.4g}, mean ratio {shown} {bound}"
    return (
        f"within tolerance ({criteria.direction} is bad): p={p_value:.4g}"
        f" (significant below {criteria.alpha:.4g}), mean ratio {shown}"
    )
