"""How measured runs drive a canary (§3.7): the step waits for its run, a failure aborts with
the metric named, an inconclusive run pauses, background analysis runs until promotion."""

from __future__ import annotations

from typing import Any

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase, PauseReason
from rollouts.reasons import reason_sequence
from rollouts.state import initial_state
from rollouts.timers import next_wakeup
from tests.support.sim import HOLD, analysis, istio_canary, rollout_manifest, taken_for
from tests.unit.analysis_engine.helpers import (
    BACKGROUND,
    BAD,
    GOOD,
    STEP,
    STEPS,
    canary_sim,
    due_offsets,
    metric,
    recorded,
    run_of,
)

METRICS = [metric(count=3, interval="10s", failureLimit=1)]


def test_a_successful_step_run_advances_the_step() -> None:
    sim = canary_sim({"check": METRICS})
    assert sim.state.current_step_index == 1 and sim.weight == 20
    sim.run_timers(limit=100)
    assert [e.phase for e in recorded(sim)] == ["Successful"] * 3
    assert run_of(sim, STEP).phase is AnalysisPhase.SUCCESSFUL
    steps = [e.step for e in sim.of(ev.RolloutStepCompleted)][-2:]
    assert steps == ["analysis: check", "setWeight: 60"]
    assert sim.weight == 60 and sim.phase == "Paused"


def test_a_failed_step_run_aborts_with_the_metric_named_in_one_decision() -> None:
    sim = canary_sim({"check": METRICS}, {"error-rate": [BAD, HOLD]})
    sim.run_timers(limit=15)
    assert sim.worker is not None and len(sim.worker.held) == 1
    decided = sim.send(taken_for(sim.worker.held.pop(), BAD, sim.now))
    kinds = [type(e).__name__ for e in decided]
    assert kinds.index("MeasurementRecorded") < kinds.index("RolloutAborted")
    weights = [e.canary_weight for e in decided if isinstance(e, ev.TrafficWeightRequested)]
    assert weights == [0], "traffic goes back to stable in the same decision"
    expected = (
        "Rollout aborted update to revision 2: Step-based analysis phase error/failed: "
        'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)'
    )
    assert sim.state.abort_message == expected and sim.phase == "Degraded"
    assert sim.state.message == f"RolloutAborted: {expected}"


def test_an_inconclusive_step_run_pauses_until_promoted() -> None:
    both = {"successCondition": "result[0] < 0.02", "failureCondition": "result[0] > 0.05"}
    sim = canary_sim({"check": [metric(**both)]}, {"error-rate": [[0.03]]})
    assert run_of(sim, STEP).phase is AnalysisPhase.INCONCLUSIVE
    assert sim.state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN) is not None
    assert sim.phase == "Paused" and sim.state.current_step_index == 1
    sim.command(inp.Promote)
    sim.platform()
    assert sim.state.current_step_index == 3 and sim.weight == 60


def test_background_analysis_runs_until_the_rollout_completes() -> None:
    bg = {**analysis("bg"), "startingStep": 1}
    steps: list[dict[str, Any]] = [
        {"setWeight": 20},
        {"pause": {"duration": 60}},
        {"setWeight": 60},
    ]
    sim = canary_sim({"bg": [metric(interval="15s")]}, steps=steps, analysis=bg)
    run = run_of(sim, BACKGROUND)
    assert run.phase is AnalysisPhase.RUNNING
    sim.run_timers(limit=200)
    assert sim.state.fully_promoted and sim.phase == "Healthy"
    assert due_offsets(sim) == [0, 15, 30, 45, 60]
    run = run_of(sim, BACKGROUND)
    assert run.termination_requested and run.phase is AnalysisPhase.SUCCESSFUL
    assert run.message == "Run Terminated"
    terminations = sim.of(ev.AnalysisRunTerminationRequested)
    assert [e.reason for e in terminations] == ["rollout fully promoted"]
    assert next_wakeup(sim.state) is None or next_wakeup(sim.state) != sim.now


def test_a_failing_background_run_aborts() -> None:
    bg = analysis("bg")
    steps: list[dict[str, Any]] = [{"setWeight": 20}, {"pause": {}}]
    sim = canary_sim(
        {"bg": [metric(interval="15s")]}, {"error-rate": [GOOD, BAD]}, steps=steps, analysis=bg
    )
    sim.run_timers(limit=100)
    assert sim.state.abort and sim.weight == 0
    assert 'Background analysis phase error/failed: Metric "error-rate"' in sim.state.abort_message


def test_a_resolution_error_makes_the_run_error_and_aborts() -> None:
    sim = canary_sim({"other": METRICS})
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.ERROR and not run.started
    assert run.message == 'analysistemplate.argoproj.io "check" not found'
    assert sim.state.abort_message.endswith(
        'Step-based analysis phase error/failed: analysistemplate.argoproj.io "check" not found'
    )


def test_an_invalid_resolved_spec_makes_the_run_error() -> None:
    sim = canary_sim({"check": [metric(count=3)]})
    assert run_of(sim, STEP).message == (
        "Analysis spec invalid: metrics[0]: interval must be specified when count > 1"
    )
    assert sim.state.abort


def test_a_terminated_run_no_longer_touches_the_rollout() -> None:
    """Promote skips the analysis step while a measurement is in flight: the run completes
    with that measurement, Failed here, but the rollout has moved on."""
    sim = canary_sim({"check": [metric(count=3, interval="10s")]}, {"error-rate": [HOLD]})
    sim.command(inp.Promote)
    sim.platform()
    run = run_of(sim, STEP)
    assert run.termination_requested and run.phase is AnalysisPhase.RUNNING
    assert sim.state.current_step_index == 3
    sim.release(BAD)
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.FAILED
    assert run.message == 'Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)'
    assert not sim.state.abort and sim.phase == "Paused" and sim.weight == 60
    reasons = reason_sequence(initial_state(sim.namespace, sim.name), sim.events)
    assert "AnalysisRunFailed" not in reasons, "Argo records only current runs' changes"
    assert reasons.count("AnalysisRunRunning") == 1


def test_a_run_of_a_replaced_revision_finishes_and_is_then_forgotten() -> None:
    sim = canary_sim({"check": METRICS}, {"error-rate": [HOLD]})
    old = run_of(sim, STEP).name
    sim.apply(rollout_manifest(replicas=2, image="app:3", canary=istio_canary(STEPS)))
    assert sim.state.analysis_runs[old].termination_requested
    sim.worker.script["error-rate"] = [GOOD]  # type: ignore[union-attr]
    sim.release(GOOD)
    final = [e for e in sim.of(ev.AnalysisRunStatusChanged) if e.run_name == old][-1]
    assert (final.phase, final.message) == (AnalysisPhase.SUCCESSFUL, "Run Terminated")
    assert sim.state.analysis_runs[old].phase is AnalysisPhase.SUCCESSFUL
    sim.apply(rollout_manifest(replicas=2, image="app:4", canary=istio_canary(STEPS)))
    assert old not in sim.state.analysis_runs


def test_a_failed_job_aborts_the_canary() -> None:
    job = {"name": "smoke", "provider": {"job": {"spec": {"template": {}}}}}
    sim = canary_sim({"check": [job]}, {"smoke": ["Failed"]})
    assert [(e.phase, e.value, e.message) for e in recorded(sim, "smoke")] == [
        ("Failed", "Failed", "job failed")
    ]
    assert sim.state.abort_message.endswith(
        'Metric "smoke" assessed Failed due to failed (1) > failureLimit (0)'
    )
