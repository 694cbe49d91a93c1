"""A rollout's object deleted, as the stream carries it.

A Rollout deleted on Kubernetes (the watcher sees DELETED) or with `rollouts delete NAME` ends
that rollout's life: the controller records `RolloutDeleted`, terminates the analysis runs still
going, and decides nothing more for it. Its ReplicaSets are left to the owner references (the
cluster's garbage collector removes them with the object). History is never deleted: the same
name applied again starts a new life on the same stream, from revision 1, as a re-created
Kubernetes object does. The command and the event live together here because both are part of
the published contract and `events` imports nothing of the project. Both are schema version 1.
"""

from __future__ import annotations

from typing import Literal

from events.base import Command, Count, Event, register_event, register_input

DeletionReason = Literal["RolloutObjectDeleted", "RolloutDeleteCommand"]
"""Why a life ended: the Kubernetes object went away, or someone ran `rollouts delete`."""


@register_input
class DeleteRollout(Command):
    """End the rollout's life. `uid` is the Kubernetes object's, when the watcher saw it
    deleted (empty from the CLI); `reason` says which of the two asked."""

    reason: DeletionReason = "RolloutDeleteCommand"
    uid: str = ""


@register_event
class RolloutDeleted(Event):
    """The rollout's life ended: its timers stop, its running analysis runs were terminated
    (their events come just before this one), and no input is decided for it until the name
    is applied again, which starts life number `life + 1` from a blank state.

    `revision` was the desired revision when it ended; `message` says who or what deleted it
    and what becomes of its ReplicaSets."""

    reason: DeletionReason
    message: str
    revision: Count
    life: Count
