"""The stuck pods of a ReplicaSet, read from the API (`KubernetesPodFailures`).

Pods are listed by the `rollouts-pod-template-hash` label in the rollout's namespace and kept
when their controller is the rollout's ReplicaSet (`<rollout>-<hash>`: two rollouts with the
same template share a hash, not a ReplicaSet). A container counts when it waits for one of the
kubelet's failure reasons (`events.pod_failures.FAILURE_REASONS`), init containers included (a
failing init container holds the pod back as surely). The scaler's role already lists pods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from adapters.kubernetes.errors import call_json
from adapters.kubernetes.manifests import POD_TEMPLATE_HASH
from adapters.kubernetes.objects import Obj
from events.pod_failures import FAILURE_REASONS, MAX_MESSAGE, MAX_PODS, PodFailure
from rollouts.ports import RolloutRef


def pod_failures(pods: list[Obj], replica_set: str) -> list[PodFailure]:
    """The failing containers of the pods `replica_set` controls, by pod name, at most
    MAX_PODS."""
    found = [
        failure
        for pod in sorted(pods, key=lambda p: str((p.get("metadata") or {}).get("name", "")))
        if _controller(pod) == replica_set
        for failure in _failures(pod)
    ]
    return found[:MAX_PODS]


def _controller(pod: Obj) -> str:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    owner = next((ref for ref in refs if ref.get("controller")), None)
    return str(owner.get("name", "")) if owner and owner.get("kind") == "ReplicaSet" else ""


def _failures(pod: Obj) -> Iterator[PodFailure]:
    name = str(pod["metadata"]["name"])
    status = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(key) or []:
            waiting = (container.get("state") or {}).get("waiting") or {}
            reason = str(waiting.get("reason") or "")
            if reason in FAILURE_REASONS:
                yield PodFailure(
                    pod=name,
                    container=str(container.get("name", "")),
                    reason=reason,
                    message=str(waiting.get("message") or "")[:MAX_MESSAGE],
                )


class KubernetesPodFailures:
    def __init__(
        self,
        core: Any,
        *,
        namespace_of: Callable[[RolloutRef], str] | None = None,
        request_timeout: float = 30.0,
    ) -> None:
        """`core`: a CoreV1Api; `namespace_of`: where a rollout's pods are (default: its own
        namespace, as for the platform)."""
        self._core = core
        self._namespace_of = namespace_of or (lambda ref: ref.namespace)
        self._timeout = request_timeout

    async def failures(self, rollout: RolloutRef, pod_template_hash: str) -> list[PodFailure]:
        namespace = self._namespace_of(rollout)
        listed: Mapping[str, Any] = await call_json(
            f"list pods of rollout {rollout}",
            self._core.list_namespaced_pod(
                namespace,
                label_selector=f"{POD_TEMPLATE_HASH}={pod_template_hash}",
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        pods = list(listed.get("items") or [])
        return pod_failures(pods, f"{rollout.name}-{pod_template_hash}")
