"""What each user command does to a rollout (argo-semantics §2.5), or why it is refused.

A refused command raises before anything is emitted, so a refusal appends nothing. Accepted
commands record `CommandAccepted` first: the audit trail names who asked for what, and every
effect that follows carries the same cause.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import events.inputs as inp
import events.models as ev
from events.base import Command
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason
from rollouts.decide.analysis_runs import terminate_run
from rollouts.decide.context import Decision
from rollouts.decide.deletion import delete_rollout
from rollouts.decide.manifests import parse_manifest, with_image, with_template
from rollouts.decide.restart_command import set_restart_at
from rollouts.decide.revisions import apply_spec, manifest_of, template_of
from rollouts.decide.workload_ref import refuse_template_command
from rollouts.errors import CommandRejected, UnknownRollout
from rollouts.hashing import pod_template_hash
from rollouts.spec import Rollout
from rollouts.spec.image_ref import image_problem


def _accept(ctx: Decision, cmd: Command, name: str, **arguments: Any) -> None:
    ctx.emit(ev.CommandAccepted, command=name, arguments=arguments, actor=cmd.actor)


def _spec(ctx: Decision) -> Rollout:
    if ctx.state.spec is None:
        raise UnknownRollout(f"rollout {ctx.state.key} not found; apply it first")
    return ctx.state.spec


def _apply(ctx: Decision, cmd: inp.ApplySpec) -> None:
    rollout = parse_manifest(cmd.manifest, ctx.state.namespace, ctx.state.name)
    if ctx.state.spec is not None and manifest_of(rollout) == manifest_of(ctx.state.spec):
        return
    _accept(ctx, cmd, "apply")
    apply_spec(ctx, rollout)


def _set_image(ctx: Decision, cmd: inp.SetImage) -> None:
    problem = image_problem(cmd.image)
    if problem:
        raise CommandRejected(f"set image: {problem}")
    refuse_template_command(_spec(ctx), "set image")
    rollout = with_image(_spec(ctx), cmd.container, cmd.image)
    _accept(ctx, cmd, "set image", container=cmd.container, image=cmd.image)
    apply_spec(ctx, rollout)


def _undo(ctx: Decision, cmd: inp.Undo) -> None:
    spec = _spec(ctx)
    refuse_template_command(spec, "undo")
    target = _undo_target(ctx, cmd.to_revision)
    if target.pod_template_hash == pod_template_hash(template_of(spec)):
        raise CommandRejected(f"rollout {ctx.state.key} already runs revision {target.revision}")
    _accept(ctx, cmd, "undo", to_revision=target.revision)
    apply_spec(ctx, with_template(spec, target.template))


def _undo_target(ctx: Decision, to_revision: int | None) -> Any:
    by_revision = {rs.revision: rs for rs in ctx.state.replica_sets.values()}
    if to_revision is None:
        older = [r for r in by_revision if r < ctx.state.revision]
        if not older:
            raise CommandRejected(f"rollout {ctx.state.key} has no previous revision to undo to")
        to_revision = max(older)
    if to_revision not in by_revision:
        known = ", ".join(str(r) for r in sorted(by_revision)) or "none"
        raise CommandRejected(f"revision {to_revision} not found (known revisions: {known})")
    return by_revision[to_revision]


def _promote(ctx: Decision, cmd: inp.Promote) -> None:
    _spec(ctx)
    if cmd.full:
        _promote_full(ctx, cmd)
        return
    state = ctx.state
    if state.abort:
        raise CommandRejected(
            f"rollout {state.key} is aborted; use `retry` to run it again or `promote --full`"
        )
    step_inconclusive = step_run_inconclusive(ctx)
    skippable = state.current_step is not None and not state.fully_promoted
    if not (state.manually_paused or state.pause_conditions or skippable):
        raise CommandRejected(_nothing_to_promote(ctx))
    _accept(ctx, cmd, "promote")
    if not lift_for_promotion(ctx, step_inconclusive) and skippable:
        _skip_step(ctx, "promoted")


def lift_for_promotion(ctx: Decision, step_inconclusive: bool, why: str = "") -> bool:
    """What a promotion does to a paused rollout (also the maximum pause policy's `promote`,
    which says `why`): the user's pause ends, and the controller's pauses are lifted, or the
    inconclusive step skipped. False when the controller had no pause to lift."""
    state = ctx.state
    because = f": {why}" if why else ""
    if state.manually_paused:
        ctx.emit(ev.ManualPauseChanged, paused=False)
    if step_inconclusive and state.pause_conditions:
        _skip_step(ctx, f"promoted past an inconclusive analysis{because}")
    elif state.pause_conditions:
        _lift_pauses(ctx, f"promoted{because}")
    return bool(state.pause_conditions)


def _nothing_to_promote(ctx: Decision) -> str:
    state = ctx.state
    if state.fully_promoted:
        return (
            f"nothing to promote: rollout {state.key} is fully promoted "
            f"at revision {state.revision}"
        )
    return f"nothing to promote: rollout {state.key} is not paused and has no step left to skip"


def step_run_inconclusive(ctx: Decision) -> bool:
    run = ctx.state.run(AnalysisRunKind.STEP)
    paused = ctx.state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN) is not None
    return paused and run is not None and run.phase is AnalysisPhase.INCONCLUSIVE


def _skip_step(ctx: Decision, reason: str) -> None:
    index = ctx.state.current_step_index or 0
    run = ctx.state.run(AnalysisRunKind.STEP)
    terminate_run(ctx, run, "step skipped")
    if ctx.state.pause_conditions:
        ctx.emit(ev.PauseConditionsCleared, reason=reason)
    ctx.emit(ev.StepsSkipped, step_index=min(index + 1, len(ctx.state.steps)), reason=reason)


def _promote_full(ctx: Decision, cmd: inp.Promote) -> None:
    state = ctx.state
    if state.fully_promoted:
        raise CommandRejected(_nothing_to_promote(ctx))
    if state.promote_full:
        raise CommandRejected(f"full promotion of rollout {state.key} is already in progress")
    _accept(ctx, cmd, "promote", full=True)
    if state.manually_paused:
        ctx.emit(ev.ManualPauseChanged, paused=False)
    ctx.emit(ev.FullPromotionRequested)


def _abort(ctx: Decision, cmd: inp.Abort) -> None:
    _spec(ctx)
    if ctx.state.fully_promoted:
        raise CommandRejected(
            f"nothing to abort: rollout {ctx.state.key} is fully promoted at revision "
            f"{ctx.state.revision}"
        )
    if ctx.state.abort:
        raise CommandRejected(f"rollout {ctx.state.key} is already aborted")
    _accept(ctx, cmd, "abort")
    ctx.abort()


def _retry(ctx: Decision, cmd: inp.Retry) -> None:
    _spec(ctx)
    if not ctx.state.abort:
        raise CommandRejected(f"rollout {ctx.state.key} is not aborted; nothing to retry")
    _accept(ctx, cmd, "retry")
    ctx.emit(ev.AbortCleared, reason="retry")


def _pause(ctx: Decision, cmd: inp.Pause) -> None:
    _spec(ctx)
    if ctx.state.manually_paused:
        raise CommandRejected(f"rollout {ctx.state.key} is already paused")
    _accept(ctx, cmd, "pause")
    ctx.emit(ev.ManualPauseChanged, paused=True)


def _resume(ctx: Decision, cmd: inp.Resume) -> None:
    _spec(ctx)
    state = ctx.state
    if not state.manually_paused and not state.pause_conditions:
        raise CommandRejected(f"rollout {state.key} is not paused; nothing to resume")
    _accept(ctx, cmd, "resume")
    if state.manually_paused:
        ctx.emit(ev.ManualPauseChanged, paused=False)
    if state.pause_conditions:
        _lift_pauses(ctx, "resumed")


def _lift_pauses(ctx: Decision, reason: str) -> None:
    """The user lifts the controller's pauses; the next pass treats the paused step or the
    blue-green pause as done (Argo: controllerPause still set, no condition left)."""
    ctx.emit(ev.PauseConditionsCleared, reason=reason)
    ctx.pauses_lifted_by_user = True


COMMANDS: dict[type[Command], Callable[[Decision, Any], None]] = {
    inp.ApplySpec: _apply,
    inp.SetImage: _set_image,
    inp.Undo: _undo,
    inp.Promote: _promote,
    inp.Abort: _abort,
    inp.Retry: _retry,
    inp.Pause: _pause,
    inp.Resume: _resume,
    inp.Restart: set_restart_at,
    inp.DeleteRollout: delete_rollout,
}


def handle_command(ctx: Decision, command: Command) -> None:
    handler = COMMANDS.get(type(command))
    if handler is None:
        raise CommandRejected(f"unknown command {type(command).__name__}")
    handler(ctx, command)
