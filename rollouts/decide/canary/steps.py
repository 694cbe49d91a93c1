"""Canary steps: pause conditions, step completion, and promotion (Argo's reconcileCanaryPause,
completedCurrentCanaryStep, shouldFullPromote and syncRolloutStatusCanary)."""

from __future__ import annotations

from datetime import timedelta

import events.models as ev
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason
from rollouts.decide.canary.router import at_desired_counts, router_weight, threshold
from rollouts.decide.canary.weights import counts, routed
from rollouts.decide.context import Decision
from rollouts.decide.promotion import promote_stable
from rollouts.decide.revisions import is_fast_rollback, rollback_within_window
from rollouts.replicas import replica_progress_threshold_met
from rollouts.spec import CanaryStep, PauseStep


def reconcile_canary_pause(ctx: Decision) -> None:
    """Reaching a pause step adds `CanaryPauseStep` once (controllerPause guards the re-add
    after a user resumed it)."""
    state = ctx.state
    if state.manually_paused or state.promote_full:
        return
    step = state.current_step
    if step is None or step.pause is None:
        return
    if state.pause_condition(PauseReason.CANARY_PAUSE_STEP) is None and not ctx.controller_paused():
        ctx.add_pause(PauseReason.CANARY_PAUSE_STEP)


def pause_step_done(ctx: Decision, pause: PauseStep) -> bool:
    state = ctx.state
    condition = state.pause_condition(PauseReason.CANARY_PAUSE_STEP)
    if ctx.controller_paused() and condition is None:
        return True
    if pause.duration is None or condition is None:
        return False
    return ctx.now >= condition.start_time + timedelta(seconds=pause.duration)


def _weight_reached(ctx: Decision) -> bool:
    if not at_desired_counts(ctx):
        return False
    if not routed(ctx.state):
        return True
    traffic = ctx.state.traffic
    wanted = router_weight(ctx)
    return traffic.holds(wanted) and traffic.verified is not False


def step_completed(ctx: Decision, step: CanaryStep) -> bool:
    """Argo completedCurrentCanaryStep, with one addition: with a traffic router a setWeight
    step also waits until the router reports holding the weight."""
    if step.pause is not None:
        return pause_step_done(ctx, step.pause)
    if step.set_weight is not None:
        return _weight_reached(ctx)
    if step.set_canary_scale is not None:
        return at_desired_counts(ctx)
    if step.analysis is not None:
        run = ctx.state.run(AnalysisRunKind.STEP)
        index = ctx.state.current_step_index
        return run is not None and run.step_index == index and run.phase is AnalysisPhase.SUCCESSFUL
    return True


def full_promote_reason(ctx: Decision) -> str:
    state = ctx.state
    if state.stable_rs is None:
        return "Initial deploy"
    if ctx.is_aborted():
        return ""
    new = state.new_rs
    if new is None:
        return ""
    replicas = state.spec_replicas
    if new.available < replicas and not replica_progress_threshold_met(
        threshold(ctx), counts(new), replicas
    ):
        return ""
    if state.promote_full:
        return "Full promotion requested"
    if is_fast_rollback(state):
        return "Rollback within window" if rollback_within_window(state) else "Fast rollback"
    steps = len(state.steps)
    if steps in (state.current_step_index, 0):
        return f"Completed all {steps} canary steps"
    return ""


def sync_canary_status(ctx: Decision) -> None:
    state = ctx.state
    steps = len(state.steps)
    if state.promote_full or rollback_within_window(state):
        ctx.clear_pauses("full promotion" if state.promote_full else "rollback within window")
        ctx.remove_abort("full promotion" if state.promote_full else "rollback within window")
        if steps and state.current_step_index != steps:
            ctx.emit(ev.StepsSkipped, step_index=steps, reason="full promotion")
    reason = full_promote_reason(ctx)
    if reason:
        promote_stable(ctx, reason)
        return
    if ctx.is_aborted():
        _rewind_on_abort(ctx)
        return
    state = ctx.state
    step, index = state.current_step, state.current_step_index
    if step is None or index is None or state.manually_paused:
        return
    if step_completed(ctx, step):
        ctx.emit(ev.RolloutStepCompleted, step_index=index, step_count=steps, step=step.describe())
        ctx.remove_pause(PauseReason.CANARY_PAUSE_STEP)


def _rewind_on_abort(ctx: Decision) -> None:
    state = ctx.state
    steps = len(state.steps)
    if not steps:
        return
    target = steps if state.stable_rs == state.current_pod_hash else 0
    if state.current_step_index != target:
        ctx.emit(ev.StepsRewound, step_index=target, reason="aborted")
