"""How a deleted rollout and its stuck pods fold into state.

`RolloutDeleted` ends a life: everything the rollout was doing is forgotten at once (its
ReplicaSets, pauses, analysis runs, traffic, timers, which are a function of state), and only
what names the rollout and its history is kept: the version, the recent causes (a redelivered
input is still recognised), when it was deleted and how many lives ended. The state is then the
blank state of a rollout never applied, which is exactly where a re-created Rollout of the same
name must start: revision 1, an initial deploy, nothing blocked by the life before.

`PodFailuresRecorded` is kept as the latest report; `rollouts.decide.pod_failures` reads it.
"""

from __future__ import annotations

from typing import cast

from events.base import Event
from events.deletion import RolloutDeleted
from events.pod_failures import PodFailuresRecorded
from rollouts.state import RolloutState
from rollouts.state_changes import Handler, StateChanges

KEPT_ACROSS_LIVES = frozenset(
    {"namespace", "name", "version", "recent_causes", "deleted_at", "lives_ended"}
)
"""The fields a deletion does not reset; every other field returns to its default."""


def _deleted(s: RolloutState, e: RolloutDeleted) -> StateChanges:
    blank = RolloutState(namespace=s.namespace, name=s.name)
    reset = {
        field: getattr(blank, field)
        for field in RolloutState.model_fields
        if field not in KEPT_ACROSS_LIVES
    }
    reset.update(deleted_at=e.at, lives_ended=e.life)
    return cast(StateChanges, reset)


def _pods(s: RolloutState, e: PodFailuresRecorded) -> StateChanges:
    return {"pod_failures": e}


DELETION_HANDLERS: dict[type[Event], Handler] = {
    RolloutDeleted: _deleted,
    PodFailuresRecorded: _pods,
}
