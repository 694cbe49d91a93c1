"""Which pods a restart evicts now: Argo's RolloutPodRestarter, as a pure function of the pods.

Argo lets `max(maxUnavailable, 1)` pods be unavailable at once: of `max(spec.replicas, sum of
the ReplicaSets' desired replicas)` pods (the sum is larger at an uneven canary weight), at
least that many minus the allowance must stay available, so `available - minimum` pods may go
now. A pod created before `restartAt` needs restarting; a terminating one still counts as
needing it (it is not gone yet) but is not evicted twice. Pods are taken stable ReplicaSet
first, then the new one, then the others oldest first (Argo's SortReplicaSetsByPriority),
oldest pod first within a ReplicaSet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from events.restart import RestartPod
from rollouts.replicas.fenceposts import bluegreen_max_unavailable, canary_fenceposts
from rollouts.state import RolloutState


@dataclass(frozen=True, slots=True)
class EvictionPlan:
    evict: tuple[str, ...]
    """Pod names to evict now, in order."""
    to_restart: int
    """Pods created before restartAt that are still there (the ones to evict included)."""
    total: int


def restart_order(state: RolloutState) -> list[str]:
    """Pod template hashes in restart order: stable, new, then the others oldest first."""
    first = [h for h in (state.stable_rs, state.current_pod_hash) if h in state.replica_sets]
    others = sorted(state.others, key=lambda rs: rs.created_order)
    return list(dict.fromkeys([*first, *(rs.pod_template_hash for rs in others)]))


def max_unavailable(state: RolloutState) -> int:
    """Argo's replicasetutil.MaxUnavailable for the rollout's strategy."""
    spec = state.spec
    if spec is None:
        return 0
    strategy, replicas = spec.spec.strategy, spec.spec.replicas
    if strategy.blue_green is not None:
        return bluegreen_max_unavailable(replicas, strategy.blue_green.max_unavailable)
    canary = strategy.canary
    if canary is None:
        return canary_fenceposts(replicas).max_unavailable
    return canary_fenceposts(replicas, canary.max_surge, canary.max_unavailable).max_unavailable


def plan_evictions(
    state: RolloutState, pods: Sequence[RestartPod], restart_at: datetime
) -> EvictionPlan:
    """The batch to evict from `pods` (what the platform reported) for `restart_at`."""
    ordered = _in_restart_order(state, pods)
    desired = sum(rs.desired for rs in state.replica_sets.values())
    concurrent = max(max_unavailable(state), 1)
    minimum = max(state.spec_replicas, desired) - concurrent
    budget = sum(pod.available and not pod.terminating for pod in pods) - minimum
    old = [pod for pod in ordered if pod.created_at < restart_at]
    chosen: list[str] = []
    for pod in old:
        if budget <= 0:
            break
        if not pod.terminating:
            chosen.append(pod.name)
            budget -= 1
    return EvictionPlan(evict=tuple(chosen), to_restart=len(old), total=len(pods))


def _in_restart_order(state: RolloutState, pods: Sequence[RestartPod]) -> list[RestartPod]:
    rank = {pod_hash: index for index, pod_hash in enumerate(restart_order(state))}
    unknown = len(rank)  # pods of a ReplicaSet the history does not know: last
    return sorted(
        pods,
        key=lambda pod: (rank.get(pod.pod_template_hash, unknown), pod.created_at, pod.name),
    )
