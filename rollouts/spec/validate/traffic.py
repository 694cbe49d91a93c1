"""Traffic-routing checks: each router's own requirements and the services it needs."""

from __future__ import annotations

from pydantic import ValidationError

from rollouts.spec.problems import ProblemList, join_path, problems_from_validation_error
from rollouts.spec.strategies import CanaryStrategy
from rollouts.spec.traffic import (
    GATEWAY_API_PLUGIN,
    ALBTrafficRouting,
    GatewayAPIConfig,
    IstioTrafficRouting,
    NginxTrafficRouting,
    TraefikTrafficRouting,
    TrafficRouting,
)

INVALID_TRAFFIC_ROUTING = "Canary service and Stable service must to be set to use Traffic Routing"
MAX_WEIGHT_ONLY_NGINX_AND_PLUGINS = (
    "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins"
)
NO_ROUTER = (
    "trafficRouting must configure istio, nginx, smi, alb, traefik or the Gateway API plugin"
)
MAX_STICKINESS_SECONDS = 604800


def check_traffic_routing(canary: CanaryStrategy, path: str, problems: ProblemList) -> None:
    routing = canary.traffic_routing
    if routing is None:
        return
    where = join_path(path, "trafficRouting")
    routers = (routing.istio, routing.nginx, routing.smi, routing.alb, routing.traefik)
    if all(router is None for router in routers) and not routing.plugins:
        problems.error(where, NO_ROUTER)
    if routing.istio is not None:
        _check_istio(routing.istio, join_path(where, "istio"), problems)
    if routing.nginx is not None:
        _check_nginx(routing.nginx, join_path(where, "nginx"), problems)
    if routing.alb is not None:
        _check_alb(routing.alb, join_path(where, "alb"), problems)
    if routing.traefik is not None:
        _check_traefik(routing.traefik, join_path(where, "traefik"), problems)
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
        or routing.alb is not None
        or routing.traefik is not None
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


def _check_alb(alb: ALBTrafficRouting, path: str, problems: ProblemList) -> None:
    """Argo's ValidateRolloutAlbIngressesConfig, and the stickiness range it checks at runtime."""
    if alb.ingress and alb.ingresses:
        problems.error(path, "Either Ingress or Ingresses must be configured. Both are configured.")
    elif not alb.ingress and not alb.ingresses:
        problems.error(
            path, "Either Ingress or Ingresses must be configured. Neither are configured."
        )
    for index, name in enumerate(alb.ingresses):
        if not name:
            problems.error(join_path(path, "ingresses", index), "must not be empty")
    if not 1 <= alb.service_port <= 65535:
        problems.error(join_path(path, "servicePort"), "must be a port number, 1 to 65535")
    sticky = alb.stickiness_config
    if sticky is None or not sticky.enabled:
        return
    if not 1 <= sticky.duration_seconds <= MAX_STICKINESS_SECONDS:
        problems.error(
            join_path(path, "stickinessConfig", "durationSeconds"),
            "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)!",
        )


def _check_traefik(traefik: TraefikTrafficRouting, path: str, problems: ProblemList) -> None:
    if not traefik.weighted_traefik_service_name:
        problems.error(join_path(path, "weightedTraefikServiceName"), "must not be empty")


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
