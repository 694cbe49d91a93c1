"""Canary ReplicaSet scaling (Argo's reconcileCanaryReplicaSets): stable first, then the new
ReplicaSet, then older ones, one category per pass so each change is observed before the next."""

from __future__ import annotations

from rollouts.decide.canary.weights import canary_of, max_weight, replica_targets, routed
from rollouts.decide.context import Decision
from rollouts.decide.replica_sets import (
    delayed_scale_down,
    halted,
    referenced,
    remove_deadline,
    scale,
    set_deadline,
)
from rollouts.replicas import canary_fenceposts
from rollouts.state import ReplicaSetState, RolloutState


def reconcile_canary_replica_sets(ctx: Decision) -> bool:
    """True when something was scaled (the pass then stops short, as in Argo)."""
    if halted(ctx.state):
        return False
    _remove_deadlines(ctx)
    targets = replica_targets(ctx)
    state = ctx.state
    stable = state.stable
    distinct = stable is not None and state.stable_rs != state.current_pod_hash
    if distinct and stable is not None and scale(ctx, stable, targets.stable):
        return True
    if _scale_new(ctx, targets.canary):
        return True
    return _scale_down_others(ctx)


def _remove_deadlines(ctx: Decision) -> None:
    state = ctx.state
    if not should_delay_abort_scale_down(ctx):
        remove_deadline(ctx, state.new_rs)
    if state.stable_rs != state.current_pod_hash:
        remove_deadline(ctx, ctx.state.stable)


def should_delay_abort_scale_down(ctx: Decision) -> bool:
    """Argo shouldDelayScaleDownOnAbort for a canary: only with traffic routing, a stable
    ReplicaSet and a non-zero abortScaleDownDelaySeconds."""
    state = ctx.state
    if not ctx.is_aborted() or state.stable is None or not routed(state):
        return False
    canary = canary_of(state)
    if canary.effective_abort_scale_down_delay_seconds in (None, 0):
        return False
    explicit = canary.abort_scale_down_delay_seconds not in (None, 0)
    return not (canary.dynamic_stable_scale and not explicit)


def _scale_new(ctx: Decision, count: int) -> bool:
    new = ctx.state.new_rs
    if new is None:
        return False
    if should_delay_abort_scale_down(ctx):
        deadline = new.scale_down_deadline
        if deadline is None:
            if new.desired == 0:
                return False
            stable = ctx.state.stable
            if stable is not None and stable.available >= ctx.state.spec_replicas:
                delay = canary_of(ctx.state).effective_abort_scale_down_delay_seconds or 0
                set_deadline(ctx, new, delay)
            return False
        if deadline > ctx.now:
            return False
        count = 0
    return scale(ctx, new, count)


def _scale_down_others(ctx: Decision) -> bool:
    """Argo scaleDownOldReplicaSetsForCanary: unhealthy pods first, then within the
    maxUnavailable budget, newest first."""
    cleaned = _clean_up_unhealthy(ctx)
    state = ctx.state
    others = sorted(
        (rs for rs in state.others if rs.desired > 0), key=lambda rs: rs.revision, reverse=True
    )
    budget = scale_down_budget(state)
    if not others or budget <= 0:
        return cleaned
    scaled, annotated = False, 0
    for rs in others:
        if routed(state) and referenced(state, rs, max_weight(state)):
            continue
        if budget <= 0:
            break
        annotated, target = _other_target(ctx, rs, annotated, budget)
        if scale(ctx, rs, target):
            budget -= rs.desired - target
            scaled = True
    return cleaned or scaled


def scale_down_budget(state: RolloutState) -> int:
    """How many available pods may go: all available minus (replicas - maxUnavailable)."""
    canary = canary_of(state)
    fence = canary_fenceposts(state.spec_replicas, canary.max_surge, canary.max_unavailable)
    available = sum(rs.available for rs in state.replica_sets.values())
    return available - (state.spec_replicas - fence.max_unavailable)


def _clean_up_unhealthy(ctx: Decision) -> bool:
    """Argo cleanupUnhealthyReplicas: pods of old ReplicaSets that are not available serve
    nobody, so they go at once, whatever the budget, delay or references (oldest first)."""
    scaled = False
    for rs in sorted(ctx.state.others, key=lambda rs: rs.created_order):
        if rs.desired > 0 and rs.available < rs.desired:
            scaled = scale(ctx, rs, rs.available) or scaled
    return scaled


def _other_target(
    ctx: Decision, rs: ReplicaSetState, annotated: int, budget: int
) -> tuple[int, int]:
    state = ctx.state
    canary = canary_of(state)
    if not routed(state):
        return annotated, max(rs.desired - budget, 0)
    if not (state.fully_promoted or rs.scale_down_deadline is not None):
        return annotated, 0
    if canary.dynamic_stable_scale:
        return annotated, 0
    delay = canary.effective_scale_down_delay_seconds or 0
    limit = canary.scale_down_delay_revision_limit
    return delayed_scale_down(ctx, rs, annotated, keep=rs.desired, delay=delay, limit=limit)
