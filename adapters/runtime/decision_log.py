"""One info log line per decision that moves a rollout: its phase or its step changed.

A decision appends several events (an observation can complete a step, request a weight and
scale a ReplicaSet at once); logging each event would bury the few lines an operator reads,
and logging none (as before) left 20 minutes of progress with five lines. So the controller
compares the state before and after each appended decision and says what moved, in the
numbering `events` and `audit` use: step 1 is the first step.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from events.base import Event
from rollouts.phase import compute_phase
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.decision")


def phase_of(state: RolloutState) -> str | None:
    view = compute_phase(state)
    if view is not None:
        return view.phase.value
    return state.phase.value if state.phase is not None else None


def step_of(state: RolloutState) -> str | None:
    """`2/4` while at the second of four steps, `done/4` past the last, None without steps."""
    if not state.steps or state.current_step_index is None:
        return None
    index = state.current_step_index
    position = "done" if index >= len(state.steps) else str(index + 1)
    return f"{position}/{len(state.steps)}"


def log_decision(before: RolloutState, after: RolloutState, events: Sequence[Event]) -> bool:
    """Log one line if the phase or the step moved; say whether it did (for tests)."""
    phase, was_phase = phase_of(after), phase_of(before)
    step, was_step = step_of(after), step_of(before)
    if (phase, step) == (was_phase, was_step):
        return False
    fields: dict[str, object] = {"phase": phase, "step": step}
    if phase != was_phase:
        fields["was_phase"] = was_phase
    if step != was_step:
        fields["was_step"] = was_step
    log.info(
        "rollout.moved",
        rollout=f"{after.namespace}/{after.name}",
        revision=after.revision,
        events=",".join(event.type_name() for event in events),
        **fields,
    )
    return True
