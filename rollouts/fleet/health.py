"""What makes the fleet abort: a cluster's failure on the revision, or a low fleet score."""

from __future__ import annotations

from datetime import datetime

from events import fleet as ev
from events.phases import AnalysisPhase, RolloutPhase
from rollouts.fleet.score import ScoreInput, fleet_score
from rollouts.fleet.state import FleetState

Cause = tuple[str, str, str, str]
"""(reason, cluster, metric, value) recorded with the abort."""

_FAILED = (AnalysisPhase.FAILED, AnalysisPhase.ERROR)


def check_failure(state: FleetState, cluster: str) -> Cause | None:
    """A cluster sent the revision that failed on it: Degraded, aborted, or a failed run."""
    view = state.clusters.get(cluster)
    if view is None or cluster not in state.updates or view.pod_hash != state.template_hash:
        return None
    if view.analysis in _FAILED:
        return "AnalysisFailed", cluster, view.failed_metric, view.failed_value
    if view.phase is RolloutPhase.DEGRADED or view.aborted:
        return "Degraded", cluster, view.failed_metric, view.failed_value
    return None


def _inputs(state: FleetState) -> dict[str, ScoreInput]:
    fleet = state.fleet
    assert fleet is not None
    inputs = {}
    for name in state.updates:
        view, spec = state.clusters.get(name), fleet.cluster(name)
        if view is None or spec is None or view.score is None:
            continue
        if view.pod_hash != state.template_hash:
            continue
        percent = 100 if view.healthy_on(state.template_hash) else (view.canary_weight or 0)
        inputs[name] = ScoreInput(view.score, spec.weight, percent)
    return inputs


def score_event(state: FleetState, cause: str, now: datetime) -> ev.FleetHealthScored | None:
    """The revision's new score, when it changed."""
    if state.fleet is None:
        return None
    scored = fleet_score(_inputs(state), state.fleet.spec.health_policy.weighting)
    if scored is None or (scored.score, scored.parts) == (state.score, state.score_parts):
        return None
    return ev.FleetHealthScored(
        cause=cause,
        at=now,
        revision=state.revision,
        score=scored.score,
        clusters=scored.parts,
        weights=scored.weights,
    )


def check_score(state: FleetState) -> Cause | None:
    """The score under the policy's threshold: blame the lowest-scoring cluster."""
    if state.fleet is None or state.score is None:
        return None
    threshold = state.fleet.spec.health_policy.abort_below
    if state.score >= threshold or not state.score_parts:
        return None
    worst = min(state.score_parts, key=lambda name: state.score_parts[name])
    view = state.clusters[worst]
    metric = view.failed_metric or "fleet-health-score"
    value = view.failed_value or f"{state.score} < {threshold}"
    return "ScoreBelowThreshold", worst, metric, value
