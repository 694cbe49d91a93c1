"""The fleet health score: every cluster's latest analysis, weighted, in one number from 0 to 1.

A cluster's score is the mean over its current analysis metrics (dry-run metrics excluded) of
the verdict of each metric's latest measurement: Successful 1, Inconclusive 0.5, Failed and
Error 0. A cluster with no measurement yet has no score and takes no part.

    fleet score = sum(w_c * s_c) / sum(w_c)   over clusters on the revision with a score

With `weighting: traffic`, w_c = weight_c * p_c / 100, where p_c is the percentage of the
cluster's traffic on the new revision (its canary weight; 100 once it is fully promoted) and
weight_c the cluster's configured traffic share (default 1): a cluster's analysis counts in
proportion to the users it exposes to the revision. With `weighting: configured`, w_c =
weight_c. No scored cluster (or all weights 0) means no score, never a score of 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from events.phases import AnalysisPhase

VERDICT_SCORE: dict[AnalysisPhase, float] = {
    AnalysisPhase.SUCCESSFUL: 1.0,
    AnalysisPhase.INCONCLUSIVE: 0.5,
    AnalysisPhase.FAILED: 0.0,
    AnalysisPhase.ERROR: 0.0,
}


def cluster_score(latest: Iterable[AnalysisPhase]) -> float | None:
    """Mean verdict of each metric's latest measurement; None when nothing is judged yet."""
    values = [VERDICT_SCORE[phase] for phase in latest if phase in VERDICT_SCORE]
    return round(sum(values) / len(values), 4) if values else None


@dataclass(frozen=True, slots=True)
class ScoreInput:
    score: float
    configured_weight: float
    traffic_percent: int


@dataclass(frozen=True, slots=True)
class FleetScore:
    score: float
    parts: dict[str, float]
    weights: dict[str, float]


def fleet_score(clusters: Mapping[str, ScoreInput], weighting: str) -> FleetScore | None:
    weights = {
        name: c.configured_weight * (c.traffic_percent / 100 if weighting == "traffic" else 1)
        for name, c in clusters.items()
    }
    total = sum(weights.values())
    if total <= 0:
        return None
    score = sum(weights[n] * c.score for n, c in clusters.items()) / total
    parts = {name: c.score for name, c in clusters.items()}
    return FleetScore(round(score, 4), parts, {n: round(w, 4) for n, w in weights.items()})
