"""A Rollout object deleted in the cluster -> `DeleteRollout` for the controller.

The watcher hands each DELETED to `Deletions.deleted`: the input is published (its id derived
from the object's uid, so a repeated DELETED publishes the same input, deduplicated), and the
controller ends the rollout's life (`RolloutDeleted`). Nothing is deleted here: the
ReplicaSets carry an owner reference, and the cluster's garbage collector removes them.

A Rollout re-created at once races its own deletion: the watcher checks a new spec against the
projected state, which still shows the old life until the deletion is decided, so a re-created
object identical to the deleted one would look unchanged and never be applied. Until the
projection shows the deletion decided, `base_state` gives the blank state the controller will
decide the new spec on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from adapters.kubernetes.objects import Key, Obj, uid_of
from events.base import Input
from events.deletion import DeleteRollout
from rollouts.state import RolloutState, initial_state

log = structlog.get_logger("rollouts.kubernetes")

Publish = Callable[[str, str, Input], Awaitable[None]]


def deletion_input_id(obj: Obj) -> str:
    return f"delete:{uid_of(obj)}"


class Deletions:
    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self._pending: dict[Key, str] = {}
        """Deletions published whose decision the projection has not shown yet."""

    async def deleted(self, key: Key, obj: Obj, state: RolloutState | None, actor: str) -> None:
        """Publish the deletion of a Rollout the controller knows (or may know: an apply of
        it is still undecided). One never applied, or deleted already, needs none."""
        input_id = deletion_input_id(obj)
        if state is not None and (state.deleted or state.remembers(input_id)):
            return
        uid = uid_of(obj)
        item = DeleteRollout(input_id=input_id, actor=actor, reason="RolloutObjectDeleted", uid=uid)
        self._pending[key] = input_id
        await self._publish(key[0], key[1], item)
        log.info("kubernetes.rollout_deleted", rollout=f"{key[0]}/{key[1]}", uid=uid)

    def base_state(self, key: Key, projected: RolloutState | None) -> RolloutState:
        """The state a new spec of `key` will be decided on: blank while a deletion of the
        object before it is published but not yet decided."""
        pending = self._pending.get(key)
        if pending is not None and projected is not None and not projected.remembers(pending):
            return initial_state(*key)
        self._pending.pop(key, None)
        return projected or initial_state(*key)
