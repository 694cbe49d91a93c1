"""What the coordinator needs to know of one cluster's rollout, read off its folded state.

The coordinator folds each cluster's sourced history with the same `evolve` the cluster's own
controller uses, then reduces the state to a `ClusterObserved` input: phase, revision (pod
template hashes), canary weight, step, the current analysis and its failing metric, if any,
and the cluster's score (`rollouts.fleet.score.cluster_score`).
"""

from __future__ import annotations

from typing import Any

from events.phases import AnalysisPhase
from rollouts.fleet.score import cluster_score
from rollouts.run_state import AnalysisRunState
from rollouts.state import RolloutState

_FAILED = (AnalysisPhase.FAILED, AnalysisPhase.ERROR)
_WORST_FIRST = (
    AnalysisPhase.FAILED,
    AnalysisPhase.ERROR,
    AnalysisPhase.INCONCLUSIVE,
    AnalysisPhase.RUNNING,
    AnalysisPhase.PENDING,
    AnalysisPhase.SUCCESSFUL,
)


def _current_runs(state: RolloutState) -> list[AnalysisRunState]:
    runs = [state.analysis_runs.get(name) for name in state.current_runs.values()]
    return [run for run in runs if run is not None and run.revision == state.revision]


def _failing(runs: list[AnalysisRunState]) -> tuple[str, str]:
    """(metric, value) of the latest measurement that failed, if any."""
    for run in runs:
        for metric in run.metrics:
            last = metric.last
            if not metric.dry_run and last is not None and last.phase in _FAILED:
                return metric.name, last.value or last.message
    return "", ""


def observation_fields(state: RolloutState) -> dict[str, Any]:
    """The fields of a `ClusterObserved` input for this rollout state (all but ids)."""
    runs = _current_runs(state)
    phases = {run.phase for run in runs}
    analysis = next((p for p in _WORST_FIRST if p in phases), None)
    latest = [
        m.last.phase for run in runs for m in run.metrics if not m.dry_run and m.last is not None
    ]
    metric, value = _failing(runs)
    return {
        "phase": state.phase,
        "pod_hash": state.current_pod_hash or "",
        "stable_hash": state.stable_rs or "",
        "canary_weight": state.traffic.applied_canary,
        "step_index": state.current_step_index,
        "aborted": state.abort,
        "analysis": analysis,
        "failed_metric": metric,
        "failed_value": value,
        "score": cluster_score(latest),
    }
