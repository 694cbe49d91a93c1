"""evolve handlers for the inside of an AnalysisRun: its spec, measurements and metric phases.

A MeasurementDue marks the metric's measurement in flight (Argo's measurement in phase Running);
a MeasurementRecorded completes it, updates Argo's counters and keeps only the newest
measurements (measurementRetention, 10 by default): the stream holds the full history.
"""

from __future__ import annotations

from collections.abc import Callable

import events.models as ev
from events.base import Event
from events.phases import AnalysisPhase
from rollouts.analysis.assess import record_measurement
from rollouts.analysis.engine_spec import RunSpecInvalid, metric_states
from rollouts.clock_skew import bounded
from rollouts.run_state import AnalysisRunState, Measurement, MetricRunState
from rollouts.state import RolloutState
from rollouts.state_changes import (
    Handler,
    MetricChanges,
    RunChanges,
    StateChanges,
    changed,
)


def _with_run(s: RolloutState, run: AnalysisRunState) -> StateChanges:
    return {"analysis_runs": {**s.analysis_runs, run.name: run}}


def _update_metric(
    s: RolloutState,
    run_name: str,
    metric_name: str,
    change: Callable[[MetricRunState], MetricChanges],
) -> StateChanges:
    run = s.analysis_runs.get(run_name)
    metric = run.metric(metric_name) if run else None
    if run is None or metric is None:
        return {}
    return _with_run(s, run.with_metric(changed(metric, change(metric))))


def _started(s: RolloutState, e: ev.AnalysisRunStarted) -> StateChanges:
    """decide only emits this for a spec that `metric_states` accepts; an unreadable one (a
    history written by another version, say) leaves the run waiting rather than failing."""
    run = s.analysis_runs.get(e.run_name)
    if run is None:
        return {}
    try:
        metrics = metric_states(e.metrics, e.dry_run_metrics, e.measurement_retention)
    except RunSpecInvalid:
        return {}
    started: RunChanges = {"started_at": e.at, "metrics": metrics, "secret_args": e.secret_args}
    return _with_run(s, changed(run, started))


def _due(s: RolloutState, e: ev.MeasurementDue) -> StateChanges:
    return _update_metric(
        s,
        e.run_name,
        e.metric,
        lambda m: {
            "taken": max(m.taken, e.index),
            "in_flight": e.index,
            "counters": record_measurement(m.counters, AnalysisPhase.RUNNING),
        },
    )


def _recorded(s: RolloutState, e: ev.MeasurementRecorded) -> StateChanges:
    measurement = Measurement(
        index=e.index,
        phase=e.phase,
        value=e.value,
        message=e.message,
        started_at=e.started_at,
        # Never later than the decision (+ tolerance): the next measurement is due from here.
        finished_at=bounded(e.finished_at, e.at) or e.at,
    )

    def change(m: MetricRunState) -> MetricChanges:
        return {
            "counters": record_measurement(m.counters, e.phase),
            "in_flight": None if m.in_flight == e.index else m.in_flight,
            "last_finished_at": measurement.finished_at,
            "measurements": (*m.measurements, measurement)[-m.retention :],
        }

    return _update_metric(s, e.run_name, e.metric, change)


def _metric_phase(s: RolloutState, e: ev.MetricPhaseChanged) -> StateChanges:
    return _update_metric(
        s, e.run_name, e.metric, lambda m: {"phase": e.phase, "message": e.message}
    )


ANALYSIS_HANDLERS: dict[type[Event], Handler] = {
    ev.AnalysisRunStarted: _started,
    ev.MeasurementDue: _due,
    ev.MeasurementRecorded: _recorded,
    ev.MetricPhaseChanged: _metric_phase,
}
