"""Canary strategy-level rules (Argo's ValidateRolloutStrategyCanary)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.spec.helpers import (
    ISTIO_HOST,
    C,
    base_rollout,
    canary,
    errors_of,
    has_problem,
    routed,
    warnings_of,
)

INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "surge and unavailable zero",
        canary(maxSurge=0, maxUnavailable="0%"),
        f"{C}.maxSurge",
        "MaxSurge and MaxUnavailable both can not be zero",
    ),
    ("bad surge", canary(maxSurge="many"), f"{C}.maxSurge", "percentage such as 25%"),
    ("negative surge", canary(maxSurge=-1), f"{C}.maxSurge", "greater than or equal to 0"),
    (
        "unavailable over 100%",
        canary(maxUnavailable="150%"),
        f"{C}.maxUnavailable",
        "greater than 100%",
    ),
    (
        "same services",
        canary(canaryService="svc", stableService="svc"),
        f"{C}.stableService",
        "same service for the stable and canary",
    ),
    (
        "delay without routing",
        canary(scaleDownDelaySeconds=10),
        f"{C}.scaleDownDelaySeconds",
        "only be used with traffic routing",
    ),
    (
        "dynamic without routing",
        canary(dynamicStableScale=True),
        f"{C}.dynamicStableScale",
        "only be used with traffic routing",
    ),
    (
        "dynamic with delay",
        routed(ISTIO_HOST, dynamicStableScale=True, scaleDownDelaySeconds=5),
        f"{C}.dynamicStableScale",
        "cannot be used with scaleDownDelaySeconds",
    ),
    (
        "revision limit",
        canary(scaleDownDelayRevisionLimit=20),
        f"{C}.scaleDownDelayRevisionLimit",
        "revision history limit",
    ),
    (
        "negative abort delay",
        routed(ISTIO_HOST, abortScaleDownDelaySeconds=-1),
        f"{C}.abortScaleDownDelaySeconds",
        "greater than or equal to 0",
    ),
    (
        "progress threshold",
        canary(replicaProgressThreshold={"type": "Percent", "value": 120}),
        f"{C}.replicaProgressThreshold.value",
        "between 0 and 100",
    ),
    ("anti affinity none", canary(antiAffinity={}), f"{C}.antiAffinity", "exactly one strategy"),
    (
        "starting step out of range",
        canary(
            steps=[{"setWeight": 10}],
            analysis={"templates": [{"templateName": "t"}], "startingStep": 1},
        ),
        f"{C}.analysis.startingStep",
        "between 0 and 0",
    ),
    (
        "negative starting step",
        canary(analysis={"templates": [{"templateName": "t"}], "startingStep": -1}),
        f"{C}.analysis.startingStep",
        "got -1",
    ),
]


@pytest.mark.parametrize(
    ("name", "doc", "path", "message"), INVALID, ids=[case[0] for case in INVALID]
)
def test_invalid_canaries_are_reported(
    name: str, doc: dict[str, Any], path: str, message: str
) -> None:
    found = errors_of(doc)
    assert has_problem(found, path, message), found


VALID: list[tuple[str, dict[str, Any]]] = [
    ("rolling update", canary()),
    (
        "services optional without routing",
        base_rollout({"canary": {"steps": [{"setWeight": 10}, {"pause": {}}]}}),
    ),
    ("surge zero only", canary(maxSurge=0)),
    ("unavailable as plain number string", canary(maxUnavailable="25")),
    (
        "background analysis",
        canary(
            steps=[{"setWeight": 10}, {"pause": {}}],
            analysis={
                "templates": [{"templateName": "t", "clusterScope": True}],
                "startingStep": 1,
                "args": [{"name": "h", "valueFrom": {"podTemplateHashValue": "Latest"}}],
            },
        ),
    ),
    ("progress threshold pods", canary(replicaProgressThreshold={"type": "Pods", "value": 3})),
    (
        "anti affinity required",
        canary(antiAffinity={"requiredDuringSchedulingIgnoredDuringExecution": {}}),
    ),
    (
        "delays with routing",
        routed(
            ISTIO_HOST,
            scaleDownDelaySeconds=0,
            abortScaleDownDelaySeconds=0,
            scaleDownDelayRevisionLimit=2,
        ),
    ),
]


@pytest.mark.parametrize(("name", "doc"), VALID, ids=[case[0] for case in VALID])
def test_valid_canaries_pass(name: str, doc: dict[str, Any]) -> None:
    assert errors_of(doc) == []


@pytest.mark.parametrize("field", ["abortScaleDownDelaySeconds", "minPodsPerReplicaSet"])
def test_routing_only_fields_without_routing_are_warnings(field: str) -> None:
    doc = canary(**{field: 10})
    assert errors_of(doc) == []
    assert has_problem(warnings_of(doc), f"{C}.{field}", "no effect without trafficRouting")


def test_missing_managed_routes_is_reported_once() -> None:
    doc = routed(
        ISTIO_HOST, steps=[{"setHeaderRoute": {"name": "a"}}, {"setHeaderRoute": {"name": "b"}}]
    )
    paths = [path for path, _ in errors_of(doc)]
    assert paths.count(f"{C}.trafficRouting.managedRoutes") == 1


def test_canary_ok_with_structurally_bad_values_reports_types() -> None:
    doc = canary(steps=[{"setWeight": "ten"}], maxSurge=1.5)
    found = errors_of(doc)
    assert has_problem(found, f"{C}.steps[0].setWeight", "must be an integer")
    assert has_problem(found, f"{C}.maxSurge", "must be an integer or a string")
