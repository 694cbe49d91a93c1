"""When a rollout next needs a decision without any input: the durable timers.

Timers are not stored anywhere of their own: they are a function of state, so a timer worker
rebuilt from the stream after a crash finds exactly the same wake-ups, and a wake-up that fires
twice finds nothing left to do the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events.phases import PauseReason
from rollouts.decide.progress import deadline_of
from rollouts.state import RolloutState


def next_wakeup(state: RolloutState) -> datetime | None:
    candidates = [
        _pause_step_end(state),
        _auto_promotion(state),
        _progress_deadline(state),
        *(rs.scale_down_deadline for rs in state.replica_sets.values() if rs.desired > 0),
    ]
    due = [c for c in candidates if c is not None]
    return min(due) if due else None


def _pause_step_end(state: RolloutState) -> datetime | None:
    step = state.current_step
    condition = state.pause_condition(PauseReason.CANARY_PAUSE_STEP)
    if step is None or step.pause is None or step.pause.duration is None or condition is None:
        return None
    return condition.start_time + timedelta(seconds=step.pause.duration)


def _auto_promotion(state: RolloutState) -> datetime | None:
    bg = state.spec.spec.strategy.blue_green if state.spec else None
    condition = state.pause_condition(PauseReason.BLUE_GREEN_PAUSE)
    if bg is None or condition is None or not bg.auto_promotion_enabled:
        return None
    if bg.auto_promotion_seconds <= 0:
        return None
    return condition.start_time + timedelta(seconds=bg.auto_promotion_seconds)


def _progress_deadline(state: RolloutState) -> datetime | None:
    deadline = deadline_of(state)
    return deadline + timedelta(seconds=1) if deadline else None
