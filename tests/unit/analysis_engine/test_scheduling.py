"""When measurements are asked for (§3.3, §3.5): initialDelay, interval, count, the 10 s retry
after an error, unbounded metrics, and the wake-ups the timer worker gets for them."""

from __future__ import annotations

from datetime import timedelta

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase
from rollouts.analysis.engine import next_measurement
from rollouts.timers import next_wakeup
from tests.support.sim import HOLD, ProviderError, analysis
from tests.unit.analysis_engine.helpers import (
    BACKGROUND,
    BAD,
    GOOD,
    STEP,
    canary_sim,
    due_offsets,
    metric,
    metric_of,
    run_of,
)


def test_initial_delay_then_interval_until_the_count() -> None:
    sim = canary_sim({"check": [metric(count=3, interval="30s", initialDelay="1m")]})
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.RUNNING, "a started run is Running while it waits"
    assert run.started_at is not None and due_offsets(sim) == []
    assert metric_of(sim, STEP).phase is AnalysisPhase.PENDING
    assert next_wakeup(sim.state) == run.started_at + timedelta(seconds=60)
    sim.run_timers(limit=300)
    assert due_offsets(sim) == [60, 90, 120]
    assert metric_of(sim, STEP).phase is AnalysisPhase.SUCCESSFUL
    assert run_of(sim, STEP).phase is AnalysisPhase.SUCCESSFUL
    assert sim.state.current_step_index == 3 and sim.weight == 60


def test_no_count_and_no_interval_means_one_measurement() -> None:
    sim = canary_sim({"check": [metric()]})
    assert due_offsets(sim) == [0]
    assert run_of(sim, STEP).phase is AnalysisPhase.SUCCESSFUL
    assert next_wakeup(sim.state) is None


def test_an_error_is_retried_after_ten_seconds_whatever_the_interval() -> None:
    """TestCalculateNextReconcileUponError; errors do not use up the count."""
    script = {"error-rate": [GOOD, ProviderError("connection refused"), GOOD]}
    sim = canary_sim({"check": [metric(count=2, interval="5m")]}, script)
    sim.run_timers(limit=1000)
    assert due_offsets(sim) == [0, 300, 310]
    counters = metric_of(sim, STEP).counters
    assert (counters.count, counters.error, counters.consecutive_error) == (2, 1, 0)
    assert run_of(sim, STEP).phase is AnalysisPhase.SUCCESSFUL


def test_an_unbounded_metric_measures_every_interval() -> None:
    bg = {**analysis("bg"), "startingStep": 0}
    sim = canary_sim({"bg": [metric(interval="20s")]}, steps=[{"pause": {}}], analysis=bg)
    sim.run_timers(limit=100)
    assert due_offsets(sim) == [0, 20, 40, 60, 80, 100]
    assert run_of(sim, BACKGROUND).phase is AnalysisPhase.RUNNING
    assert metric_of(sim, BACKGROUND).phase is AnalysisPhase.RUNNING
    assert next_wakeup(sim.state) == sim.now + timedelta(seconds=20)


def test_nothing_is_asked_while_a_measurement_is_in_flight() -> None:
    sim = canary_sim({"check": [metric(count=2, interval="10s")]}, {"error-rate": [HOLD]})
    assert metric_of(sim, STEP).in_flight == 1
    assert next_wakeup(sim.state) is None, "the result is an input, not a timer"
    sim.advance(60)
    assert due_offsets(sim) == [0]
    sim.worker.script["error-rate"] = [GOOD]  # type: ignore[union-attr]
    sim.release(GOOD)
    assert next_wakeup(sim.state) == sim.now + timedelta(seconds=10)


def test_a_completed_metric_asks_for_nothing_more() -> None:
    sim = canary_sim({"check": [metric(interval="10s", count=5)]}, {"error-rate": [BAD]})
    assert run_of(sim, STEP).phase is AnalysisPhase.FAILED
    sim.run_timers(limit=100)
    assert due_offsets(sim) == [0], "failureLimit 0: the first failure decides"


def test_a_terminated_run_completes_at_once_and_asks_for_nothing() -> None:
    """An abort terminates the run (§3.7): it ends Successful, measuring no more."""
    sim = canary_sim({"check": [metric(count=3, interval="30s")]})
    assert next_measurement(run_of(sim, STEP)) == sim.now + timedelta(seconds=30)
    sim.command(inp.Abort)
    run = run_of(sim, STEP)
    assert run.termination_requested and run.phase is AnalysisPhase.SUCCESSFUL
    assert run.message == "Run Terminated" and next_measurement(run) is None
    assert [e.reason for e in sim.of(ev.AnalysisRunTerminationRequested)] == ["rollout aborted"]
    sim.run_timers(limit=100)
    assert due_offsets(sim) == [0]
