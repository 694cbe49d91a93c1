"""Keeping the rollout's AnalysisRuns moving: the engine for each run, and termination.

Every run the rollout still waits on is reconciled at the start of each pass, before the
rollout's own rules judge it, like Argo's analysis controller running next to the rollout
controller. A terminated run is reconciled at once: with no new measurements to take it
completes in the same decision (normally Successful, per §3.6), and being no longer current
its outcome no longer touches the rollout.
"""

from __future__ import annotations

import events.models as ev
from rollouts.analysis.engine import reconcile_analysis_run
from rollouts.decide.context import Decision
from rollouts.run_state import AnalysisRunState


def reconcile_analysis_runs(ctx: Decision) -> None:
    current = set(ctx.state.current_runs.values())
    for run in list(ctx.state.analysis_runs.values()):
        if not run.phase.completed and (run.name in current or run.termination_requested):
            reconcile_analysis_run(ctx, run.name)


def terminate_run(ctx: Decision, run: AnalysisRunState | None, reason: str) -> None:
    if run is None or run.phase.completed or run.termination_requested:
        return
    ctx.emit(ev.AnalysisRunTerminationRequested, run_name=run.name, reason=reason)
    reconcile_analysis_run(ctx, run.name)
