"""workloadRef in the core: only resolved manifests are decided, template commands are refused,
and scaleDown (never / onsuccess / progressively) for revision 1 only (argo-semantics §1.1)."""

from __future__ import annotations

from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.phases import RolloutPhase
from rollouts.decide import decide
from rollouts.decide.workload_ref import workload_scale
from rollouts.errors import CommandRejected, InvalidSpec
from rollouts.ports import RolloutRef, WorkloadScale
from rollouts.spec.workload_ref import resolve_manifest
from rollouts.state import initial_state
from tests.support.sim import Sim

REPLICAS = 5


def written(scale_down: str | None) -> dict[str, Any]:
    """A Rollout as a user writes it: no template, no selector, a workloadRef."""
    ref: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    if scale_down is not None:
        ref["scaleDown"] = scale_down
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo"},
        "spec": {
            "replicas": REPLICAS,
            "workloadRef": ref,
            "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}},
        },
    }


def deployment(image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


def resolved(scale_down: str | None, image: str = "web:1") -> dict[str, Any]:
    return resolve_manifest(written(scale_down), deployment(image))


def target(replicas: int) -> WorkloadScale:
    return WorkloadScale(RolloutRef("default", "demo"), "Deployment", "web", replicas)


def test_an_unresolved_manifest_is_refused_naming_the_reference() -> None:
    item = inp.ApplySpec(input_id="i", manifest=written("onsuccess"))
    with pytest.raises(InvalidSpec) as raised:
        decide(initial_state("default", "demo"), item, Sim().now)
    (problem,) = raised.value.problems
    assert problem.startswith("spec.workloadRef: Deployment/web was not resolved")


def test_a_resolved_manifest_rolls_out_the_deployments_template() -> None:
    sim = Sim()
    sim.deploy(resolved("never"))
    (created,) = sim.of(ev.RevisionCreated)
    assert created.template["spec"]["containers"][0]["image"] == "web:1"
    applied = sim.of(ev.SpecApplied)[-1]
    assert applied.manifest["spec"]["workloadRef"]["name"] == "web"
    assert sim.state.phase is RolloutPhase.HEALTHY


def test_a_new_deployment_template_is_a_new_revision() -> None:
    sim = Sim()
    sim.deploy(resolved("never"))
    sim.apply(resolved("never", image="web:2"))
    assert [e.revision for e in sim.of(ev.RevisionCreated)] == [1, 2]
    assert sim.state.new_rs is not None and sim.state.new_rs.revision == 2


def test_the_same_resolution_again_changes_nothing() -> None:
    sim = Sim()
    sim.deploy(resolved("never"))
    assert sim.apply(resolved("never")) == []


@pytest.mark.parametrize("command", ["set image", "undo"])
def test_template_commands_are_refused(command: str) -> None:
    sim = Sim()
    sim.deploy(resolved("never"))
    with pytest.raises(CommandRejected, match="change the Deployment instead"):
        if command == "set image":
            sim.command(inp.SetImage, container="web", image="web:9")
        else:
            sim.command(inp.Undo)


@pytest.mark.parametrize("scale_down", [None, "never"])
def test_never_leaves_the_deployment_alone(scale_down: str | None) -> None:
    sim = Sim()
    sim.apply(resolved(scale_down))
    assert workload_scale(sim.state) is None
    sim.platform()
    assert sim.state.phase is RolloutPhase.HEALTHY and workload_scale(sim.state) is None


def test_onsuccess_scales_to_zero_once_healthy() -> None:
    sim = Sim()
    sim.apply(resolved("onsuccess"))
    pod_hash = sim.state.current_pod_hash
    assert pod_hash is not None
    sim.observe_rs(pod_hash, REPLICAS, available=REPLICAS - 1)
    assert sim.state.phase is not RolloutPhase.HEALTHY
    assert workload_scale(sim.state) is None
    sim.platform()
    assert sim.state.phase is RolloutPhase.HEALTHY
    assert workload_scale(sim.state) == target(0)


def test_progressively_hands_over_as_pods_become_available() -> None:
    sim = Sim()
    sim.apply(resolved("progressively"))
    pod_hash = sim.state.current_pod_hash
    assert pod_hash is not None
    assert workload_scale(sim.state) is None  # nothing runs in the Rollout yet
    seen = []
    for available in (1, 3, REPLICAS):
        sim.observe_rs(pod_hash, REPLICAS, available=available)
        found = workload_scale(sim.state)
        seen.append(found.replicas if found else None)
    assert seen == [4, 2, 0]


def test_progressively_scales_back_up_when_the_rollout_scales_down() -> None:
    sim = Sim()
    sim.apply(resolved("progressively"))
    pod_hash = sim.state.current_pod_hash
    assert pod_hash is not None
    sim.observe_rs(pod_hash, REPLICAS, available=0)
    assert sim.state.new_rs is not None and sim.state.new_rs.desired == REPLICAS
    sim.observe_rs(pod_hash, REPLICAS + 2, available=0)  # more pods than wanted: scaling down
    assert workload_scale(sim.state) == target(REPLICAS)


@pytest.mark.parametrize("scale_down", ["onsuccess", "progressively"])
def test_scale_down_is_for_revision_one_only(scale_down: str) -> None:
    sim = Sim()
    sim.deploy(resolved(scale_down))
    assert workload_scale(sim.state) == target(0)
    sim.deploy(resolved(scale_down, image="web:2"))
    sim.command(inp.Promote, full=True)
    sim.platform()
    assert sim.state.new_rs is not None and sim.state.new_rs.revision == 2
    assert sim.state.phase is RolloutPhase.HEALTHY
    assert workload_scale(sim.state) is None
