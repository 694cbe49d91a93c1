"""Pod restarts on a cluster (`PodRestarter`): a rollout's pods listed, one evicted.

Pods are found by the `rollouts-pod-template-hash` label of the ReplicaSets asked about. A pod
is available as Kubernetes counts it (podutil.IsPodAvailable): its Ready condition is True and
has been for `minReadySeconds`; a pod with a deletionTimestamp is terminating. Evictions go
through the Eviction subresource (policy/v1), so a PodDisruptionBudget is respected: the API
answers 429 when evicting would break one, which is reported as refused (the controller tries
again at its next check), and 404 when the pod is already gone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.kubernetes.errors import KubernetesError, call_json
from adapters.kubernetes.manifests import POD_TEMPLATE_HASH
from adapters.kubernetes.objects import Obj
from events.restart import RestartPod
from rollouts.ports import Eviction, RolloutRef


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    """Ready, and for `min_ready_seconds` (Kubernetes' IsPodAvailable)."""
    conditions = (pod.get("status") or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready is None or ready.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = _time(ready.get("lastTransitionTime"))
    return since is not None and since + timedelta(seconds=min_ready_seconds) <= now


def restart_pod(pod: Obj, min_ready_seconds: int, now: datetime) -> RestartPod | None:
    """The pod as a restart sees it; None for a pod without a name, hash or creation time."""
    metadata = pod.get("metadata") or {}
    created = _time(metadata.get("creationTimestamp"))
    pod_hash = (metadata.get("labels") or {}).get(POD_TEMPLATE_HASH)
    if not metadata.get("name") or created is None or not pod_hash:
        return None
    return RestartPod(
        name=metadata["name"],
        pod_template_hash=pod_hash,
        created_at=created,
        available=is_available(pod, min_ready_seconds, now),
        terminating=bool(metadata.get("deletionTimestamp")),
    )


class PodEvictions:
    def __init__(
        self,
        core: Any,
        namespace_of: Callable[[RolloutRef], str],
        *,
        request_timeout: float,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._core = core
        self._namespace_of = namespace_of
        self._timeout = request_timeout
        self._now = now

    async def list_pods(
        self, rollout: RolloutRef, pod_template_hashes: Sequence[str], min_ready_seconds: int
    ) -> list[RestartPod]:
        if not pod_template_hashes:
            return []
        namespace = self._namespace_of(rollout)
        selector = f"{POD_TEMPLATE_HASH} in ({','.join(pod_template_hashes)})"
        listed = await call_json(
            f"list pods of rollout {rollout}",
            self._core.list_namespaced_pod(
                namespace,
                label_selector=selector,
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        now = self._now()
        pods = (restart_pod(pod, min_ready_seconds, now) for pod in listed.get("items") or [])
        wanted = set(pod_template_hashes)
        return [pod for pod in pods if pod is not None and pod.pod_template_hash in wanted]

    async def evict_pod(self, rollout: RolloutRef, pod: str) -> Eviction:
        namespace = self._namespace_of(rollout)
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": pod, "namespace": namespace},
        }
        try:
            await call_json(
                f"evict pod {namespace}/{pod}",
                self._core.create_namespaced_pod_eviction(
                    pod,
                    namespace,
                    body,
                    _preload_content=False,
                    _request_timeout=self._timeout,
                ),
            )
        except KubernetesError as error:
            if error.not_found:
                return Eviction("gone")
            if error.status == 429:  # a PodDisruptionBudget would be broken: later
                return Eviction("refused", str(error))
            raise
        return Eviction("evicted")
