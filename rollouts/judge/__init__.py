"""The statistical canary judge: canary against baseline per metric, then a score out of 100.

Modelled on Kayenta's NetflixACAJudge (see docs/judge.md); pure, so a judgment is a function of
the samples and the criteria alone.
"""

from rollouts.judge.classify import classify
from rollouts.judge.criteria import MetricCriteria, MetricSamples, Thresholds
from rollouts.judge.mannwhitney import MannWhitneyResult, mann_whitney_u
from rollouts.judge.score import judge, score_judgment, verdict_of, weighted_score

__all__ = [
    "MannWhitneyResult",
    "MetricCriteria",
    "MetricSamples",
    "Thresholds",
    "classify",
    "judge",
    "mann_whitney_u",
    "score_judgment",
    "verdict_of",
    "weighted_score",
]
