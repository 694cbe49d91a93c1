"""Replica targets for a canary behind a traffic router.

The router decides who gets traffic, so pod counts only have to be large enough for the share
each side receives; by default the stable RS simply stays at full size throughout.
"""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.replicas.models import CanaryScale, SplitTargets, TrafficWeights
from rollouts.replicas.weighted import traffic_weight_to_replicas


def traffic_routed_canary_targets(
    spec_replicas: int,
    desired_weight: int,
    *,
    max_weight: int = 100,
    canary_scale: CanaryScale | None = None,
    min_pods_per_replica_set: int | None = None,
    dynamic_stable_scale: bool = False,
    applied_weights: TrafficWeights | None = None,
    aborted: bool = False,
) -> SplitTargets:
    """Argo: CalculateReplicaCountsForTrafficRoutedCanary.

    `desired_weight` is the caller's (max_weight for a full promotion or when nothing is in
    flight, 0 when aborted, or dynamic_abort_weight under dynamicStableScale); `canary_scale`
    is the step's setCanaryScale after effective_canary_scale. The canary gets
    ceil(replicas x weight) pods, or the explicit scale. With dynamicStableScale the stable RS
    shrinks to its share, but never below what the traffic it still receives (`applied_weights`)
    needs, and on abort the canary likewise keeps pods for the traffic it still has.
    """
    weight = desired_weight
    if canary_scale is not None and canary_scale.replicas is not None:
        canary = canary_scale.replicas
        weight = 0
    else:
        if canary_scale is not None and canary_scale.weight is not None:
            weight = canary_scale.weight
        canary = min_pods_floor(
            traffic_weight_to_replicas(spec_replicas, weight, max_weight),
            min_pods_per_replica_set,
            spec_replicas,
        )
    if not dynamic_stable_scale:
        return SplitTargets(canary, spec_replicas)

    stable = traffic_weight_to_replicas(spec_replicas, max_weight - weight, max_weight)
    if applied_weights is not None:
        needed_by_stable = traffic_weight_to_replicas(
            spec_replicas, applied_weights.stable, max_weight
        )
        stable = max(stable, needed_by_stable)
        if aborted:
            needed_by_canary = traffic_weight_to_replicas(
                spec_replicas, applied_weights.canary, max_weight
            )
            canary = max(canary, needed_by_canary)
    return SplitTargets(
        min_pods_floor(canary, min_pods_per_replica_set, spec_replicas),
        min_pods_floor(stable, min_pods_per_replica_set, spec_replicas),
    )


def min_pods_floor(count: int, min_pods_per_replica_set: int | None, spec_replicas: int) -> int:
    """Argo: CheckMinPodsPerReplicaSet (traffic routing only, which callers ensure).

    A side that runs at all gets at least minPodsPerReplicaSet pods for availability; an empty
    side stays empty. The floor is capped at spec.replicas, otherwise a small rollout would
    never reach its own target and reconcile forever.
    """
    if count == 0 or min_pods_per_replica_set is None:
        return count
    return max(count, min(min_pods_per_replica_set, spec_replicas))


def effective_canary_scale(
    scale: CanaryScale | None, *, aborted: bool, abort_scale_down_delay_seconds: int | None
) -> CanaryScale | None:
    """Argo: the abort rule of UseSetCanaryScale.

    An aborted rollout drops its setCanaryScale so the canary can be scaled away, unless the
    user set abortScaleDownDelaySeconds: 0, which means "leave the canary as it is".
    """
    if aborted and abort_scale_down_delay_seconds != 0:
        return None
    return scale


def dynamic_abort_weight(
    spec_replicas: int,
    set_weights: Sequence[int],
    *,
    canary_available: int,
    stable_available: int,
    abort_scale_down_delay_seconds: int | None,
    max_weight: int = 100,
) -> int:
    """Argo: GetDesiredCanaryWeight when aborted under dynamicStableScale (both RSs exist).

    Jumping straight to 0 % would ask the stable RS for every pod at once, so the weight walks
    back down through the steps' setWeight values (`set_weights`, every step, in order): the
    largest step whose pod count is below what the canary still has to cover. The canary
    covers what stable cannot yet serve, or its own available pods; with an explicit, non-zero
    abortScaleDownDelaySeconds the canary stays full-size until its deadline, so its own size
    must not hold the weight up (that deadlocks the abort, argo-rollouts#4898).
    """
    canary_pods = spec_replicas - stable_available
    holds_full_canary = abort_scale_down_delay_seconds not in (None, 0)
    if not holds_full_canary:
        canary_pods = max(canary_pods, canary_available)
    for weight in reversed(set_weights):
        if traffic_weight_to_replicas(spec_replicas, weight, max_weight) < canary_pods:
            return weight
    return 0
