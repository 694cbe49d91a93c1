"""Traffic-routing rules: router requirements and the Services they need."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.spec.helpers import (
    GATEWAY,
    ISTIO_HOST,
    ISTIO_SUBSET,
    C,
    errors_of,
    has_problem,
    routed,
)

ALB_EXACT_MATCH = {"headerName": "X-Beta", "headerValue": {"exact": "y"}}
ALB_PREFIX_MATCH = {"headerName": "X-Beta", "headerValue": {"prefix": "y"}}
INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "istio host split without services",
        routed(ISTIO_HOST, canaryService=""),
        f"{C}.canaryService",
        "must to be set to use Traffic Routing",
    ),
    (
        "smi without services",
        routed({"smi": {}}, stableService=""),
        f"{C}.stableService",
        "must to be set to use Traffic Routing",
    ),
    (
        "nginx without services",
        routed({"nginx": {"stableIngress": "i"}}, canaryService=""),
        f"{C}.canaryService",
        "must to be set",
    ),
    (
        "gateway without services",
        routed(GATEWAY, canaryService=""),
        f"{C}.canaryService",
        "must to be set",
    ),
    (
        "empty routing",
        routed({}),
        f"{C}.trafficRouting",
        "must configure istio, nginx, smi, alb, traefik or the Gateway API plugin",
    ),
    (
        "istio without virtual service",
        routed({"istio": {}}),
        f"{C}.trafficRouting.istio",
        "either virtualService or virtualServices",
    ),
    (
        "istio with both virtual service forms",
        routed({"istio": {"virtualService": {"name": "a"}, "virtualServices": [{"name": "b"}]}}),
        f"{C}.trafficRouting.istio",
        "either virtualService or virtualServices",
    ),
    (
        "istio same subsets",
        routed(
            {
                "istio": {
                    "virtualService": {"name": "vs"},
                    "destinationRule": {
                        "name": "dr",
                        "canarySubsetName": "x",
                        "stableSubsetName": "x",
                    },
                }
            }
        ),
        f"{C}.trafficRouting.istio.destinationRule",
        "must be different subsets",
    ),
    (
        "nginx without ingress",
        routed({"nginx": {}}),
        f"{C}.trafficRouting.nginx",
        "Neither are configured",
    ),
    (
        "nginx with both ingress forms",
        routed({"nginx": {"stableIngress": "a", "stableIngresses": ["b"]}}),
        f"{C}.trafficRouting.nginx",
        "Both are configured",
    ),
    (
        "maxTrafficWeight with istio",
        routed({**ISTIO_HOST, "maxTrafficWeight": 1000}),
        f"{C}.trafficRouting.maxTrafficWeight",
        "only supported in Nginx and Plugins",
    ),
    (
        "duplicate managed routes",
        routed({**ISTIO_HOST, "managedRoutes": [{"name": "a"}, {"name": "a"}]}),
        f"{C}.trafficRouting.managedRoutes[1].name",
        "duplicate managed route name",
    ),
    (
        "gateway without route",
        routed({"plugins": {"argoproj-labs/gatewayAPI": {"namespace": "x"}}}),
        f"{C}.trafficRouting.plugins.argoproj-labs/gatewayAPI",
        "exactly one of httpRoute or httpRoutes",
    ),
    (
        "gateway typo",
        routed({"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "web", "namespce": "x"}}}),
        f"{C}.trafficRouting.plugins.argoproj-labs/gatewayAPI.namespce",
        "unknown field",
    ),
    (
        "gateway grpc route",
        routed({"plugins": {"argoproj-labs/gatewayAPI": {"grpcRoute": "g"}}}),
        f"{C}.trafficRouting.plugins.argoproj-labs/gatewayAPI.grpcRoute",
        "not supported yet",
    ),
    (
        "alb without services",
        routed({"alb": {"ingress": "web", "servicePort": 80}}, stableService=""),
        f"{C}.stableService",
        "must to be set to use Traffic Routing",
    ),
    (
        "alb without port",
        routed({"alb": {"ingress": "web"}}),
        f"{C}.trafficRouting.alb.servicePort",
        "required field is missing",
    ),
    (
        "alb port out of range",
        routed({"alb": {"ingress": "web", "servicePort": 0}}),
        f"{C}.trafficRouting.alb.servicePort",
        "must be a port number",
    ),
    (
        "alb with both ingress fields",
        routed({"alb": {"ingress": "a", "ingresses": ["b"], "servicePort": 80}}),
        f"{C}.trafficRouting.alb",
        "Either Ingress or Ingresses must be configured. Both are configured.",
    ),
    (
        "alb without ingress",
        routed({"alb": {"servicePort": 80}}),
        f"{C}.trafficRouting.alb",
        "Either Ingress or Ingresses must be configured. Neither are configured.",
    ),
    (
        "alb stickiness too long",
        routed(
            {
                "alb": {
                    "ingress": "a",
                    "servicePort": 80,
                    "stickinessConfig": {"enabled": True, "durationSeconds": 604801},
                }
            }
        ),
        f"{C}.trafficRouting.alb.stickinessConfig.durationSeconds",
        "between 1 and 604800 seconds",
    ),
    (
        "alb with max weight",
        routed({"alb": {"ingress": "a", "servicePort": 80}, "maxTrafficWeight": 1000}),
        f"{C}.trafficRouting.maxTrafficWeight",
        "only supported in Nginx and Plugins",
    ),
    (
        "alb header route with a prefix",
        routed(
            {"alb": {"ingress": "a", "servicePort": 80}, "managedRoutes": [{"name": "h"}]},
            steps=[
                {"setHeaderRoute": {"name": "h", "match": [ALB_PREFIX_MATCH]}},
            ],
        ),
        f"{C}.steps[0].setHeaderRoute.match[0]",
        "SetHeaderRoute match value invalid. ALB supports 'exact' value only",
    ),
    (
        "alb mirror route",
        routed(
            {"alb": {"ingress": "a", "servicePort": 80}, "managedRoutes": [{"name": "m"}]},
            steps=[{"setMirrorRoute": {"name": "m", "match": [{"method": {"exact": "GET"}}]}}],
        ),
        f"{C}.steps[0].setMirrorRoute",
        "SetMirrorRoute requires TrafficRouting",
    ),
    (
        "traefik without services",
        routed({"traefik": {"weightedTraefikServiceName": "t"}}, canaryService=""),
        f"{C}.canaryService",
        "must to be set to use Traffic Routing",
    ),
    (
        "traefik without service name",
        routed({"traefik": {}}),
        f"{C}.trafficRouting.traefik.weightedTraefikServiceName",
        "required field is missing",
    ),
    (
        "traefik with empty service name",
        routed({"traefik": {"weightedTraefikServiceName": ""}}),
        f"{C}.trafficRouting.traefik.weightedTraefikServiceName",
        "must not be empty",
    ),
]


@pytest.mark.parametrize(
    ("name", "doc", "path", "message"), INVALID, ids=[case[0] for case in INVALID]
)
def test_invalid_routings_are_reported(
    name: str, doc: dict[str, Any], path: str, message: str
) -> None:
    found = errors_of(doc)
    assert has_problem(found, path, message), found


VALID: list[tuple[str, dict[str, Any]]] = [
    (
        "istio subset split needs no services",
        routed(ISTIO_SUBSET, canaryService="", stableService=""),
    ),
    (
        "nginx with max weight",
        routed(
            {"nginx": {"stableIngresses": ["a", "b"]}, "maxTrafficWeight": 1000},
            steps=[{"setWeight": 500}],
        ),
    ),
    ("gateway api", routed(GATEWAY, steps=[{"setWeight": 10}], dynamicStableScale=True)),
    (
        "gateway api routes list",
        routed(
            {
                "plugins": {
                    "argoproj-labs/gatewayAPI": {
                        "httpRoutes": [{"name": "a", "useHeaderRoutes": True}]
                    }
                }
            }
        ),
    ),
    ("smi", routed({"smi": {"rootService": "root", "trafficSplitName": "split"}})),
    (
        "alb",
        routed(
            {
                "alb": {
                    "ingresses": ["a", "b"],
                    "servicePort": 443,
                    "rootService": "root",
                    "annotationPrefix": "custom.alb",
                    "stickinessConfig": {"enabled": True, "durationSeconds": 3600},
                }
            },
            steps=[{"setWeight": 10}],
        ),
    ),
    ("traefik", routed({"traefik": {"weightedTraefikServiceName": "t"}})),
    (
        "alb header route",
        routed(
            {"alb": {"ingress": "a", "servicePort": 80}, "managedRoutes": [{"name": "h"}]},
            steps=[
                {"setHeaderRoute": {"name": "h", "match": [ALB_EXACT_MATCH]}},
                {"setHeaderRoute": {"name": "h"}},
            ],
        ),
    ),
]


@pytest.mark.parametrize(("name", "doc"), VALID, ids=[case[0] for case in VALID])
def test_valid_routings_pass(name: str, doc: dict[str, Any]) -> None:
    assert errors_of(doc) == []
