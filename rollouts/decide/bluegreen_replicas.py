"""Blue-green ReplicaSets (Argo's reconcileBlueGreenReplicaSets): the active stack stays at
full size, the preview stack grows to previewReplicaCount then full size, older stacks wait
for scaleDownDelaySeconds, and an aborted preview goes after abortScaleDownDelaySeconds. The
preview service follows the desired ReplicaSet from its first moment."""

from __future__ import annotations

from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason
from rollouts.decide.canary.traffic import switch_service
from rollouts.decide.context import Decision
from rollouts.decide.replica_sets import (
    delayed_scale_down,
    halted,
    referenced,
    remove_deadline,
    scale,
    set_deadline,
)
from rollouts.replicas import bluegreen_new_rs_replicas
from rollouts.spec import BlueGreenStrategy
from rollouts.state import ReplicaSetState, RolloutState


def bluegreen_of(state: RolloutState) -> BlueGreenStrategy:
    assert state.spec is not None and state.spec.spec.strategy.blue_green is not None
    return state.spec.spec.strategy.blue_green


def reconcile_preview_service(ctx: Decision) -> None:
    """Argo reconcilePreviewService: "this must happen right after the new replicaset is
    created", before even the status reset of a new revision, unless progress is halted."""
    state = ctx.state
    if state.spec is None or state.spec.spec.strategy.blue_green is None or halted(state):
        return
    switch_service(ctx, "preview", bluegreen_of(state).preview_service, state.new_rs, check=False)


def saturated(state: RolloutState, rs: ReplicaSetState | None) -> bool:
    """Argo IsSaturated: sized for spec.replicas, all of them there and available."""
    n = state.spec_replicas
    return rs is not None and rs.desired == n and rs.replicas == n and rs.available == n


def new_rs_target(ctx: Decision) -> int:
    """Argo NewRSNewReplicas for blue-green. One exception: when the desired ReplicaSet is the
    stable one (a rollback to stable while another stack is active), it is the stack about to
    take the traffic back and the stable rule keeps it full; Argo would shrink it to
    previewReplicaCount right after and flap between the two sizes."""
    state, bg = ctx.state, bluegreen_of(ctx.state)
    if state.fully_promoted:
        return state.spec_replicas
    active = state.selectors.get("active")
    return bluegreen_new_rs_replicas(
        state.spec_replicas,
        bg.preview_replica_count,
        active_is_other_rs=bool(active) and active != state.current_pod_hash,
        promote_full=state.promote_full,
        new_rs_is_current=True,
        paused=state.manually_paused or bool(state.pause_conditions),
        scale_up_preview_checkpoint=state.scale_up_preview_checkpoint,
    )


def _delay_abort_scale_down(ctx: Decision) -> bool:
    bg = bluegreen_of(ctx.state)
    return (
        ctx.is_aborted()
        and ctx.state.stable is not None
        and bg.effective_abort_scale_down_delay_seconds not in (None, 0)
    )


def reconcile_bluegreen_replica_sets(ctx: Decision) -> None:
    state = ctx.state
    if not _delay_abort_scale_down(ctx):
        remove_deadline(ctx, state.new_rs)
    if state.stable_rs != state.current_pod_hash:
        remove_deadline(ctx, ctx.state.stable)
    stable = ctx.state.stable
    if stable is not None:
        scale(ctx, stable, state.spec_replicas)
    _scale_new(ctx)
    _scale_down_others(ctx)


def _scale_new(ctx: Decision) -> None:
    new = ctx.state.new_rs
    if new is None:
        return
    count = new_rs_target(ctx)
    if _delay_abort_scale_down(ctx):
        if new.scale_down_deadline is None:
            if new.desired == 0:
                return
            stable = ctx.state.stable
            if stable is not None and stable.available >= ctx.state.spec_replicas:
                delay = bluegreen_of(ctx.state).effective_abort_scale_down_delay_seconds or 0
                set_deadline(ctx, new, delay)
            return
        if new.scale_down_deadline > ctx.now:
            return
        count = 0
    scale(ctx, new, count)


def _waits_for_post_analysis(ctx: Decision) -> bool:
    """With post-promotion analysis and no explicit scaleDownDelaySeconds, the old stack stays
    until that analysis succeeds."""
    bg, state = bluegreen_of(ctx.state), ctx.state
    if bg.post_promotion_analysis is None or bg.scale_down_delay_seconds is not None:
        return False
    if skip_post_analysis(ctx, ctx.state.run(AnalysisRunKind.POST_PROMOTION) is not None):
        return False
    run = state.run(AnalysisRunKind.POST_PROMOTION)
    return run is None or run.phase is not AnalysisPhase.SUCCESSFUL


def _scale_down_others(ctx: Decision) -> None:
    state = ctx.state
    if state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN) or _waits_for_post_analysis(
        ctx
    ):
        return
    bg = bluegreen_of(state)
    delay = bg.effective_scale_down_delay_seconds or 0
    annotated = 0
    for rs in sorted(state.others, key=lambda r: r.revision, reverse=True):
        if referenced(ctx.state, rs) or rs.desired == 0:
            continue
        annotated, target = delayed_scale_down(
            ctx,
            rs,
            annotated,
            keep=state.spec_replicas,
            delay=delay,
            limit=bg.scale_down_delay_revision_limit,
        )
        scale(ctx, ctx.state.replica_sets[rs.pod_template_hash], target)


def skip_post_analysis(ctx: Decision, started: bool) -> bool:
    """Post-promotion analysis is moot once fully promoted or when the active Service points
    elsewhere; before it started, it waits until the new stack is saturated."""
    state = ctx.state
    if state.fully_promoted or state.selectors.get("active") != state.current_pod_hash:
        return True
    return not started and not saturated(state, state.new_rs)
