"""One measurement of a judge metric turned into a judgment of the whole run.

The analysis worker measures a judge metric by sampling its baseline and canary queries; the
measurement's value is `{"baseline": [...], "canary": [...]}`. Each such measurement is judged
at once: the metric is classified from its new samples, every other judge metric of the run
keeps the classification of the run's previous judgment (a metric not measured yet is left
out), and the whole is scored. The measurement's phase is the verdict (Successful,
Inconclusive or Failed), so Argo's limits (failureLimit, inconclusiveLimit, count) then decide
the metric and the run as for any other metric. Only finite samples are kept, as the judge
reads them, so the event that records them replays to the same judgment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from events.judgment import Judgment, MetricJudgment
from events.phases import AnalysisPhase
from rollouts.judge.classify import classify
from rollouts.judge.criteria import MAX_SAMPLES, MetricSamples
from rollouts.judge.from_spec import criteria_of, thresholds_of
from rollouts.judge.score import score_judgment
from rollouts.spec.analysis import Metric
from rollouts.spec.judge import JudgeThresholds

VERDICT_PHASES = {
    "Successful": AnalysisPhase.SUCCESSFUL,
    "Inconclusive": AnalysisPhase.INCONCLUSIVE,
    "Failed": AnalysisPhase.FAILED,
}


class JudgeSamples(NamedTuple):
    baseline: tuple[float, ...]
    canary: tuple[float, ...]


class JudgedMeasurement(NamedTuple):
    judgment: Judgment
    samples: JudgeSamples
    phase: AnalysisPhase
    value: str
    message: str


def read_samples(value: object) -> JudgeSamples:
    """The finite samples of a judge measurement's value; ValueError naming what is wrong."""
    if not isinstance(value, Mapping):
        raise ValueError(
            "judge measurement: value must be an object with baseline and canary samples, "
            f"got {type(value).__name__}"
        )
    sides = []
    for side in ("baseline", "canary"):
        values = value.get(side)
        if not isinstance(values, Sequence) or isinstance(values, str | bytes):
            raise ValueError(f"judge measurement: {side} must be a list of numbers")
        if len(values) > MAX_SAMPLES:
            raise ValueError(
                f"judge measurement: {side} holds {len(values)} samples, at most "
                f"{MAX_SAMPLES} are judged (narrow the window or widen the step)"
            )
        sides.append(tuple(_finite(side, values)))
    return JudgeSamples(sides[0], sides[1])


def _finite(side: str, values: Sequence[object]) -> list[float]:
    kept = []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ValueError(f"judge measurement: {side} sample {item!r} is not a number")
        if math.isfinite(item):
            kept.append(float(item))
    return kept


def judge_measurement(
    metric: Metric,
    samples: JudgeSamples,
    previous: Judgment | None,
    judge_metrics: Sequence[str],
) -> JudgedMeasurement:
    """The run's judgment after `metric` was sampled; `judge_metrics` in the run's order."""
    criteria = criteria_of(metric)
    fresh = classify(MetricSamples.of(criteria, samples.baseline, samples.canary))
    earlier = {m.metric: m for m in previous.metrics} if previous is not None else {}
    metrics: list[MetricJudgment] = []
    for name in judge_metrics:
        if name == metric.name:
            metrics.append(fresh)
        elif name in earlier:
            metrics.append(earlier[name])
    judgment = score_judgment(metrics, thresholds_of(_thresholds(metric)))
    return JudgedMeasurement(
        judgment=judgment,
        samples=samples,
        phase=VERDICT_PHASES[judgment.verdict],
        value=f"{judgment.score:g}",
        message=f"judgment {judgment.summary()}",
    )


def _thresholds(metric: Metric) -> JudgeThresholds | None:
    return metric.judge.thresholds if metric.judge is not None else None
