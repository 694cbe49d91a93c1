"""When old canary ReplicaSets go away: scaleDownDelaySeconds after promotion,
abortScaleDownDelaySeconds after an abort, revisionHistoryLimit, and an update interrupted by
another (argo-semantics §1.2, §2.6, §6.6; §8.1 items 8 and 15)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from rollouts.timers import next_wakeup
from tests.support.sim import Sim, istio_canary, rollout_manifest

STEPS = [{"setWeight": 50}, {"pause": {}}]


def _sim(canary: dict[str, Any], replicas: int = 2, **spec: Any) -> Sim:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=replicas, canary=canary, **spec))
    return sim


def _update(sim: Sim, image: str, canary: dict[str, Any], replicas: int = 2, **spec: Any) -> None:
    sim.deploy(rollout_manifest(replicas=replicas, image=image, canary=canary, **spec))


@pytest.mark.parametrize(("delay", "expected"), [(None, 30), (5, 5), (0, 0)])
def test_old_stable_waits_for_scale_down_delay(delay: int | None, expected: int) -> None:
    """TestCanaryWithTrafficRoutingAddScaleDownDelay: annotate, keep, scale down at deadline."""
    extra = {} if delay is None else {"scaleDownDelaySeconds": delay}
    canary = istio_canary(STEPS, **extra)
    sim = _sim(canary)
    _update(sim, "app:2", canary)
    sim.command(inp.Promote)
    sim.platform()
    promoted_at = sim.now
    assert sim.state.fully_promoted
    if expected:
        assert sim.rs(1).desired == 2
        assert sim.rs(1).scale_down_deadline == promoted_at + timedelta(seconds=expected)
        assert next_wakeup(sim.state) == promoted_at + timedelta(seconds=expected)
        sim.advance(expected - 1)
        assert sim.rs(1).desired == 2
    sim.run_timers()
    assert sim.rs(1).desired == 0 and next_wakeup(sim.state) is None
    if expected:
        assert sim.of(ev.ReplicaSetScaleRequested)[-1].at == promoted_at + timedelta(
            seconds=expected
        )


def test_basic_canary_scales_the_old_stable_down_by_replica_maths() -> None:
    canary = {"steps": STEPS}
    sim = _sim(canary, replicas=4)
    _update(sim, "app:2", canary, replicas=4)
    sim.command(inp.Promote)
    sim.platform()
    assert sim.replicas_by_revision() == {1: 0, 2: 4} and not sim.of(ev.ScaleDownDeadlineSet)


def test_scale_down_delay_revision_limit_scales_extra_old_sets_at_once() -> None:
    """TestCanaryWithTrafficRoutingScaleDownLimit."""
    canary = istio_canary(
        [{"setWeight": 50}], scaleDownDelaySeconds=600, scaleDownDelayRevisionLimit=1
    )
    sim = _sim(canary)
    _update(sim, "app:2", canary)
    _update(sim, "app:3", canary)
    assert sim.replicas_by_revision() == {1: 0, 2: 2, 3: 2}
    assert sim.rs(2).scale_down_deadline is not None


def _aborted(canary: dict[str, Any]) -> Sim:
    sim = _sim(canary)
    _update(sim, "app:2", canary)
    sim.command(inp.Abort)
    sim.platform()
    return sim


@pytest.mark.parametrize(("delay", "expected"), [(None, 30), (7, 7)])
def test_aborted_canary_waits_for_abort_scale_down_delay(delay: int | None, expected: int) -> None:
    """TestCanaryScaleDownOnAbort: default 30 s with a router."""
    extra = {} if delay is None else {"abortScaleDownDelaySeconds": delay}
    sim = _aborted(istio_canary(STEPS, **extra))
    aborted_at = sim.now
    assert sim.rs(2).desired == 1 and sim.weight == 0
    assert next_wakeup(sim.state) == aborted_at + timedelta(seconds=expected)
    sim.run_timers()
    assert sim.rs(2).desired == 0
    assert sim.of(ev.ReplicaSetScaleRequested)[-1].at == aborted_at + timedelta(seconds=expected)


def test_abort_scale_down_delay_zero_keeps_a_scaled_canary() -> None:
    """e2e TestCanaryUnScaleDownOnAbort (functional/canary-unscaledownonabort.yaml): with 0 the
    canary keeps its setCanaryScale pods (UseSetCanaryScale ignores the abort)."""
    steps = [{"setCanaryScale": {"replicas": 1}}, {"pause": {}}]
    sim = _aborted(istio_canary(steps, abortScaleDownDelaySeconds=0))
    sim.run_timers()
    assert sim.rs(2).desired == 1 and next_wakeup(sim.state) is None and sim.weight == 0


def test_abort_scale_down_delay_zero_without_canary_scale_follows_the_weight() -> None:
    """Argo's code, not its docs: shouldDelayScaleDownOnAbort is false for 0, so the canary
    gets NewRSNewReplicas, i.e. the pods for weight 0 (CalculateReplicaCountsForTraffic-
    RoutedCanary): it goes at once, with no deadline."""
    sim = _aborted(istio_canary(STEPS, abortScaleDownDelaySeconds=0))
    assert sim.rs(2).desired == 0 and not sim.of(ev.ScaleDownDeadlineSet)


def test_basic_canary_ignores_abort_scale_down_delay() -> None:
    """TestCanaryScaleDownOnAbortNoTrafficRouting: rolling scale back at once."""
    sim = _aborted({"steps": STEPS})
    assert sim.replicas_by_revision() == {1: 2, 2: 0}
    assert not sim.of(ev.ScaleDownDeadlineSet)


def test_abort_delay_starts_only_once_stable_is_fully_available() -> None:
    """§6.6 item 5: the canary goes only once the stable RS can carry everything."""
    canary = istio_canary(STEPS, abortScaleDownDelaySeconds=10)
    sim = _sim(canary)
    _update(sim, "app:2", canary)
    stable = sim.state.stable_rs or ""
    sim.ready = False
    sim.observe_rs(stable, 2, available=1)
    sim.command(inp.Abort)
    assert sim.rs(2).scale_down_deadline is None
    sim.advance(60)
    assert sim.rs(2).desired == 1
    sim.observe_rs(stable, 2)
    assert sim.rs(2).scale_down_deadline == sim.now + timedelta(seconds=10)


def test_retry_removes_the_abort_deadline() -> None:
    sim = _aborted(istio_canary(STEPS))
    assert sim.rs(2).scale_down_deadline is not None
    sim.command(inp.Retry)
    assert sim.rs(2).scale_down_deadline is None and sim.of(ev.ScaleDownDeadlineRemoved)


def test_revision_history_limit_deletes_the_oldest_scaled_down_sets() -> None:
    """TestReconcileRevisionHistoryLimit."""
    canary: dict[str, Any] = {}
    sim = _sim(canary, revisionHistoryLimit=1)
    for n in range(2, 5):
        _update(sim, f"app:{n}", canary, revisionHistoryLimit=1)
    deleted = [e.revision for e in sim.of(ev.ReplicaSetDeletionRequested)]
    assert deleted == [1, 2]
    assert sorted(sim.replicas_by_revision()) == [3, 4]


def test_history_limit_keeps_sets_that_still_have_pods() -> None:
    canary = istio_canary([{"setWeight": 50}], scaleDownDelaySeconds=600)
    sim = _sim(canary, revisionHistoryLimit=0)
    _update(sim, "app:2", canary, revisionHistoryLimit=0)
    assert sim.rs(1).desired == 2 and not sim.of(ev.ReplicaSetDeletionRequested)
    sim.run_timers(limit=700)
    assert [e.revision for e in sim.of(ev.ReplicaSetDeletionRequested)] == [1]


def test_interrupted_update_scales_the_intermediate_set_down() -> None:
    """TestCanaryScaleDownOldRsDuringInterruptedUpdate (traffic routing): V2 gets no traffic
    once V3 is desired, so it is scaled to 0 at once; V1 stays stable."""
    canary = istio_canary(STEPS)
    sim = _sim(canary, replicas=4)
    _update(sim, "app:2", canary, replicas=4)
    assert sim.replicas_by_revision() == {1: 4, 2: 2}
    _update(sim, "app:3", canary, replicas=4)
    assert sim.replicas_by_revision() == {1: 4, 2: 0, 3: 2}
    assert sim.state.stable == sim.rs(1) and sim.state.current_step_index == 1
    assert sim.weight == 50 and sim.state.traffic.canary_hash == sim.rs(3).pod_template_hash


def test_interrupted_update_keeps_a_set_the_router_still_points_at() -> None:
    """TestCanaryDontScaleDownOldRsDuringInterruptedUpdate: isReplicaSetReferenced. While V3
    has no pod the canary service still selects V2; once it moved, V2 stays until the router
    confirmed that its 50% went elsewhere."""
    canary = istio_canary(STEPS)
    sim = _sim(canary, replicas=4)
    _update(sim, "app:2", canary, replicas=4)
    v2 = sim.rs(2).pod_template_hash
    sim.ready, sim.route = False, False
    sim.apply(rollout_manifest(replicas=4, image="app:3", canary=canary))
    assert sim.rs(2).desired == 2 and sim.state.selectors["canary"] == v2
    sim.ready = True
    sim.platform()
    assert sim.state.selectors["canary"] == sim.rs(3).pod_template_hash
    assert sim.state.traffic.applied_canary_hash == v2 and sim.rs(2).desired == 2
    sim.route = True
    sim.platform()
    assert sim.rs(2).desired == 0 and sim.weight == 50


def test_interrupted_basic_canary_drains_the_intermediate_set_first() -> None:
    canary = {"steps": STEPS, "maxSurge": 1, "maxUnavailable": 0}
    sim = _sim(canary, replicas=4)
    _update(sim, "app:2", canary, replicas=4)
    _update(sim, "app:3", canary, replicas=4)
    assert sim.replicas_by_revision() == {1: 2, 2: 0, 3: 2}
