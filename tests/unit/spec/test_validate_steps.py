"""Canary step rules: one action per step, weights, pauses, canary scale, header/mirror routes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.spec.helpers import ISTIO_HOST, C, canary, errors_of, has_problem, routed

INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "setWeight over 100",
        canary(steps=[{"setWeight": 101}]),
        f"{C}.steps[0].setWeight",
        "SetWeight needs to be between 0 and 100",
    ),
    (
        "setWeight negative",
        canary(steps=[{"setWeight": -1}]),
        f"{C}.steps[0].setWeight",
        "between 0 and 100",
    ),
    (
        "setWeight over maxTrafficWeight",
        routed(
            {"nginx": {"stableIngress": "ing"}, "maxTrafficWeight": 50}, steps=[{"setWeight": 60}]
        ),
        f"{C}.steps[0].setWeight",
        "SetWeight needs to be between 0 and 50",
    ),
    ("empty step", canary(steps=[{}]), f"{C}.steps[0]", "Step must have one of the following set"),
    (
        "bad pause",
        canary(steps=[{"pause": {"duration": "1z"}}]),
        f"{C}.steps[0].pause.duration",
        "Duration needs to be greater than 0",
    ),
    (
        "negative pause",
        canary(steps=[{"pause": {"duration": -5}}]),
        f"{C}.steps[0].pause.duration",
        "Duration needs to be greater than 0",
    ),
    (
        "setCanaryScale without routing",
        canary(steps=[{"setCanaryScale": {"replicas": 1}}]),
        f"{C}.trafficRouting",
        "SetCanaryScale requires TrafficRouting",
    ),
    (
        "setCanaryScale with two choices",
        routed(ISTIO_HOST, steps=[{"setCanaryScale": {"replicas": 1, "weight": 5}}]),
        f"{C}.steps[0].setCanaryScale",
        "exactly one of replicas, weight or matchTrafficWeight",
    ),
    (
        "setCanaryScale weight",
        routed(ISTIO_HOST, steps=[{"setCanaryScale": {"weight": 120}}]),
        f"{C}.steps[0].setCanaryScale.weight",
        "between 0 and 100",
    ),
    (
        "header route without routing",
        canary(steps=[{"setHeaderRoute": {"name": "h"}}]),
        f"{C}.steps[0].setHeaderRoute",
        "SetHeaderRoute requires TrafficRouting",
    ),
    (
        "header route with nginx",
        routed(
            {"nginx": {"stableIngress": "i"}, "managedRoutes": [{"name": "h"}]},
            steps=[{"setHeaderRoute": {"name": "h"}}],
        ),
        f"{C}.steps[0].setHeaderRoute",
        "SetHeaderRoute requires TrafficRouting",
    ),
    (
        "mirror route without routing",
        canary(steps=[{"setMirrorRoute": {"name": "m"}}]),
        f"{C}.steps[0].setMirrorRoute",
        "SetMirrorRoute requires TrafficRouting",
    ),
    (
        "header route without managed routes",
        routed(ISTIO_HOST, steps=[{"setHeaderRoute": {"name": "h"}}]),
        f"{C}.trafficRouting.managedRoutes",
        "missing field",
    ),
    (
        "route not in managed routes",
        routed(
            {**ISTIO_HOST, "managedRoutes": [{"name": "other"}]},
            steps=[{"setMirrorRoute": {"name": "m"}}],
        ),
        f"{C}.steps[0].setMirrorRoute",
        "does not exist in spec.strategy.canary.trafficRouting.managedRoutes",
    ),
    (
        "header match with two values",
        routed(
            {**ISTIO_HOST, "managedRoutes": [{"name": "h"}]},
            steps=[
                {
                    "setHeaderRoute": {
                        "name": "h",
                        "match": [
                            {"headerName": "x", "headerValue": {"exact": "a", "prefix": "b"}}
                        ],
                    }
                }
            ],
        ),
        f"{C}.steps[0].setHeaderRoute.match[0]",
        "exactly one of the following: exact, regex, prefix",
    ),
    (
        "header match with no value",
        routed(
            {**ISTIO_HOST, "managedRoutes": [{"name": "h"}]},
            steps=[{"setHeaderRoute": {"name": "h", "match": [{"headerName": "x"}]}}],
        ),
        f"{C}.steps[0].setHeaderRoute.match[0]",
        "StringMatch value missed",
    ),
    (
        "mirror header match empty",
        routed(
            {**ISTIO_HOST, "managedRoutes": [{"name": "m"}]},
            steps=[{"setMirrorRoute": {"name": "m", "match": [{"headers": {"x-a": {}}}]}}],
        ),
        f"{C}.steps[0].setMirrorRoute.match[0].headers.x-a",
        "StringMatch value missed",
    ),
    (
        "mirror percentage",
        routed(
            {**ISTIO_HOST, "managedRoutes": [{"name": "m"}]},
            steps=[{"setMirrorRoute": {"name": "m", "percentage": 101}}],
        ),
        f"{C}.steps[0].setMirrorRoute.percentage",
        "between 0 and 100",
    ),
    (
        "analysis step without templates",
        canary(steps=[{"analysis": {}}]),
        f"{C}.steps[0].analysis.templates",
        "at least one template",
    ),
    (
        "argument value and valueFrom",
        canary(
            steps=[
                {
                    "analysis": {
                        "templates": [{"templateName": "t"}],
                        "args": [
                            {
                                "name": "a",
                                "value": "1",
                                "valueFrom": {"podTemplateHashValue": "Stable"},
                            }
                        ],
                    }
                }
            ]
        ),
        f"{C}.steps[0].analysis.args[0]",
        "has both value and valueFrom",
    ),
    (
        "argument bad metadata field",
        canary(
            steps=[
                {
                    "analysis": {
                        "templates": [{"templateName": "t"}],
                        "args": [
                            {
                                "name": "a",
                                "valueFrom": {"fieldRef": {"fieldPath": "metadata.owner"}},
                            }
                        ],
                    }
                }
            ]
        ),
        f"{C}.steps[0].analysis.args[0].valueFrom.fieldRef.fieldPath",
        "downwardAPI",
    ),
    (
        "duplicate argument",
        canary(
            steps=[
                {
                    "analysis": {
                        "templates": [{"templateName": "t"}],
                        "args": [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}],
                    }
                }
            ]
        ),
        f"{C}.steps[0].analysis.args[1].name",
        "duplicate argument name",
    ),
    (
        "bad dry-run regex",
        canary(
            steps=[
                {
                    "analysis": {
                        "templates": [{"templateName": "t"}],
                        "dryRun": [{"metricName": "("}],
                    }
                }
            ]
        ),
        f"{C}.steps[0].analysis.dryRun[0].metricName",
        "invalid regular expression",
    ),
    (
        "two actions",
        canary(steps=[{"setWeight": 5, "pause": {}}]),
        f"{C}.steps[0]",
        "found setWeight and pause",
    ),
]


@pytest.mark.parametrize(
    ("name", "doc", "path", "message"), INVALID, ids=[case[0] for case in INVALID]
)
def test_invalid_steps_are_reported(
    name: str, doc: dict[str, Any], path: str, message: str
) -> None:
    found = errors_of(doc)
    assert has_problem(found, path, message), found


VALID: list[tuple[str, dict[str, Any]]] = [
    (
        "istio with header and mirror routes",
        routed(
            {**ISTIO_HOST, "managedRoutes": [{"name": "h"}, {"name": "m"}]},
            steps=[
                {"setWeight": 10},
                {
                    "setHeaderRoute": {
                        "name": "h",
                        "match": [{"headerName": "x", "headerValue": {"regex": ".*"}}],
                    }
                },
                {
                    "setMirrorRoute": {
                        "name": "m",
                        "percentage": 50,
                        "match": [{"method": {"exact": "GET"}, "path": {"prefix": "/"}}],
                    }
                },
                {"setHeaderRoute": {"name": "h"}},
                {"setCanaryScale": {"matchTrafficWeight": True}},
                {"pause": {"duration": "1h30m"}},
            ],
        ),
    ),
    (
        "argument from downward API",
        canary(
            steps=[
                {
                    "analysis": {
                        "templates": [{"templateName": "t"}],
                        "args": [
                            {
                                "name": "env",
                                "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['env']"}},
                            },
                            {
                                "name": "n",
                                "valueFrom": {
                                    "fieldRef": {"fieldPath": "status.alb.canaryTargetGroup.name"}
                                },
                            },
                        ],
                    }
                }
            ]
        ),
    ),
]


@pytest.mark.parametrize(("name", "doc"), VALID, ids=[case[0] for case in VALID])
def test_valid_steps_pass(name: str, doc: dict[str, Any]) -> None:
    assert errors_of(doc) == []
