"""Argo's `status.conditions` (argo-semantics §2.1) derived from a rollout's state.

Argo keeps conditions as a record of transitions; here they are recomputed from the state
each time and only their times are carried over from the object: a condition whose status,
reason and message are unchanged keeps both times, one whose status is unchanged keeps its
`lastTransitionTime`, anything else is stamped `now`. Paused and Healthy appear once they have
first been true, then stay (False) as in Argo. Pure: `now` is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from events.phases import RolloutPhase
from rollouts.phase import PhaseView, compute_phase
from rollouts.state import RolloutState

Obj = dict[str, Any]

PAUSED_MESSAGE = "Rollout is paused"
AVAILABLE = "Rollout has minimum availability"
NOT_AVAILABLE = "Rollout does not have minimum availability"


@dataclass(frozen=True, slots=True)
class InvalidSpecNote:
    """The object's spec at `generation` was refused; `message` says why. Defined here, below
    `status`, because the InvalidSpec condition is the first thing that reads it."""

    generation: int
    message: str


class Wanted(NamedTuple):
    type: str
    status: str
    reason: str
    message: str


def rollout_conditions(
    state: RolloutState | None,
    view: PhaseView,
    previous: Sequence[Any],
    now: datetime,
    invalid: InvalidSpecNote | None,
) -> list[Obj]:
    by_type = {str(c.get("type")): c for c in previous if isinstance(c, Mapping)}
    wanted = _wanted(state, by_type) if state is not None and state.spec is not None else []
    if invalid is not None:
        wanted.append(Wanted("InvalidSpec", "True", "InvalidSpec", invalid.message))
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [_stamped(item, by_type.get(item.type), stamp) for item in wanted]


def _wanted(state: RolloutState, previous: Mapping[str, Any]) -> list[Wanted]:
    paused = state.manually_paused or bool(state.pause_conditions)
    own = compute_phase(state)
    healthy = own is not None and own.phase is RolloutPhase.HEALTHY
    wanted = [_progressing(state, paused, healthy), _available(state)]
    if paused and not state.abort:
        wanted.append(Wanted("Paused", "True", "RolloutPaused", PAUSED_MESSAGE))
    elif "Paused" in previous:
        wanted.append(Wanted("Paused", "False", "RolloutPaused", PAUSED_MESSAGE))
    if healthy and not paused:
        wanted.append(Wanted("Healthy", "True", "RolloutHealthy", "Rollout is healthy"))
    elif "Healthy" in previous:
        wanted.append(Wanted("Healthy", "False", "RolloutHealthy", "Rollout is not healthy"))
    completed = "True" if state.fully_promoted else "False"
    wanted.append(Wanted("Completed", completed, "RolloutCompleted", "RolloutCompleted"))
    return wanted


def _progressing(state: RolloutState, paused: bool, healthy: bool) -> Wanted:
    if state.abort:
        return Wanted("Progressing", "False", "RolloutAborted", state.abort_message)
    if state.deadline_exceeded:
        message = state.deadline_message
        return Wanted("Progressing", "False", "ProgressDeadlineExceeded", message)
    if paused:
        return Wanted("Progressing", "Unknown", "RolloutPaused", PAUSED_MESSAGE)
    if state.current_pod_hash is None:
        return Wanted(
            "Progressing", "True", "ReplicaSetUpdated", f'Rollout "{state.name}" is progressing.'
        )
    replica_set = f"{state.name}-{state.current_pod_hash}"
    if healthy:
        message = f'ReplicaSet "{replica_set}" has successfully progressed.'
        return Wanted("Progressing", "True", "NewReplicaSetAvailable", message)
    message = f'ReplicaSet "{replica_set}" is progressing.'
    return Wanted("Progressing", "True", "ReplicaSetUpdated", message)


def _available(state: RolloutState) -> Wanted:
    """Canary: every ReplicaSet's available pods reach spec.replicas. Blue-green: the active
    ReplicaSet's alone do."""
    assert state.spec is not None
    if state.spec.spec.strategy.blue_green is not None:
        active = state.replica_sets.get(state.selectors.get("active", ""))
        available = active.available if active else 0
    else:
        available = sum(rs.available for rs in state.replica_sets.values())
    if available >= state.spec_replicas:
        return Wanted("Available", "True", "AvailableReason", AVAILABLE)
    return Wanted("Available", "False", "AvailableReason", NOT_AVAILABLE)


def _stamped(item: Wanted, previous: Mapping[str, Any] | None, now: str) -> Obj:
    updated, transitioned = now, now
    if previous is not None and previous.get("status") == item.status:
        transitioned = str(previous.get("lastTransitionTime") or now)
        unchanged = (previous.get("reason"), previous.get("message")) == (item.reason, item.message)
        if unchanged:
            updated = str(previous.get("lastUpdateTime") or now)
    return {
        "type": item.type,
        "status": item.status,
        "reason": item.reason,
        "message": item.message,
        "lastUpdateTime": updated,
        "lastTransitionTime": transitioned,
    }
