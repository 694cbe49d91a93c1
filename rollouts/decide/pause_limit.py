"""The maximum pause policy: what a timer tick does to a rollout paused longer than its limit.

Only a tick decides it: the timer worker offers a wake-up at `paused_since + limit` and the tick
carries the controller's default; the Rollout's annotations override it. The tick is judged on
the settled state, so a timed pause ending at the same moment ends first. A limit is acted on
once per pause (`pause_overrun` remembers the pause it concerned), never on a fully promoted or
aborted rollout, and a promote, resume or abort before the deadline ends the pause, which stops
the clock (`rollouts.evolve_pause`). Every pause counts, timed or not, the controller's or the
user's: the limit is a ceiling on the time a rollout stays paused, whatever paused it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events.pause_limit import PauseLimit, PauseLimitExceeded
from rollouts.decide.context import Decision
from rollouts.durations import format_seconds
from rollouts.spec.pause_limit import MAX_PAUSE_ANNOTATION, effective_limit
from rollouts.state import RolloutState

_DONE = {"notify": "notifying", "abort": "aborting", "promote": "promoting"}


def limit_of(state: RolloutState, default: PauseLimit | None) -> PauseLimit | None:
    """The limit that applies to this rollout now (None: none)."""
    if state.spec is None:
        return None
    return effective_limit(state.spec.metadata.annotations, default)


def pause_deadline(state: RolloutState, limit: PauseLimit | None) -> datetime | None:
    """When the current pause outlives `limit`; None when nothing is left to do."""
    since = state.paused_since
    if limit is None or since is None or state.spec is None or state.fully_promoted:
        return None
    overrun = state.pause_overrun
    if overrun is not None and overrun.paused_since == since:
        return None
    return since + timedelta(seconds=limit.seconds)


def describe_limit(limit: PauseLimit) -> str:
    """`10m (rollouts.dev/max-pause)` or `10m (controller default)`."""
    where = MAX_PAUSE_ANNOTATION if limit.source == "annotation" else "controller default"
    return f"{format_seconds(limit.seconds)} ({where})"


def enforce_pause_limit(ctx: Decision, default: PauseLimit | None) -> bool:
    """Act on a pause that outlived its limit at `ctx.now`; True when something was decided."""
    state = ctx.state
    limit = limit_of(state, default)
    due = pause_deadline(state, limit)
    if limit is None or due is None or ctx.now < due:
        return False
    assert state.paused_since is not None
    paused = format_seconds(int((ctx.now - state.paused_since).total_seconds()))
    limit_text = describe_limit(limit)
    ctx.emit(
        PauseLimitExceeded,
        paused_since=state.paused_since,
        limit_seconds=limit.seconds,
        action=limit.action,
        source=limit.source,
        message=f"paused {paused}, longer than the limit of {limit_text}: {_DONE[limit.action]}",
    )
    cause = f"paused longer than {limit_text}"
    if limit.action == "abort":
        ctx.abort(cause)
    elif limit.action == "promote":
        # imported here: `rollouts get` reads limits without loading the command handlers
        from rollouts.decide.commands import lift_for_promotion, step_run_inconclusive

        lift_for_promotion(ctx, step_run_inconclusive(ctx), why=cause)
    return True
