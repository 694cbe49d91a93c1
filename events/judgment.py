"""What a statistical canary judgment concluded, as a subscriber reads it from the stream.

The values are computed by `rollouts.judge` (the pure core); they live here because they are part
of the event contract, and `events` imports nothing of the project.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from events.base import Count, Event, register_event
from events.upcasting import UPCASTERS, JsonObject

# Which way of moving is bad for a metric (Kayenta's `direction`).
JudgeDirection = Literal["increase", "decrease", "either"]
# Kayenta's metric classifications: no significant bad change, significantly higher or lower, or
# one of the two samples empty.
MetricClassification = Literal["Pass", "High", "Low", "NoData"]
# The run phases a judgment maps to (Kayenta's Pass / Marginal / Fail).
JudgeVerdict = Literal["Successful", "Inconclusive", "Failed"]
PValueMethod = Literal["exact", "asymptotic"]


class MetricJudgment(BaseModel):
    """One metric's comparison of canary against baseline.

    `p_value` and `method` are None when no test ran (NoData, or identical samples).
    `effect_size` is mean(canary) / mean(baseline); None when the baseline mean is 0 or no test
    ran (see docs/judge.md for how a zero baseline is judged).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    metric: str
    classification: MetricClassification
    direction: JudgeDirection
    weight: float
    critical: bool
    baseline_count: Count
    canary_count: Count
    p_value: float | None = None
    method: PValueMethod | None = None
    effect_size: float | None = None
    reason: str = ""


class Judgment(BaseModel):
    """The whole judgment: every metric, the score out of 100, and the verdict it gives."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    metrics: tuple[MetricJudgment, ...]
    score: float
    verdict: JudgeVerdict
    marginal: float
    pass_score: float
    reason: str = ""

    def summary(self) -> str:
        """One line for the audit and `rollouts events`: score, verdict, each metric's reading."""
        parts = [
            f"{m.metric} {m.classification}"
            + (f" p={m.p_value:.3g}" if m.p_value is not None else "")
            + (f" ratio={m.effect_size:.3g}" if m.effect_size is not None else "")
            + (" [critical]" if m.critical else "")
            for m in self.metrics
        ]
        return f"score {self.score:g} -> {self.verdict} ({self.reason}): {'; '.join(parts)}"


@register_event
class JudgmentRecorded(Event):
    """Judgment number `index` of a run's judge metrics (docs/judge.md).

    Schema version 2. Everything a reviewer needs to check the verdict is in the event: each
    metric's classification, p-value, test method, effect size and sample sizes, the score and
    the thresholds it was held to. A judgment follows one measurement of one judge metric
    (`metric`, `measurement_index`), whose samples (finite values only, as the judge reads
    them) are recorded here, so a replay re-classifies that metric from the stream alone; the
    other metrics keep the classification of the previous judgment of the run.
    Version 1 (never emitted by a controller: the judge was not yet fed samples) had no
    `metric`, `measurement_index`, `baseline` or `canary`.
    """

    schema_version = 2

    run_name: str
    index: Count
    judgment: Judgment
    metric: str = ""
    measurement_index: int = 0
    baseline: tuple[float, ...] = ()
    canary: tuple[float, ...] = ()


@UPCASTERS.register("JudgmentRecorded", 1)
def _judgment_v1_to_v2(data: JsonObject) -> JsonObject:
    """v1 judgments carry no samples: they read as judgments of no particular measurement."""
    return {"metric": "", "measurement_index": 0, "baseline": [], "canary": [], **data}
