"""Canary step checks, mirroring the per-step part of Argo's ValidateRolloutStrategyCanary."""

from __future__ import annotations

from rollouts.spec.problems import ProblemList, join_path
from rollouts.spec.steps import CanaryStep, SetCanaryScale, SetHeaderRoute, SetMirrorRoute
from rollouts.spec.strategies import CanaryStrategy
from rollouts.spec.traffic import TrafficRouting
from rollouts.spec.validate.common import (
    check_nonnegative,
    check_rollout_analysis,
    check_string_match,
)

_ACTIONS = "setWeight, pause, analysis, setCanaryScale, setHeaderRoute or setMirrorRoute"
INVALID_STEP = f"Step must have one of the following set: {_ACTIONS}"
SET_CANARY_SCALE_NEEDS_ROUTING = "SetCanaryScale requires TrafficRouting to be set"
SET_HEADER_ROUTE_NEEDS_ROUTING = (
    "SetHeaderRoute requires TrafficRouting, supports Istio, ALB and the Gateway API plugin"
)
ALB_EXACT_ONLY = "SetHeaderRoute match value invalid. ALB supports 'exact' value only"
SET_MIRROR_ROUTE_NEEDS_ROUTING = (
    "SetMirrorRoute requires TrafficRouting, supports Istio and the Gateway API plugin"
)
ROUTE_NOT_IN_MANAGED_ROUTES = (
    "Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes"
)
MISSING_MANAGED_ROUTES = (
    "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'"
)


def check_steps(canary: CanaryStrategy, path: str, problems: ProblemList) -> None:
    routing = canary.traffic_routing
    max_weight = routing.effective_max_weight if routing is not None else 100
    needs_managed_routes = False
    for index, step in enumerate(canary.steps):
        where = join_path(path, "steps", index)
        _check_one_step(
            step, where, problems, max_weight=max_weight, routing=routing, canary_path=path
        )
        if step.set_header_route is not None or step.set_mirror_route is not None:
            needs_managed_routes = True
    if needs_managed_routes and routing is not None and not routing.managed_routes:
        problems.error(join_path(path, "trafficRouting", "managedRoutes"), MISSING_MANAGED_ROUTES)


def _check_one_step(
    step: CanaryStep,
    path: str,
    problems: ProblemList,
    *,
    max_weight: int,
    routing: TrafficRouting | None,
    canary_path: str,
) -> None:
    actions = step.actions
    if not actions:
        problems.error(path, INVALID_STEP)
    elif len(actions) > 1:
        problems.error(
            path, f"{INVALID_STEP}; a step sets exactly one, found {' and '.join(actions)}"
        )
    if step.set_weight is not None and not 0 <= step.set_weight <= max_weight:
        problems.error(
            join_path(path, "setWeight"), f"SetWeight needs to be between 0 and {max_weight}"
        )
    if step.analysis is not None:
        check_rollout_analysis(step.analysis, join_path(path, "analysis"), problems)
    if step.set_canary_scale is not None:
        if routing is None:
            problems.error(join_path(canary_path, "trafficRouting"), SET_CANARY_SCALE_NEEDS_ROUTING)
        _check_canary_scale(step.set_canary_scale, join_path(path, "setCanaryScale"), problems)
    if step.set_header_route is not None:
        _check_header_route(
            step.set_header_route, routing, join_path(path, "setHeaderRoute"), problems
        )
    if step.set_mirror_route is not None:
        _check_mirror_route(
            step.set_mirror_route, routing, join_path(path, "setMirrorRoute"), problems
        )


def _check_canary_scale(scale: SetCanaryScale, path: str, problems: ProblemList) -> None:
    chosen = [scale.replicas is not None, scale.weight is not None, scale.match_traffic_weight]
    if sum(chosen) != 1:
        problems.error(
            path, "setCanaryScale needs exactly one of replicas, weight or matchTrafficWeight: true"
        )
    check_nonnegative(scale.replicas, join_path(path, "replicas"), problems)
    if scale.weight is not None and not 0 <= scale.weight <= 100:
        problems.error(join_path(path, "weight"), "weight must be between 0 and 100")


def _supports_routes(routing: TrafficRouting | None) -> bool:
    return routing is not None and (routing.istio is not None or bool(routing.plugins))


def _check_route_name(
    name: str, routing: TrafficRouting | None, path: str, problems: ProblemList
) -> None:
    if routing is not None and routing.managed_routes and name not in routing.managed_route_names:
        problems.error(path, ROUTE_NOT_IN_MANAGED_ROUTES)


def _check_header_route(
    route: SetHeaderRoute, routing: TrafficRouting | None, path: str, problems: ProblemList
) -> None:
    alb = routing is not None and routing.alb is not None
    if not (alb or _supports_routes(routing)):
        problems.error(path, SET_HEADER_ROUTE_NEEDS_ROUTING)
        return
    if not route.name:
        problems.error(join_path(path, "name"), "must not be empty")
    _check_route_name(route.name, routing, path, problems)
    for index, match in enumerate(route.match):
        where = join_path(path, "match", index)
        if not match.header_name:
            problems.error(join_path(where, "headerName"), "must not be empty")
        value = match.header_value
        if alb and value is not None and value.set_kinds and value.set_kinds != ("exact",):
            problems.error(where, ALB_EXACT_ONLY)
        else:
            check_string_match(value, where, problems)


def _check_mirror_route(
    route: SetMirrorRoute, routing: TrafficRouting | None, path: str, problems: ProblemList
) -> None:
    if not _supports_routes(routing):
        problems.error(path, SET_MIRROR_ROUTE_NEEDS_ROUTING)
    if not route.name:
        problems.error(join_path(path, "name"), "must not be empty")
    _check_route_name(route.name, routing, path, problems)
    for index, match in enumerate(route.match):
        where = join_path(path, "match", index)
        if match.method is not None:
            check_string_match(match.method, join_path(where, "method"), problems)
        if match.path is not None:
            check_string_match(match.path, join_path(where, "path"), problems)
        for header, value in match.headers.items():
            check_string_match(value, join_path(where, "headers", header), problems)
    if route.percentage is not None and not 0 <= route.percentage <= 100:
        problems.error(join_path(path, "percentage"), "percentage must be between 0 and 100")
