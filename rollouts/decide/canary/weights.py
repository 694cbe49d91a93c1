"""Which weight a canary should be at, for pod counts and for the traffic router.

Two questions with different answers: pods follow the current step at once, traffic only moves
once the pods for it are ready (Argo keeps the previous setWeight until then), so users never
send traffic to pods that do not exist yet.
"""

from __future__ import annotations

from rollouts.decide.context import Decision
from rollouts.replicas import (
    CanaryScale,
    ReplicaSetCounts,
    SplitTargets,
    TrafficWeights,
    basic_canary_targets,
    canary_fenceposts,
    dynamic_abort_weight,
    effective_canary_scale,
    traffic_routed_canary_targets,
)
from rollouts.spec import CanaryStrategy
from rollouts.state import ReplicaSetState, RolloutState


def canary_of(state: RolloutState) -> CanaryStrategy:
    assert state.spec is not None and state.spec.spec.strategy.canary is not None
    return state.spec.spec.strategy.canary


def routed(state: RolloutState) -> bool:
    return canary_of(state).traffic_routing is not None


def max_weight(state: RolloutState) -> int:
    routing = canary_of(state).traffic_routing
    return (routing.max_traffic_weight if routing else None) or 100


def counts(rs: ReplicaSetState | None) -> ReplicaSetCounts | None:
    if rs is None:
        return None
    return ReplicaSetCounts(replicas=rs.desired, available=rs.available, actual=rs.replicas)


def current_set_weight(state: RolloutState, aborted: bool) -> int:
    """Argo GetCurrentSetWeight: the last setWeight at or before the current step."""
    if aborted:
        return 0
    index = state.current_step_index
    if state.current_step is None or index is None:
        return max_weight(state)
    for step in reversed(state.steps[: index + 1]):
        if step.set_weight is not None:
            return step.set_weight
    return 0


def canary_scale(state: RolloutState, aborted: bool) -> CanaryScale | None:
    """Argo UseSetCanaryScale: the latest setCanaryScale at or before the current step."""
    index = state.current_step_index
    if not routed(state) or state.current_step is None or index is None:
        return None
    scale: CanaryScale | None = None
    for step in reversed(state.steps[: index + 1]):
        if step.set_canary_scale is not None:
            sc = step.set_canary_scale
            if not sc.match_traffic_weight:
                scale = CanaryScale(replicas=sc.replicas, weight=sc.weight)
            break
    delay = canary_of(state).effective_abort_scale_down_delay_seconds
    return effective_canary_scale(scale, aborted=aborted, abort_scale_down_delay_seconds=delay)


def desired_canary_weight(state: RolloutState, aborted: bool) -> int:
    """Argo GetDesiredCanaryWeight: under dynamicStableScale an abort walks the weight down."""
    canary = canary_of(state)
    new, stable = state.new_rs, state.stable
    if aborted and canary.dynamic_stable_scale and new is not None and stable is not None:
        weights = [s.set_weight for s in canary.steps if s.set_weight is not None]
        return dynamic_abort_weight(
            state.spec_replicas,
            weights,
            canary_available=new.available,
            stable_available=stable.available,
            abort_scale_down_delay_seconds=canary.abort_scale_down_delay_seconds,
            max_weight=max_weight(state),
        )
    return current_set_weight(state, aborted)


def pod_weight(state: RolloutState, aborted: bool) -> int:
    """Argo GetCanaryReplicasOrWeight (weight part): full weight once nothing is in flight."""
    if state.promote_full or state.stable_rs is None or state.fully_promoted:
        return max_weight(state)
    return desired_canary_weight(state, aborted)


def replica_targets(ctx: Decision) -> SplitTargets:
    """Desired (canary, stable) pod counts for this pass."""
    state, aborted = ctx.state, ctx.is_aborted()
    canary = canary_of(state)
    in_flight = not (state.promote_full or state.stable_rs is None or state.fully_promoted)
    if canary.traffic_routing is None:
        stable = state.stable if state.stable_rs != state.current_pod_hash else None
        fence = canary_fenceposts(state.spec_replicas, canary.max_surge, canary.max_unavailable)
        return basic_canary_targets(
            state.spec_replicas,
            pod_weight(state, aborted),
            max_surge=fence.max_surge,
            max_unavailable=fence.max_unavailable,
            new_rs=counts(state.new_rs),
            stable_rs=counts(stable),
            older=[c for c in map(counts, state.others) if c is not None],
            max_weight=max_weight(state),
        )
    return traffic_routed_canary_targets(
        state.spec_replicas,
        pod_weight(state, aborted),
        max_weight=max_weight(state),
        canary_scale=canary_scale(state, aborted) if in_flight else None,
        min_pods_per_replica_set=canary.min_pods_per_replica_set,
        dynamic_stable_scale=canary.dynamic_stable_scale,
        applied_weights=applied_weights(state),
        aborted=aborted,
    )


def applied_weights(state: RolloutState) -> TrafficWeights | None:
    applied = state.traffic.applied_canary
    if applied is None:
        return None
    return TrafficWeights(canary=applied, stable=max_weight(state) - applied)
