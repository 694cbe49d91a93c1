"""Restarting pods (`spec.restartAt`, `rollouts restart`): what the pure core decides.

Argo's behaviour (argo-semantics §2.5): pods created before restartAt are evicted, at most
maxUnavailable (min 1) at a time, stable ReplicaSet first, then the new one, then the others
oldest first; then status.restartedAt := restartAt. No new revision; works mid-update; a new
pod template cancels it; a time to come waits; phase Progressing `rollout is restarting`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.base import Event
from events.restart import PodEvictionsObserved, RestartPod, RestartPodsObserved
from rollouts.decide import decide
from rollouts.errors import CommandRejected, UnknownRollout
from rollouts.phase import compute_phase
from rollouts.timers import next_wakeup
from tests.support.sim import T0, Sim, rollout_manifest
from tests.unit.restart.pods import PodWorld


def deployed(replicas: int = 4, **spec: Any) -> tuple[Sim, PodWorld]:
    """A Healthy rollout whose pods were all created at T0, then the pod world takes over."""
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=replicas, **spec))
    world = PodWorld(sim)
    world.sync()
    for pod in world.pods.values():
        pod.ready_at = T0
    sim.ready = False
    sim.now = T0 + timedelta(minutes=10)
    return sim, world


def restart(sim: Sim, after: float = 0) -> list[Event]:
    return sim.command(inp.Restart, restart_at=sim.now + timedelta(seconds=after))


def test_restart_sets_restart_at_without_a_new_revision_and_the_rollout_is_restarting() -> None:
    sim, _ = deployed()
    decided = restart(sim)
    kinds = [type(e).__name__ for e in decided]
    assert kinds[:2] == ["CommandAccepted", "SpecApplied"]
    assert "RevisionCreated" not in kinds and "UpdateReset" not in kinds
    assert sim.state.spec is not None and sim.state.spec.spec.restart_at == sim.now
    assert (sim.phase, sim.state.message) == ("Progressing", "rollout is restarting")
    assert sim.state.revision == 1
    assert [type(e) for e in decided if isinstance(e, ev.RestartPodsCheckRequested)]


def test_every_old_pod_is_restarted_one_at_a_time_and_restarted_at_is_recorded() -> None:
    sim, world = deployed(replicas=4)  # maxUnavailable 25% of 4 = 1
    world.floor = 3
    restart(sim)
    at = sim.now
    world.run()
    assert world.old_pods(at) == []
    assert [len(b) for b in world.batches] == [1, 1, 1, 1]
    assert sim.state.restarted_at == at and sim.state.restart is None
    done = sim.of(ev.RolloutRestarted)
    assert len(done) == 1 and not done[0].cancelled
    assert len(sim.of(ev.RevisionCreated)) == 1 and sim.state.revision == 1
    world.settle()
    sim.advance(10)
    world.settle()
    assert sim.phase == "Healthy"


@pytest.mark.parametrize(
    ("replicas", "canary", "batch"),
    [
        (10, {"maxUnavailable": 3}, 3),
        (10, {"maxUnavailable": "50%"}, 5),
        (4, {"maxUnavailable": 0, "maxSurge": 1}, 1),  # 0: still one at a time (min 1)
        (3, {}, 1),  # 25% of 3 rounds down to 0: one at a time
    ],
)
def test_batches_are_at_most_max_unavailable_and_at_least_one(
    replicas: int, canary: dict[str, Any], batch: int
) -> None:
    sim, world = deployed(replicas=replicas, canary=canary)
    world.floor = replicas - batch
    restart(sim)
    at = sim.now
    world.run()
    assert world.old_pods(at) == []
    assert max(len(b) for b in world.batches) == batch
    assert sim.state.restarted_at == at


def test_blue_green_uses_its_own_max_unavailable() -> None:
    bg = {"activeService": "active", "maxUnavailable": 2, "autoPromotionEnabled": True}
    sim, world = deployed(replicas=4, blue_green=bg)
    world.floor = 2
    restart(sim)
    world.run()
    assert max(len(b) for b in world.batches) == 2
    assert sim.state.restarted_at is not None


def test_a_restart_in_the_future_waits_for_its_time_on_a_timer() -> None:
    sim, world = deployed()
    decided = restart(sim, after=600)
    at = sim.now + timedelta(seconds=600)
    assert not [e for e in decided if isinstance(e, ev.RestartPodsCheckRequested)]
    assert (sim.phase, sim.state.message) == ("Progressing", "rollout is restarting")
    assert next_wakeup(sim.state) == at
    sim.advance(599)
    assert sim.of(ev.RestartPodsCheckRequested) == []
    sim.now = at
    sim.send(inp.Tick(input_id="tick-at"))
    assert len(sim.of(ev.RestartPodsCheckRequested)) == 1
    world.run()
    assert sim.state.restarted_at == at


def test_a_long_wait_for_a_restart_never_exceeds_the_progress_deadline() -> None:
    sim, _ = deployed(progressDeadlineSeconds=60)
    restart(sim, after=3600)
    sim.advance(1800)
    assert sim.of(ev.ProgressDeadlineExceeded) == []
    assert sim.phase == "Progressing"


def test_restart_during_an_update_goes_stable_first_then_new_and_keeps_the_step() -> None:
    canary = {"steps": [{"setWeight": 50}, {"pause": {}}]}
    sim, world = deployed(replicas=4, canary=canary)
    sim.ready = True
    sim.deploy(rollout_manifest(replicas=4, image="nginx:2", canary=canary))
    sim.ready = False
    world.sync()
    for pod in world.pods.values():
        pod.ready_at = sim.now
    sim.now += timedelta(minutes=1)
    stable, new = sim.state.stable_rs, sim.state.current_pod_hash
    assert stable != new and sim.state.current_step_index == 1
    restart(sim)
    world.run()
    order = [name.rsplit("-", 1)[0] for batch in world.batches for name in batch]
    assert order == [stable, stable, new, new]
    assert sim.state.current_step_index == 1 and sim.state.revision == 2
    assert sim.phase == "Paused"  # the pause step's pause outranks the restart, as in Argo
    assert sim.state.restarted_at is not None


def test_a_new_pod_template_during_a_restart_cancels_it() -> None:
    sim, world = deployed(replicas=4)
    restart(sim)
    at = sim.now
    world.settle()
    assert len(world.batches) == 1
    sim.ready = True
    decided = sim.apply(rollout_manifest(replicas=4, image="nginx:2", restartAt=_text(at)))
    cancelled = [e for e in decided if isinstance(e, ev.RolloutRestarted)]
    assert len(cancelled) == 1 and cancelled[0].cancelled
    assert "revision 2" in cancelled[0].reason
    assert sim.state.restarted_at == at
    mark = sim.mark()
    sim.advance(120)
    assert sim.since(mark, ev.RestartPodsCheckRequested) == []
    view = compute_phase(sim.state)
    assert view is not None and view.message != "rollout is restarting"


def test_a_restart_applied_with_a_new_template_is_cancelled_at_once() -> None:
    sim, _ = deployed()
    decided = sim.apply(rollout_manifest(replicas=4, image="nginx:2", restartAt=_text(sim.now)))
    assert [e.cancelled for e in decided if isinstance(e, ev.RolloutRestarted)] == [True]
    assert not [e for e in decided if isinstance(e, ev.RestartPodsCheckRequested)]


def test_an_eviction_a_disruption_budget_refuses_is_retried_at_the_next_check() -> None:
    sim, world = deployed(replicas=2)
    world.refuse = 1
    restart(sim)
    at = sim.now
    world.settle()
    refused = sim.of(ev.PodsEvicted)
    assert len(refused) == 1 and refused[0].refused and not refused[0].evicted
    assert "disruption budget" in refused[0].message
    assert sim.state.pending_restart == at
    assert next_wakeup(sim.state) == sim.of(ev.RestartPodsCheckRequested)[-1].at + timedelta(
        seconds=30
    )
    world.run()
    assert world.old_pods(at) == [] and sim.state.restarted_at == at


def test_an_answer_to_an_older_check_is_ignored() -> None:
    sim, world = deployed(replicas=4)
    restart(sim)
    first = sim.of(ev.RestartPodsCheckRequested)[0]
    stale = world.observation(first)
    sim.advance(31)  # the 30 s check comes due before any answer
    assert len(sim.of(ev.RestartPodsCheckRequested)) == 2
    assert sim.send(stale) == []


def test_zero_replicas_restart_at_once() -> None:
    sim, world = deployed(replicas=0)
    restart(sim)
    world.settle()
    assert sim.state.restarted_at is not None and world.batches == []


def test_a_restart_at_before_the_last_one_finds_nothing_to_evict() -> None:
    sim, world = deployed(replicas=2)
    restart(sim)
    world.run()
    sim.advance(60)
    world.settle()
    earlier = T0 + timedelta(minutes=5)
    sim.command(inp.Restart, restart_at=earlier)
    world.settle()
    assert sim.state.restarted_at == earlier and len(world.batches) == 2


def test_restart_refusals_append_nothing() -> None:
    sim, _ = deployed()
    with pytest.raises(CommandRejected, match="time zone"):
        decide(sim.state, inp.Restart(input_id="x", restart_at=T0.replace(tzinfo=None)), sim.now)
    restart(sim)
    with pytest.raises(CommandRejected, match="already restarts at"):
        decide(sim.state, inp.Restart(input_id="y", restart_at=sim.now), sim.now)
    with pytest.raises(UnknownRollout, match="not found"):
        fresh = Sim()
        decide(fresh.state, inp.Restart(input_id="z", restart_at=T0), T0)


def test_a_redelivered_answer_decides_nothing_twice() -> None:
    sim, _ = deployed(replicas=4)
    restart(sim)
    check = sim.of(ev.RestartPodsCheckRequested)[0]
    pods = [
        RestartPod(name=f"p{i}", pod_template_hash=check.replica_sets[0], created_at=T0,
                   available=True)
        for i in range(4)
    ]  # fmt: skip
    answer = RestartPodsObserved(
        input_id="a", restart_at=check.restart_at, round=check.round, pods=pods
    )
    first = sim.send(answer)
    assert [type(e) for e in first] == [ev.PodEvictionRequested]
    assert sim.send(answer) == []
    report = PodEvictionsObserved(
        input_id="b", restart_at=check.restart_at, round=check.round, evicted=["p0"]
    )
    assert [type(e) for e in sim.send(report)] == [ev.PodsEvicted]
    assert sim.state.restart is not None and sim.state.restart.evicted == 1


def _text(at: Any) -> str:
    return str(at.strftime("%Y-%m-%dT%H:%M:%SZ"))
