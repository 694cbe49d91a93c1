"""When a rollout next needs a decision without any input: the durable timers.

Timers are not stored anywhere of their own: they are a function of state, so a timer worker
rebuilt from the stream after a crash finds exactly the same wake-ups, and a wake-up that fires
twice finds nothing left to do the second time.

Each time-based rule offers the moment it becomes due, but a rule may be unable to act then:
progress is halted by the user's pause or an inconclusive analysis, a scale-down would break the
maxUnavailable budget, the router has not confirmed the weights yet. Such a wake-up would stay
due and, once fired, hide every later one from the worker. So a candidate is only offered if a
tick at that moment decides something, which the pure core can simply try.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import events.inputs as inp
from events.pause_limit import PauseLimit
from events.phases import PauseReason
from rollouts.analysis.engine import next_measurement
from rollouts.decide import decide
from rollouts.decide.pause_limit import limit_of, pause_deadline
from rollouts.decide.progress import deadline_of
from rollouts.decide.restart import next_check
from rollouts.state import RolloutState

PROBE_CAUSE = "timer-probe"


def next_wakeup(state: RolloutState, pause_limit: PauseLimit | None = None) -> datetime | None:
    """The first moment a tick would decide something. `pause_limit` is the controller's
    default maximum pause, which the tick carries (the Rollout's annotations override it)."""
    probe = inp.Tick(input_id=PROBE_CAUSE, pause_limit=pause_limit)
    for due in sorted(set(_candidates(state, pause_limit))):
        if decide(state, probe, due):
            return due
    return None


def _candidates(state: RolloutState, pause_limit: PauseLimit | None) -> Iterator[datetime]:
    pause_end = pause_deadline(state, limit_of(state, pause_limit))
    for candidate in (
        _pause_step_end(state),
        _auto_promotion(state),
        _progress_deadline(state),
        pause_end,
        next_check(state),
    ):
        if candidate is not None:
            yield candidate
    for rs in state.replica_sets.values():
        if rs.scale_down_deadline is not None and rs.desired > 0:
            yield rs.scale_down_deadline
    yield from _measurements(state)


def _measurements(state: RolloutState) -> Iterator[datetime]:
    """Each run's next measurement; one in flight waits for its result instead (an input)."""
    current = set(state.current_runs.values())
    for run in state.analysis_runs.values():
        if run.name in current or run.termination_requested:
            due = next_measurement(run)
            if due is not None:
                yield due


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
    """Argo times out strictly after lastUpdateTime + progressDeadlineSeconds."""
    deadline = deadline_of(state)
    return deadline + timedelta(seconds=1) if deadline else None
