"""Features Argo has and this project does not (yet): rejected by name, never dropped."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.spec import load_manifests
from tests.unit.spec.helpers import base_rollout, base_template, errors_of, with_fields

C = "spec.strategy.canary"
M = "spec.metrics[0].provider"

CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "experiment step",
        {f"{C}.steps": [{"experiment": {"templates": []}}]},
        f"{C}.steps[0].experiment",
    ),
    (
        "plugin step",
        {f"{C}.steps": [{"setWeight": 5}, {"plugin": {"name": "x"}}]},
        f"{C}.steps[1].plugin",
    ),
    ("pingPong", {f"{C}.pingPong": {"pingService": "a", "pongService": "b"}}, f"{C}.pingPong"),
    (
        "ambassador",
        {f"{C}.trafficRouting": {"ambassador": {"mappings": ["m"]}}},
        f"{C}.trafficRouting.ambassador",
    ),
    ("appMesh", {f"{C}.trafficRouting": {"appMesh": {}}}, f"{C}.trafficRouting.appMesh"),
    (
        "apisix",
        {f"{C}.trafficRouting": {"apisix": {"route": {"name": "r"}}}},
        f"{C}.trafficRouting.apisix",
    ),
    (
        "other router plugin",
        {f"{C}.trafficRouting": {"plugins": {"acme/router": {}}}},
        f"{C}.trafficRouting.plugins",
    ),
]


@pytest.mark.parametrize(("name", "changes", "path"), CASES, ids=[case[0] for case in CASES])
def test_unsupported_rollout_features_are_named(
    name: str, changes: dict[str, Any], path: str
) -> None:
    found = errors_of(with_fields(base_rollout(), changes))
    assert any(p == path and "not supported yet" in m for p, m in found), found


@pytest.mark.parametrize(
    "provider", ["kayenta", "wavefront", "graphite", "influxdb", "skywalking", "plugin"]
)
def test_unsupported_metric_providers_are_named(provider: str) -> None:
    doc = base_template([{"name": "m", "provider": {provider: {"address": "x"}}}])
    found = errors_of(doc)
    assert any(p == f"{M}.{provider}" and "not supported yet" in m for p, m in found), found


@pytest.mark.parametrize("kind", ["Experiment", "AnalysisRun"])
def test_unsupported_argo_kinds_are_errors_even_when_ignoring_unknown_kinds(kind: str) -> None:
    text = f"apiVersion: argoproj.io/v1alpha1\nkind: {kind}\nmetadata: {{name: x}}\nspec: {{}}\n"
    result = load_manifests(text, ignore_unknown_kinds=True)
    assert result.objects == ()
    assert [(p.path, p.message) for p in result.problems] == [
        ("kind", f"kind {kind} is not supported yet")
    ]


def test_null_unsupported_fields_are_just_absent() -> None:
    path = "spec.strategy.canary.pingPong"
    assert errors_of(with_fields(base_rollout(), {path: None})) == []


def test_the_same_yaml_name_gets_the_message_of_its_place() -> None:
    step = errors_of(with_fields(base_rollout(), {f"{C}.steps": [{"plugin": {"name": "x"}}]}))
    provider = errors_of(base_template([{"name": "m", "provider": {"plugin": {"a/b": {}}}}]))
    assert step == [(f"{C}.steps[0].plugin", "plugin steps are not supported yet")]
    assert provider == [(f"{M}.plugin", "metric provider plugins are not supported yet")]
