"""The FleetRollout resource: both forms, path-named problems, per-cluster manifests."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.fleet.spec import FleetRollout
from rollouts.fleet.validate import cluster_manifest, parse_fleet
from tests.unit.fleet.fleetdata import fleet_manifest


def _parsed(manifest: dict[str, Any]) -> FleetRollout:
    fleet, problems = parse_fleet(manifest)
    assert fleet is not None and not problems, problems
    return fleet


def test_both_forms_give_the_same_waves() -> None:
    waves = _parsed(fleet_manifest()).waves
    generated = _parsed(fleet_manifest(form="generators")).waves
    names = [[c.name for c in w.clusters] for w in waves]
    assert names == [
        ["staging-us-east-1"],
        ["prod-ap-southeast-1"],
        ["prod-us-east-1", "prod-eu-west-1"],
    ]
    assert [
        [(c.name, c.canary_weight, c.analysis_template) for c in w.clusters] for w in waves
    ] == [[(c.name, c.canary_weight, c.analysis_template) for c in w.clusters] for w in generated]


def _problems(manifest: dict[str, Any]) -> list[str]:
    return [f"{p.path}: {p.message}" for p in parse_fleet(manifest)[1]]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: s["waves"][2]["clusters"].append({"name": "staging-us-east-1"}),
            "spec.waves[2].clusters[2].name: cluster staging-us-east-1 is already in wave 0",
        ),
        (lambda s: s.update(manualGates=[3]), "spec.manualGates[0]: wave 3 does not exist"),
        (lambda s: s.update(bakeTime="soon"), "spec.bakeTime"),
        (lambda s: s["waves"][0]["clusters"][0].update(canaryWeight=120), "spec.waves[0]"),
        (lambda s: s.update(healthPolicy={"abortBelow": 2}), "spec.healthPolicy.abortBelow"),
        (lambda s: s.update(bakeTme="1m"), "spec.bakeTme"),
        (lambda s: s["template"]["spec"].pop("selector"), "spec.template.spec.selector"),
        (
            lambda s: s.update(generators=[{"list": {"elements": [{"cluster": "x", "wave": 0}]}}]),
            "either as waves or as generators",
        ),
        (lambda s: s.pop("waves"), "either as waves or as generators"),
    ],
)
def test_problems_name_the_field(change: Any, expected: str) -> None:
    manifest = fleet_manifest()
    change(manifest["spec"])
    problems = _problems(manifest)
    assert any(expected in p for p in problems), problems


def test_generator_form_problems() -> None:
    manifest = fleet_manifest(form="generators")
    elements = manifest["spec"]["generators"][0]["list"]["elements"]
    elements[1]["wave"] = 3
    elements[0]["canaryWeight"] = "fifty"
    problems = _problems(manifest)
    assert any("generators[0].list.elements[0].canaryWeight" in p for p in problems), problems
    elements[0]["canaryWeight"] = "50"
    problems = _problems(manifest)
    assert problems == [
        "spec.generators: waves are numbered from 0 without gaps; no element is in wave 1"
    ]


def test_cluster_manifest_overrides_weight_and_template_only() -> None:
    fleet = _parsed(fleet_manifest())
    apac = fleet.waves[1].clusters[0]
    manifest = cluster_manifest(fleet, apac)
    steps = manifest["spec"]["strategy"]["canary"]["steps"]
    assert steps[0] == {"setWeight": 10}
    assert steps[1]["analysis"]["templates"] == [{"templateName": "payments-production-analysis"}]
    assert steps[2] == {"setWeight": 60}
    assert manifest["metadata"]["namespace"] == "production"
    assert manifest["metadata"]["annotations"]["rollouts.dev/cluster"] == apac.name
    assert fleet.spec.template["spec"]["strategy"]["canary"]["steps"][0] == {"setWeight": 20}
