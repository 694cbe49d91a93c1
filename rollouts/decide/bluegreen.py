"""One reconcile pass of a blue-green rollout, in Argo's order (rolloutBlueGreen, §2.4).

Preview service first (it follows the new ReplicaSet at once), then ReplicaSets, the
BlueGreenPause, the active service switch, analysis, and finally promotion.
"""

from __future__ import annotations

from datetime import timedelta

import events.models as ev
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason
from rollouts.decide.analysis import cancel_all, reconcile_run, should_cancel_all, terminate
from rollouts.decide.analysis_runs import reconcile_analysis_runs
from rollouts.decide.bluegreen_replicas import (
    bluegreen_of,
    new_rs_target,
    reconcile_bluegreen_replica_sets,
    reconcile_preview_service,
    saturated,
    skip_post_analysis,
)
from rollouts.decide.canary.traffic import switch_service
from rollouts.decide.canary.weights import counts
from rollouts.decide.context import Decision
from rollouts.decide.promotion import promote_stable
from rollouts.decide.replica_sets import halted, reconcile_history_limit
from rollouts.decide.revisions import is_fast_rollback, rollback_within_window
from rollouts.replicas import next_scale_up_preview_checkpoint, ready_for_pause


def bluegreen_pass(ctx: Decision) -> None:
    reconcile_analysis_runs(ctx)
    reconcile_preview_service(ctx)
    reconcile_bluegreen_replica_sets(ctx)
    reconcile_history_limit(ctx)
    _reconcile_pause(ctx)
    _reconcile_active_service(ctx)
    _reconcile_analysis(ctx)
    _sync_status(ctx)


def _fast_tracked(ctx: Decision) -> bool:
    state = ctx.state
    active = state.selectors.get("active")
    return (
        is_fast_rollback(state)
        or state.promote_full
        or not active
        or active == state.current_pod_hash
    )


def _needs_controller_pause(ctx: Decision) -> bool:
    bg = bluegreen_of(ctx.state)
    return not bg.auto_promotion_enabled or bg.auto_promotion_seconds > 0


def pre_promotion_done(ctx: Decision) -> bool:
    if bluegreen_of(ctx.state).pre_promotion_analysis is None:
        return True
    run = ctx.state.run(AnalysisRunKind.PRE_PROMOTION)
    return run is not None and run.phase is AnalysisPhase.SUCCESSFUL


def pause_done(ctx: Decision) -> bool:
    """Argo CompletedBlueGreenPause: resumed by a user, or autoPromotionSeconds elapsed."""
    state, bg = ctx.state, bluegreen_of(ctx.state)
    condition = state.pause_condition(PauseReason.BLUE_GREEN_PAUSE)
    if ctx.pauses.adds_pause:
        return False
    if state.scale_up_preview_checkpoint:
        return True
    if bg.auto_promotion_enabled:
        if bg.auto_promotion_seconds == 0:
            return True
        if condition is None:
            return False
        return ctx.now >= condition.start_time + timedelta(seconds=bg.auto_promotion_seconds)
    return ctx.controller_paused() and condition is None


def _ready_for_pause(ctx: Decision) -> bool:
    return ready_for_pause(counts(ctx.state.new_rs), new_rs_target(ctx))


def _reconcile_pause(ctx: Decision) -> None:
    state = ctx.state
    if state.abort or not _ready_for_pause(ctx) or halted(state):
        return
    skip = (
        _fast_tracked(ctx) or state.scale_up_preview_checkpoint or not _needs_controller_pause(ctx)
    )
    if skip:
        ctx.remove_pause(PauseReason.BLUE_GREEN_PAUSE)
        return
    if not pre_promotion_done(ctx):
        return
    if state.pause_condition(PauseReason.BLUE_GREEN_PAUSE) is not None:
        if pause_done(ctx):
            ctx.remove_pause(PauseReason.BLUE_GREEN_PAUSE)
    elif not ctx.controller_paused():
        ctx.add_pause(PauseReason.BLUE_GREEN_PAUSE)


def _reconcile_active_service(ctx: Decision) -> None:
    state = ctx.state
    if halted(state) or not _ready_for_pause(ctx) or not saturated(state, state.new_rs):
        return
    target = state.selectors.get("active")
    if _fast_tracked(ctx) or (pause_done(ctx) and pre_promotion_done(ctx)):
        target = state.current_pod_hash
    if state.abort:
        target = state.stable_rs
    rs = state.replica_sets.get(target or "")
    switch_service(ctx, "active", bluegreen_of(state).active_service, rs, check=False)


def _reconcile_analysis(ctx: Decision) -> None:
    reason = should_cancel_all(ctx)
    if reason:
        cancel_all(ctx, reason)
        return
    state, bg = ctx.state, bluegreen_of(ctx.state)
    pre = state.run(AnalysisRunKind.PRE_PROMOTION)
    if _skip_pre(ctx, pre is not None):
        terminate(ctx, pre, "pre-promotion analysis not needed")
    else:
        reconcile_run(ctx, AnalysisRunKind.PRE_PROMOTION, bg.pre_promotion_analysis, None)
    post = ctx.state.run(AnalysisRunKind.POST_PROMOTION)
    if skip_post_analysis(ctx, post is not None):
        terminate(ctx, post, "post-promotion analysis not needed")
    else:
        reconcile_run(ctx, AnalysisRunKind.POST_PROMOTION, bg.post_promotion_analysis, None)


def _skip_pre(ctx: Decision, started: bool) -> bool:
    state = ctx.state
    active = state.selectors.get("active", "")
    if state.fully_promoted or not active or active == state.current_pod_hash:
        return True
    if started:
        return False
    return not _preview_saturated(ctx)


def _preview_saturated(ctx: Decision) -> bool:
    state, count = ctx.state, bluegreen_of(ctx.state).preview_replica_count
    new = state.new_rs
    if count is not None:
        return new is not None and new.desired == count and new.available == count
    return saturated(state, new)


def _promote_reason(ctx: Decision) -> str:
    state = ctx.state
    if state.stable_rs is None or not state.selectors.get("active"):
        return "Initial deploy"
    if state.selectors.get("active") != state.current_pod_hash:
        return ""
    if state.promote_full:
        return "Full promotion requested"
    if is_fast_rollback(state):
        return "Rollback within window" if rollback_within_window(state) else "Fast rollback"
    if ctx.is_aborted():
        return ""
    if bluegreen_of(state).post_promotion_analysis is not None:
        run = state.run(AnalysisRunKind.POST_PROMOTION)
        if run is None or run.phase is not AnalysisPhase.SUCCESSFUL:
            return ""
    return "Completed blue-green update"


def _sync_status(ctx: Decision) -> None:
    state = ctx.state
    if state.promote_full or rollback_within_window(state):
        ctx.clear_pauses("full promotion")
        ctx.remove_abort("full promotion")
    reason = _promote_reason(ctx)
    if reason:
        promote_stable(ctx, reason)
        return
    _reconcile_checkpoint(ctx)


def _reconcile_checkpoint(ctx: Decision) -> None:
    state, new = ctx.state, ctx.state.new_rs
    if state.scale_up_preview_checkpoint or new is None:
        return
    passed = next_scale_up_preview_checkpoint(
        bluegreen_of(state).preview_replica_count,
        checkpoint=False,
        pre_promotion_analysis_done=pre_promotion_done(ctx),
        pause_done=pause_done(ctx),
        new_rs_available=new.available,
    )
    if passed:
        ctx.emit(ev.ScaleUpPreviewCheckpointPassed)
