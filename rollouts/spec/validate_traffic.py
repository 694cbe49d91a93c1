"""Traffic-routing checks: each router's own requirements and the services it needs."""

from __future__ import annotations

from pydantic import ValidationError

from rollouts.spec.problems import ProblemList, join_path, problems_from_validation_error
from rollouts.spec.strategies import CanaryStrategy
from rollouts.spec.traffic import (
    GATEWAY_API_PLUGIN,
    GatewayAPIConfig,
    IstioTrafficRouting,
    NginxTrafficRouting,
    TrafficRouting,
)

INVALID_TRAFFIC_ROUTING = "Canary service and Stable service must to be set to use Traffic Routing"
MAX_WEIGHT_ONLY_NGINX_AND_PLUGINS = (
    "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins"
)


def check_traffic_routing(canary: CanaryStrategy, path: str, problems: ProblemList) -> None:
    routing = canary.traffic_routing
    if routing is None:
        return
    where = join_path(path, "trafficRouting")
    if (
        routing.istio is None
        and routing.nginx is None
        and routing.smi is None
        and not routing.plugins
    ):
        problems.error(
            where, "trafficRouting must configure istio, nginx, smi or the Gateway API plugin"
        )
    if routing.istio is not None:
        _check_istio(routing.istio, join_path(where, "istio"), problems)
    if routing.nginx is not None:
        _check_nginx(routing.nginx, join_path(where, "nginx"), problems)
    if routing.plugins and GATEWAY_API_PLUGIN in routing.plugins:
        _check_gateway_api(routing, join_path(where, "plugins", GATEWAY_API_PLUGIN), problems)
    _check_managed_routes(routing, where, problems)
    if routing.max_traffic_weight is not None:
        if routing.nginx is None and not routing.plugins:
            problems.error(join_path(where, "maxTrafficWeight"), MAX_WEIGHT_ONLY_NGINX_AND_PLUGINS)
        if routing.max_traffic_weight < 1:
            problems.error(join_path(where, "maxTrafficWeight"), "must be at least 1")
    _check_services(canary, routing, path, problems)


def _check_services(
    canary: CanaryStrategy, routing: TrafficRouting, path: str, problems: ProblemList
) -> None:
    if not _requires_services(routing):
        return
    for field, value in (
        ("stableService", canary.stable_service),
        ("canaryService", canary.canary_service),
    ):
        if not value:
            problems.error(join_path(path, field), INVALID_TRAFFIC_ROUTING)


def _requires_services(routing: TrafficRouting) -> bool:
    """Every router except Istio subset-splitting needs both canary and stable Services."""
    istio_host_split = routing.istio is not None and routing.istio.destination_rule is None
    return (
        istio_host_split
        or routing.smi is not None
        or routing.nginx is not None
        or bool(routing.plugins)
    )


def _check_istio(istio: IstioTrafficRouting, path: str, problems: ProblemList) -> None:
    if (istio.virtual_service is None) == (not istio.virtual_services):
        problems.error(path, "either virtualService or virtualServices must be configured")
    for index, service in enumerate(istio.virtual_services):
        if not service.name:
            problems.error(join_path(path, "virtualServices", index, "name"), "must not be empty")
    if istio.virtual_service is not None and not istio.virtual_service.name:
        problems.error(join_path(path, "virtualService", "name"), "must not be empty")
    rule = istio.destination_rule
    if rule is None:
        return
    rule_path = join_path(path, "destinationRule")
    for field, value in (
        ("name", rule.name),
        ("canarySubsetName", rule.canary_subset_name),
        ("stableSubsetName", rule.stable_subset_name),
    ):
        if not value:
            problems.error(join_path(rule_path, field), "must not be empty")
    if rule.canary_subset_name and rule.canary_subset_name == rule.stable_subset_name:
        problems.error(rule_path, "canarySubsetName and stableSubsetName must be different subsets")


def _check_nginx(nginx: NginxTrafficRouting, path: str, problems: ProblemList) -> None:
    if nginx.stable_ingress and nginx.stable_ingresses:
        problems.error(
            path, "Either stableIngress or stableIngresses must be configured. Both are configured."
        )
    elif not nginx.stable_ingress and not nginx.stable_ingresses:
        problems.error(
            path,
            "Either stableIngress or stableIngresses must be configured. Neither are configured.",
        )


def _check_gateway_api(routing: TrafficRouting, path: str, problems: ProblemList) -> None:
    raw = (routing.plugins or {}).get(GATEWAY_API_PLUGIN)
    try:
        config = GatewayAPIConfig.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        problems.extend(problems_from_validation_error(exc, prefix=(path,)))
        return
    if bool(config.http_route) == bool(config.http_routes):
        problems.error(path, "the Gateway API plugin needs exactly one of httpRoute or httpRoutes")
    for index, route in enumerate(config.http_routes):
        if not route.name:
            problems.error(join_path(path, "httpRoutes", index, "name"), "must not be empty")


def _check_managed_routes(routing: TrafficRouting, path: str, problems: ProblemList) -> None:
    seen: set[str] = set()
    for index, route in enumerate(routing.managed_routes):
        where = join_path(path, "managedRoutes", index, "name")
        if not route.name:
            problems.error(where, "must not be empty")
        elif route.name in seen:
            problems.error(where, f"duplicate managed route name {route.name!r}")
        seen.add(route.name)
