"""evolve records a run's measurements as Argo's MetricResult does, keeping the newest few."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import events.models as ev
from events.base import Event
from events.phases import AnalysisPhase
from rollouts.evolve import evolve
from rollouts.state import RolloutState
from tests.support.sim import T0, Sim, istio_canary, rollout_manifest
from tests.unit.analysis_engine.helpers import STEPS, metric

RUN = "demo-run"


def _requested() -> RolloutState:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=istio_canary(STEPS)))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=istio_canary(STEPS)))
    (request,) = sim.of(ev.AnalysisRunRequested)
    return sim.state.model_copy(
        update={
            "analysis_runs": {
                RUN: sim.state.analysis_runs[request.run_name].model_copy(update={"name": RUN})
            }
        }
    )


def _apply(
    state: RolloutState, event_type: type[Event], seconds: int = 0, **fields: Any
) -> RolloutState:
    return evolve(state, event_type(cause="c", at=T0 + timedelta(seconds=seconds), **fields))


def _started(**retention: int) -> RolloutState:
    return _apply(
        _requested(),
        ev.AnalysisRunStarted,
        run_name=RUN,
        metrics=[metric("a", interval="10s"), metric("b")],
        dry_run_metrics=["b"],
        measurement_retention=retention,
    )


def _measure(state: RolloutState, index: int, phase: AnalysisPhase) -> RolloutState:
    state = _apply(state, ev.MeasurementDue, index * 10, run_name=RUN, metric="a", index=index)
    return _apply(
        state,
        ev.MeasurementRecorded,
        index * 10 + 1,
        run_name=RUN,
        metric="a",
        index=index,
        phase=phase,
    )


def test_a_started_run_knows_its_metrics() -> None:
    run = _started().analysis_runs[RUN]
    assert run.started_at == T0 and run.phase is AnalysisPhase.PENDING
    assert [m.name for m in run.metrics] == ["a", "b"] and run.dry_run_metrics == ("b",)
    assert all(m.phase is AnalysisPhase.PENDING and m.measurements == () for m in run.metrics)


def test_a_due_measurement_is_in_flight_until_recorded() -> None:
    state = _apply(_started(), ev.MeasurementDue, run_name=RUN, metric="a", index=1)
    a = state.analysis_runs[RUN].metric("a")
    assert a is not None and (a.taken, a.in_flight) == (1, 1)
    assert a.counters.last_phase is AnalysisPhase.RUNNING and a.counters.count == 0
    stale = _apply(
        state, ev.MeasurementRecorded, run_name=RUN, metric="a", index=7, phase=AnalysisPhase.FAILED
    )
    assert stale.analysis_runs[RUN].metric("a").in_flight == 1  # type: ignore[union-attr]
    state = _apply(
        state,
        ev.MeasurementRecorded,
        5,
        run_name=RUN,
        metric="a",
        index=1,
        phase=AnalysisPhase.FAILED,
        value="[0.08]",
    )
    a = state.analysis_runs[RUN].metric("a")
    assert a is not None and a.in_flight is None and a.last_finished_at == T0 + timedelta(seconds=5)
    assert (a.counters.count, a.counters.failed, a.counters.last_phase) == (
        1,
        1,
        AnalysisPhase.FAILED,
    )
    assert a.last is not None and (a.last.index, a.last.value) == (1, "[0.08]")


def test_only_the_newest_measurements_are_kept() -> None:
    default, limited = _started(), _started(a=2)
    for index in range(1, 13):
        default = _measure(default, index, AnalysisPhase.SUCCESSFUL)
        limited = _measure(limited, index, AnalysisPhase.SUCCESSFUL)
    a = default.analysis_runs[RUN].metric("a")
    assert a is not None and [m.index for m in a.measurements] == list(range(3, 13))
    assert a.counters.successful == 12
    b = limited.analysis_runs[RUN].metric("a")
    assert b is not None and [m.index for m in b.measurements] == [11, 12]


def test_metric_phase_changes_are_recorded() -> None:
    state = _apply(
        _started(),
        ev.MetricPhaseChanged,
        run_name=RUN,
        metric="a",
        phase=AnalysisPhase.FAILED,
        previous_phase=AnalysisPhase.RUNNING,
        message="why",
    )
    a = state.analysis_runs[RUN].metric("a")
    assert a is not None and (a.phase, a.message) == (AnalysisPhase.FAILED, "why")


def test_facts_about_unknown_runs_or_metrics_change_nothing_but_the_version() -> None:
    state = _started()
    strays: list[dict[str, Any]] = [
        {"run_name": "nope", "metric": "a"},
        {"run_name": RUN, "metric": "zzz"},
    ]
    for fields in strays:
        after = _apply(state, ev.MeasurementDue, index=1, **fields)
        assert after.analysis_runs == state.analysis_runs
    after = _apply(_requested(), ev.AnalysisRunStarted, run_name=RUN, metrics=[])
    assert not after.analysis_runs[RUN].started, "an unreadable spec leaves the run waiting"
