"""The fleet coordinator's decisions: waves in order, bake time, gates, global abort."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import pytest

from events import fleet as ev
from events.phases import RolloutPhase
from rollouts.errors import CommandRejected, InvalidSpec
from tests.unit.fleet.fleetdata import fleet_manifest
from tests.unit.fleet.fleetsim import Sim

_E = TypeVar("_E")

STAGING, APAC, US, EU = (
    "staging-us-east-1",
    "prod-ap-southeast-1",
    "prod-us-east-1",
    "prod-eu-west-1",
)


def _of(events: Sequence[object], kind: type[_E]) -> list[_E]:
    return [e for e in events if isinstance(e, kind)]


def test_apply_starts_wave_zero_only() -> None:
    sim = Sim()
    events = sim.apply(fleet_manifest())
    assert sim.updates(events) == [STAGING]
    assert sim.state.phase == "Progressing" and sim.state.wave == 0
    assert [(e.previous, e.phase) for e in _of(events, ev.FleetPhaseChanged)] == [
        (None, "Pending"),
        ("Pending", "Progressing"),
    ]


def test_waves_follow_in_order_and_wave_two_waits_for_apac() -> None:
    sim = Sim()
    sim.apply(fleet_manifest())
    assert sim.updates(sim.canary(STAGING, 50)) == []
    assert sim.updates(sim.healthy(STAGING)) == [APAC]
    assert sim.updates(sim.canary(APAC, 10)) == []
    assert sim.updates(sim.tick(600)) == []
    assert sim.updates(sim.healthy(APAC)) == [US, EU]
    sim.healthy(US)
    assert sim.state.phase == "Progressing"
    events = sim.healthy(EU)
    assert _of(events, ev.FleetCompleted) and sim.state.phase == "Healthy"


def test_bake_time_holds_the_next_wave() -> None:
    sim = Sim()
    sim.apply(fleet_manifest(bakeTime="30s"))
    assert sim.updates(sim.healthy(STAGING)) == []
    assert sim.updates(sim.tick(29)) == []
    assert sim.updates(sim.tick(1)) == [APAC]


def test_cluster_of_the_next_wave_healthy_on_old_revision_is_not_counted() -> None:
    sim = Sim()
    sim.apply(fleet_manifest())
    sim.observe(STAGING, phase="Healthy", pod_hash="old", stable_hash="old")
    assert sim.state.wave == 0 and not sim.updates(sim.tick(10))


def test_manual_gate_waits_for_promote() -> None:
    sim = Sim()
    sim.apply(fleet_manifest(manualGates=[1]))
    events = sim.healthy(STAGING)
    assert sim.updates(events) == [] and sim.state.phase == "Paused"
    assert _of(events, ev.FleetGateReached)[0].wave == 1
    assert sim.updates(sim.send(ev.PromoteFleet(input_id="p1", actor="ana"))) == [APAC]
    assert sim.state.phase == "Progressing"
    with pytest.raises(CommandRejected, match="not paused at a gate"):
        sim.send(ev.PromoteFleet(input_id="p2"))


def test_failure_aborts_every_in_progress_cluster_in_one_decision() -> None:
    sim = Sim()
    sim.apply(fleet_manifest())
    sim.healthy(STAGING)
    sim.healthy(APAC)
    sim.canary(US, 5)
    sim.canary(EU, 5)
    events = sim.failed(US)
    (abort,) = _of(events, ev.FleetAbortRequested)
    assert abort.clusters == [US, EU]
    assert (abort.reason, abort.cluster, abort.metric, abort.value) == (
        "AnalysisFailed",
        US,
        "error-rate",
        "0.21",
    )
    assert sim.state.phase == "Degraded"
    assert sim.state.abort_pending == (EU,)
    sim.observe(EU, phase="Degraded", pod_hash=sim.state.template_hash, aborted=True)
    assert sim.state.abort_pending == ()


def test_failure_in_apac_leaves_wave_two_untouched() -> None:
    sim = Sim()
    sim.apply(fleet_manifest())
    sim.healthy(STAGING)
    events = sim.failed(APAC)
    assert _of(events, ev.FleetAbortRequested)[0].clusters == [APAC]
    assert sim.state.abort_pending == ()
    assert not sim.updates(sim.tick(3600)) and US not in sim.state.updates


def test_duplicate_abort_has_no_second_effect() -> None:
    sim = Sim()
    sim.apply(fleet_manifest())
    first = sim.send(ev.AbortFleet(input_id="a1", reason="bad day"))
    assert len(_of(first, ev.FleetAbortRequested)) == 1
    assert sim.send(ev.AbortFleet(input_id="a1")) == []
    assert sim.send(ev.AbortFleet(input_id="a2")) == []
    assert sim.failed(STAGING) and not _of(sim.history[-3:], ev.FleetAbortRequested)


def test_abort_of_a_finished_fleet_is_refused() -> None:
    sim = Sim()
    with pytest.raises(CommandRejected):
        sim.send(ev.AbortFleet(input_id="a0"))


def test_score_below_threshold_aborts() -> None:
    sim = Sim()
    sim.apply(fleet_manifest(healthPolicy={"abortBelow": 0.95}))
    sim.healthy(STAGING, score=1.0)
    sim.canary(APAC, 10, score=1.0)
    events = sim.canary(APAC, 10, score=0.5)
    (scored,) = _of(events, ev.FleetHealthScored)
    # traffic weighting: staging fully promoted counts 100, APAC its canary weight 10
    assert scored.score == pytest.approx((100 * 1.0 + 10 * 0.5) / 110, abs=1e-4)
    assert not _of(events, ev.FleetAbortRequested)
    events = sim.canary(APAC, 10, score=0.0)
    (abort,) = _of(events, ev.FleetAbortRequested)
    assert (abort.reason, abort.cluster) == ("ScoreBelowThreshold", APAC)


def test_configured_weights() -> None:
    manifest = fleet_manifest(healthPolicy={"weighting": "configured"})
    manifest["spec"]["waves"][0]["clusters"][0]["weight"] = 3
    sim = Sim()
    sim.apply(manifest)
    sim.healthy(STAGING, score=1.0)
    events = sim.canary(APAC, 10, score=0.0)
    assert _of(events, ev.FleetHealthScored)[0].score == 0.75


def test_redelivered_input_decides_nothing() -> None:
    sim = Sim()
    sim.apply(fleet_manifest())
    item = ev.ClusterObserved(input_id="same", cluster=STAGING, phase=RolloutPhase.PROGRESSING)
    assert sim.send(item)
    assert sim.send(item) == []


def test_same_manifest_twice_is_unchanged_and_new_revision_restarts_waves() -> None:
    sim = Sim()
    sim.apply(fleet_manifest())
    assert sim.apply(fleet_manifest()) == []
    sim.healthy(STAGING)
    events = sim.apply(fleet_manifest("payments:v3"))
    assert sim.state.revision == 2 and sim.updates(events) == [STAGING]


def test_invalid_manifest_is_refused_with_paths() -> None:
    manifest = fleet_manifest(manualGates=[7])
    with pytest.raises(InvalidSpec, match=r"spec\.manualGates\[0\]"):
        Sim().apply(manifest)


# (phase, command) -> what happens: a table over the command inputs of every phase.
def _sim_in(phase: str) -> Sim:
    sim = Sim()
    if phase == "New":
        return sim
    sim.apply(fleet_manifest(manualGates=[1] if phase == "Paused" else []))
    if phase in ("Paused", "Healthy"):
        for cluster in (STAGING, APAC, US, EU) if phase == "Healthy" else (STAGING,):
            sim.healthy(cluster)
    if phase == "Degraded":
        sim.failed(STAGING)
    assert (sim.state.phase or "New") == phase
    return sim


@pytest.mark.parametrize(
    ("phase", "command", "outcome"),
    [
        ("New", "promote", CommandRejected),
        ("New", "abort", CommandRejected),
        ("New", "tick", "New"),
        ("Progressing", "promote", CommandRejected),
        ("Progressing", "abort", "Degraded"),
        ("Progressing", "tick", "Progressing"),
        ("Paused", "promote", "Progressing"),
        ("Paused", "abort", "Degraded"),
        ("Paused", "tick", "Paused"),
        ("Degraded", "promote", CommandRejected),
        ("Degraded", "abort", "Degraded"),
        ("Degraded", "tick", "Degraded"),
        ("Healthy", "promote", CommandRejected),
        ("Healthy", "abort", CommandRejected),
        ("Healthy", "tick", "Healthy"),
    ],
)
def test_commands_in_every_phase(phase: str, command: str, outcome: object) -> None:
    sim = _sim_in(phase)
    items = {
        "promote": ev.PromoteFleet(input_id="c"),
        "abort": ev.AbortFleet(input_id="c"),
        "tick": ev.FleetTick(input_id="c"),
    }
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            sim.send(items[command])
        return
    sim.send(items[command])
    assert (sim.state.phase or "New") == outcome


def _through(sim: Sim, image: str) -> None:
    sim.apply(fleet_manifest(image))
    for cluster in (STAGING, APAC, US, EU):
        sim.healthy(cluster)
    assert sim.state.phase == "Healthy"


def test_abort_sends_completed_clusters_back_to_the_last_completed_revision() -> None:
    sim = Sim()
    _through(sim, "payments:v1")
    v1 = sim.state.template_hash
    sim.apply(fleet_manifest("payments:v2"))
    sim.healthy(STAGING)
    sim.canary(APAC)
    events = sim.failed(APAC)
    (abort,) = _of(events, ev.FleetAbortRequested)
    assert (abort.clusters, abort.rollbacks) == ([APAC], [STAGING])
    (rollback,) = _of(events, ev.FleetClusterRollbackRequested)
    assert (rollback.cluster, rollback.revision) == (STAGING, 1)
    containers = rollback.manifest["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == "payments:v1"
    assert rollback.manifest["spec"]["strategy"]["canary"]["steps"][0] == {"setWeight": 50}
    assert sim.state.abort_pending == (STAGING,)
    sim.observe(STAGING, phase="Progressing", pod_hash=v1, stable_hash=sim.state.template_hash)
    assert sim.state.abort_pending == (STAGING,)
    sim.observe(STAGING, phase="Healthy", pod_hash=v1, stable_hash=v1)
    assert sim.state.abort_pending == ()


def test_no_rollback_without_an_earlier_completed_revision() -> None:
    sim = Sim()
    sim.apply(fleet_manifest())
    sim.healthy(STAGING)
    (abort,) = _of(sim.failed(APAC), ev.FleetAbortRequested)
    assert abort.rollbacks == [] and not sim.state.rollbacks
