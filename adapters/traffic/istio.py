"""Istio: VirtualService weights, DestinationRule subsets, header and mirror routes (§6.1).

Host-level splitting weights the destinations by Service host; subset-level splitting (with a
`destinationRule`) first points the canary and stable subsets at the pod-template hashes, then
weights the destinations by subset. Each VirtualService named in `virtualService` or
`virtualServices` (`name` or `name.namespace`) is read, changed and replaced with its
resourceVersion (a concurrent edit makes the write fail; it is read again and redone).
`verify_weight` recomputes what `set_weight` would write and says whether it is already there.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.traffic.api import Kind, Obj, ObjectClient
from adapters.traffic.config import Services
from adapters.traffic.istio_routes import (
    CanaryTarget,
    header_route,
    mirror_route,
    ordered,
    port_of,
    set_http,
    without_route,
)
from adapters.traffic.istio_rules import holds_hashes, missing_subsets, with_hashes
from adapters.traffic.istio_weights import (
    Roles,
    RouteRef,
    canary_weight,
    check_destinations,
    selected_routes,
    weigh,
)
from adapters.traffic.matches import header_matches, mirror_matches, mirror_percentage
from rollouts.ports import ManagedRoute, PortError, RolloutRef, WeightRequest
from rollouts.spec.traffic import IstioTrafficRouting, IstioVirtualService, TrafficRouting

GROUP = "networking.istio.io"


def locate(reference: str, namespace: str) -> tuple[str, str]:
    """(namespace, name) of `name` or `name.namespace` (a trailing `.cluster.local` ignored)."""
    reference = reference.removesuffix(".cluster.local")
    name, dot, other = reference.rpartition(".")
    return (other, name) if dot else (namespace, reference)


class IstioRouter:
    def __init__(self, objects: ObjectClient, *, version: str = "v1beta1") -> None:
        self._objects = objects
        self.virtual_services = Kind(GROUP, version, "virtualservices", "VirtualService")
        self.destination_rules = Kind(GROUP, version, "destinationrules", "DestinationRule")

    async def set_weight(self, request: WeightRequest, routing: TrafficRouting) -> None:
        istio = _istio(routing)
        rollout = request.rollout
        if istio.destination_rule is not None:
            rule = istio.destination_rule

            def hashes(obj: Obj) -> Obj:
                where = f"DestinationRule {rollout.namespace}/{rule.name}"
                if missing := missing_subsets(obj, rule):
                    raise PortError(f"{where} has no subset {missing[0]!r}")
                return with_hashes(
                    obj, rule, request.canary_hash, request.stable_hash, rollout.name
                )

            await self._objects.update(
                self.destination_rules, rollout.namespace, rule.name, rollout, hashes
            )
        for config in istio.all_virtual_services:
            change = self._weigher(request, routing, config)
            await self._update_vs(rollout, config, change)

    async def verify_weight(self, request: WeightRequest, routing: TrafficRouting) -> bool:
        istio = _istio(routing)
        rollout = request.rollout
        if (rule := istio.destination_rule) is not None:
            held = await self._objects.require(
                self.destination_rules, rollout.namespace, rule.name, rollout
            )
            if not holds_hashes(held, rule, request.canary_hash, request.stable_hash):
                return False
        for config in istio.all_virtual_services:
            vs = await self._read_vs(rollout, config)
            if self._weigher(request, routing, config)(vs) is not None:
                return False
        return True

    async def read_weight(self, request: WeightRequest, routing: TrafficRouting) -> int | None:
        """The canary weight of the first weighted route of the first VirtualService."""
        config = _istio(routing).all_virtual_services[0]
        vs = await self._read_vs(request.rollout, config)
        refs = selected_routes(vs, config, routing.managed_route_names, self._where(vs))
        if not refs:
            return None
        return canary_weight(_route(vs, refs[0]), _roles(_services(request), routing))

    async def set_route(
        self, route: ManagedRoute, routing: TrafficRouting, services: Services
    ) -> None:
        build = _builder(route)
        adds = route.route is not None and bool(route.route.match)
        host, subset = (
            await self._canary_host(route.rollout, routing, services) if adds else ("", "")
        )
        for config in _istio(routing).all_virtual_services:

            def change(vs: Obj, config: IstioVirtualService = config) -> Obj:
                http = _http(vs, self._where(vs))
                weighted = _weighted_route(vs, config, routing)
                built = build(CanaryTarget(host, subset, port_of(weighted)), weighted)
                kept = without_route(http, route.name)
                if built is not None:
                    kept = [*kept, built] if route.kind == "header" else [built, *kept]
                return set_http(vs, ordered(kept, routing.managed_route_names))

            await self._update_vs(route.rollout, config, change)

    async def remove_managed_routes(self, rollout: RolloutRef, routing: TrafficRouting) -> None:
        managed = routing.managed_route_names
        for config in _istio(routing).all_virtual_services:
            namespace, name = locate(config.name, rollout.namespace)
            found = await self._objects.read(self.virtual_services, namespace, name)
            http = (found or {}).get("spec", {}).get("http")
            if not managed or not isinstance(http, list):
                continue

            def change(vs: Obj) -> Obj:
                http = vs["spec"].get("http") or []
                return set_http(vs, [r for r in http if r.get("name") not in managed])

            await self._update_vs(rollout, config, change)

    def managed_routes(self, vs: Obj, routing: TrafficRouting) -> tuple[str, ...]:
        """Names of the managed routes a VirtualService holds, in its order."""
        names = [str(route.get("name")) for route in (vs.get("spec") or {}).get("http") or []]
        return tuple(name for name in names if name in routing.managed_route_names)

    # internals

    def _weigher(
        self, request: WeightRequest, routing: TrafficRouting, config: IstioVirtualService
    ) -> Callable[[Obj], Obj | None]:
        roles = _roles(_services(request), routing)
        managed = routing.managed_route_names

        def change(vs: Obj) -> Obj | None:
            where = self._where(vs)
            spec, changed = dict(vs.get("spec") or {}), False
            for ref in selected_routes(vs, config, managed, where):
                routes = spec[ref.section] = list(spec[ref.section])
                if ref.checked:
                    check_destinations(routes[ref.index], roles, f"{where} route {ref.label}")
                weighted = weigh(
                    routes[ref.index], request.canary_weight, request.stable_weight, roles
                )
                changed |= weighted != routes[ref.index]
                routes[ref.index] = weighted
            if not changed:
                return None
            if isinstance(spec.get("http"), list):
                spec["http"] = ordered(spec["http"], managed)
            return {**vs, "spec": spec}

        return change

    async def _canary_host(
        self, rollout: RolloutRef, routing: TrafficRouting, services: Services
    ) -> tuple[str, str]:
        rule = _istio(routing).destination_rule
        if rule is None:
            if not services.canary:
                raise PortError(f"rollout {rollout}: managed routes need the canaryService")
            return services.canary, ""
        found = await self._objects.require(
            self.destination_rules, rollout.namespace, rule.name, rollout
        )
        return str(
            (found.get("spec") or {}).get("host") or services.canary
        ), rule.canary_subset_name

    async def _read_vs(self, rollout: RolloutRef, config: IstioVirtualService) -> Obj:
        namespace, name = locate(config.name, rollout.namespace)
        return await self._objects.require(self.virtual_services, namespace, name, rollout)

    async def _update_vs(
        self, rollout: RolloutRef, config: IstioVirtualService, change: Callable[[Obj], Obj | None]
    ) -> None:
        namespace, name = locate(config.name, rollout.namespace)
        await self._objects.update(self.virtual_services, namespace, name, rollout, change)

    @staticmethod
    def _where(vs: Obj) -> str:
        metadata = vs.get("metadata") or {}
        return f"VirtualService {metadata.get('namespace', '')}/{metadata.get('name', '')}"


def _istio(routing: TrafficRouting) -> IstioTrafficRouting:
    if routing.istio is None:
        raise PortError("trafficRouting has no istio block")
    return routing.istio


def _services(request: WeightRequest) -> Services:
    return Services(request.canary_service, request.stable_service)


def _roles(services: Services, routing: TrafficRouting) -> Roles:
    rule = _istio(routing).destination_rule
    if rule is None:
        return Roles(services.canary, services.stable)
    return Roles(
        services.canary,
        services.stable,
        rule.canary_subset_name,
        rule.stable_subset_name,
        rule.additional_subset_names,
    )


def _builder(route: ManagedRoute) -> Callable[[CanaryTarget, Obj | None], Obj | None]:
    """Checks the step's matches now (before any write); builds the route per VirtualService.
    No matches: the step removes the route (None)."""
    if route.kind == "header":
        header = header_matches(route)

        def build_header(target: CanaryTarget, weighted: Obj | None) -> Obj | None:
            return header_route(route.name, header, target) if header else None

        return build_header
    mirror, percentage = mirror_matches(route), mirror_percentage(route)

    def build_mirror(target: CanaryTarget, weighted: Obj | None) -> Obj | None:
        return mirror_route(route.name, mirror, weighted, target, percentage) if mirror else None

    return build_mirror


def _route(vs: Obj, ref: RouteRef) -> Obj:
    route: Obj = vs["spec"][ref.section][ref.index]
    return route


def _http(vs: Obj, where: str) -> list[Obj]:
    http = (vs.get("spec") or {}).get("http")
    if not isinstance(http, list):
        raise PortError(f"{where}: spec.http not found (header and mirror routes are HTTP routes)")
    return http


def _weighted_route(vs: Obj, config: IstioVirtualService, routing: TrafficRouting) -> Obj | None:
    """The HTTP route whose weights the rollout sets (its destinations feed mirror routes)."""
    try:
        refs = selected_routes(vs, config, routing.managed_route_names, "")
    except PortError:
        return None
    http = [ref for ref in refs if ref.section == "http" and ref.checked]
    return _route(vs, http[0]) if http else None
