"""The traffic router for the Kubernetes platform, and a no-op one when none is available.

`default_router(api_client)` is the traffic adapters' dispatcher (`adapters.traffic`
`KubernetesTrafficRouter`: Istio, NGINX, SMI, Gateway API, whichever a rollout configures).
If that package cannot be imported, `NoopRouter` stands in: it holds whatever it is asked, and
cannot verify, so rollouts without traffic routing (the replica-count split) work unchanged
and routed ones progress without a router touching the mesh (a warning says so).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import structlog

from rollouts.ports import ManagedRoute, RolloutRef, TrafficRouter, WeightRequest

log = structlog.get_logger("rollouts.kubernetes")


class NoopRouter:
    """Accepts every request and changes nothing."""

    def __init__(self) -> None:
        self.requests: list[WeightRequest] = []

    async def set_weight(self, request: WeightRequest) -> None:
        self.requests.append(request)

    async def verify_weight(self, request: WeightRequest) -> bool | None:
        return None

    async def set_route(self, route: ManagedRoute) -> None:
        return None

    async def remove_managed_routes(self, rollout: RolloutRef, routing: Mapping[str, Any]) -> None:
        return None


def default_router(api_client: Any) -> TrafficRouter:
    try:
        module = importlib.import_module("adapters.traffic")
        factory = module.KubernetesTrafficRouter
    except (ImportError, AttributeError) as error:
        log.warning("kubernetes.no_traffic_router", error=repr(error))
        return NoopRouter()
    router: TrafficRouter = factory(api_client)
    return router
