"""ReplicaSet intents shared by both strategies: scale, scale-down deadlines, history limit."""

from __future__ import annotations

from datetime import timedelta

import events.models as ev
from events.phases import PauseReason
from rollouts.decide.context import Decision
from rollouts.state import ReplicaSetState, RolloutState


def scale(ctx: Decision, rs: ReplicaSetState, to: int) -> bool:
    """Ask the scaler for `to` replicas; False when that is already what the RS was told."""
    if rs.desired == to:
        return False
    ctx.emit(
        ev.ReplicaSetScaleRequested,
        pod_template_hash=rs.pod_template_hash,
        revision=rs.revision,
        from_replicas=rs.desired,
        to_replicas=to,
    )
    return True


def halted(state: RolloutState) -> bool:
    """Argo haltProgress: a user pause or an inconclusive analysis freezes all scaling."""
    return state.manually_paused or (
        state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN) is not None
    )


def set_deadline(ctx: Decision, rs: ReplicaSetState, seconds: int) -> None:
    deadline = ctx.now + timedelta(seconds=seconds)
    ctx.emit(ev.ScaleDownDeadlineSet, pod_template_hash=rs.pod_template_hash, deadline=deadline)


def remove_deadline(ctx: Decision, rs: ReplicaSetState | None) -> None:
    if rs is not None and rs.scale_down_deadline is not None:
        ctx.emit(ev.ScaleDownDeadlineRemoved, pod_template_hash=rs.pod_template_hash)


def referenced(state: RolloutState, rs: ReplicaSetState, max_weight: int = 100) -> bool:
    """Argo isReplicaSetReferenced: still pointed at by a service, the recorded weights, or the
    rollout itself, so scaling it down would drop traffic. Argo reads the weights recorded
    before the reconcile; here the router's last confirmed weights play that part."""
    refs = {state.stable_rs, state.current_pod_hash, *state.selectors.values()}
    refs |= state.traffic.serving_hashes(max_weight)
    return rs.pod_template_hash in refs


def delayed_scale_down(
    ctx: Decision, rs: ReplicaSetState, annotated: int, *, keep: int, delay: int, limit: int | None
) -> tuple[int, int]:
    """Argo scaleDownDelayHelper: old ReplicaSets get a deadline and keep `keep` pods until it
    passes; beyond scaleDownDelayRevisionLimit they go at once. Returns (annotated, target)."""
    bound = limit if limit is not None else 2**31 - 1
    if rs.scale_down_deadline is None and rs.desired > 0:
        if annotated < bound:
            set_deadline(ctx, rs, delay)
            return annotated + 1, rs.desired
        return annotated, 0
    if rs.scale_down_deadline is not None:
        annotated += 1
        if annotated <= bound and rs.scale_down_deadline > ctx.now:
            return annotated, keep
    return annotated, 0


def reconcile_history_limit(ctx: Decision) -> None:
    """Argo reconcileRevisionHistoryLimit: delete the oldest scaled-down ReplicaSets beyond
    revisionHistoryLimit."""
    state = ctx.state
    assert state.spec is not None
    others = sorted(state.others, key=lambda rs: rs.created_order)
    excess = len(others) - state.spec.spec.revision_history_limit
    for rs in others[: max(excess, 0)]:
        if rs.desired == 0 and rs.replicas == 0:
            ctx.emit(
                ev.ReplicaSetDeletionRequested,
                pod_template_hash=rs.pod_template_hash,
                revision=rs.revision,
            )
