"""Phase and message of a rollout, derived with Argo's precedence (CalculateRolloutPhase).

The phase is never stored as a decision of its own: it is a function of state. The controller
records a `RolloutPhaseChanged` event whenever this function's answer changes, so the stream
shows every change with its reason while the rule that produced it stays in one place.
"""

from __future__ import annotations

from typing import NamedTuple

from events.phases import AnalysisRunKind, RolloutPhase
from rollouts.state import RolloutState


class PhaseView(NamedTuple):
    phase: RolloutPhase
    reason: str
    message: str


def _progressing(reason: str, message: str) -> PhaseView:
    return PhaseView(RolloutPhase.PROGRESSING, reason, message)


def updated_replicas(state: RolloutState) -> int:
    rs = state.new_rs
    return rs.replicas if rs else 0


def available_replicas(state: RolloutState) -> int:
    """Canary counts every ReplicaSet; blue-green counts the active one (what serves traffic)."""
    spec = state.spec
    if spec and spec.spec.strategy.blue_green:
        active = state.replica_sets.get(state.selectors.get("active", ""))
        if active:
            return active.available
    return sum(rs.available for rs in state.replica_sets.values())


def total_replicas(state: RolloutState) -> int:
    return sum(rs.replicas for rs in state.replica_sets.values())


def compute_phase(state: RolloutState) -> PhaseView | None:
    """None before the first spec. Otherwise the first rule of §2.2 that matches."""
    if state.spec is None:
        return None
    return _degraded_or_paused(state) or _restarting(state) or update_phase(state)


def update_phase(state: RolloutState) -> PhaseView:
    """The phase from the update's own rules (§2.2 from rule 6 on), a restart aside: the
    progress deadline watches the update, never a restart (Argo's Progressing condition)."""
    return _replica_progress(state) or _strategy_progress(state)


def _restarting(state: RolloutState) -> PhaseView | None:
    """Argo: restartAt set and not equal to restartedAt, even while it is still to come."""
    if state.pending_restart is None:
        return None
    return _progressing("RolloutRestarting", "rollout is restarting")


def _degraded_or_paused(state: RolloutState) -> PhaseView | None:
    if state.abort:
        return PhaseView(
            RolloutPhase.DEGRADED, "RolloutAborted", f"RolloutAborted: {state.abort_message}"
        )
    if state.deadline_exceeded:
        message = f"ProgressDeadlineExceeded: {state.deadline_message}"
        return PhaseView(RolloutPhase.DEGRADED, "ProgressDeadlineExceeded", message)
    if state.manually_paused:
        return PhaseView(RolloutPhase.PAUSED, "RolloutPaused", "manually paused")
    if state.pause_conditions:
        reason = state.pause_conditions[0].reason.value
        return PhaseView(RolloutPhase.PAUSED, reason, reason)
    return None


def _replica_progress(state: RolloutState) -> PhaseView | None:
    updated = updated_replicas(state)
    if updated < state.spec_replicas:
        return _progressing("ReplicasUpdating", "more replicas need to be updated")
    if available_replicas(state) < updated:
        return _progressing(
            "ReplicasBecomingAvailable", "updated replicas are still becoming available"
        )
    return None


def _strategy_progress(state: RolloutState) -> PhaseView:
    assert state.spec is not None
    strategy = state.spec.spec.strategy
    if strategy.blue_green is not None:
        active = state.selectors.get("active", "")
        if not active or active != state.current_pod_hash:
            return _progressing("ServiceCutoverPending", "active service cutover pending")
        if not state.fully_promoted:
            if strategy.blue_green.post_promotion_analysis is not None and not _post_done(state):
                return _progressing("WaitingForAnalysis", "waiting for analysis to complete")
            return _progressing(
                "WaitingForVerification", "waiting for post-promotion verification to complete"
            )
    else:
        canary = strategy.canary
        routed = canary is not None and canary.traffic_routing is not None
        if not routed and total_replicas(state) > updated_replicas(state):
            return _progressing(
                "OldReplicasPendingTermination", "old replicas are pending termination"
            )
        if not state.fully_promoted:
            return _progressing("StepsPending", "waiting for all steps to complete")
    return PhaseView(RolloutPhase.HEALTHY, "RolloutHealthy", "")


def _post_done(state: RolloutState) -> bool:
    run = state.run(AnalysisRunKind.POST_PROMOTION)
    return run is not None and run.phase.completed
