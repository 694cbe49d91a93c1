"""`TrafficRouter` on a cluster: every router the rollout's `trafficRouting` block configures.

Argo lets a rollout combine routers (Istio and NGINX, say): each gets the same weight, and a
weight is verified only when every router holds it. With no `trafficRouting` (`routing is None`)
there is no router: the ReplicaSets' replica counts make the split (argo-semantics §6.5), so
setting a weight does nothing and `verify_weight` cannot tell (None).

Managed routes need the canary and stable Services, which `ManagedRoute` may not carry: the
router remembers them per rollout from the last weight request (Istio subset splitting does
not need them; it routes to the DestinationRule's host).
"""

from __future__ import annotations

from typing import Protocol

from kubernetes_asyncio import client

from adapters.traffic.alb import AlbRouter
from adapters.traffic.api import ObjectClient
from adapters.traffic.config import Services, check_weights, services_of
from adapters.traffic.gateway import GatewayApiRouter
from adapters.traffic.istio import IstioRouter
from adapters.traffic.nginx import NginxRouter
from adapters.traffic.smi import SmiRouter
from adapters.traffic.traefik import DEFAULT_API_VERSION as TRAEFIK_API_VERSION
from adapters.traffic.traefik import TraefikRouter
from rollouts.ports import ManagedRoute, RolloutRef, WeightRequest
from rollouts.spec.traffic import TrafficRouting


class WeightRouter(Protocol):
    async def set_weight(self, request: WeightRequest, routing: TrafficRouting) -> None: ...

    async def verify_weight(self, request: WeightRequest, routing: TrafficRouting) -> bool: ...

    async def read_weight(self, request: WeightRequest, routing: TrafficRouting) -> int | None: ...


class KubernetesTrafficRouter:
    def __init__(
        self,
        api_client: client.ApiClient,
        *,
        request_timeout: float = 30.0,
        conflict_retries: int = 5,
        istio_version: str = "v1beta1",
        traefik_api_version: str = TRAEFIK_API_VERSION,
    ) -> None:
        objects = ObjectClient(
            api_client, request_timeout=request_timeout, conflict_retries=conflict_retries
        )
        self.istio = IstioRouter(objects, version=istio_version)
        self.nginx = NginxRouter(objects)
        self.smi = SmiRouter(objects)
        self.gateway_api = GatewayApiRouter(objects)
        self.alb = AlbRouter(objects)
        self.traefik = TraefikRouter(objects, api_version=traefik_api_version)
        self._services: dict[RolloutRef, Services] = {}

    def routers(self, routing: TrafficRouting) -> list[WeightRouter]:
        """The routers `routing` configures, in a fixed order."""
        configured: list[tuple[object, WeightRouter]] = [
            (routing.istio, self.istio),
            (routing.nginx, self.nginx),
            (routing.smi, self.smi),
            (routing.gateway_api, self.gateway_api),
            (routing.alb, self.alb),
            (routing.traefik, self.traefik),
        ]
        return [router for config, router in configured if config is not None]

    async def set_weight(self, request: WeightRequest) -> None:
        check_weights(request)
        if request.canary_service or request.stable_service:
            self._services[request.rollout] = services_of(request)
        if (routing := request.routing) is not None:
            for router in self.routers(routing):
                await router.set_weight(request, routing)

    async def verify_weight(self, request: WeightRequest) -> bool | None:
        routing = request.routing
        routers = self.routers(routing) if routing is not None else []
        if routing is None or not routers:
            return None
        for router in routers:
            if not await router.verify_weight(request, routing):
                return False
        return True

    async def read_weight(self, request: WeightRequest) -> int | None:
        """The canary weight the first configured router holds (None: none, or unknown)."""
        routing = request.routing
        routers = self.routers(routing) if routing is not None else []
        if routing is None or not routers:
            return None
        return await routers[0].read_weight(request, routing)

    async def set_route(self, route: ManagedRoute) -> None:
        routing = route.routing
        if routing is None:
            return
        services = self._services_of(route)
        if routing.istio is not None:
            await self.istio.set_route(route, routing, services)
        if routing.gateway_api is not None:
            await self.gateway_api.set_route(route, routing, services)
        if routing.alb is not None:
            await self.alb.set_route(route, routing, services)

    async def remove_managed_routes(
        self, rollout: RolloutRef, routing: TrafficRouting | None
    ) -> None:
        if routing is None:
            return
        if routing.istio is not None:
            await self.istio.remove_managed_routes(rollout, routing)
        if routing.gateway_api is not None:
            services = self._services.get(rollout, Services())
            await self.gateway_api.remove_managed_routes(rollout, routing, services)
        if routing.alb is not None:
            await self.alb.remove_managed_routes(rollout, routing)

    def _services_of(self, route: ManagedRoute) -> Services:
        """The route's own Services when the port carries them, else the remembered ones."""
        canary, stable = route.canary_service, route.stable_service
        if canary and stable:
            return Services(canary, stable)
        return self._services.get(route.rollout, Services(canary, stable))
