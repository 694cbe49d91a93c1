"""Pointing a Service at one ReplicaSet: its selector gets `rollouts-pod-template-hash`.

As Argo does it (rollout/service.go): a JSON merge patch of `spec.selector` (the Service's
other selector keys stay), plus the `argo-rollouts.argoproj.io/managed-by-rollouts: <rollout>`
annotation the first time. A Service managed by another rollout is refused (`Service "x" is
managed by another Rollout`), a missing one is an error, and a Service that already selects
the hash is left alone (no write).
"""

from __future__ import annotations

from typing import Any

from adapters.kubernetes.errors import KubernetesError, call_json
from adapters.kubernetes.manifests import MANAGED_BY, POD_TEMPLATE_HASH, Obj
from rollouts.ports import PortError, RolloutRef

MERGE = "application/merge-patch+json"


async def switch_service(
    core: Any,
    namespace: str,
    rollout: RolloutRef,
    service: str,
    pod_template_hash: str,
    *,
    request_timeout: float,
) -> None:
    where = f"Service {namespace}/{service}"
    current = await _read(core, namespace, service, rollout, request_timeout)
    patch = selector_patch(current, rollout, pod_template_hash)
    if patch is None:
        return
    await call_json(
        f"patch {where}",
        core.patch_namespaced_service(
            service,
            namespace,
            patch,
            _content_type=MERGE,
            _preload_content=False,
            _request_timeout=request_timeout,
        ),
    )


async def _read(
    core: Any, namespace: str, service: str, rollout: RolloutRef, request_timeout: float
) -> Obj:
    where = f"Service {namespace}/{service}"
    try:
        found: Obj = await call_json(
            f"read {where}",
            core.read_namespaced_service(
                service, namespace, _preload_content=False, _request_timeout=request_timeout
            ),
        )
    except KubernetesError as error:
        if error.not_found:
            raise PortError(f"{where} not found (rollout {rollout} needs it)") from None
        raise
    return found


def selector_patch(service: Obj, rollout: RolloutRef, pod_template_hash: str) -> Obj | None:
    """The merge patch to apply (None: nothing to do); PortError if another rollout owns it."""
    metadata = service.get("metadata") or {}
    manager = (metadata.get("annotations") or {}).get(MANAGED_BY)
    if manager is not None and manager != rollout.name:
        raise PortError(
            f'Service "{metadata.get("name", "")}" is managed by another Rollout ({manager})'
        )
    selector = (service.get("spec") or {}).get("selector") or {}
    patch: Obj = {}
    if selector.get(POD_TEMPLATE_HASH) != pod_template_hash:
        patch["spec"] = {"selector": {POD_TEMPLATE_HASH: pod_template_hash}}
    if manager is None:
        patch["metadata"] = {"annotations": {MANAGED_BY: rollout.name}}
    return patch or None
