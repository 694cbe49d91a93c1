"""The AnalysisRun engine: Argo's reconcileAnalysisRun for a run living inside the rollout.

One call brings one run up to date at `now`: it asks for the measurements that are due (or,
when the run is terminating, cuts short the ones in flight), assesses each metric, then the run.
Measurements themselves are taken by the analysis worker; their results come back as inputs and
are recorded before this runs, so every phase change here follows from recorded facts.

A run starts Running as soon as its spec is known, even while its metrics wait for their
initialDelay: that is what Argo's first reconcile of a new run does, and it lets a reader tell a
run that is measuring from one whose templates were never resolved.

Termination follows Argo's providers. Argo takes a Prometheus, Web, Datadog... measurement
within one reconcile, so a terminating run never abandons one: here such a measurement is in
flight a little while, and a terminating run waits for it (taking no new ones) before it
completes. A Job measurement really runs for a while; Argo deletes the Job and records the
measurement Inconclusive, "Metric Terminated", and so does this engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

import events.models as ev
from events.base import Event
from events.phases import AnalysisPhase
from rollouts.analysis.assess import assess_metric, explain_metric
from rollouts.analysis.engine_verdict import METRIC_TERMINATED, argo_message
from rollouts.analysis.run_phase import (
    RUN_TERMINATED,
    MetricOutcome,
    RunAssessment,
    assess_run,
    run_is_terminating,
)
from rollouts.analysis.schedule import is_count_reached, next_measurement_at
from rollouts.fsm import check_analysis_transition
from rollouts.run_state import AnalysisRunState, MetricRunState
from rollouts.state import RolloutState

E = TypeVar("E", bound=Event)


class RunContext(Protocol):
    """What the engine needs of a decision: the state so far, the time, a way to record."""

    state: RolloutState
    now: datetime

    def emit(self, event_type: type[E], **fields: Any) -> E: ...


def outcomes(run: AnalysisRunState) -> list[MetricOutcome]:
    """Each metric as the run sees it; the run quotes the explanation, not the metric's own
    message, and computes it from the current counters as Argo's assessRunStatus does."""
    return [
        MetricOutcome(
            name=m.name,
            phase=m.phase,
            message=explain_metric(m.limits, m.counters, m.phase, m.name, argo_message(m.last)),
            dry_run=m.dry_run,
        )
        for m in run.metrics
    ]


def is_terminating(run: AnalysisRunState) -> bool:
    """Argo's IsTerminating: terminate requested, or a deciding metric ended badly."""
    return run_is_terminating(outcomes(run), terminate_requested=run.termination_requested)


def measurement_due_at(run: AnalysisRunState, metric: MetricRunState) -> datetime | None:
    """When the metric's next measurement is due, ignoring whether the run is terminating."""
    if run.started_at is None or metric.phase.completed or metric.in_flight is not None:
        return None
    spec = metric.spec
    return next_measurement_at(
        started_at=run.started_at,
        initial_delay_seconds=spec.initial_delay_seconds or 0.0,
        interval_seconds=spec.interval_seconds,
        last_finished_at=metric.last_finished_at,
        last_phase=metric.counters.last_phase,
        count_reached=is_count_reached(metric.limits, metric.counters),
    )


def next_measurement(run: AnalysisRunState) -> datetime | None:
    """The earliest measurement the run will ask for, None when it asks for none."""
    if run.phase.completed or not run.started or is_terminating(run):
        return None
    due = [at for metric in run.metrics if (at := measurement_due_at(run, metric)) is not None]
    return min(due, default=None)


def reconcile_analysis_run(ctx: RunContext, name: str) -> None:
    run = ctx.state.analysis_runs.get(name)
    if run is None or run.phase.completed:
        return
    if not run.started:
        if run.termination_requested:
            _set_phase(
                ctx, run, RunAssessment(phase=AnalysisPhase.SUCCESSFUL, message=RUN_TERMINATED)
            )
        return
    _reconcile_metrics(ctx, name)
    run = ctx.state.analysis_runs[name]
    assessment = assess_run(outcomes(run), terminate_requested=run.termination_requested)
    if assessment.phase.completed and awaiting(run):
        return
    _set_phase(ctx, run, assessment)


def awaiting(run: AnalysisRunState) -> bool:
    """A measurement is in flight: a terminating run completes once it is recorded."""
    return any(metric.in_flight is not None for metric in run.metrics)


def _reconcile_metrics(ctx: RunContext, name: str) -> None:
    """Measure or cut short, then assess. A metric that ends the run makes it terminating at
    once, so a second round assesses its siblings as terminated (Argo's next reconcile)."""
    for _ in range(2):
        run = ctx.state.analysis_runs[name]
        terminating = is_terminating(run)
        if terminating:
            _cut_short(ctx, run)
        else:
            _request_due(ctx, run)
        _assess_metrics(ctx, name, terminating)
        if terminating or not is_terminating(ctx.state.analysis_runs[name]):
            return


def _request_due(ctx: RunContext, run: AnalysisRunState) -> None:
    for metric in run.metrics:
        due = measurement_due_at(run, metric)
        if due is not None and due <= ctx.now:
            ctx.emit(
                ev.MeasurementDue, run_name=run.name, metric=metric.name, index=metric.taken + 1
            )


def _cut_short(ctx: RunContext, run: AnalysisRunState) -> None:
    """A terminating run's Job measurements end at once (Argo deletes the Job)."""
    for metric in run.metrics:
        if metric.in_flight is None or metric.spec.provider.job is None:
            continue
        ctx.emit(
            ev.MeasurementRecorded,
            run_name=run.name,
            metric=metric.name,
            index=metric.in_flight,
            phase=AnalysisPhase.INCONCLUSIVE,
            message=METRIC_TERMINATED,
            finished_at=ctx.now,
            dry_run=metric.dry_run,
        )


def _assess_metrics(ctx: RunContext, name: str, terminating: bool) -> None:
    for metric in ctx.state.analysis_runs[name].metrics:
        assessed = assess_metric(
            metric.limits,
            metric.counters,
            terminating=terminating,
            last_measurement_in_flight=metric.in_flight is not None,
            metric_name=metric.name,
            current_phase=metric.phase,
            last_message=argo_message(metric.last),
            measurement_message=metric.last.message if metric.last else "",
            dry_run=metric.dry_run,
        )
        if assessed.phase is not metric.phase:
            ctx.emit(
                ev.MetricPhaseChanged,
                run_name=name,
                metric=metric.name,
                phase=assessed.phase,
                previous_phase=metric.phase,
                message=assessed.message,
            )


def _set_phase(ctx: RunContext, run: AnalysisRunState, assessment: RunAssessment) -> None:
    if assessment.phase is run.phase:
        return
    check_analysis_transition(run.phase, assessment.phase)
    ctx.emit(
        ev.AnalysisRunStatusChanged,
        run_name=run.name,
        kind=run.kind,
        phase=assessment.phase,
        previous_phase=run.phase,
        message=assessment.message,
    )
