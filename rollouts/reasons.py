"""Argo's Kubernetes event reasons for our events (argo-semantics §2.8).

Argo's notification triggers are its event reasons kebab-cased (`RolloutStepCompleted` ->
`on-rollout-step-completed`), and its end-to-end tests pin the sequence of reasons a rollout
records. This projection lets both work unchanged on our stream: given the state before an
event, it names the reasons Argo would have recorded for it (none, one or two).
"""

from __future__ import annotations

from collections.abc import Iterable

import events.models as ev
from events.base import Event
from rollouts.evolve import evolve
from rollouts.state import RolloutState

_ROLLBACK_SKIPS = ("Rollback to stable ReplicaSets", "Rollback to active ReplicaSets within")

_SIMPLE: dict[type[Event], str] = {
    ev.RolloutStepCompleted: "RolloutStepCompleted",
    ev.RolloutAborted: "RolloutAborted",
    ev.RolloutCompleted: "RolloutCompleted",
    ev.ReplicaSetScaleRequested: "ScalingReplicaSet",
    ev.ServiceSelectorSwitched: "SwitchService",
    ev.TrafficWeightRequested: "TrafficWeightUpdated",
    ev.RevisionReused: "RolloutUpdated",
    # Ours, not Argo's: trigger `on-rollout-paused-too-long` (the maximum pause policy).
    ev.PauseLimitExceeded: "RolloutPausedTooLong",
}


def argo_reasons(before: RolloutState, event: Event, after: RolloutState) -> list[str]:
    simple = _SIMPLE.get(type(event))
    if simple is not None:
        return [simple]
    if isinstance(event, ev.SpecApplied):
        return ["RolloutAddedToInformer"] if before.spec is None else []
    if isinstance(event, ev.RevisionCreated):
        return ["RolloutUpdated", "NewReplicaSetCreated"]
    if isinstance(event, ev.UpdateReset):
        return ["RolloutNotCompleted"] if _not_completed(before, after) else []
    if isinstance(event, ev.StepsSkipped):
        return ["SkipSteps"] if event.reason.startswith(_ROLLBACK_SKIPS) else []
    if isinstance(event, ev.AnalysisRunStatusChanged):
        return _run_status_reasons(before, event)
    return _pause_reasons(before, after)


def _run_status_reasons(before: RolloutState, event: ev.AnalysisRunStatusChanged) -> list[str]:
    """Argo records a run's phase change on the rollout only for the runs it still tracks; a
    terminated run winds down unseen by the rollout."""
    if event.run_name not in before.current_runs.values():
        return []
    return [f"AnalysisRun{event.phase.value}"]


def _not_completed(before: RolloutState, after: RolloutState) -> bool:
    """Argo flips its Completed condition to False when an update starts. A blue-green initial
    deploy promotes in the same reconcile, so Argo never records it there."""
    if after.current_pod_hash == after.stable_rs:
        return False
    canary = after.spec is not None and after.spec.spec.strategy.canary is not None
    return canary or before.stable_rs is not None


def _pause_reasons(before: RolloutState, after: RolloutState) -> list[str]:
    """RolloutPaused when controller pauses appear, RolloutResumed when they all go (but not
    through an abort, which clears them silently)."""
    if not before.pause_conditions and after.pause_conditions:
        return ["RolloutPaused"]
    if before.pause_conditions and not after.pause_conditions and not after.abort:
        return ["RolloutResumed"]
    return []


def reason_sequence(state: RolloutState, events: Iterable[Event]) -> list[str]:
    """Fold `events` from `state`, collecting Argo's reasons in order."""
    reasons: list[str] = []
    for event in events:
        after = evolve(state, event)
        reasons.extend(argo_reasons(state, event, after))
        state = after
    return reasons
