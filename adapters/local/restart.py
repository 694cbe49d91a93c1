"""Pod restarts on the local platform (`PodRestarter`): its pods listed, one evicted.

The local platform has no disruption budgets, so an eviction is never refused: the pod goes
at once and its ReplicaSet starts a replacement (`ReplicaSets.evict`). A pod is available once
it has been ready `min_ready_seconds`, which the local pods track themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.local.replicasets import ReplicaSets
from events.restart import RestartPod
from rollouts.ports import Eviction, RolloutRef


def list_pods(
    sets: ReplicaSets, rollout: RolloutRef, pod_template_hashes: Sequence[str]
) -> list[RestartPod]:
    found = []
    for pod_hash in pod_template_hashes:
        runtime = sets.get(rollout, pod_hash)
        for pod in runtime.pods if runtime is not None else ():
            found.append(
                RestartPod(
                    name=pod.name,
                    pod_template_hash=pod_hash,
                    created_at=pod.created_at,
                    available=pod.available,
                )
            )
    return found


async def evict_pod(sets: ReplicaSets, rollout: RolloutRef, pod: str) -> Eviction:
    return Eviction("evicted" if await sets.evict(rollout, pod) else "gone")
