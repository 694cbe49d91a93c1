"""Limits decide a metric, the first metric to end badly decides the run (§3.5, §3.6)."""

from __future__ import annotations

from typing import Any

import events.models as ev
from events.phases import AnalysisPhase, PauseReason
from tests.support.sim import HOLD, ProviderError, analysis
from tests.unit.analysis_engine.helpers import (
    BACKGROUND,
    BAD,
    GOOD,
    STEP,
    canary_sim,
    metric,
    metric_of,
    recorded,
    run_of,
)

MIDDLE = [0.03]
BOTH = {"successCondition": "result[0] < 0.02", "failureCondition": "result[0] >= 0.05"}


def _step(metrics: list[dict[str, Any]], **script: list[Any]) -> Any:
    sim = canary_sim({"check": metrics}, {k.replace("_", "-"): v for k, v in script.items()})
    sim.run_timers(limit=1000)
    return sim


def test_failure_limit() -> None:
    sim = _step(
        [metric(count=5, interval="10s", failureLimit=1)], error_rate=[BAD, GOOD, BAD, GOOD]
    )
    assert [e.phase for e in recorded(sim)] == ["Failed", "Successful", "Failed"]
    assert recorded(sim)[0].message == 'value [0.08]: successCondition "result[0] < 0.05" is false'
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.FAILED
    assert run.message == 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)'
    assert sim.state.abort and sim.phase == "Degraded"


def test_inconclusive_limit_pauses_the_rollout() -> None:
    sim = _step(
        [metric(count=4, interval="10s", inconclusiveLimit=1, **BOTH)],
        error_rate=[MIDDLE, GOOD, MIDDLE],
    )
    first = recorded(sim)[0]
    assert (first.phase, first.value) == ("Inconclusive", "[0.03]")
    assert first.message == (
        'value [0.03]: neither successCondition "result[0] < 0.02" '
        'nor failureCondition "result[0] >= 0.05" is true'
    )
    assert run_of(sim, STEP).phase is AnalysisPhase.INCONCLUSIVE
    assert sim.state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN) is not None
    assert sim.phase == "Paused" and not sim.state.abort


def test_five_errors_in_a_row_are_an_error() -> None:
    """Default consecutiveErrorLimit 4; the run message quotes the last error."""
    sim = _step([metric()], error_rate=[ProviderError("timeout")])
    assert [e.phase for e in recorded(sim)] == ["Error"] * 5
    assert recorded(sim)[0].message == "timeout"
    assert run_of(sim, STEP).message == (
        'Metric "error-rate" assessed Error due to consecutiveErrors (5) > '
        'consecutiveErrorLimit (4): "Error Message: timeout"'
    )
    assert sim.state.abort_message.endswith(run_of(sim, STEP).message)


def test_a_success_resets_the_error_streak() -> None:
    errors = [ProviderError("timeout")] * 4
    sim = _step([metric(count=2, interval="10s")], error_rate=[*errors, GOOD, *errors, GOOD])
    assert len(recorded(sim)) == 10
    assert run_of(sim, STEP).phase is AnalysisPhase.SUCCESSFUL
    assert metric_of(sim, STEP).counters.error == 8


def test_consecutive_error_limit_is_configurable() -> None:
    sim = _step([metric(consecutiveErrorLimit=1)], error_rate=[ProviderError("down")])
    assert len(recorded(sim)) == 2 and run_of(sim, STEP).phase is AnalysisPhase.ERROR


def test_consecutive_success_limit_ends_an_unbounded_metric() -> None:
    sim = _step(
        [metric(interval="10s", consecutiveSuccessLimit=3, failureLimit=-1)],
        error_rate=[GOOD, BAD, GOOD, GOOD, GOOD, BAD],
    )
    assert len(recorded(sim)) == 5
    assert run_of(sim, STEP).phase is AnalysisPhase.SUCCESSFUL
    assert sim.state.current_step_index == 3


def test_count_reached_without_the_success_streak_is_inconclusive() -> None:
    sim = _step(
        [metric(count=4, interval="10s", consecutiveSuccessLimit=3, failureLimit=1)],
        error_rate=[GOOD, BAD, GOOD, GOOD],
    )
    assert len(recorded(sim)) == 4
    assert run_of(sim, STEP).phase is AnalysisPhase.INCONCLUSIVE


def test_dry_run_metrics_are_recorded_but_never_decide() -> None:
    template = {
        "metrics": [metric(), metric("latency", count=2, interval="10s")],
        "dryRun": [{"metricName": "lat.*"}],
    }
    sim = canary_sim({"check": template}, {"latency": [BAD]})
    sim.run_timers(limit=100)
    latency = recorded(sim, "latency")
    assert [(e.phase, e.dry_run) for e in latency] == [("Failed", True)]
    assert metric_of(sim, STEP, "latency").phase is AnalysisPhase.FAILED
    run = run_of(sim, STEP)
    assert run.dry_run_metrics == ("latency",)
    assert run.phase is AnalysisPhase.SUCCESSFUL and not sim.state.abort
    assert sim.state.current_step_index == 3


def test_measurement_retention_keeps_the_newest() -> None:
    template = {
        "metrics": [metric("a", interval="10s"), metric("b", interval="10s")],
        "measurementRetention": [{"metricName": "b", "limit": 3}],
    }
    sim = canary_sim({"bg": template}, steps=[{"pause": {}}], analysis=analysis("bg"))
    sim.run_timers(limit=115)
    run = run_of(sim, BACKGROUND)
    a, b = run.metric("a"), run.metric("b")
    assert a is not None and b is not None
    assert a.counters.count == b.counters.count == 12
    assert [m.index for m in a.measurements] == list(range(3, 13))
    assert [m.index for m in b.measurements] == [10, 11, 12]
    assert len(recorded(sim, "b")) == 12, "the stream keeps every measurement"


def test_the_first_failing_metric_ends_the_run_and_its_siblings_succeed() -> None:
    """TestReconcileAnalysisRunTerminateSiblingAfterFail."""
    metrics = [metric("steady", interval="10s"), metric("flaky", count=3, interval="10s")]
    sim = _step(metrics, flaky=[GOOD, BAD])
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.FAILED
    assert run.message == 'Metric "flaky" assessed Failed due to failed (1) > failureLimit (0)'
    steady = run.metric("steady")
    assert steady is not None and steady.phase is AnalysisPhase.SUCCESSFUL
    assert len(recorded(sim, "steady")) == 2, "no measurement after the run ended"
    changes = [(e.metric, e.phase) for e in sim.of(ev.MetricPhaseChanged)][-2:]
    assert changes == [("flaky", "Failed"), ("steady", "Successful")]


def test_the_run_waits_for_a_sibling_measurement_in_flight() -> None:
    """Argo takes a Prometheus measurement within the reconcile, so a sibling is never left
    half-measured: the run ends once the sibling's result is in."""
    metrics = [metric("steady", interval="10s"), metric("flaky")]
    sim = _step(metrics, steady=[HOLD], flaky=[BAD])
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.RUNNING and not sim.state.abort
    assert run.metric("flaky").phase is AnalysisPhase.FAILED  # type: ignore[union-attr]
    sim.advance(60)
    assert len(sim.of(ev.MeasurementDue)) == 2, "a terminating run asks for nothing new"
    sim.release(GOOD)
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.FAILED and sim.state.abort
    assert run.metric("steady").phase is AnalysisPhase.SUCCESSFUL  # type: ignore[union-attr]


def test_a_job_measurement_in_flight_is_cut_short() -> None:
    """Argo deletes the Job of a terminating run: Inconclusive, "Metric Terminated"."""
    job = {"name": "smoke", "provider": {"job": {"spec": {"template": {}}}}}
    sim = _step([job, metric("flaky")], smoke=[HOLD], flaky=[BAD])
    cut = recorded(sim, "smoke")
    assert [(e.index, e.phase, e.message) for e in cut] == [
        (1, "Inconclusive", "Metric Terminated")
    ]
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.FAILED, "Failed is worse than the Inconclusive sibling"
    assert run.message.startswith('Metric "flaky" assessed Failed')
    assert sim.state.abort
    sim.release(True)
    assert len(recorded(sim, "smoke")) == 1, "the late result is dropped"
