"""When AnalysisRuns start and stop, and what their outcome does to the rollout (§3.7).

Runs are requested as intents; the analysis engine (`analysis_runs`) measures them and sets
their phase, or an outside controller reports it. Failed or Error aborts, Inconclusive pauses
with `InconclusiveAnalysisRun`, and no run is ever started on an initial deploy, a fast
rollback, a full promotion, an abort or a fully promoted rollout.
"""

from __future__ import annotations

import events.models as ev
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason
from rollouts.decide.analysis_runs import terminate_run
from rollouts.decide.context import Decision
from rollouts.decide.revisions import is_fast_rollback
from rollouts.run_state import AnalysisRunState
from rollouts.spec import RolloutAnalysis
from rollouts.state import RolloutState

_ABORT_MESSAGES = {
    AnalysisRunKind.STEP: "Step-based analysis phase error/failed",
    AnalysisRunKind.BACKGROUND: "Background analysis phase error/failed",
    AnalysisRunKind.PRE_PROMOTION: "Blue/green pre-promotion analysis phase error/failed",
    AnalysisRunKind.POST_PROMOTION: "Blue/green post-promotion analysis phase error/failed",
}

_SUFFIX = {
    AnalysisRunKind.BACKGROUND: "",
    AnalysisRunKind.PRE_PROMOTION: "-pre",
    AnalysisRunKind.POST_PROMOTION: "-post",
}


def terminate(ctx: Decision, run: AnalysisRunState | None, reason: str) -> None:
    terminate_run(ctx, run, reason)


def should_cancel_all(ctx: Decision) -> str:
    """Why no analysis may run now, or "" when it may."""
    state = ctx.state
    if state.stable_rs is None:
        return "initial deploy"
    if state.fully_promoted:
        return "rollout fully promoted"
    if ctx.is_aborted():
        return "rollout aborted"
    if state.promote_full:
        return "full promotion requested"
    if is_fast_rollback(state):
        return "fast rollback"
    return ""


def cancel_all(ctx: Decision, reason: str) -> None:
    for kind in AnalysisRunKind:
        terminate(ctx, ctx.state.run(kind), reason)


def needs_new_run(ctx: Decision, run: AnalysisRunState | None) -> bool:
    """Argo needsNewAnalysisRun: none yet, or the user cleared an Inconclusive pause. Argo's
    third case, the reconcile right after a retry (`abortedAt` still set), is covered by evolve:
    clearing an abort forgets the current runs, so a retried rollout starts fresh ones."""
    if run is None:
        return True
    state = ctx.state
    own_pause = state.pause_condition(PauseReason.CANARY_PAUSE_STEP) or state.pause_condition(
        PauseReason.BLUE_GREEN_PAUSE
    )
    return ctx.controller_paused() and not own_pause and run.phase is AnalysisPhase.INCONCLUSIVE


def run_name(state: RolloutState, kind: AnalysisRunKind, step_index: int | None) -> str:
    """`<rollout>-<podHash>-<revision>[-<step>|-pre|-post]`, with `.1`, `.2`... on collision,
    and `-life<n>` after a deletion: a re-created rollout starts again at revision 1, and a late
    measurement of the life before must not land in a run of the new one."""
    suffix = f"-{step_index}" if kind is AnalysisRunKind.STEP else _SUFFIX[kind]
    life = f"-life{state.lives_ended + 1}" if state.lives_ended else ""
    base = f"{state.name}-{state.current_pod_hash}-{state.revision}{suffix}{life}"
    name, n = base, 0
    while name in state.analysis_runs:
        n += 1
        name = f"{base}.{n}"
    return name


def request_run(
    ctx: Decision, kind: AnalysisRunKind, analysis: RolloutAnalysis, step_index: int | None
) -> None:
    state = ctx.state
    ctx.emit(
        ev.AnalysisRunRequested,
        run_name=run_name(state, kind, step_index),
        kind=kind,
        step_index=step_index,
        revision=state.revision,
        pod_template_hash=state.current_pod_hash or "",
        stable_pod_template_hash=state.stable_rs or "",
        analysis=analysis.model_dump(mode="json", by_alias=True, exclude_unset=True),
    )


def judge_outcome(ctx: Decision, run: AnalysisRunState | None) -> None:
    """Inconclusive pauses; Failed or Error aborts with the run's message."""
    if run is None:
        return
    if run.phase is AnalysisPhase.INCONCLUSIVE:
        ctx.add_pause(PauseReason.INCONCLUSIVE_ANALYSIS_RUN)
    elif run.phase in (AnalysisPhase.FAILED, AnalysisPhase.ERROR):
        message = _ABORT_MESSAGES[run.kind]
        ctx.abort(f"{message}: {run.message}" if run.message else message)


def reconcile_run(
    ctx: Decision, kind: AnalysisRunKind, analysis: RolloutAnalysis | None, step: int | None
) -> None:
    """Start the run of `kind` if it is due, or judge the current one."""
    state = ctx.state
    current = state.run(kind)
    if analysis is None or not analysis.templates:
        terminate(ctx, current, "no analysis configured")
        return
    if state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN):
        return
    if needs_new_run(ctx, current):
        request_run(ctx, kind, analysis, step)
        return
    judge_outcome(ctx, current)
