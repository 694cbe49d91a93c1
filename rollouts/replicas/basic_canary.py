"""Replica targets for a canary without a traffic router (Argo's "basic canary").

Traffic follows pods here, so every step is a pod-ratio change, throttled so that the total
never exceeds spec.replicas + maxSurge and the available pods never drop below
spec.replicas - maxUnavailable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rollouts.replicas.models import ReplicaSetCounts, SplitTargets
from rollouts.replicas.weighted import approximate_weighted_canary_stable


class _Limits(NamedTuple):
    """The two throttles: most pods that may exist, fewest that must stay available."""

    ceiling: int
    min_available: int


def basic_canary_targets(
    spec_replicas: int,
    desired_weight: int,
    *,
    max_surge: int,
    max_unavailable: int,
    new_rs: ReplicaSetCounts | None,
    stable_rs: ReplicaSetCounts | None,
    older: Sequence[ReplicaSetCounts] = (),
    max_weight: int = 100,
) -> SplitTargets:
    """Argo: CalculateReplicaCountsForBasicCanary.

    `max_surge`/`max_unavailable` are pod counts (see canary_fenceposts). Pass `stable_rs=None`
    when there is no stable RS or it *is* the new RS: the rollout then just drives the new RS
    to spec.replicas. `desired_weight` is the caller's (max_weight for a full promotion, 0 when
    aborted). Growth uses the surge headroom, the stable RS first so capacity is restored before
    the canary grows. Shrinking waits until every older RS is drained, and then removes only as
    many pods as maxUnavailable permits; which side's availability counts depends on the
    direction, so a crash-looping RS on the side being removed cannot block progress.
    """
    if stable_rs is not None:
        want = approximate_weighted_canary_stable(
            spec_replicas, desired_weight, max_weight, max_surge
        )
    else:
        want = SplitTargets(spec_replicas, 0)
    limits = _Limits(spec_replicas + max_surge, spec_replicas - max_unavailable)
    present = [rs for rs in (*older, new_rs, stable_rs) if rs is not None]
    headroom = limits.ceiling - sum(rs.replicas for rs in present)

    stable = 0
    if stable_rs is not None:
        stable = _grow(stable_rs.replicas, want.stable, headroom)
        headroom -= stable - stable_rs.replicas
    canary = 0 if new_rs is None else _grow(new_rs.replicas, want.canary, headroom)

    if sum(rs.replicas for rs in older) > 0:
        return SplitTargets(canary, stable)
    return _shrink_within_availability(
        SplitTargets(canary, stable), want, new_rs, stable_rs, limits
    )


def _grow(current: int, wanted: int, headroom: int) -> int:
    """Move towards `wanted` using at most `headroom` extra pods; never shrinks."""
    if current >= wanted or headroom <= 0:
        return current
    return min(wanted, current + headroom)


def _shrink_within_availability(
    counts: SplitTargets,
    want: SplitTargets,
    new_rs: ReplicaSetCounts | None,
    stable_rs: ReplicaSetCounts | None,
    limits: _Limits,
) -> SplitTargets:
    """The scale-down half of CalculateReplicaCountsForBasicCanary.

    When the canary is growing the stable side is drained, and its pods count as present even
    if unavailable; when the canary is shrinking (lower weight, abort) it is the other way round.
    """
    increasing = new_rs is None or want.canary >= new_rs.replicas
    countable = replicas_for_scale_down(new_rs, ignore_availability=not increasing)
    countable += replicas_for_scale_down(stable_rs, ignore_availability=increasing)
    if countable <= limits.min_available:
        return counts
    budget = countable - limits.min_available
    if not increasing and new_rs is not None:
        canary = _drain(new_rs, want.canary, budget, counts.canary)
        canary, stable = _fit_within_limits(new_rs, stable_rs, canary, counts.stable, limits)
        return SplitTargets(canary, stable)
    if stable_rs is not None:
        stable = _drain(stable_rs, want.stable, budget, counts.stable)
        stable, canary = _fit_within_limits(stable_rs, new_rs, stable, counts.canary, limits)
        return SplitTargets(canary, stable)
    return counts


def replicas_for_scale_down(rs: ReplicaSetCounts | None, *, ignore_availability: bool) -> int:
    """Argo: GetReplicasForScaleDown — the pods of `rs` that count as "present" for scale-down.

    Normally only available pods count. Ignoring availability lets an RS whose pods never
    become ready (CrashLoopBackOff) still be scaled down. An RS already shrinking (more
    available than desired) counts its desired size, so soon-gone pods buy no extra budget.
    """
    if rs is None:
        return 0
    if rs.replicas < rs.available or ignore_availability:
        return rs.replicas
    return rs.available


def _drain(rs: ReplicaSetCounts, wanted: int, budget: int, current: int) -> int:
    """Argo: calculateScaleDownReplicaCount — shrink towards `wanted` by at most `budget`."""
    if rs.replicas <= wanted:
        return current
    return max(wanted, rs.replicas - budget)


def _fit_within_limits(
    drain_rs: ReplicaSetCounts,
    adjust_rs: ReplicaSetCounts | None,
    drain_count: int,
    adjust_count: int,
    limits: _Limits,
) -> tuple[int, int]:
    """Argo: adjustReplicaWithinLimits — reconcile the drained and the other side.

    First trim the other side to respect maxSurge, give back whatever of that trim would cost
    available pods below the minimum, and take any remaining excess from the drained side.
    """
    if adjust_rs is None:
        return drain_count, adjust_count
    adjust_count -= max(0, adjust_count + drain_count - limits.ceiling)
    available = min(drain_rs.available, drain_count) + min(adjust_rs.available, adjust_count)
    lost_available = max(0, adjust_rs.available - adjust_count)
    shortfall = max(0, limits.min_available - available)
    adjust_count += min(lost_available, shortfall)
    drain_count -= max(0, adjust_count + drain_count - limits.ceiling)
    return drain_count, adjust_count


def older_scale_down_budget(spec_replicas: int, max_unavailable: int, available_total: int) -> int:
    """Argo: the maxScaleDown of scaleDownOldReplicaSetsForCanary.

    Older ReplicaSets may lose only the available pods above spec.replicas - maxUnavailable,
    counted over every RS of the rollout. Zero or less means "do not scale anything down".
    """
    return available_total - (spec_replicas - max_unavailable)


def drain_older_for_basic_canary(older_replicas: Sequence[int], budget: int) -> tuple[int, ...]:
    """Argo: scaleDownOldReplicaSetsForCanary without a traffic router.

    Older pods receive traffic, so every older RS heads to 0, but the whole pass removes at most
    `budget` pods, in the order given (Argo sorts by revision, newest first) so a large backlog
    is never dropped in one go.
    """
    targets: list[int] = []
    for replicas in older_replicas:
        if budget <= 0 or replicas == 0:
            targets.append(replicas)
            continue
        target = max(0, replicas - budget)
        budget -= replicas - target
        targets.append(target)
    return tuple(targets)
