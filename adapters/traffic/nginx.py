"""NGINX Ingress: a canary Ingress beside each stable one, weighted by annotations (§6.2).

For each stable Ingress the router keeps `<rollout>-<stableIngress>-canary`: the stable
Ingress's rules that reach the stable Service (with the canary Service as backend instead), its
TLS, `ingressClassName` and `kubernetes.io/ingress.class`, and the annotations
`<prefix>/canary: "true"`, `<prefix>/canary-weight: "<w>"`, `<prefix>/canary-weight-total`
(with maxTrafficWeight), the `additionalIngressAnnotations` (prefixed) and the
`canaryIngressAnnotations` (verbatim, they win). It is created once, owned by the rollout, then
merge-patched; annotations someone else added are kept. There is nothing to undo: after
promotion or abort it stays, with weight 0. Header and mirror routes do not exist here.
"""

from __future__ import annotations

import copy
import functools

from adapters.traffic.api import INGRESS, Obj, ObjectClient
from adapters.traffic.config import (
    Services,
    int_weight,
    need_services,
    owned_by,
    owned_metadata,
    services_of,
)
from rollouts.ports import PortError, RolloutRef, WeightRequest
from rollouts.spec.traffic import NginxTrafficRouting, TrafficRouting

CANARY_SUFFIX = "-canary"
INGRESS_CLASS = "kubernetes.io/ingress.class"
SPEC_FIELDS = ("rules", "tls", "ingressClassName")


def canary_ingress_name(rollout: str, stable_ingress: str) -> str:
    prefix = f"{rollout}-{stable_ingress}"[: 253 - len(CANARY_SUFFIX)]
    return prefix + CANARY_SUFFIX


def canary_annotations(nginx: NginxTrafficRouting, weight: int, total: int | None) -> Obj:
    prefix = nginx.annotation_prefix
    annotations = {
        (key if key.startswith(prefix) else f"{prefix}/{key}"): value
        for key, value in nginx.additional_ingress_annotations.items()
    }
    annotations |= nginx.canary_ingress_annotations
    annotations[f"{prefix}/canary"] = "true"
    annotations[f"{prefix}/canary-weight"] = str(weight)
    if total is not None:
        annotations[f"{prefix}/canary-weight-total"] = str(total)
    return annotations


def canary_spec(stable: Obj, services: Services) -> Obj:
    """The stable Ingress's spec cut down to the rules reaching the stable Service."""
    spec = stable.get("spec") or {}
    rules = []
    for rule in spec.get("rules") or []:
        copied, hit = copy.deepcopy(rule), False
        for path in (copied.get("http") or {}).get("paths") or []:
            service = (path.get("backend") or {}).get("service") or {}
            if service.get("name") == services.stable:
                service["name"], hit = services.canary, True
        if hit:
            rules.append(copied)
    if not rules:
        name = (stable.get("metadata") or {}).get("name", "")
        raise PortError(f"Ingress `{name}` has no rules using service {services.stable} backend")
    canary: Obj = {"rules": rules}
    for field in ("tls", "ingressClassName"):
        if spec.get(field) is not None:
            canary[field] = copy.deepcopy(spec[field])
    return canary


def canary_patch(current: Obj, annotations: Obj, spec: Obj) -> Obj | None:
    """The merge patch from the canary Ingress held to the one wanted (None: nothing to do)."""
    held = (current.get("metadata") or {}).get("annotations") or {}
    changed = {key: value for key, value in annotations.items() if held.get(key) != value}
    held_spec = current.get("spec") or {}
    spec_patch = {
        field: spec.get(field) for field in SPEC_FIELDS if held_spec.get(field) != spec.get(field)
    }
    patch: Obj = {}
    if changed:
        patch["metadata"] = {"annotations": changed}
    if spec_patch:
        patch["spec"] = spec_patch
    return patch or None


class NginxRouter:
    def __init__(self, objects: ObjectClient) -> None:
        self._objects = objects

    async def set_weight(self, request: WeightRequest, routing: TrafficRouting) -> None:
        nginx = _nginx(routing)
        need_services(request.rollout, services_of(request), "NGINX")
        for stable in nginx.all_stable_ingresses:
            name = canary_ingress_name(request.rollout.name, stable)
            await self._objects.retrying(
                f"set the weight of Ingress {request.rollout.namespace}/{name}",
                functools.partial(self._apply, request, routing, stable),
            )

    async def verify_weight(self, request: WeightRequest, routing: TrafficRouting) -> bool:
        nginx = _nginx(routing)
        for stable in nginx.all_stable_ingresses:
            if await self._held(request.rollout, nginx, stable) != request.canary_weight:
                return False
        return True

    async def read_weight(self, request: WeightRequest, routing: TrafficRouting) -> int | None:
        nginx = _nginx(routing)
        return await self._held(request.rollout, nginx, nginx.all_stable_ingresses[0])

    async def _held(
        self, rollout: RolloutRef, nginx: NginxTrafficRouting, stable: str
    ) -> int | None:
        name = canary_ingress_name(rollout.name, stable)
        found = await self._objects.read(INGRESS, rollout.namespace, name)
        annotations = ((found or {}).get("metadata") or {}).get("annotations") or {}
        if annotations.get(f"{nginx.annotation_prefix}/canary") != "true":
            return None
        return int_weight(annotations.get(f"{nginx.annotation_prefix}/canary-weight"))

    async def _apply(self, request: WeightRequest, routing: TrafficRouting, stable: str) -> None:
        rollout, namespace = request.rollout, request.rollout.namespace
        source = await self._objects.require(INGRESS, namespace, stable, rollout)
        spec = canary_spec(source, services_of(request))
        annotations = canary_annotations(
            _nginx(routing), request.canary_weight, routing.max_traffic_weight
        )
        source_class = ((source.get("metadata") or {}).get("annotations") or {}).get(INGRESS_CLASS)
        if source_class is not None:
            annotations = {INGRESS_CLASS: source_class, **annotations}
        name = canary_ingress_name(rollout.name, stable)
        current = await self._objects.read(INGRESS, namespace, name)
        if current is None:
            metadata = owned_metadata(
                name, namespace, rollout, await self._objects.owner(rollout, namespace)
            )
            metadata["annotations"] |= annotations
            body = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata}
            await self._objects.create(INGRESS, namespace, {**body, "spec": spec})
            return
        if not owned_by(current, rollout):
            raise PortError(f"canary Ingress `{name}` controlled by different object")
        patch = canary_patch(current, annotations, spec)
        if patch is not None:
            await self._objects.patch(INGRESS, namespace, name, patch)


def _nginx(routing: TrafficRouting) -> NginxTrafficRouting:
    if routing.nginx is None or not routing.nginx.all_stable_ingresses:
        raise PortError("trafficRouting.nginx names no stableIngress")
    return routing.nginx
