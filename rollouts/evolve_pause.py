"""How long a rollout has been paused: the clock the maximum pause policy reads.

`paused_since` is when the rollout last became paused, by the controller (a pause step, the
blue-green pause, an inconclusive analysis) or by the user (`rollouts pause`, `spec.paused`),
and stays while any pause holds: a pause handed from one to the other without a gap is one
pause. It stops when no pause is left or the rollout is aborted, and restarts when a new update
begins while paused, so a rollout paused before its update is timed from the update. It is part
of the fold, so a restarted timer finds the same clock and the same deadline.
"""

from __future__ import annotations

import events.models as ev
from events.base import Event
from events.pause_limit import PauseLimitExceeded
from rollouts.state import RolloutState
from rollouts.state_changes import Handler, StateChanges

_NEW_UPDATE: frozenset[type[Event]] = frozenset(
    {ev.RevisionCreated, ev.RevisionReused, ev.UpdateReset}
)


def pause_clock(state: RolloutState, event: Event, changes: StateChanges) -> None:
    """Add the clock's change, if any, to the `changes` an event makes to `state`."""
    manual = changes.get("manually_paused", state.manually_paused)
    conditions = changes.get("pause_conditions", state.pause_conditions)
    paused = (manual or bool(conditions)) and not changes.get("abort", state.abort)
    if not paused:
        if state.paused_since is not None:
            changes["paused_since"] = None
    elif state.paused_since is None or type(event) in _NEW_UPDATE:
        changes["paused_since"] = event.at


def _exceeded(s: RolloutState, e: PauseLimitExceeded) -> StateChanges:
    return {"pause_overrun": e}


PAUSE_HANDLERS: dict[type[Event], Handler] = {PauseLimitExceeded: _exceeded}
