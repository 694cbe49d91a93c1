"""How the facts of a pod restart change a rollout (`spec.restartAt`, `rollouts restart`).

The state remembers the restart being carried out (`RestartProgress`): the latest pod check
asked for and when, whether a ReplicaSet's counts changed since, and the latest eviction batch.
Argo re-reconciles a rollout whenever one of its ReplicaSets changes, and looks again every
30 s regardless; here a changed ReplicaSet marks the restart for a new check (`restart_watch`),
and the 30 s wake-up is a timer computed from `checked_at`. `RolloutRestarted` is Argo's
`status.restartedAt`.
"""

from __future__ import annotations

from typing import Any

import events.models as ev
from events.base import Event
from events.restart import PodEvictionRequested, PodsEvicted, RestartPodsCheckRequested
from events.restart import RolloutRestarted as Restarted
from rollouts.state import RestartProgress, RolloutState
from rollouts.state_changes import Handler, StateChanges


def restart_watch(state: RolloutState, event: Event, changes: StateChanges) -> None:
    """Add to the `changes` an event makes: a ReplicaSet status recorded during a restart is
    a reason to look at the pods again (replacements came up, an evicted pod went away)."""
    restart = state.restart
    if restart is None or restart.recheck or "restart" in changes:
        return
    if isinstance(event, ev.ReplicaSetStatusObserved):
        changes["restart"] = progress_with(restart, recheck=True)


def progress_with(restart: RestartProgress, **update: Any) -> RestartProgress:
    """A copy built through validation (`model_copy` would check nothing)."""
    return RestartProgress.model_validate({**restart.model_dump(), **update})


def _check_requested(s: RolloutState, e: RestartPodsCheckRequested) -> StateChanges:
    """A new round; the same restart keeps its count and its latest batch."""
    if s.restart is not None and s.restart.restart_at == e.restart_at:
        update = {"round": e.round, "checked_at": e.at, "recheck": False}
        return {"restart": progress_with(s.restart, **update)}
    return {"restart": RestartProgress(restart_at=e.restart_at, round=e.round, checked_at=e.at)}


def _batch(s: RolloutState, e: PodEvictionRequested) -> StateChanges:
    restart = s.restart
    if restart is None or restart.restart_at != e.restart_at:
        return {}
    update = {"batch_round": e.round, "batch_to_restart": e.pods_to_restart}
    return {"restart": progress_with(restart, **update)}


def _evicted(s: RolloutState, e: PodsEvicted) -> StateChanges:
    restart = s.restart
    if restart is None or restart.restart_at != e.restart_at:
        return {}
    return {"restart": progress_with(restart, evicted=restart.evicted + len(e.evicted))}


def _restarted(s: RolloutState, e: Restarted) -> StateChanges:
    return {"restarted_at": e.restart_at, "restart": None}


RESTART_HANDLERS: dict[type[Event], Handler] = {
    RestartPodsCheckRequested: _check_requested,
    PodEvictionRequested: _batch,
    PodsEvicted: _evicted,
    Restarted: _restarted,
}
"""Registered in `rollouts.evolve.HANDLERS`."""
