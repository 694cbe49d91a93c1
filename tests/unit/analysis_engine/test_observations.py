"""The worker's reports are dropped when nobody waits for them, and a redelivered report
decides nothing: the history of a run never depends on delivery accidents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase
from rollouts.analysis.engine import next_measurement
from rollouts.decide import decide
from tests.conftest import load_conformance
from tests.support.sim import HOLD, Sim, istio_canary, rollout_manifest, taken_for
from tests.unit.analysis_engine.helpers import (
    BAD,
    GOOD,
    STEP,
    STEPS,
    canary_sim,
    metric,
    metric_of,
    recorded,
    run_of,
)


def _held() -> tuple[Sim, ev.MeasurementDue]:
    sim = canary_sim({"check": [metric(count=2, interval="10s")]}, {"error-rate": [HOLD]})
    assert sim.worker is not None
    return sim, sim.worker.held.pop()


def _taken(due: ev.MeasurementDue, value: Any, now: Any, **changes: Any) -> inp.MeasurementTaken:
    return taken_for(due, value, now).model_copy(update=changes)


def test_a_redelivered_measurement_decides_nothing() -> None:
    sim, due = _held()
    taken = taken_for(due, GOOD, sim.now)
    assert sim.send(taken)
    assert sim.send(taken) == []
    assert len(recorded(sim)) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"index": 2},
        {"index": 0},
        {"metric": "latency"},
        {"run_name": "someone-else"},
    ],
    ids=["future-index", "old-index", "unknown-metric", "unknown-run"],
)
def test_a_measurement_nobody_waits_for_is_dropped(changes: dict[str, Any]) -> None:
    sim, due = _held()
    stray = _taken(due, BAD, sim.now, input_id="stray", **changes)
    assert sim.send(stray) == []
    assert metric_of(sim, STEP).in_flight == 1


def test_a_second_answer_for_the_same_measurement_is_dropped() -> None:
    sim, due = _held()
    sim.send(taken_for(due, GOOD, sim.now))
    again = _taken(due, BAD, sim.now, input_id="retry-of-the-worker")
    assert sim.send(again) == []
    assert [e.phase for e in recorded(sim)] == ["Successful"]


def test_a_measurement_of_a_completed_run_is_dropped() -> None:
    sim = canary_sim({"check": [metric("a"), metric("b", interval="10s")]}, {"b": [HOLD]})
    sim.send(
        inp.AnalysisRunObserved(
            input_id="x", run_name=run_of(sim, STEP).name, phase=AnalysisPhase.FAILED
        )
    )
    assert sim.worker is not None
    assert sim.send(taken_for(sim.worker.held.pop(), GOOD, sim.now)) == []


def test_a_resolution_is_used_once() -> None:
    sim = canary_sim({"check": [metric()]}, {"error-rate": [HOLD]})
    run = run_of(sim, STEP)
    resolved = inp.AnalysisRunResolved(input_id="again", run_name=run.name, metrics=[metric()])
    assert sim.send(resolved) == [], "already started"
    failed = resolved.model_copy(update={"input_id": "late-error", "metrics": [], "error": "x"})
    assert sim.send(failed) == []
    unknown = resolved.model_copy(update={"input_id": "unknown", "run_name": "nope"})
    assert sim.send(unknown) == []
    assert len(sim.of(ev.AnalysisRunStarted)) == 1


def test_a_resolution_for_a_run_that_is_no_longer_current_is_dropped() -> None:
    """Promote skipped the step before the worker resolved its run: the run ended
    (Successful, "Run Terminated", as Argo ends a terminated run with no measurements)."""
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=istio_canary(STEPS)))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=istio_canary(STEPS)))
    (request,) = sim.of(ev.AnalysisRunRequested)
    sim.command(inp.Promote)
    run = sim.state.analysis_runs[request.run_name]
    assert (run.phase, run.message) == (AnalysisPhase.SUCCESSFUL, "Run Terminated")
    resolved = inp.AnalysisRunResolved(
        input_id="late", run_name=request.run_name, metrics=[metric()]
    )
    assert sim.send(resolved) == []


def test_time_in_the_measurement_is_the_workers() -> None:
    """The next measurement is due `interval` after the provider finished, as in Argo."""
    sim, due = _held()
    late = sim.now + timedelta(seconds=4)
    sim.send(_taken(due, GOOD, sim.now, finished_at=late))
    (measurement,) = metric_of(sim, STEP).measurements
    assert measurement.finished_at == late
    assert next_measurement(run_of(sim, STEP)) == late + timedelta(seconds=10)


PHASE_CASES = load_conformance("phase_cases.json")


@pytest.mark.parametrize("case", PHASE_CASES, ids=[c["source"] for c in PHASE_CASES])
def test_measurements_are_judged_by_argos_rules(case: dict[str, Any]) -> None:
    """phase_cases.json, end to end: the worker's value becomes the recorded phase."""
    conditions = {
        "successCondition": case["successCondition"],
        "failureCondition": case["failureCondition"],
    }
    sim, due = _held_with(metric(**conditions))
    decided = decide(sim.state, taken_for(due, case["result"], sim.now), sim.now)
    (record,) = [e for e in decided if isinstance(e, ev.MeasurementRecorded)]
    assert record.phase == case["expect_phase"]


def _held_with(spec: dict[str, Any]) -> tuple[Sim, ev.MeasurementDue]:
    sim = canary_sim({"check": [spec]}, {"error-rate": [HOLD]})
    assert sim.worker is not None
    return sim, sim.worker.held.pop()
