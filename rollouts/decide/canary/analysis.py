"""Canary analysis: the run of an `analysis` step, and background analysis from startingStep."""

from __future__ import annotations

from events.phases import AnalysisRunKind
from rollouts.decide.analysis import cancel_all, reconcile_run, should_cancel_all, terminate
from rollouts.decide.canary.weights import canary_of
from rollouts.decide.context import Decision


def reconcile_canary_analysis(ctx: Decision) -> None:
    reason = should_cancel_all(ctx)
    if reason:
        cancel_all(ctx, reason)
        return
    _step_run(ctx)
    _background_run(ctx)


def _step_run(ctx: Decision) -> None:
    state = ctx.state
    if state.pause_conditions or state.abort:
        return
    step, index = state.current_step, state.current_step_index
    current = state.run(AnalysisRunKind.STEP)
    from_previous_step = current is not None and current.step_index != index
    if step is None or step.analysis is None or index is None or from_previous_step:
        terminate(ctx, current, "step left")
        return
    reconcile_run(ctx, AnalysisRunKind.STEP, step.analysis, index)


def _background_run(ctx: Decision) -> None:
    state = ctx.state
    background = canary_of(state).analysis
    if background is None:
        terminate(ctx, state.run(AnalysisRunKind.BACKGROUND), "no background analysis")
        return
    index = state.current_step_index
    if index is not None and index < background.starting_step:
        return
    reconcile_run(ctx, AnalysisRunKind.BACKGROUND, background, None)
