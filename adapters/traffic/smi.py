"""SMI: one TrafficSplit per rollout, created if missing, weighted by its backends (§6.3).

Named `trafficSplitName` (default: the rollout's name) in the rollout's namespace, for the
`rootService` (default: the stable Service), with the backends canary `w` and stable the rest.
The API version (`v1alpha1`, `v1alpha2` or `v1alpha3`) comes from the rollout's `smi.apiVersion`
(Argo sets it controller-wide); v1alpha1 writes weights as quantities ("5"), later versions as
integers. A TrafficSplit the rollout does not own is never touched.
"""

from __future__ import annotations

import functools

from adapters.traffic.api import Kind, Obj, ObjectClient
from adapters.traffic.config import (
    Services,
    int_weight,
    need_services,
    owned_by,
    owned_metadata,
    services_of,
)
from rollouts.ports import PortError, WeightRequest
from rollouts.spec.traffic import SMITrafficRouting, TrafficRouting

GROUP = "split.smi-spec.io"
VERSIONS = ("v1alpha1", "v1alpha2", "v1alpha3")


def split_kind(version: str) -> Kind:
    if version not in VERSIONS:
        raise PortError(
            f"Unsupported TrafficSplit API version `{version}` (use {', '.join(VERSIONS)})"
        )
    return Kind(GROUP, version, "trafficsplits", "TrafficSplit")


def split_spec(root: str, services: Services, canary: int, stable: int, version: str) -> Obj:
    def weight(value: int) -> int | str:
        return str(value) if version == "v1alpha1" else value

    return {
        "service": root,
        "backends": [
            {"service": services.canary, "weight": weight(canary)},
            {"service": services.stable, "weight": weight(stable)},
        ],
    }


def backend_weight(split: Obj | None, service: str) -> int | None:
    for backend in ((split or {}).get("spec") or {}).get("backends") or []:
        if backend.get("service") == service:
            return int_weight(backend.get("weight"))
    return None


class SmiRouter:
    def __init__(self, objects: ObjectClient) -> None:
        self._objects = objects

    async def set_weight(self, request: WeightRequest, routing: TrafficRouting) -> None:
        smi = _smi(routing)
        need_services(request.rollout, services_of(request), "SMI")
        name = smi.traffic_split_name or request.rollout.name
        await self._objects.retrying(
            f"set the weights of TrafficSplit {request.rollout.namespace}/{name}",
            functools.partial(self._apply, request, smi, name),
        )

    async def verify_weight(self, request: WeightRequest, routing: TrafficRouting) -> bool:
        held = await self._read(request, _smi(routing))
        return (
            backend_weight(held, request.canary_service) == request.canary_weight
            and backend_weight(held, request.stable_service) == request.stable_weight
        )

    async def read_weight(self, request: WeightRequest, routing: TrafficRouting) -> int | None:
        return backend_weight(await self._read(request, _smi(routing)), request.canary_service)

    async def _read(self, request: WeightRequest, smi: SMITrafficRouting) -> Obj | None:
        name = smi.traffic_split_name or request.rollout.name
        return await self._objects.read(
            split_kind(smi.api_version), request.rollout.namespace, name
        )

    async def _apply(self, request: WeightRequest, smi: SMITrafficRouting, name: str) -> None:
        kind, rollout = split_kind(smi.api_version), request.rollout
        namespace = rollout.namespace
        services = services_of(request)
        spec = split_spec(
            smi.root_service or services.stable,
            services,
            request.canary_weight,
            request.stable_weight,
            smi.api_version,
        )
        current = await self._objects.read(kind, namespace, name)
        if current is None:
            owner = await self._objects.owner(rollout, namespace)
            metadata = owned_metadata(name, namespace, rollout, owner)
            body = {"apiVersion": kind.api_version, "kind": kind.kind, "metadata": metadata}
            await self._objects.create(kind, namespace, {**body, "spec": spec})
            return
        if not owned_by(current, rollout):
            raise PortError(f"Rollout {rollout} does not own TrafficSplit `{name}`")
        held = current.get("spec") or {}
        if {field: held.get(field) for field in spec} != spec:
            await self._objects.patch(kind, namespace, name, {"spec": spec})


def _smi(routing: TrafficRouting) -> SMITrafficRouting:
    if routing.smi is None:
        raise PortError("trafficRouting has no smi block")
    return routing.smi
