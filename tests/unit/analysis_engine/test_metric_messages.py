"""Argo's texts for metric results (issue 13): a metric's message is its last measurement's
message; the `Metric "x" assessed ... due to ...` text is the run's; a dry-run metric's message
reads `Metric assessed ...` without the metric name."""

from __future__ import annotations

from events.phases import AnalysisPhase
from tests.support.sim import ProviderError
from tests.unit.analysis_engine.helpers import (
    BAD,
    GOOD,
    STEP,
    canary_sim,
    metric,
    metric_of,
    recorded,
    run_of,
)


def test_failed_metric_message_is_the_last_measurement_message() -> None:
    sim = canary_sim(
        {"check": [metric(count=5, interval="10s", failureLimit=1)]},
        {"error-rate": [BAD, GOOD, BAD]},
    )
    sim.run_timers(limit=1000)
    last = recorded(sim)[-1]
    failed = metric_of(sim, STEP)
    assert failed.phase is AnalysisPhase.FAILED
    assert failed.message == last.message
    assert failed.message == 'value [0.08]: successCondition "result[0] < 0.05" is false'
    assert run_of(sim, STEP).message == (
        'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)'
    )


def test_errored_metric_message_is_the_error_and_the_run_quotes_it() -> None:
    sim = canary_sim({"check": [metric()]}, {"error-rate": [ProviderError("timeout")]})
    sim.run_timers(limit=1000)
    assert metric_of(sim, STEP).message == "timeout"
    assert run_of(sim, STEP).message == (
        'Metric "error-rate" assessed Error due to consecutiveErrors (5) > '
        'consecutiveErrorLimit (4): "Error Message: timeout"'
    )


def test_successful_metric_message_is_the_last_measurement_message() -> None:
    sim = canary_sim({"check": [metric()]}, {"error-rate": [GOOD]})
    sim.run_timers(limit=100)
    done = metric_of(sim, STEP)
    assert done.phase is AnalysisPhase.SUCCESSFUL
    assert done.message == recorded(sim)[-1].message


def test_dry_run_metric_message_leaves_the_metric_name_out() -> None:
    template = {
        "metrics": [metric(), metric("latency", count=2, interval="10s")],
        "dryRun": [{"metricName": "latency"}],
    }
    sim = canary_sim({"check": template}, {"latency": [BAD]})
    sim.run_timers(limit=100)
    latency = metric_of(sim, STEP, "latency")
    assert latency.phase is AnalysisPhase.FAILED
    assert latency.message == "Metric assessed Failed due to failed (1) > failureLimit (0)"
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.SUCCESSFUL and run.message == ""
