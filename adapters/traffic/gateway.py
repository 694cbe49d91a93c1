"""Gateway API, as the `argoproj-labs/gatewayAPI` plugin does it: HTTPRoute backendRef weights.

The plugin config names the HTTPRoutes (`httpRoute`, or `httpRoutes[{name, useHeaderRoutes}]`)
in `namespace` (default: the rollout's). Header routes go only to the routes that use them
(`httpRoute` always does, as in the plugin). Differences from the plugin, on purpose: a
`setHeaderRoute` step without matches removes only its own rules (the plugin drops every
managed rule), a `prefix` header match is escaped before becoming a regular expression, and
`verify_weight` reads the routes back (the plugin always answers "verified").
Mirror routes are not supported by the plugin: `setMirrorRoute` changes nothing here either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapters.traffic.api import Kind, Obj, ObjectClient
from adapters.traffic.config import Services, need_services, services_of
from adapters.traffic.gateway_rules import (
    canary_weight,
    header_rules,
    holds,
    is_managed,
    is_managed_name,
    weighted,
    with_rules,
)
from adapters.traffic.matches import header_matches
from rollouts.ports import ManagedRoute, PortError, RolloutRef, WeightRequest
from rollouts.spec.traffic import TrafficRouting

HTTP_ROUTE = Kind("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute")


@dataclass(frozen=True, slots=True)
class RouteTarget:
    namespace: str
    name: str
    use_header_routes: bool


def route_targets(rollout: RolloutRef, routing: TrafficRouting) -> list[RouteTarget]:
    config = routing.gateway_api
    if config is None:
        raise PortError("trafficRouting has no argoproj-labs/gatewayAPI plugin config")
    namespace = config.namespace or rollout.namespace
    targets = [
        RouteTarget(namespace, route.name, route.use_header_routes) for route in config.http_routes
    ]
    if config.http_route:
        targets.append(RouteTarget(namespace, config.http_route, True))
    if not targets:
        raise PortError(f"rollout {rollout}: the Gateway API plugin config names no HTTPRoute")
    return targets


class GatewayApiRouter:
    def __init__(self, objects: ObjectClient) -> None:
        self._objects = objects

    async def set_weight(self, request: WeightRequest, routing: TrafficRouting) -> None:
        services = services_of(request)
        need_services(request.rollout, services, "Gateway API")
        managed = routing.managed_route_names

        def change(route: Obj) -> Obj:
            return weighted(route, services, request.canary_weight, request.stable_weight, managed)

        for target in route_targets(request.rollout, routing):
            await self._update(request.rollout, target, change)

    async def verify_weight(self, request: WeightRequest, routing: TrafficRouting) -> bool:
        services, managed = services_of(request), routing.managed_route_names
        for target in route_targets(request.rollout, routing):
            route = await self._read(request.rollout, target)
            if not holds(route, services, request.canary_weight, request.stable_weight, managed):
                return False
        return True

    async def read_weight(self, request: WeightRequest, routing: TrafficRouting) -> int | None:
        target = route_targets(request.rollout, routing)[0]
        route = await self._read(request.rollout, target)
        return canary_weight(route, services_of(request), routing.managed_route_names)

    async def set_route(
        self, route: ManagedRoute, routing: TrafficRouting, services: Services
    ) -> None:
        if route.kind != "header":
            return
        matches = header_matches(route)
        need_services(route.rollout, services, "Gateway API")

        def change(held: Obj) -> Obj:
            own = [route.name]
            rules = held.get("spec", {}).get("rules") or []
            kept = [rule for rule in rules if not is_managed_name(str(rule.get("name") or ""), own)]
            added = header_rules(held, route.name, matches, services) if matches else []
            return with_rules(held, kept + added)

        for target in route_targets(route.rollout, routing):
            if target.use_header_routes:
                await self._update(route.rollout, target, change)

    async def remove_managed_routes(
        self, rollout: RolloutRef, routing: TrafficRouting, services: Services
    ) -> None:
        managed = routing.managed_route_names

        def change(held: Obj) -> Obj:
            rules = held.get("spec", {}).get("rules") or []
            kept = [rule for rule in rules if not is_managed(rule, managed, services.canary)]
            return with_rules(held, kept)

        for target in route_targets(rollout, routing):
            if target.use_header_routes:
                found = await self._objects.read(HTTP_ROUTE, target.namespace, target.name)
                if found is not None:
                    await self._update(rollout, target, change)

    async def _read(self, rollout: RolloutRef, target: RouteTarget) -> Obj:
        return await self._objects.require(HTTP_ROUTE, target.namespace, target.name, rollout)

    async def _update(
        self, rollout: RolloutRef, target: RouteTarget, change: Callable[[Obj], Obj | None]
    ) -> None:
        await self._objects.update(HTTP_ROUTE, target.namespace, target.name, rollout, change)
