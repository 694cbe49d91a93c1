"""When a metric's next measurement is due (Argo's runMeasurements / calculateNextReconcileTime).

The first measurement is due at `startedAt + initialDelay`; each later one at the previous
measurement's `finishedAt + interval`, except that after an Error measurement the retry comes
10 s later whatever the interval. No measurement is due once the count is reached, while one is
still in flight, or after a single measurement of a metric without an interval. Times come in
as arguments: nothing here reads a clock. The run wakes up at the earliest of its metrics' times.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events.phases import AnalysisPhase
from rollouts.analysis.assess import MetricCounters, MetricLimits

ERROR_RETRY_INTERVAL = timedelta(seconds=10)


def is_count_reached(limits: MetricLimits, counters: MetricCounters) -> bool:
    wanted = limits.effective_count
    return wanted is not None and counters.count >= wanted


def next_measurement_at(
    *,
    started_at: datetime,
    initial_delay_seconds: float = 0.0,
    interval_seconds: float | None = None,
    last_finished_at: datetime | None = None,
    last_phase: AnalysisPhase | None = None,
    count_reached: bool = False,
) -> datetime | None:
    """When to measure next; None when no further measurement is to be scheduled.

    Only meaningful for a metric that is not completed and a run that is not terminating
    (a terminating run takes no new measurements). `interval_seconds` None means no interval.
    """
    if last_phase is None:
        return started_at + timedelta(seconds=initial_delay_seconds)
    if not last_phase.completed or last_finished_at is None or count_reached:
        return None
    if last_phase == AnalysisPhase.ERROR:
        return last_finished_at + ERROR_RETRY_INTERVAL
    if interval_seconds is None:
        return None
    return last_finished_at + timedelta(seconds=interval_seconds)
