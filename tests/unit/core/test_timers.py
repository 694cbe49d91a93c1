"""next_wakeup offers a wake-up only when a tick then would decide something, so a worker that
already fired one is never left holding a stale, earlier time that hides the next one."""

from __future__ import annotations

from datetime import timedelta

import events.inputs as inp
import events.models as ev
from rollouts.timers import next_wakeup
from tests.support.sim import Sim, istio_canary, rollout_manifest

STEPS = [{"setWeight": 50}, {"pause": {"duration": 60}}, {"pause": {}}]


def _paused_at_timed_step() -> Sim:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=istio_canary(STEPS)))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=istio_canary(STEPS)))
    return sim


def test_nothing_due_without_a_timed_rule() -> None:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2))
    assert next_wakeup(sim.state) is None
    assert next_wakeup(Sim().state) is None


def test_a_users_pause_suspends_the_pause_step_timer() -> None:
    sim = _paused_at_timed_step()
    due = sim.now + timedelta(seconds=60)
    assert next_wakeup(sim.state) == due
    sim.command(inp.Pause)
    assert next_wakeup(sim.state) is None
    sim.command(inp.Resume)
    assert next_wakeup(sim.state) is None, "resume lifted the pause step itself"
    assert sim.state.current_step_index == 2


def test_the_earliest_actionable_time_wins() -> None:
    """An old stable waiting for its scale-down delay and a timed pause of the next update."""
    steps = [{"setWeight": 50}, {"pause": {"duration": 100}}]
    canary = istio_canary(steps, scaleDownDelaySeconds=30)
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=canary))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=canary))
    sim.run_timers(limit=100)
    assert sim.state.fully_promoted and sim.rs(1).scale_down_deadline is not None
    start = sim.now
    sim.deploy(rollout_manifest(replicas=2, image="app:3", canary=canary))
    assert next_wakeup(sim.state) == start + timedelta(seconds=30)
    sim.run_timers(limit=31)
    assert sim.rs(1).desired == 0
    assert next_wakeup(sim.state) == start + timedelta(seconds=100)


def test_a_deadline_blocked_by_the_availability_budget_is_not_offered() -> None:
    """Argo scaleDownOldReplicaSetsForCanary: no scale-down when it would leave fewer than
    replicas - maxUnavailable available pods; the next availability report resumes it."""
    canary = istio_canary([{"setWeight": 50}], scaleDownDelaySeconds=30, maxUnavailable=0)
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=canary))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=canary))
    new = sim.state.current_pod_hash or ""
    sim.observe_rs(new, 2, available=0)
    assert next_wakeup(sim.state) is None
    sim.advance(60)
    assert sim.rs(1).desired == 2
    sim.observe_rs(new, 2)
    assert sim.rs(1).desired == 0


def test_unhealthy_pods_of_old_sets_go_at_once() -> None:
    """Argo cleanupUnhealthyReplicas: whatever the delay, pods that are not available go."""
    canary = istio_canary([{"setWeight": 50}], scaleDownDelaySeconds=600)
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=3, canary=canary))
    sim.deploy(rollout_manifest(replicas=3, image="app:2", canary=canary))
    old = sim.rs(1).pod_template_hash
    sim.observe_rs(old, 3, available=1)
    requested = sim.of(ev.ReplicaSetScaleRequested)[-1]
    assert (requested.pod_template_hash, requested.to_replicas) == (old, 1)
    assert sim.rs(1).scale_down_deadline is not None
