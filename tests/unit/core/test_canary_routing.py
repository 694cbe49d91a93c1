"""Traffic-routed canary extras: setCanaryScale, managed header/mirror routes and
dynamicStableScale (argo-semantics §1.2 step shapes, §6, §6.6)."""

from __future__ import annotations

from typing import Any

import events.inputs as inp
import events.models as ev
from tests.support.sim import Sim, istio_canary, rollout_manifest

HEADER = {"name": "beta", "match": [{"headerName": "x-beta", "headerValue": {"exact": "1"}}]}
MIRROR = {"name": "shadow", "match": [{"method": {"exact": "GET"}}], "percentage": 50}
ROUTES = {"managedRoutes": [{"name": "beta"}, {"name": "shadow"}]}


def _updated(replicas: int, canary: dict[str, Any]) -> Sim:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=replicas, canary=canary))
    sim.deploy(rollout_manifest(replicas=replicas, image="app:2", canary=canary))
    return sim


def _promote_to_pause(sim: Sim) -> None:
    sim.command(inp.Promote)
    sim.platform()


def test_set_canary_scale_sets_pods_apart_from_the_weight_and_persists() -> None:
    """UseSetCanaryScale: replicas, then weight, both persisting until matchTrafficWeight."""
    steps = [
        {"setCanaryScale": {"replicas": 3}},
        {"setWeight": 10},
        {"pause": {}},
        {"setCanaryScale": {"weight": 50}},
        {"pause": {}},
        {"setCanaryScale": {"matchTrafficWeight": True}},
        {"pause": {}},
    ]
    sim = _updated(10, istio_canary(steps))
    assert (sim.rs(2).desired, sim.weight, sim.state.current_step_index) == (3, 10, 2)
    assert sim.rs(1).desired == 10, "stable stays at full size under a router"
    _promote_to_pause(sim)
    assert (sim.rs(2).desired, sim.weight, sim.state.current_step_index) == (5, 10, 4)
    _promote_to_pause(sim)
    assert (sim.rs(2).desired, sim.weight, sim.state.current_step_index) == (1, 10, 6)


def test_set_canary_scale_is_dropped_on_abort_unless_the_canary_is_kept() -> None:
    """UseSetCanaryScale: an abort ignores it, except with abortScaleDownDelaySeconds: 0."""
    steps = [{"setCanaryScale": {"replicas": 2}}, {"pause": {}}]
    sim = _updated(4, istio_canary(steps, abortScaleDownDelaySeconds=0))
    sim.command(inp.Abort)
    sim.platform()
    sim.run_timers()
    assert sim.rs(2).desired == 2 and sim.weight == 0
    dropped = _updated(4, istio_canary(steps, abortScaleDownDelaySeconds=5))
    dropped.command(inp.Abort)
    dropped.platform()
    dropped.run_timers()
    assert dropped.rs(2).desired == 0


def _route_events(sim: Sim) -> list[tuple[str, str, bool]]:
    return [(e.kind, e.name, e.route is not None) for e in sim.of(ev.ManagedRouteSet)]


def test_header_and_mirror_routes_are_set_by_their_steps() -> None:
    steps = [
        {"setWeight": 20},
        {"setHeaderRoute": HEADER},
        {"setMirrorRoute": MIRROR},
        {"pause": {}},
    ]
    sim = _updated(4, istio_canary(steps, trafficRouting=ROUTES))
    assert _route_events(sim) == [("header", "beta", True), ("mirror", "shadow", True)]
    assert sim.state.managed_routes == ("beta", "shadow")
    header = sim.of(ev.ManagedRouteSet)[0].route
    assert header is not None and header["match"][0]["headerName"] == "x-beta"
    assert sim.state.current_step_index == 3, "route steps complete at once"


def test_a_route_step_without_match_removes_the_route() -> None:
    steps = [
        {"setWeight": 20},
        {"setHeaderRoute": HEADER},
        {"pause": {}},
        {"setHeaderRoute": {"name": "beta"}},
        {"pause": {}},
    ]
    sim = _updated(4, istio_canary(steps, trafficRouting=ROUTES))
    _promote_to_pause(sim)
    assert _route_events(sim) == [("header", "beta", True), ("header", "beta", False)]
    assert sim.state.managed_routes == ()


def test_routes_are_not_set_on_the_first_revision() -> None:
    """trafficrouting.go: header/mirror routes only for revision > 1."""
    steps = [{"setHeaderRoute": HEADER}, {"pause": {}}]
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=istio_canary(steps, trafficRouting=ROUTES)))
    assert sim.of(ev.ManagedRouteSet) == []


def test_routes_are_removed_on_promotion() -> None:
    steps = [{"setWeight": 20}, {"setHeaderRoute": HEADER}, {"pause": {}}]
    sim = _updated(4, istio_canary(steps, trafficRouting=ROUTES))
    _promote_to_pause(sim)
    assert sim.state.fully_promoted and sim.state.managed_routes == ()
    assert [e.reason for e in sim.of(ev.ManagedRoutesRemoved)] == [
        "canary is not receiving traffic"
    ]


def test_routes_are_removed_on_abort() -> None:
    steps = [{"setWeight": 20}, {"setMirrorRoute": MIRROR}, {"pause": {}}]
    sim = _updated(4, istio_canary(steps, trafficRouting=ROUTES))
    sim.command(inp.Abort)
    assert sim.state.managed_routes == () and sim.weight == 0


DYNAMIC = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]


def test_dynamic_stable_scale_shrinks_stable_as_the_weight_grows() -> None:
    sim = _updated(4, istio_canary(DYNAMIC, dynamicStableScale=True))
    assert sim.replicas_by_revision() == {1: 3, 2: 1} and sim.weight == 25
    _promote_to_pause(sim)
    assert sim.replicas_by_revision() == {1: 1, 2: 3} and sim.weight == 75
    _promote_to_pause(sim)
    assert sim.replicas_by_revision() == {1: 0, 2: 4}, "no scale-down delay with dynamic scaling"
    assert not sim.of(ev.ScaleDownDeadlineSet)


def test_dynamic_stable_scale_shrinks_stable_only_after_the_weight_moved() -> None:
    """CalculateReplicaCountsForTrafficRoutedCanary: stable never below its applied share."""
    sim = _updated(4, istio_canary(DYNAMIC, dynamicStableScale=True))
    sim.route = False
    sim.command(inp.Promote)
    sim.platform()
    assert sim.weight == 75 and sim.state.traffic.applied_canary == 25
    assert sim.rs(1).desired == 3
    sim.route = True
    sim.platform()
    assert sim.rs(1).desired == 1


def test_dynamic_abort_walks_the_weight_back_through_the_steps() -> None:
    """TestDynamicScalingDecreaseWeightAccordingToStableAvailabilityWhenAborted: stable grows
    first, the weight follows what stable can take, then the canary shrinks."""
    sim = _updated(4, istio_canary(DYNAMIC, dynamicStableScale=True))
    _promote_to_pause(sim)
    sim.command(inp.Abort)
    sim.platform()
    weights = [e.canary_weight for e in sim.of(ev.TrafficWeightRequested)]
    assert weights[-3:] == [75, 25, 0]
    assert sim.replicas_by_revision() == {1: 4, 2: 0}
    canary_switches = [e for e in sim.of(ev.ServiceSelectorSwitched) if e.role == "canary"]
    assert canary_switches[-1].pod_template_hash == sim.state.stable_rs


def test_dynamic_abort_never_raises_the_weight() -> None:
    """TestDynamicScalingDontIncreaseWeightWhenAborted."""
    sim = _updated(4, istio_canary(DYNAMIC, dynamicStableScale=True))
    _promote_to_pause(sim)
    sim.ready = False
    sim.command(inp.Abort)
    sim.platform()
    stable = sim.state.stable_rs or ""
    for available in (1, 0, 2, 1, 3, 4):
        sim.observe_rs(stable, max(available, sim.rs(1).replicas), available=available)
        assert sim.weight is not None and sim.weight <= 75
    weights = [e.canary_weight for e in sim.of(ev.TrafficWeightRequested)]
    after_abort = weights[weights.index(75) :]
    assert after_abort == sorted(after_abort, reverse=True)


def test_rollback_to_stable_under_dynamic_scale_keeps_traffic_until_stable_is_ready() -> None:
    """IsDynamicallyRollingBackToStable (argo-rollouts#3020)."""
    sim = _updated(4, istio_canary(DYNAMIC, dynamicStableScale=True))
    _promote_to_pause(sim)
    canary_hash = sim.state.current_pod_hash
    sim.ready = False
    sim.command(inp.Undo)
    assert sim.state.fully_promoted and sim.rs(3).desired == 4
    assert sim.weight == 75 and sim.state.traffic.canary_hash == canary_hash
    sim.ready = True
    sim.platform()
    assert sim.weight == 0 and sim.state.traffic.canary_hash == sim.state.stable_rs
    assert sim.replicas_by_revision() == {3: 4, 2: 0}
