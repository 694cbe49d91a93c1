"""Is the canary far enough along to finish a step?"""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.replicas.models import ProgressThreshold, ReplicaSetCounts, SplitTargets

_PERCENT_EPSILON = 1e-10


def all_desired_available(rs: ReplicaSetCounts | None, desired: int) -> bool:
    """Argo: allDesiredAreAvailable — the RS was told `desired` and all of it is available."""
    return rs is not None and rs.replicas == desired and rs.available == desired


def all_desired_created(rs: ReplicaSetCounts | None, desired: int) -> bool:
    """Argo: allDesiredAreCreated — the RS was told `desired` and that many pods exist."""
    return rs is not None and rs.replicas == desired and rs.existing == desired


def replica_progress_threshold_met(
    threshold: ProgressThreshold | None, rs: ReplicaSetCounts | None, desired: int
) -> bool:
    """Argo: ReplicaProgressThresholdMet.

    Without a (non-negative) threshold every desired pod must be available. A percentage is
    of the desired count and is met trivially when nothing is desired; a pod count compares
    available pods directly. The epsilon mirrors Argo's float comparison.
    """
    if threshold is None or rs is None or threshold.value < 0:
        return all_desired_available(rs, desired)
    if threshold.type == "Pods":
        return rs.available >= threshold.value
    if desired == 0:
        return True
    percent = rs.available / desired * 100
    return percent >= threshold.value or abs(percent - threshold.value) <= _PERCENT_EPSILON


def at_desired_replica_counts_for_canary(
    targets: SplitTargets,
    *,
    new_rs: ReplicaSetCounts | None,
    stable_rs: ReplicaSetCounts | None,
    older: Sequence[ReplicaSetCounts] = (),
    threshold: ProgressThreshold | None = None,
    traffic_routed: bool,
    dynamic_stable_scale: bool = False,
) -> bool:
    """Argo: AtDesiredReplicaCountsForCanary, given the targets computed for this reconcile.

    The canary must meet the progress threshold. The stable RS must have exactly its target,
    except under dynamicStableScale where it legitimately lags the traffic. Without a router
    older RSs still take traffic, so none of their pods may be available; with one they may
    linger, as the router keeps traffic away from them.
    """
    if not replica_progress_threshold_met(threshold, new_rs, targets.canary):
        return False
    stable_checked = not traffic_routed or not dynamic_stable_scale
    if stable_checked and not all_desired_created(stable_rs, targets.stable):
        return False
    return traffic_routed or sum(rs.available for rs in older) == 0
