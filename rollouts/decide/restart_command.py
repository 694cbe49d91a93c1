"""`rollouts restart NAME [--in 10s]`: the plugin's `spec.restartAt = now(+in)`, as a command.

The restart itself is a new spec with the same pod template, so no new revision: the spec is
recorded (`SpecApplied`) and the restart pass (`rollouts.decide.restart`) takes it from there,
exactly as when the Kubernetes watcher applies the plugin's patch of `spec.restartAt`.
"""

from __future__ import annotations

from events.models import CommandAccepted
from events.restart import Restart
from rollouts.decide.context import Decision
from rollouts.decide.revisions import apply_spec, manifest_of
from rollouts.errors import CommandRejected, UnknownRollout
from rollouts.spec import Rollout
from rollouts.spec.restart_at import rfc3339, whole_seconds_utc


def set_restart_at(ctx: Decision, cmd: Restart) -> None:
    spec = ctx.state.spec
    if spec is None:
        raise UnknownRollout(f"rollout {ctx.state.key} not found; apply it first")
    if cmd.restart_at.tzinfo is None:
        raise CommandRejected("restart: restart_at must carry a time zone (RFC 3339)")
    at = whole_seconds_utc(cmd.restart_at)
    if spec.spec.restart_at == at:
        raise CommandRejected(f"rollout {ctx.state.key} already restarts at {rfc3339(at)}")
    ctx.emit(
        CommandAccepted, command="restart", arguments={"restart_at": rfc3339(at)}, actor=cmd.actor
    )
    manifest = manifest_of(spec)
    manifest["spec"] = {**manifest["spec"], "restartAt": rfc3339(at)}
    apply_spec(ctx, Rollout.model_validate(manifest))
