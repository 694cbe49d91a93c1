"""The canary weight the traffic router should hold now (Argo's desiredWeight in
reconcileTrafficRouting), and whether the ReplicaSets are at their counts for this pass.

Pods follow the current step at once; traffic only moves once the pods for it are ready, and on
the way back (abort, or a rollback to stable under dynamicStableScale) it only leaves the canary
as fast as the stable ReplicaSet can take it.
"""

from __future__ import annotations

from rollouts.decide.canary.weights import (
    canary_of,
    counts,
    current_set_weight,
    desired_canary_weight,
    max_weight,
    replica_targets,
    routed,
)
from rollouts.decide.context import Decision
from rollouts.replicas import ProgressThreshold, at_desired_replica_counts_for_canary
from rollouts.spec import ReplicaProgressThreshold


def threshold(ctx: Decision) -> ProgressThreshold | None:
    spec: ReplicaProgressThreshold | None = canary_of(ctx.state).replica_progress_threshold
    return ProgressThreshold(type=spec.type, value=spec.value) if spec else None


def at_desired_counts(ctx: Decision) -> bool:
    """Argo AtDesiredReplicaCountsForCanary for the current pass's targets."""
    state = ctx.state
    stable = state.stable if state.stable_rs != state.current_pod_hash else None
    return at_desired_replica_counts_for_canary(
        replica_targets(ctx),
        new_rs=counts(state.new_rs),
        stable_rs=counts(stable),
        older=[c for c in map(counts, state.others) if c is not None],
        threshold=threshold(ctx),
        traffic_routed=routed(state),
        dynamic_stable_scale=canary_of(state).dynamic_stable_scale,
    )


def dynamically_rolling_back(ctx: Decision) -> bool:
    """Argo IsDynamicallyRollingBackToStable: under dynamicStableScale the user went back to
    the stable ReplicaSet mid-update, and stable is not yet big enough for all the traffic the
    previous canary still has. The router keeps that canary (`traffic.canary_hash`) meanwhile."""
    state = ctx.state
    new, traffic = state.new_rs, state.traffic
    if not (state.fully_promoted and routed(state) and canary_of(state).dynamic_stable_scale):
        return False
    if traffic.requested_canary is None or traffic.canary_hash == state.current_pod_hash:
        return False
    return new is not None and new.available < state.spec_replicas


def router_weight(ctx: Decision) -> int:
    """The canary weight the router should hold now, in Argo's order of cases."""
    state = ctx.state
    if dynamically_rolling_back(ctx):
        return _weight_going_back(ctx)
    if state.fully_promoted:
        return 0
    if ctx.is_aborted():
        return _weight_going_back(ctx)
    new = state.new_rs
    if new is None or new.available == 0:
        return 0
    if state.promote_full:
        return _full_promotion_weight(ctx)
    return _step_weight(ctx)


def _step_weight(ctx: Decision) -> int:
    """Mid-update: the previous setWeight until the pods of the current one are there."""
    state = ctx.state
    index = state.current_step_index
    if index is None:
        return 0
    if not at_desired_counts(ctx):
        return _previous_set_weight(ctx, index)
    if index != len(state.steps):
        return current_set_weight(state, aborted=False)
    return max_weight(state)


def _full_promotion_weight(ctx: Decision) -> int:
    """Argo: with dynamicStableScale the canary gets the share its available pods can serve;
    otherwise the weight holds until the stable service switches."""
    state = ctx.state
    new = state.new_rs
    if canary_of(state).dynamic_stable_scale and new is not None and state.spec_replicas:
        return (max_weight(state) * new.available) // state.spec_replicas
    return state.traffic.requested_canary or 0


def _previous_set_weight(ctx: Decision, index: int) -> int:
    for step in reversed(ctx.state.steps[:index]):
        if step.set_weight is not None:
            return step.set_weight
    return 0


def _weight_going_back(ctx: Decision) -> int:
    """Argo calculateDesiredWeightOnAbortOrStableRollback: 0 at once, except under
    dynamicStableScale, where the canary keeps the traffic the stable pods cannot take yet and
    the weight walks back down through the steps' setWeight values, never up again."""
    state = ctx.state
    replicas, top = state.spec_replicas, max_weight(state)
    stable, new = state.stable, state.new_rs
    if not canary_of(state).dynamic_stable_scale or stable is None or new is None or not replicas:
        return 0
    desired = desired_canary_weight(state, aborted=ctx.is_aborted())
    stable_share = (top * stable.available) // replicas
    expected = max(0, top - stable_share)
    current = state.traffic.requested_canary
    if current is None:
        return max(expected, desired)
    if desired <= 0:
        return min(expected, current)
    if stable_share < top - desired:
        return current
    return min(desired, current)
