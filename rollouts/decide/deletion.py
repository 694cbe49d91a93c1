"""Deleting a rollout (`DeleteRollout`), and what a deleted rollout decides: nothing.

A deletion terminates the analysis runs still going (the analysis worker cuts their
measurements short, a `job` provider deletes its Jobs), records `RolloutDeleted` and leaves
the ReplicaSets alone: on Kubernetes their owner reference hands them to the garbage collector,
as when Argo's Rollout is deleted. The state folds back to blank, so no timer is due and no
intent follows. Until the name is applied again, observations (a ReplicaSet going away, a late
measurement, a tick) are dropped and commands are refused; an `ApplySpec` starts a new life.
"""

from __future__ import annotations

from events.base import Command, Input
from events.deletion import DeleteRollout, RolloutDeleted
from events.inputs import ApplySpec
from rollouts.decide.analysis_runs import terminate_run
from rollouts.decide.context import Decision
from rollouts.errors import UnknownRollout
from rollouts.state import RolloutState

_MESSAGES = {
    "RolloutObjectDeleted": "Rollout object {key} was deleted",
    "RolloutDeleteCommand": "rollout {key} was deleted by {actor}",
}
LEFT_BEHIND = "its ReplicaSets are left to garbage collection (owner references)"


def delete_rollout(ctx: Decision, cmd: DeleteRollout) -> None:
    state = ctx.state
    if state.spec is None:
        raise UnknownRollout(f"rollout {state.key} not found; nothing to delete")
    for run in list(state.analysis_runs.values()):
        terminate_run(ctx, run, "rollout deleted")
    uid = f" (uid {cmd.uid})" if cmd.uid else ""
    what = _MESSAGES[cmd.reason].format(key=state.key, actor=cmd.actor or "a user")
    revision = ctx.state.revision
    message = f"{what}{uid} at revision {revision}; {LEFT_BEHIND}"
    life = ctx.state.lives_ended + 1
    ctx.emit(RolloutDeleted, reason=cmd.reason, message=message, revision=revision, life=life)


def decides_nothing_after_deletion(state: RolloutState, item: Input) -> bool:
    """True for an input to drop because the rollout's life ended; a command raises instead,
    saying so. `ApplySpec` re-creates the rollout and is decided as a first apply."""
    if not state.deleted or isinstance(item, ApplySpec):
        return False
    if isinstance(item, Command):
        when = state.deleted_at.isoformat() if state.deleted_at else "earlier"
        raise UnknownRollout(
            f"rollout {state.key} was deleted ({when}); apply it again to re-create it"
        )
    return True
