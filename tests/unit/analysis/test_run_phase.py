"""The run's phase from its metrics: early termination, dry-run, worst phase, messages."""

from __future__ import annotations

import pytest

from events.phases import AnalysisPhase
from rollouts.analysis import (
    RUN_TERMINATED,
    MetricOutcome,
    RunAssessment,
    assess_run,
    run_is_terminating,
)

P = AnalysisPhase


def m(name: str, phase: AnalysisPhase, message: str = "", dry_run: bool = False) -> MetricOutcome:
    return MetricOutcome(name=name, phase=phase, message=message, dry_run=dry_run)


def test_running_while_any_metric_is_incomplete() -> None:
    run = assess_run([m("a", P.SUCCESSFUL), m("b", P.RUNNING)], terminate_requested=False)
    assert run == RunAssessment(phase=P.RUNNING, message="", terminating=False)
    pending = assess_run([m("a", P.SUCCESSFUL), m("b", P.PENDING)], terminate_requested=False)
    assert pending.phase == P.RUNNING


def test_all_successful_is_successful() -> None:
    run = assess_run([m("a", P.SUCCESSFUL), m("b", P.SUCCESSFUL)], terminate_requested=False)
    assert run == RunAssessment(phase=P.SUCCESSFUL)


def test_no_metrics_is_running() -> None:
    assert assess_run([], terminate_requested=False).phase == P.RUNNING


def test_first_failing_metric_ends_the_run_and_carries_its_message() -> None:
    message = 'Metric "a" assessed Failed due to failed (1) > failureLimit (0)'
    metrics = [m("a", P.FAILED, message), m("b", P.SUCCESSFUL)]  # b was assessed while terminating
    run = assess_run(metrics, terminate_requested=False)
    assert run == RunAssessment(phase=P.FAILED, message=message, terminating=True)


def test_terminating_ignores_metrics_still_in_flight() -> None:
    run = assess_run([m("a", P.ERROR, "e"), m("b", P.RUNNING)], terminate_requested=False)
    assert (run.phase, run.terminating) == (P.ERROR, True)


@pytest.mark.parametrize("bad", [P.FAILED, P.ERROR, P.INCONCLUSIVE])
def test_a_bad_metric_makes_the_run_terminating(bad: AnalysisPhase) -> None:
    assert run_is_terminating([m("a", bad), m("b", P.RUNNING)], terminate_requested=False)


def test_worst_phase_follows_argos_severity_order() -> None:
    metrics = [
        m("a", P.INCONCLUSIVE, "inconclusive"),
        m("b", P.FAILED, "failed"),
        m("c", P.ERROR, "error"),
    ]
    run = assess_run(metrics, terminate_requested=False)
    assert (run.phase, run.message) == (P.FAILED, "failed")
    run = assess_run(metrics[::-1], terminate_requested=False)
    assert (run.phase, run.message) == (P.FAILED, "failed")


def test_first_metric_with_the_worst_phase_gives_the_message() -> None:
    run = assess_run(
        [m("a", P.ERROR, "first"), m("b", P.ERROR, "second")], terminate_requested=False
    )
    assert run.message == "first"


def test_terminate_request_on_healthy_run_ends_successful_with_run_terminated() -> None:
    run = assess_run([m("a", P.SUCCESSFUL), m("b", P.SUCCESSFUL)], terminate_requested=True)
    assert run == RunAssessment(phase=P.SUCCESSFUL, message=RUN_TERMINATED, terminating=True)


def test_terminate_request_before_any_measurement_is_successful() -> None:
    run = assess_run([m("a", P.PENDING)], terminate_requested=True)
    assert run == RunAssessment(phase=P.SUCCESSFUL, message="Run Terminated", terminating=True)


def test_terminate_request_keeps_a_failure_already_recorded() -> None:
    run = assess_run([m("a", P.FAILED, "why")], terminate_requested=True)
    assert (run.phase, run.message) == (P.FAILED, "why")


def test_dry_run_metrics_never_decide_nor_terminate() -> None:
    metrics = [m("dry", P.FAILED, "dry failure", dry_run=True), m("real", P.RUNNING)]
    assert not run_is_terminating(metrics, terminate_requested=False)
    assert assess_run(metrics, terminate_requested=False).phase == P.RUNNING
    done = [m("dry", P.FAILED, "dry failure", dry_run=True), m("real", P.SUCCESSFUL)]
    assert assess_run(done, terminate_requested=False) == RunAssessment(phase=P.SUCCESSFUL)


def test_a_run_of_only_dry_run_metrics_is_successful_when_they_complete() -> None:
    run = assess_run([m("dry", P.ERROR, "x", dry_run=True)], terminate_requested=False)
    assert run == RunAssessment(phase=P.SUCCESSFUL)
