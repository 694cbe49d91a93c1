"""progressDeadlineSeconds (argo-semantics §2.7): Degraded when nothing moved for too long.

The clock starts at the last progress event (evolve keeps `last_progress_at`). The deadline is
not evaluated while paused, during an indefinite step (pause, analysis), while old ReplicaSets
wait for their scale-down deadline, or once aborted; progress after the deadline clears it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import events.models as ev
from events.phases import RolloutPhase
from rollouts.decide.context import Decision
from rollouts.decide.pod_failures import failure_note
from rollouts.phase import compute_phase, update_phase
from rollouts.state import RolloutState


def deadline_of(state: RolloutState) -> datetime | None:
    """When the deadline would expire if nothing else happens, or None when it does not run."""
    if state.spec is None or state.last_progress_at is None or state.deadline_exceeded:
        return None
    if state.abort or _indefinite(state) or _waiting_for_scale_down(state):
        return None
    if state.phase is RolloutPhase.HEALTHY:
        # Healthy until this pass: it just became unhealthy (a pod lost), which Argo counts as
        # progress (becameUnhealthy), so the clock starts when the phase change is recorded.
        return None
    view = compute_phase(state)
    if view is None or view.phase is not RolloutPhase.PROGRESSING:
        return None
    if update_phase(state).phase is not RolloutPhase.PROGRESSING:  # only restarting
        return None
    return state.last_progress_at + timedelta(seconds=state.spec.spec.progress_deadline_seconds)


def _indefinite(state: RolloutState) -> bool:
    step = state.current_step
    return step is not None and (step.pause is not None or step.analysis is not None)


def _waiting_for_scale_down(state: RolloutState) -> bool:
    return any(rs.scale_down_deadline is not None for rs in state.others)


def reconcile_progress_deadline(ctx: Decision) -> None:
    deadline = deadline_of(ctx.state)
    if deadline is None or ctx.now <= deadline:
        return
    state = ctx.state
    message = f'ReplicaSet "{state.name}-{state.current_pod_hash}" has timed out progressing.'
    if note := failure_note(state):  # why, when the platform reported stuck pods
        message = f"{message} {note}"
    ctx.emit(ev.ProgressDeadlineExceeded, message=message)
    spec = state.spec
    if spec is not None and spec.spec.progress_deadline_abort and not state.fully_promoted:
        ctx.abort(message)
