"""What the analysis worker reports: a run's resolved spec, and raw measurements.

Both are observations, so a late or repeated report is dropped rather than refused: a spec for
a run that is gone, no longer current or already started; a measurement nobody is waiting for
(wrong index, already recorded, or its run completed or cut it short).
"""

from __future__ import annotations

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase
from rollouts.analysis.engine_spec import RunSpecInvalid, metric_states
from rollouts.analysis.engine_verdict import verdict_of
from rollouts.decide.analysis_judge import judge_verdict
from rollouts.decide.context import Decision
from rollouts.decide.observed_times import checked_time
from rollouts.errors import IllegalTransition
from rollouts.fsm import check_analysis_transition
from rollouts.run_state import AnalysisRunState


def run_resolved(ctx: Decision, obs: inp.AnalysisRunResolved) -> None:
    run = ctx.state.analysis_runs.get(obs.run_name)
    if run is None or run.started or run.phase.completed:
        return
    if run.name not in ctx.state.current_runs.values():
        return
    if obs.error is not None:
        _run_error(ctx, run, obs.error)
        return
    try:
        metric_states(obs.metrics, obs.dry_run_metrics, obs.measurement_retention)
    except RunSpecInvalid as invalid:
        _run_error(ctx, run, str(invalid))
        return
    ctx.emit(
        ev.AnalysisRunStarted,
        run_name=run.name,
        metrics=obs.metrics,
        args=obs.args,
        secret_args=obs.secret_args,
        dry_run_metrics=obs.dry_run_metrics,
        measurement_retention=obs.measurement_retention,
    )


def _run_error(ctx: Decision, run: AnalysisRunState, message: str) -> None:
    change_run_phase(ctx, run, AnalysisPhase.ERROR, message)


def change_run_phase(
    ctx: Decision, run: AnalysisRunState, phase: AnalysisPhase, message: str
) -> None:
    """A run's phase only moves along the AnalysisRun FSM: a late or repeated report of a phase
    the run cannot reach from where it is now changes nothing."""
    try:
        check_analysis_transition(run.phase, phase)
    except IllegalTransition:
        return
    ctx.emit(
        ev.AnalysisRunStatusChanged,
        run_name=run.name,
        kind=run.kind,
        phase=phase,
        previous_phase=run.phase,
        message=message,
    )


def measurement_taken(ctx: Decision, obs: inp.MeasurementTaken) -> None:
    run = ctx.state.analysis_runs.get(obs.run_name)
    if run is None or not run.started or run.phase.completed:
        return
    metric = run.metric(obs.metric)
    if metric is None or metric.in_flight != obs.index:
        return
    if metric.spec.judge is None:
        verdict = verdict_of(metric.spec, obs.value, obs.error, obs.metadata)
    else:  # a judge metric's samples are judged against each other (docs/judge.md)
        verdict = judge_verdict(ctx, run, metric, obs)
    # The next measurement is scheduled from `finished_at`: one from the future would stall it.
    finished_at = checked_time(ctx, obs, "finished_at") or ctx.now
    started_at = min(checked_time(ctx, obs, "started_at") or ctx.now, finished_at)
    ctx.emit(
        ev.MeasurementRecorded,
        run_name=run.name,
        metric=metric.name,
        index=obs.index,
        phase=verdict.phase,
        value=verdict.value,
        message=verdict.message,
        started_at=started_at,
        finished_at=finished_at,
        dry_run=metric.dry_run,
    )
