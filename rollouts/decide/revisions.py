"""A new spec: new revision, re-used ReplicaSet, or only steps changed (argo-semantics §2.6).

This is the first reconcile after a spec change in Argo: it creates or re-stamps the desired
ReplicaSet and resets the in-flight update, and nothing else. Scaling and traffic follow in the
next pass, exactly as Argo returns early after `PodTemplateOrStepsChanged`.
"""

from __future__ import annotations

from typing import Any

import events.models as ev
from events.phases import AnalysisRunKind
from rollouts.decide.analysis_runs import terminate_run
from rollouts.decide.bluegreen_replicas import reconcile_preview_service
from rollouts.decide.context import Decision
from rollouts.decide.restart import cancel_restart
from rollouts.hashing import pod_template_hash, step_hash
from rollouts.spec import Rollout
from rollouts.state import ReplicaSetState, RolloutState


def manifest_of(rollout: Rollout) -> dict[str, Any]:
    return rollout.model_dump(mode="json", by_alias=True, exclude_unset=True)


def template_of(rollout: Rollout) -> dict[str, Any]:
    template = rollout.spec.template
    return template.model_dump(mode="json", by_alias=True, exclude_unset=True) if template else {}


def steps_hash_of(rollout: Rollout) -> str:
    """Argo's ComputeStepHash: a canary with no `steps` key hashes Go's nil slice, `null`."""
    canary = rollout.spec.strategy.canary
    if canary is None:
        return ""
    if "steps" not in canary.model_fields_set:
        return step_hash(None)
    return step_hash(
        [s.model_dump(mode="json", by_alias=True, exclude_unset=True) for s in canary.steps]
    )


def _earlier_steps_hash_of(rollout: Rollout) -> str:
    """The hash earlier versions of this controller recorded: `[]` for no steps, pause
    durations in seconds."""
    canary = rollout.spec.strategy.canary
    if canary is None:
        return ""
    dumps = []
    for step in canary.steps:
        dump = step.model_dump(mode="json", by_alias=True, exclude_unset=True)
        if step.pause is not None and step.pause.duration is not None:
            dump["pause"] = {**dump["pause"], "duration": step.pause.duration}
        dumps.append(dump)
    return step_hash(dumps)


def steps_changed(rollout: Rollout, recorded: str) -> bool:
    """The steps differ from those hashed in `recorded`. A hash an earlier version recorded for
    the same steps still matches, so an upgrade never restarts an update in flight."""
    return recorded not in (steps_hash_of(rollout), _earlier_steps_hash_of(rollout))


def apply_spec(ctx: Decision, rollout: Rollout) -> None:
    """Record the spec and start a new revision or reset the steps when they changed."""
    previous = ctx.state.spec
    ctx.emit(ev.SpecApplied, manifest=manifest_of(rollout), generation=ctx.state.generation + 1)
    was_paused = previous.spec.paused if previous else False
    if rollout.spec.paused != was_paused:
        ctx.emit(ev.ManualPauseChanged, paused=rollout.spec.paused)
    new_hash = pod_template_hash(template_of(rollout))
    if new_hash != ctx.state.current_pod_hash:
        _start_revision(ctx, new_hash, template_of(rollout))
    elif steps_changed(rollout, ctx.state.current_step_hash):
        _reset_update(ctx, "steps changed")


def _start_revision(ctx: Decision, new_hash: str, template: dict[str, Any]) -> None:
    _terminate_current_runs(ctx, "a new revision replaced this one")
    state = ctx.state
    revision = max((rs.revision for rs in state.replica_sets.values()), default=0) + 1
    existing = state.replica_sets.get(new_hash)
    if existing is None:
        ctx.emit(
            ev.RevisionCreated, revision=revision, pod_template_hash=new_hash, template=template
        )
    else:
        within_delay = _within_scale_down_delay(ctx, existing)
        ctx.emit(
            ev.RevisionReused,
            revision=revision,
            pod_template_hash=new_hash,
            within_scale_down_delay=within_delay,
        )
    reconcile_preview_service(ctx)
    cancel_restart(ctx, f"revision {revision} brings up new pods")
    _reset_update(ctx, f"updated to revision {revision}")


def _within_scale_down_delay(ctx: Decision, rs: ReplicaSetState) -> bool:
    deadline = rs.scale_down_deadline
    return deadline is not None and deadline > ctx.now and rs.desired > 0


def _reset_update(ctx: Decision, reason: str) -> None:
    """Argo resetRolloutStatus: the runs of the interrupted attempt stop being current, so they
    are terminated (Argo cancels them as no longer current on the same reconcile)."""
    _terminate_current_runs(ctx, reason)
    state = ctx.state
    steps = len(state.steps)
    index: int | None = 0 if steps else None
    skip_reason = _skip_steps_reason(state)
    if steps and skip_reason:
        index = steps
    ctx.emit(ev.UpdateReset, step_index=index, step_hash=_current_steps_hash(state), reason=reason)
    if steps and skip_reason:
        ctx.emit(ev.StepsSkipped, step_index=steps, reason=skip_reason)


def _current_steps_hash(state: RolloutState) -> str:
    return steps_hash_of(state.spec) if state.spec else ""


def _skip_steps_reason(state: RolloutState) -> str:
    if state.stable_rs is not None and state.stable_rs == state.current_pod_hash:
        return "Rollback to stable ReplicaSets"
    if rollback_within_window(state) and _is_active(state):
        return "Rollback to active ReplicaSets within RollbackWindow"
    return ""


def _is_active(state: RolloutState) -> bool:
    rs = state.new_rs
    return rs is not None and rs.desired > 0


def rollback_within_window(state: RolloutState) -> bool:
    """The desired ReplicaSet is older than the stable one and fewer than
    `rollbackWindow.revisions` ReplicaSets were created between them."""
    new, stable, spec = state.new_rs, state.stable, state.spec
    if new is None or stable is None or spec is None or spec.spec.rollback_window is None:
        return False
    if new.created_order >= stable.created_order:
        return False
    between = sum(
        1
        for rs in state.replica_sets.values()
        if new.created_order < rs.created_order < stable.created_order
    )
    return between < spec.spec.rollback_window.revisions


def is_rollback(state: RolloutState) -> bool:
    new, stable = state.new_rs, state.stable
    if new is None or stable is None:
        return False
    return new.pod_template_hash == stable.pod_template_hash or (
        new.created_order < stable.created_order
    )


def is_fast_rollback(state: RolloutState) -> bool:
    """Argo's isFastRollback: back to stable, within the window, or (blue-green) back to a
    ReplicaSet still inside its scale-down delay."""
    if not is_rollback(state):
        return False
    blue_green = state.spec is not None and state.spec.spec.strategy.blue_green is not None
    within_delay = blue_green and state.new_rs_within_delay
    return state.fully_promoted or rollback_within_window(state) or within_delay


def _terminate_current_runs(ctx: Decision, reason: str) -> None:
    for kind in list(AnalysisRunKind):
        run = ctx.state.run(kind)
        terminate_run(ctx, run, reason)
