"""Turning a traffic weight into replica counts."""

from __future__ import annotations

import math

from rollouts.replicas.models import SplitTargets


def traffic_weight_to_replicas(spec_replicas: int, weight: int, max_weight: int = 100) -> int:
    """Argo: trafficWeightToReplicas.

    Rounds up: a ReplicaSet receiving any share of traffic must have enough pods for it.
    """
    return -(-(weight * spec_replicas) // max_weight)


def approximate_weighted_canary_stable(
    spec_replicas: int, desired_weight: int, max_weight: int, max_surge: int
) -> SplitTargets:
    """Argo: approximateWeightedCanaryStableReplicaCounts (basic canary, no traffic router).

    Without a router the traffic share is the pod share, so pick the canary/stable pair whose
    pod ratio is closest to the weight. Candidates are the floor and ceiling canary counts over
    spec.replicas and, if surging is allowed, over spec.replicas + 1. A weight strictly between
    0 and max never yields a zero-pod side once two pods are possible, and an exact half-way
    tie is resolved towards the larger canary. Float arithmetic mirrors Argo's so near-ties
    break the same way.
    """
    if spec_replicas == 0:
        return SplitTargets(0, 0)
    exact = spec_replicas * desired_weight / max_weight
    ceil_canary, floor_canary = math.ceil(exact), math.floor(exact)
    zero_allowed = desired_weight in (0, max_weight) or (spec_replicas == 1 and max_surge == 0)
    floor_allowed = floor_canary != 0 or zero_allowed

    candidates: list[tuple[int, int]] = []
    if ceil_canary < spec_replicas or zero_allowed:
        candidates.append((ceil_canary, spec_replicas))
    if floor_allowed and not _halfway(desired_weight, max_weight, spec_replicas):
        candidates.append((floor_canary, spec_replicas))
    if max_surge > 0:
        surged = spec_replicas + 1
        candidates.append((ceil_canary, surged))
        if floor_allowed and not _halfway(desired_weight, max_weight, surged):
            candidates.append((floor_canary, surged))
    if not candidates:
        return SplitTargets(0, spec_replicas)
    canary, total = min(
        candidates, key=lambda c: _weight_error(desired_weight, max_weight, c[0], c[1])
    )
    return SplitTargets(canary, total - canary)


def _halfway(desired_weight: int, max_weight: int, total: int) -> bool:
    """Argo: floorCeilingTied — floor and ceiling are equally far from the weight."""
    return math.modf(total * (desired_weight / max_weight))[0] == 0.5


def _weight_error(desired_weight: int, max_weight: int, canary: int, total: int) -> float:
    """Argo: weightDelta — how far a canary/total pod ratio is from the desired weight."""
    return abs(canary * max_weight / total - desired_weight)
