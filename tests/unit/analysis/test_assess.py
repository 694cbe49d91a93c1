"""A metric's phase from counters and limits (metric_assessment_cases.json), and counting."""

from __future__ import annotations

from typing import Any

import pytest

from events.phases import AnalysisPhase
from rollouts.analysis import (
    MetricCounters,
    MetricLimits,
    assess_metric,
    is_count_reached,
    limit_breach,
    record_measurement,
)
from tests.conftest import load_conformance

DOC: dict[str, Any] = load_conformance("metric_assessment_cases.json")
CASES: list[dict[str, Any]] = DOC["cases"]
IN_FLIGHT = "Running (in flight)"


def _limits(metric: dict[str, Any]) -> MetricLimits:
    return MetricLimits(
        failure_limit=metric.get("failureLimit", 0),
        inconclusive_limit=metric.get("inconclusiveLimit", 0),
        consecutive_error_limit=metric.get("consecutiveErrorLimit", 4),
        consecutive_success_limit=metric.get("consecutiveSuccessLimit", 0),
        count=metric.get("count"),
        has_interval="interval" in metric,
    )


def _counters(result: dict[str, Any]) -> tuple[MetricCounters, bool]:
    last = result.get("lastMeasurement")
    in_flight = last == IN_FLIGHT
    if result.get("measurements") == 0:
        last_phase = None
    else:
        last_phase = AnalysisPhase.RUNNING if in_flight else AnalysisPhase(str(last))
    counters = MetricCounters(
        count=result.get("count", 0),
        successful=result.get("successful", 0),
        failed=result.get("failed", 0),
        inconclusive=result.get("inconclusive", 0),
        error=result.get("error", result.get("consecutiveError", 0)),
        consecutive_error=result.get("consecutiveError", 0),
        consecutive_success=result.get("consecutiveSuccess", 0),
        last_phase=last_phase,
    )
    return counters, in_flight


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['expect']}" for i, c in enumerate(CASES)])
def test_metric_assessment_case(case: dict[str, Any]) -> None:
    counters, in_flight = _counters(case["result"])
    assessment = assess_metric(
        _limits(case["metric"]),
        counters,
        terminating=case["terminating"],
        last_measurement_in_flight=in_flight,
    )
    assert assessment.phase == AnalysisPhase(case["expect"])


def test_all_nineteen_cases_are_present() -> None:
    assert len(CASES) == 19


def test_message_names_the_metric_and_the_limit() -> None:
    assessment = assess_metric(
        MetricLimits(failure_limit=2, has_interval=True),
        MetricCounters(count=3, failed=3, last_phase=AnalysisPhase.FAILED),
        terminating=False,
        metric_name="x",
    )
    assert assessment.phase == AnalysisPhase.FAILED
    assert assessment.explanation == (
        'Metric "x" assessed Failed due to failed (3) > failureLimit (2)'
    )


def test_message_quotes_the_last_measurement_message() -> None:
    assessment = assess_metric(
        MetricLimits(has_interval=True),
        MetricCounters(error=5, consecutive_error=5, last_phase=AnalysisPhase.ERROR),
        terminating=False,
        metric_name="rate",
        last_message="connection refused",
        measurement_message="connection refused",
    )
    assert assessment.message == "connection refused"  # Argo: the last measurement's message
    assert assessment.explanation == (
        'Metric "rate" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): '
        '"Error Message: connection refused"'
    )


def test_metric_message_is_the_last_measurements_message() -> None:
    """Argo copies the last measurement's message to the metric result on a phase change; the
    "Metric ... assessed ..." text is the run's only."""
    assessment = assess_metric(
        MetricLimits(failure_limit=2, has_interval=True),
        MetricCounters(count=3, failed=3, last_phase=AnalysisPhase.FAILED),
        terminating=False,
        metric_name="x",
        measurement_message='value 0.08: failureCondition "result > 0.05" is true',
    )
    assert assessment.message == 'value 0.08: failureCondition "result > 0.05" is true'
    assert assessment.explanation.startswith('Metric "x" assessed Failed')


def test_dry_run_metric_message_leaves_the_name_and_the_error_message_out() -> None:
    assessment = assess_metric(
        MetricLimits(count=2, has_interval=True),
        MetricCounters(
            count=1, inconclusive=1, error=5, consecutive_error=5, last_phase=AnalysisPhase.ERROR
        ),
        terminating=False,
        metric_name="x",
        last_message="timeout",
        measurement_message="timeout",
        dry_run=True,
    )
    assert assessment.message == (
        "Metric assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4)"
    )
    assert assessment.explanation == (
        'Metric "x" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): '
        '"Error Message: timeout"'
    )


def test_dry_run_metric_without_a_breach_keeps_the_measurement_message() -> None:
    assessment = assess_metric(
        MetricLimits(count=1),
        MetricCounters(count=1, successful=1, last_phase=AnalysisPhase.SUCCESSFUL),
        terminating=False,
        metric_name="x",
        measurement_message="ok",
        dry_run=True,
    )
    assert (assessment.phase, assessment.message) == (AnalysisPhase.SUCCESSFUL, "ok")


def test_no_message_while_running_or_when_no_limit_decided() -> None:
    running = assess_metric(
        MetricLimits(failure_limit=3, has_interval=True),
        MetricCounters(count=3, failed=3, last_phase=AnalysisPhase.FAILED),
        terminating=False,
        metric_name="x",
    )
    assert (running.phase, running.message) == (AnalysisPhase.RUNNING, "")
    done = assess_metric(
        MetricLimits(count=2, has_interval=True),
        MetricCounters(count=2, successful=2, last_phase=AnalysisPhase.SUCCESSFUL),
        terminating=False,
        metric_name="x",
    )
    assert (done.phase, done.message) == (AnalysisPhase.SUCCESSFUL, "")


def test_a_completed_metric_keeps_its_phase() -> None:
    assessment = assess_metric(
        MetricLimits(has_interval=True),
        MetricCounters(count=1, successful=1, last_phase=AnalysisPhase.SUCCESSFUL),
        terminating=False,
        current_phase=AnalysisPhase.INCONCLUSIVE,
    )
    assert assessment.phase == AnalysisPhase.INCONCLUSIVE


def test_limit_precedence_is_error_over_inconclusive_over_failed() -> None:
    limits = MetricLimits()
    everything = MetricCounters(count=2, failed=1, inconclusive=1, consecutive_error=5)
    assert limit_breach(limits, everything)[0] == AnalysisPhase.ERROR
    no_errors = everything.model_copy(update={"consecutive_error": 0})
    assert limit_breach(limits, no_errors)[0] == AnalysisPhase.INCONCLUSIVE
    only_failed = no_errors.model_copy(update={"inconclusive": 0})
    assert limit_breach(limits, only_failed)[0] == AnalysisPhase.FAILED
    assert limit_breach(limits, MetricCounters()) == (None, "")


def test_disabled_failure_limit_never_fails_on_failures() -> None:
    limits = MetricLimits(failure_limit=-1, consecutive_success_limit=2, has_interval=True)
    assert limit_breach(limits, MetricCounters(count=50, failed=50))[0] is None


@pytest.mark.parametrize(
    ("count", "has_interval", "effective"),
    [
        (None, False, 1),
        (0, False, 1),
        (None, True, None),
        (0, True, None),
        (5, True, 5),
        (1, False, 1),
    ],
)
def test_effective_count(count: int | None, has_interval: bool, effective: int | None) -> None:
    assert MetricLimits(count=count, has_interval=has_interval).effective_count == effective


def test_limits_reject_values_argo_validation_rejects() -> None:
    with pytest.raises(ValueError):
        MetricLimits(failure_limit=-2)
    with pytest.raises(ValueError):
        MetricLimits(inconclusive_limit=-1)


def test_record_measurement_counts_like_argo() -> None:
    counters = MetricCounters()
    for phase in (
        AnalysisPhase.SUCCESSFUL,
        AnalysisPhase.SUCCESSFUL,
        AnalysisPhase.ERROR,
        AnalysisPhase.ERROR,
    ):
        counters = record_measurement(counters, phase)
    assert counters == MetricCounters(
        count=2,
        successful=2,
        error=2,
        consecutive_error=2,
        consecutive_success=0,
        last_phase=AnalysisPhase.ERROR,
    )
    counters = record_measurement(counters, AnalysisPhase.FAILED)
    assert (counters.count, counters.failed, counters.consecutive_error) == (3, 1, 0)
    counters = record_measurement(counters, AnalysisPhase.INCONCLUSIVE)
    assert (counters.count, counters.inconclusive, counters.consecutive_success) == (4, 1, 0)
    counters = record_measurement(counters, AnalysisPhase.SUCCESSFUL)
    assert (counters.consecutive_success, counters.successful) == (1, 3)


def test_errors_do_not_use_up_the_count() -> None:
    limits = MetricLimits(count=1)
    counters = record_measurement(MetricCounters(), AnalysisPhase.ERROR)
    assert not is_count_reached(limits, counters)
    assert assess_metric(limits, counters, terminating=False).phase == AnalysisPhase.RUNNING
    counters = record_measurement(counters, AnalysisPhase.SUCCESSFUL)
    assert is_count_reached(limits, counters)
    assert assess_metric(limits, counters, terminating=False).phase == AnalysisPhase.SUCCESSFUL


def test_an_unfinished_measurement_only_moves_the_last_phase() -> None:
    counters = record_measurement(MetricCounters(count=1, successful=1), AnalysisPhase.RUNNING)
    assert counters == MetricCounters(count=1, successful=1, last_phase=AnalysisPhase.RUNNING)
    assert assess_metric(MetricLimits(), counters, terminating=True).phase == AnalysisPhase.RUNNING


def test_five_errors_in_a_row_end_the_metric_and_a_success_resets_the_streak() -> None:
    limits = MetricLimits(has_interval=True)
    counters = MetricCounters()
    for _ in range(4):
        counters = record_measurement(counters, AnalysisPhase.ERROR)
    counters = record_measurement(counters, AnalysisPhase.SUCCESSFUL)
    for _ in range(4):
        counters = record_measurement(counters, AnalysisPhase.ERROR)
    assert assess_metric(limits, counters, terminating=False).phase == AnalysisPhase.RUNNING
    counters = record_measurement(counters, AnalysisPhase.ERROR)
    assert assess_metric(limits, counters, terminating=False).phase == AnalysisPhase.ERROR
