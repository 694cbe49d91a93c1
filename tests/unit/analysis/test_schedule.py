"""When the next measurement of a metric is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.phases import AnalysisPhase
from rollouts.analysis import ERROR_RETRY_INTERVAL, next_measurement_at

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LAST = START + timedelta(minutes=3)


def test_first_measurement_waits_for_the_initial_delay() -> None:
    assert next_measurement_at(started_at=START, initial_delay_seconds=90) == START + timedelta(
        seconds=90
    )


def test_first_measurement_without_delay_is_due_at_start() -> None:
    assert next_measurement_at(started_at=START, interval_seconds=60) == START


def test_next_measurement_follows_the_interval() -> None:
    due = next_measurement_at(
        started_at=START,
        interval_seconds=60,
        last_finished_at=LAST,
        last_phase=AnalysisPhase.FAILED,
    )
    assert due == LAST + timedelta(seconds=60)


def test_after_an_error_the_retry_comes_ten_seconds_later_whatever_the_interval() -> None:
    assert timedelta(seconds=10) == ERROR_RETRY_INTERVAL
    for interval in (None, 1.0, 300.0):
        due = next_measurement_at(
            started_at=START,
            interval_seconds=interval,
            last_finished_at=LAST,
            last_phase=AnalysisPhase.ERROR,
        )
        assert due == LAST + timedelta(seconds=10)


def test_nothing_is_due_once_the_count_is_reached() -> None:
    due = next_measurement_at(
        started_at=START,
        interval_seconds=60,
        last_finished_at=LAST,
        last_phase=AnalysisPhase.SUCCESSFUL,
        count_reached=True,
    )
    assert due is None


def test_nothing_is_due_while_a_measurement_is_in_flight() -> None:
    due = next_measurement_at(
        started_at=START, interval_seconds=60, last_phase=AnalysisPhase.RUNNING
    )
    assert due is None


def test_a_metric_without_interval_measures_once() -> None:
    due = next_measurement_at(
        started_at=START, last_finished_at=LAST, last_phase=AnalysisPhase.SUCCESSFUL
    )
    assert due is None
