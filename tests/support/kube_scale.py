"""The `/scale` subresource: an `autoscaling/v1 Scale` view of an object's replica count.

Reads give `spec.replicas`, `status.replicas` and `status.selector` (query syntax) from the
type's `ScalePaths`; writes change only the object's spec replicas, conditionally on the
Scale's `metadata.resourceVersion` (which is the object's).
"""

from __future__ import annotations

from typing import Any

from tests.support.kube_errors import KubeError
from tests.support.kube_patch import apply_patch
from tests.support.kube_resources import ResourceType
from tests.support.kube_selectors import selector_string
from tests.support.kube_store import Obj, Store


def dotted(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _paths(resource: ResourceType) -> Any:
    if resource.scale is None:
        raise KubeError.not_found_resource(f"{resource.qualified}/scale")
    return resource.scale


def scale_of(resource: ResourceType, obj: Obj) -> Obj:
    paths = _paths(resource)
    selector = dotted(obj, paths.selector)
    metadata = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": dotted(obj, paths.spec_replicas) or 0},
        "status": {
            "replicas": dotted(obj, paths.status_replicas) or 0,
            "selector": selector if isinstance(selector, str) else selector_string(selector),
        },
    }


def get_scale(store: Store, resource: ResourceType, namespace: str, name: str) -> Obj:
    _paths(resource)
    return scale_of(resource, store.get(resource, namespace, name))


def replace_scale(
    store: Store, resource: ResourceType, namespace: str, name: str, scale: Any
) -> Obj:
    paths = _paths(resource)
    if not isinstance(scale, dict):
        raise KubeError.bad_request("the request body must be a Scale object")
    replicas = (scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise KubeError.invalid(
            "scales.autoscaling", name, f"spec.replicas: Invalid value: {replicas!r}: must be >= 0"
        )
    patch: dict[str, Any] = {}
    node = patch
    *parents, leaf = paths.spec_replicas.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = replicas
    version = (scale.get("metadata") or {}).get("resourceVersion")
    if version:
        patch.setdefault("metadata", {})["resourceVersion"] = version
    updated = store.patch(resource, namespace, name, "application/merge-patch+json", patch)
    return scale_of(resource, updated)


def patch_scale(
    store: Store,
    resource: ResourceType,
    namespace: str,
    name: str,
    *,
    content_type: str,
    patch: Any,
) -> Obj:
    current = get_scale(store, resource, namespace, name)
    return replace_scale(
        store, resource, namespace, name, apply_patch(content_type, current, patch)
    )
