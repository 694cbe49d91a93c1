"""Canary setWeight steps (argo-semantics §2.3): replica targets with and without a traffic
router, when the router's weight moves, and how far one reconcile pass goes."""

from __future__ import annotations

from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from rollouts.decide.canary.reconcile import canary_pass
from rollouts.decide.context import Decision
from rollouts.evolve import evolve
from tests.conftest import load_conformance
from tests.support.sim import Sim, istio_canary, rollout_manifest

SPLIT = [
    c
    for c in load_conformance("replica_split_cases.json")["cases"]
    if c["specReplicas"] > 0 and c["maxWeight"] == 100
]


def _updated(replicas: int, canary: dict[str, Any], **sim: Any) -> Sim:
    """Revision 1 deployed and healthy, then revision 2 applied and the platform settled."""
    s = Sim()
    s.deploy(rollout_manifest(replicas=replicas, canary=canary))
    for key, value in sim.items():
        setattr(s, key, value)
    s.deploy(rollout_manifest(replicas=replicas, image="app:2", canary=canary))
    return s


@pytest.mark.parametrize(
    "case",
    SPLIT,
    ids=[f"r{c['specReplicas']}-w{c['desiredWeight']}-surge{c['maxSurge']}" for c in SPLIT],
)
def test_basic_canary_reaches_argo_split(case: dict[str, Any]) -> None:
    """utils/replicaset TestApproximateWeightedNewStableReplicaCounts, through decide."""
    canary = {
        "steps": [{"setWeight": case["desiredWeight"]}, {"pause": {}}],
        "maxSurge": case["maxSurge"],
        "maxUnavailable": 0 if case["maxSurge"] else 1,
    }
    sim = _updated(case["specReplicas"], canary)
    assert (sim.rs(2).desired, sim.rs(1).desired) == (case["expectCanary"], case["expectStable"])
    assert sim.state.current_step_index == 1 and sim.phase == "Paused"


@pytest.mark.parametrize(
    ("replicas", "weight", "canary_pods"),
    [(10, 10, 1), (10, 15, 2), (5, 20, 1), (5, 21, 2), (4, 50, 2), (3, 1, 1), (1, 99, 1)],
)
def test_traffic_routed_canary_gets_ceil_and_stable_stays_full(
    replicas: int, weight: int, canary_pods: int
) -> None:
    """TestRolloutUseDesiredWeight: canary = ceil(replicas x weight), stable untouched."""
    sim = _updated(replicas, istio_canary([{"setWeight": weight}, {"pause": {}}]))
    assert sim.replicas_by_revision() == {1: replicas, 2: canary_pods}
    assert sim.weight == weight and sim.state.traffic.applied_canary == weight
    assert sim.state.current_step_index == 1


def test_weight_moves_only_once_the_pods_for_it_are_ready() -> None:
    """TestRolloutUsePreviousSetWeight: the previous setWeight is kept until pods are ready."""
    steps = [{"setWeight": 10}, {"setWeight": 50}, {"pause": {}}]
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=10, canary=istio_canary(steps)))
    sim.ready = False
    sim.apply(rollout_manifest(replicas=10, image="app:2", canary=istio_canary(steps)))
    sim.platform()
    assert sim.weight == 0, "no canary pod is available yet"
    new = sim.state.current_pod_hash or ""
    sim.observe_rs(new, 1)
    sim.platform()
    assert (sim.weight, sim.state.current_step_index, sim.rs(2).desired) == (10, 1, 5)
    sim.observe_rs(new, 5, available=4)
    sim.platform()
    assert sim.weight == 10, "4 of 5 pods: the previous setWeight holds"
    sim.observe_rs(new, 5)
    sim.platform()
    assert (sim.weight, sim.state.current_step_index) == (50, 2)


def test_set_weight_step_waits_for_the_router_to_report_the_weight() -> None:
    sim = _updated(4, istio_canary([{"setWeight": 25}, {"pause": {}}]), route=False)
    assert sim.weight == 25 and sim.state.traffic.applied_canary == 0
    assert sim.state.current_step_index == 0
    sim.observe_weight(25, verified=False)
    assert sim.state.current_step_index == 0, "TestReconcileTrafficRoutingVerifyWeightFalse"
    sim.observe_weight(25, verified=True)
    assert sim.state.current_step_index == 1
    assert [e.step for e in sim.of(ev.RolloutStepCompleted)] == ["setWeight: 25"]


def test_a_stale_weight_report_does_not_complete_the_step() -> None:
    sim = _updated(4, istio_canary([{"setWeight": 25}, {"pause": {}}]), route=False)
    sim.observe_weight(10)
    assert sim.state.current_step_index == 0


def test_max_traffic_weight_replaces_100() -> None:
    """TestCanaryRolloutWithMaxWeightInTrafficRouting (NGINX canary-weight-total)."""
    canary = istio_canary(
        [{"setWeight": 50}, {"pause": {}}],
        trafficRouting={"maxTrafficWeight": 200, "nginx": {"stableIngress": "ing"}},
    )
    del canary["trafficRouting"]["istio"]
    sim = _updated(4, canary)
    assert sim.rs(2).desired == 1, "50 of 200 is a quarter of the pods"
    requested = sim.of(ev.TrafficWeightRequested)[-1]
    assert (requested.canary_weight, requested.stable_weight) == (50, 150)


def test_after_the_last_step_weight_is_full_then_back_to_zero_on_promotion() -> None:
    sim = _updated(2, istio_canary([{"setWeight": 50}]))
    weights = [e.canary_weight for e in sim.of(ev.TrafficWeightRequested)]
    assert weights[-3:] == [50, 100, 0]
    stable_switch = [e for e in sim.of(ev.ServiceSelectorSwitched) if e.role == "stable"][-1]
    assert stable_switch.pod_template_hash == sim.state.current_pod_hash
    assert sim.phase == "Healthy" and sim.state.fully_promoted


def test_one_step_advance_per_reconcile_pass() -> None:
    """Argo increments currentStepIndex at most once per reconcile."""
    scale = {"setCanaryScale": {"replicas": 1}}
    steps = [scale, scale, scale, {"pause": {}}]
    sim = _updated(3, istio_canary([{"setWeight": 10}, *steps]), route=False)
    assert sim.state.current_step_index == 0
    reported = ev.TrafficWeightApplied(cause="report", at=sim.now, canary_weight=10)
    ctx = Decision(state=evolve(sim.state, reported), now=sim.now, cause="one-pass")
    canary_pass(ctx)
    ctx.end_pass()
    assert [type(e) for e in ctx.events].count(ev.RolloutStepCompleted) == 1
    sim.observe_weight(10)
    assert len(sim.of(ev.RolloutStepCompleted)) == 4 and sim.phase == "Paused"


def test_promotion_waits_until_the_new_replica_set_is_fully_available() -> None:
    sim = _updated(4, istio_canary([{"setWeight": 50}]), ready=False)
    new = sim.state.current_pod_hash or ""
    sim.observe_rs(new, 2)
    sim.platform()
    assert sim.state.current_step_index == 1 and not sim.state.fully_promoted
    assert sim.rs(2).desired == 4
    sim.observe_rs(new, 4, available=3)
    assert not sim.state.fully_promoted
    sim.observe_rs(new, 4)
    assert sim.state.fully_promoted
    assert sim.of(ev.RolloutCompleted)[-1].reason == "Completed all 1 canary steps"


def test_no_steps_behaves_like_a_rolling_update() -> None:
    sim = _updated(4, {})
    assert sim.replicas_by_revision() == {1: 0, 2: 4}
    assert sim.state.current_step_index is None
    assert sim.of(ev.RolloutCompleted)[-1].reason == "Completed all 0 canary steps"


@pytest.mark.parametrize(
    ("max_surge", "max_unavailable"), [(1, 0), (0, 1), (2, 2), ("25%", "25%"), (0, "50%")]
)
def test_basic_canary_honours_max_surge_and_max_unavailable(
    max_surge: int | str, max_unavailable: int | str
) -> None:
    """TestCanaryRolloutScaleDownOldRsDontScaleDownTooMuch, e2e
    TestReduceWeightAndHonorMaxUnavailable: never more than replicas+surge pods asked for and
    never fewer than replicas-maxUnavailable available, one platform report at a time."""
    replicas = 10
    canary = {
        "steps": [{"setWeight": 60}],
        "maxSurge": max_surge,
        "maxUnavailable": max_unavailable,
    }
    surge = _resolve(max_surge, replicas, up=True)
    unavailable = _resolve(max_unavailable, replicas, up=False) or (0 if surge else 1)
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=replicas, canary=canary))
    sim.ready = False
    sim.apply(rollout_manifest(replicas=replicas, image="app:2", canary=canary))
    for _ in range(200):
        rs_sets = sim.state.replica_sets.values()
        assert sum(rs.desired for rs in rs_sets) <= replicas + surge
        assert sum(min(rs.desired, rs.available) for rs in rs_sets) >= replicas - unavailable
        lagging = [rs for rs in rs_sets if rs.replicas != rs.desired or rs.available != rs.desired]
        if not lagging:
            break
        rs = lagging[0]
        sim.observe_rs(rs.pod_template_hash, rs.desired)
    assert sim.state.fully_promoted and sim.replicas_by_revision() == {1: 0, 2: replicas}


def _resolve(value: int | str, total: int, *, up: bool) -> int:
    if isinstance(value, int):
        return value
    percent = int(value.rstrip("%"))
    return -(-total * percent // 100) if up else total * percent // 100


def test_set_image_update_goes_through_the_same_steps() -> None:
    sim = Sim()
    sim.deploy(
        rollout_manifest(replicas=4, canary=istio_canary([{"setWeight": 25}, {"pause": {}}]))
    )
    sim.command(inp.SetImage, container="*", image="app:3")
    sim.platform()
    assert sim.state.revision == 2 and sim.weight == 25 and sim.phase == "Paused"


def test_a_zero_weight_step_needs_no_new_router_report() -> None:
    """Weight 0 sends the canary nothing whichever ReplicaSet is behind it, so a router that
    reports only weight changes does not hold the step up."""
    sim = _updated(4, istio_canary([{"setWeight": 0}, {"pause": {}}]), route=False)
    assert sim.state.traffic.applied_canary == 0 and not sim.state.traffic.confirmed
    assert sim.state.current_step_index == 1 and sim.phase == "Paused"
