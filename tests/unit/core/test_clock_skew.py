"""Observations from the future (issue 15): clamped to the controller's clock, recorded, and
never able to freeze a rollout.

The bug: a `ReplicaSetObserved` with `observed_at` 9999-12-31 for a healthy rollout's stable
ReplicaSet became the ReplicaSet's "last observed" time; every later report was older, so it
was dropped as stale, the old ReplicaSet was never seen scaled down and a new revision stayed
Progressing for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import events.inputs as inp
import events.models as ev
from events.base import Event
from rollouts.clock_skew import SKEW_TOLERANCE
from rollouts.evolve import fold
from tests.support.sim import Sim, rollout_manifest

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
PROVIDER = {"provider": {"prometheus": {"address": "http://prom", "query": "up"}}}
STEPS = {"steps": [{"setWeight": 50}, {"pause": {"duration": 10}}]}


@dataclass
class ClockedSim(Sim):
    """The simulated platform stamps each report with its own clock, as the real observer does."""

    def observe_rs(self, pod_hash: str, replicas: int, available: int | None = None) -> None:
        available = replicas if available is None else available
        self.send(
            inp.ReplicaSetObserved(
                input_id=self.next_id(),
                pod_template_hash=pod_hash,
                replicas=replicas,
                ready_replicas=available,
                available_replicas=available,
                # A platform clock that ticks between reports, a few microseconds ahead.
                observed_at=self.now + timedelta(microseconds=self._ids),
            )
        )


def healthy() -> ClockedSim:
    sim = ClockedSim()
    sim.deploy(rollout_manifest(replicas=4, canary=STEPS))
    assert sim.phase == "Healthy"
    return sim


def future_report(sim: ClockedSim, at: datetime, ready: int = 3) -> list[Event]:
    stable = sim.state.stable_rs
    assert stable is not None
    return sim.send(
        inp.ReplicaSetObserved(
            input_id=sim.next_id(),
            pod_template_hash=stable,
            replicas=4,
            ready_replicas=ready,
            available_replicas=ready,
            observed_at=at,
        )
    )


def progress_to_healthy(sim: ClockedSim) -> None:
    sim.advance(60)
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=STEPS))
    sim.run_timers()
    sim.platform()
    assert sim.phase == "Healthy", sim.state.message
    assert sim.rs(2).pod_template_hash == sim.state.stable_rs
    assert sim.rs(1).desired == 0 and sim.rs(1).replicas == 0


def test_a_report_from_the_future_is_clamped_and_recorded() -> None:
    sim = healthy()
    events = future_report(sim, FAR_FUTURE)
    skew, observed = events[0], events[1]
    assert isinstance(skew, ev.ObservationClockSkewed)
    assert (skew.observation, skew.field, skew.reported_at) == (
        "ReplicaSetObserved",
        "observed_at",
        FAR_FUTURE,
    )
    assert skew.tolerance_seconds == 30 and skew.at == sim.now
    assert isinstance(observed, ev.ReplicaSetStatusObserved) and observed.observed_at == sim.now
    assert sim.rs(1).observed_at == sim.now and sim.rs(1).available == 3


def test_the_issue_scenario_a_new_revision_still_becomes_healthy() -> None:
    sim = healthy()
    future_report(sim, FAR_FUTURE, ready=4)  # the same counts: only the skew is recorded
    future_report(sim, FAR_FUTURE)
    progress_to_healthy(sim)
    assert len(sim.of(ev.ObservationClockSkewed)) == 2


def test_a_history_written_before_the_check_does_not_freeze_the_rollout() -> None:
    """An old history already holds the 9999 time in a ReplicaSetStatusObserved: the fold and
    the staleness check both hold it to the decision time."""
    sim = healthy()
    stable = sim.state.stable_rs
    assert stable is not None
    legacy = ev.ReplicaSetStatusObserved(
        cause="old-input",
        at=sim.now,
        pod_template_hash=stable,
        replicas=4,
        ready_replicas=3,
        available_replicas=3,
        observed_at=FAR_FUTURE,
    )
    sim.state = fold(sim.state, [legacy])
    assert sim.rs(1).observed_at == sim.now
    progress_to_healthy(sim)
    assert sim.of(ev.ObservationClockSkewed) == []


def test_a_time_within_the_tolerance_is_believed() -> None:
    sim = healthy()
    ahead = sim.now + SKEW_TOLERANCE - timedelta(seconds=1)
    events = future_report(sim, ahead)
    assert not [e for e in events if isinstance(e, ev.ObservationClockSkewed)]
    assert sim.rs(1).observed_at == ahead
    sim.advance(5)
    sim.observe_rs(sim.rs(1).pod_template_hash, 4)  # older than `ahead`: late, dropped
    assert sim.rs(1).available == 3
    sim.advance(60)
    sim.observe_rs(sim.rs(1).pod_template_hash, 4)
    assert sim.rs(1).available == 4


def test_a_measurement_from_the_future_is_judged_at_the_controller_time() -> None:
    from tests.support.sim import AnalysisWorker, istio_canary
    from tests.unit.core.test_canary_analysis import STEP
    from tests.unit.core.test_canary_analysis import STEPS as ANALYSIS_STEPS

    sim = ClockedSim()
    sim.worker = AnalysisWorker(
        {"check": {"metrics": [{"name": "m", "interval": "1m", "count": 2, **PROVIDER}]}}
    )
    sim.worker.script["m"] = ["<hold>"]
    canary = istio_canary(ANALYSIS_STEPS)
    sim.deploy(rollout_manifest(replicas=4, canary=canary))
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=canary))
    (due,) = sim.worker.held
    sim.worker.held.clear()
    recorded = sim.send(
        inp.MeasurementTaken(
            input_id=sim.next_id(),
            run_name=due.run_name,
            metric=due.metric,
            index=due.index,
            value=1.0,
            started_at=FAR_FUTURE,
            finished_at=FAR_FUTURE,
        )
    )
    skews = [e for e in recorded if isinstance(e, ev.ObservationClockSkewed)]
    assert [e.field for e in skews] == ["finished_at", "started_at"]
    run = sim.run(STEP)
    assert run is not None
    metric = run.metric("m")
    assert metric is not None and metric.last_finished_at == sim.now
