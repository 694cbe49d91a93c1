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
        "must configure istio, nginx, smi or the Gateway API plugin",
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
]


@pytest.mark.parametrize(("name", "doc"), VALID, ids=[case[0] for case in VALID])
def test_valid_routings_pass(name: str, doc: dict[str, Any]) -> None:
    assert errors_of(doc) == []
