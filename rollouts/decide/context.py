"""The working memory of one decision.

`Decision.emit` appends an event and folds it at once, so later rules in the same pass see the
new state. Pause and abort changes are different: like Argo's pauseContext they are collected
during a pass and written when the pass ends, because the rules of a pass must all see the
rollout as it was when the pass began (an abort decided by analysis must not stop the scaling
rules from scaling down in the same pass). It also keeps the order of facts the same as Argo's
Kubernetes events: actions first, then the status changes they lead to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import events.models as ev
from events.base import Event
from events.phases import PauseReason
from rollouts.evolve import evolve
from rollouts.state import RolloutState

E = TypeVar("E", bound=Event)


@dataclass
class PauseChanges:
    """Argo's pauseContext: what the current pass wants to change about pauses and abort."""

    add: list[PauseReason] = field(default_factory=list)
    remove: list[PauseReason] = field(default_factory=list)
    clear: str | None = None
    add_abort: str | None = None
    remove_abort: str | None = None

    @property
    def adds_pause(self) -> bool:
        return bool(self.add)


@dataclass
class Decision:
    state: RolloutState
    now: datetime
    cause: str
    events: list[Event] = field(default_factory=list)
    pauses: PauseChanges = field(default_factory=PauseChanges)
    pauses_lifted_by_user: bool = False
    """A command just cleared the controller's pause conditions. Argo detects this as
    `controllerPause` still true with no conditions left, for exactly one reconcile, and then
    resets `controllerPause`; the flag plays that part for the first pass of this decision."""

    def emit(self, event_type: type[E], **fields: Any) -> E:
        event = event_type(cause=self.cause, at=self.now, **fields)
        self.state = evolve(self.state, event)
        self.events.append(event)
        return event

    def controller_paused(self) -> bool:
        """Argo's `status.controllerPause` as the current pass sees it."""
        return self.state.controller_pause or self.pauses_lifted_by_user

    # Argo's pauseContext queries, answered with the pending changes taken into account.

    def is_aborted(self) -> bool:
        if self.pauses.remove_abort is not None:
            return False
        return self.pauses.add_abort is not None or self.state.abort

    def abort(self, cause: str = "") -> None:
        """Abort at the end of the pass; `cause` says why (empty for a user's abort)."""
        if self.pauses.add_abort is None:
            self.pauses.add_abort = cause

    def remove_abort(self, reason: str) -> None:
        self.pauses.remove_abort = reason

    def add_pause(self, reason: PauseReason) -> None:
        self.pauses.add.append(reason)

    def remove_pause(self, reason: PauseReason) -> None:
        self.pauses.remove.append(reason)

    def clear_pauses(self, reason: str) -> None:
        self.pauses.clear = reason

    def end_pass(self) -> None:
        """Write the collected pause/abort changes as events, in Argo's precedence."""
        changes, self.pauses = self.pauses, PauseChanges()
        self.pauses_lifted_by_user = False
        if changes.remove_abort is not None and self.state.abort:
            self.emit(ev.AbortCleared, reason=changes.remove_abort)
        if changes.add_abort is not None and changes.remove_abort is None:
            if not self.state.abort:
                self._emit_abort(changes.add_abort)
            return
        if self.state.abort:
            return
        if changes.clear is not None:
            if self.state.pause_conditions:
                self.emit(ev.PauseConditionsCleared, reason=changes.clear)
            return
        self._apply_pause_changes(changes)

    def _emit_abort(self, cause: str) -> None:
        message = f"Rollout aborted update to revision {self.state.revision}"
        self.emit(ev.RolloutAborted, revision=self.state.revision, message=_join(message, cause))

    def _apply_pause_changes(self, changes: PauseChanges) -> None:
        for reason in dict.fromkeys(changes.remove):
            if self.state.pause_condition(reason):
                self.emit(ev.PauseConditionRemoved, reason=reason)
        for reason in dict.fromkeys(changes.add):
            if not self.state.pause_condition(reason):
                self.emit(ev.PauseConditionAdded, reason=reason)


def _join(message: str, cause: str) -> str:
    return f"{message}: {cause}" if cause else message
