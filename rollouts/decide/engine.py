"""The body of `rollouts.decide` (the package re-exports it lazily, see its docstring)."""

from __future__ import annotations

from datetime import datetime

import events.inputs as inp
import events.models as ev
from events.base import Command, Event, Input, Observation
from rollouts.decide.bluegreen import bluegreen_pass
from rollouts.decide.canary.reconcile import canary_pass
from rollouts.decide.commands import handle_command
from rollouts.decide.context import Decision
from rollouts.decide.deletion import decides_nothing_after_deletion
from rollouts.decide.observations import handle_observation
from rollouts.decide.pause_limit import enforce_pause_limit
from rollouts.decide.progress import reconcile_progress_deadline
from rollouts.decide.restart import reconcile_restart
from rollouts.fsm import check_rollout_transition, rollout_trigger
from rollouts.phase import compute_phase
from rollouts.state import RolloutState


def decide(state: RolloutState, input: Input, now: datetime) -> list[Event]:
    """Events caused by `input` at `now`. Raises a DomainError when a command is refused, in
    which case nothing is to be appended. A redelivered input decides nothing."""
    return decide_with_state(state, input, now)[0]


def decide_with_state(
    state: RolloutState, input: Input, now: datetime
) -> tuple[list[Event], RolloutState]:
    """`decide`, plus the state the decision worked on at the end. Folding the events onto
    `state` must give exactly that state; tests hold the decision to it."""
    if state.remembers(input.input_id) or decides_nothing_after_deletion(state, input):
        return [], state
    ctx = Decision(state=state, now=now, cause=input.input_id)
    if isinstance(input, Command):
        handle_command(ctx, input)
    elif isinstance(input, Observation):
        handle_observation(ctx, input)
    else:
        raise TypeError(f"{type(input).__name__} is neither a command nor an observation")
    _settle(ctx)
    if isinstance(input, inp.Tick) and enforce_pause_limit(ctx, input.pause_limit):
        _settle(ctx)  # judged on the settled state: a timed pause ending now ends first
    return ctx.events, ctx.state


def reconcile(state: RolloutState, now: datetime, cause: str) -> list[Event]:
    """Passes until nothing changes, with no new input (what a timer tick does)."""
    ctx = Decision(state=state, now=now, cause=cause)
    _settle(ctx)
    return ctx.events


def _settle(ctx: Decision) -> None:
    if ctx.state.spec is None:
        ctx.end_pass()
        return
    limit = 2 * len(ctx.state.steps) + 32
    for _ in range(limit):
        before = len(ctx.events)
        _one_pass(ctx)
        if len(ctx.events) == before:
            return
    raise RuntimeError(f"rollout {ctx.state.key} did not settle after {limit} passes")


def _one_pass(ctx: Decision) -> None:
    spec = ctx.state.spec
    assert spec is not None
    if spec.spec.strategy.blue_green is not None:
        bluegreen_pass(ctx)
    else:
        canary_pass(ctx)
    reconcile_restart(ctx)
    reconcile_progress_deadline(ctx)
    ctx.end_pass()
    _record_phase(ctx)


def _record_phase(ctx: Decision) -> None:
    view = compute_phase(ctx.state)
    previous = ctx.state.phase
    if view is None or view.phase is previous:
        return
    trigger = rollout_trigger(previous, view.phase, view.reason)
    check_rollout_transition(trigger, previous, view.phase)
    ctx.emit(
        ev.RolloutPhaseChanged,
        from_phase=previous,
        to_phase=view.phase,
        trigger=trigger,
        reason=view.reason,
        message=view.message,
    )
