"""Traefik: the weights of a weighted TraefikService (Argo's Traefik router).

The rollout names a TraefikService (`weightedTraefikServiceName`, in the rollout's namespace)
whose `spec.weighted.services[]` list the canary and stable Services by name; the router sets
the canary's `weight` to `w` and the stable's to `100 - w`, leaving every other entry and field
alone, with a read-modify-replace conditional on the resourceVersion (a concurrent writer makes
it read again, `retry_on_conflict`). The object must exist and list both Services: Argo's
errors are kept ("traefik canary service was not found").

The API group and version are controller-wide, as Argo's `--traefik-api-group` and
`--traefik-api-version` flags: `traefik.io/v1alpha1` by default (Traefik v3, and v2.10+),
`traefik.containo.us/v1alpha1` for older Traefik v2. Argo's Traefik router never verifies a
weight (it answers "cannot tell"); this one reads the TraefikService back, so the traffic worker
can verify a step and notice a hand-edited weight (drift).
"""

from __future__ import annotations

from adapters.traffic.api import Kind, Obj, ObjectClient
from adapters.traffic.config import Services, int_weight, need_services, services_of
from rollouts.ports import PortError, WeightRequest
from rollouts.spec.traffic import TraefikTrafficRouting, TrafficRouting

DEFAULT_API_VERSION = "traefik.io/v1alpha1"
API_VERSIONS = (DEFAULT_API_VERSION, "traefik.containo.us/v1alpha1")


def traefik_kind(api_version: str) -> Kind:
    if api_version not in API_VERSIONS:
        raise PortError(
            f"unsupported Traefik API version `{api_version}` (use {' or '.join(API_VERSIONS)})"
        )
    group, version = api_version.split("/")
    return Kind(group, version, "traefikservices", "TraefikService")


def weighted_services(service: Obj) -> list[Obj]:
    found = ((service.get("spec") or {}).get("weighted") or {}).get("services")
    if not isinstance(found, list):
        raise PortError("spec.weighted.services was not found in traefik service manifest")
    return found


def entry(services: list[Obj], name: str) -> Obj | None:
    """The first entry named `name` (Argo's getService: an unnamed entry before it is an error)."""
    for candidate in services:
        if not isinstance(candidate, dict):
            raise PortError("Failed type assertion setting weight for traefik service")
        if not isinstance(candidate.get("name"), str):
            raise PortError("name field was not found in service")
        if candidate["name"] == name:
            return candidate
    return None


def weighted(service: Obj, names: Services, canary: int, stable: int) -> Obj:
    """`service` with the canary and stable weights set (it is a copy the caller may change)."""
    listed = weighted_services(service)
    for role, name, weight in (("canary", names.canary, canary), ("stable", names.stable, stable)):
        found = entry(listed, name)
        if found is None:
            raise PortError(f"traefik {role} service was not found")
        found["weight"] = weight
    return service


def held_weight(service: Obj | None, name: str) -> int | None:
    try:
        found = entry(weighted_services(service or {}), name)
    except PortError:
        return None
    return int_weight(found.get("weight")) if found is not None else None


class TraefikRouter:
    def __init__(self, objects: ObjectClient, *, api_version: str = DEFAULT_API_VERSION) -> None:
        self._objects = objects
        self.kind = traefik_kind(api_version)

    async def set_weight(self, request: WeightRequest, routing: TrafficRouting) -> None:
        name = _traefik(routing).weighted_traefik_service_name
        names = services_of(request)
        need_services(request.rollout, names, "Traefik")
        canary, stable = request.canary_weight, 100 - request.canary_weight

        def change(held: Obj) -> Obj:
            return weighted(held, names, canary, stable)

        namespace = request.rollout.namespace
        await self._objects.update(self.kind, namespace, name, request.rollout, change)

    async def verify_weight(self, request: WeightRequest, routing: TrafficRouting) -> bool:
        held = await self._read(request, routing)
        return (
            held_weight(held, request.canary_service) == request.canary_weight
            and held_weight(held, request.stable_service) == 100 - request.canary_weight
        )

    async def read_weight(self, request: WeightRequest, routing: TrafficRouting) -> int | None:
        return held_weight(await self._read(request, routing), request.canary_service)

    async def _read(self, request: WeightRequest, routing: TrafficRouting) -> Obj | None:
        name = _traefik(routing).weighted_traefik_service_name
        return await self._objects.read(self.kind, request.rollout.namespace, name)


def _traefik(routing: TrafficRouting) -> TraefikTrafficRouting:
    if routing.traefik is None or not routing.traefik.weighted_traefik_service_name:
        raise PortError("trafficRouting.traefik names no weightedTraefikServiceName")
    return routing.traefik
