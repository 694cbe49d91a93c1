"""User commands read from changes of a Rollout's `.status` (argo-semantics §2.5).

`kubectl argo rollouts` and Argo CD's actions have no API of their own: they merge-patch the
status. A change is a command when it moves a field away from what the controller wants it to
be (the status computed from the current state): `abort` set -> Abort; `abort` unset while the
controller holds the rollout aborted -> Retry; `promoteFull` set -> Promote(full); the pause
conditions cleared while the controller holds them -> Promote; `currentStepIndex` moved one
step past where the controller is -> Promote (the plugin's skip), or to the end of the steps ->
Promote(full). A change that agrees with the wanted status (the controller got there first)
is no command, so a race between a user and the controller never acts twice.

With no earlier version to compare (the first list after a start), only `abort` and
`promoteFull` set while the controller wants them unset are honoured, and only when the status
is otherwise current (same generation, pod hash, stable ReplicaSet and step hash): a status the
controller had not yet rewritten cannot be told from a user's patch for the other fields.
Pure functions: no IO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import events.inputs as inp
from events.base import Command

CommandName = Literal["abort", "retry", "promote", "promote-full"]
CURRENCY_KEYS = ("observedGeneration", "currentPodHash", "stableRS", "currentStepHash")


@dataclass(frozen=True, slots=True)
class StatusCommand:
    name: CommandName
    reason: str

    def to_input(self, input_id: str, actor: str) -> Command:
        if self.name == "abort":
            return inp.Abort(input_id=input_id, actor=actor)
        if self.name == "retry":
            return inp.Retry(input_id=input_id, actor=actor)
        return inp.Promote(input_id=input_id, actor=actor, full=self.name == "promote-full")


def _flag(status: Mapping[str, Any], key: str) -> bool:
    return status.get(key) is True


def _index(status: Mapping[str, Any]) -> int | None:
    value = status.get("currentStepIndex")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _set(
    old: Mapping[str, Any], new: Mapping[str, Any], wanted: Mapping[str, Any], key: str
) -> bool:
    """Set by someone, while the controller wants it unset."""
    return _flag(new, key) and not _flag(old, key) and not _flag(wanted, key)


def _unset(
    old: Mapping[str, Any], new: Mapping[str, Any], wanted: Mapping[str, Any], key: str
) -> bool:
    """Unset by someone, while the controller wants it set."""
    return _flag(old, key) and not _flag(new, key) and _flag(wanted, key)


def _cleared(
    old: Mapping[str, Any], new: Mapping[str, Any], wanted: Mapping[str, Any], key: str
) -> bool:
    """Emptied by someone, while the controller wants it filled."""
    return bool(old.get(key)) and not new.get(key) and bool(wanted.get(key))


def status_commands(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    wanted: Mapping[str, Any],
    step_count: int,
) -> list[StatusCommand]:
    """The commands a status change `old` -> `new` asks for, given the `wanted` status."""
    if old is None:
        return _first_sight(new, wanted)
    found: list[StatusCommand] = []
    if _set(old, new, wanted, "abort"):
        found.append(StatusCommand("abort", "status.abort set"))
    if _unset(old, new, wanted, "abort"):
        found.append(StatusCommand("retry", "status.abort unset"))
    if _set(old, new, wanted, "promoteFull"):
        found.append(StatusCommand("promote-full", "status.promoteFull set"))
    step = _step_command(old, new, wanted, step_count)
    if step is not None:
        found.append(step)
    elif _cleared(old, new, wanted, "pauseConditions"):
        found.append(StatusCommand("promote", "status.pauseConditions cleared"))
    return found


def _step_command(
    old: Mapping[str, Any], new: Mapping[str, Any], wanted: Mapping[str, Any], step_count: int
) -> StatusCommand | None:
    before, after, want = _index(old), _index(new), _index(wanted)
    if before is None or after is None or after <= before:
        return None
    if want != before or after == want:
        return None
    reason = f"status.currentStepIndex {before} -> {after}"
    if after == before + 1:
        return StatusCommand("promote", reason)
    if after >= step_count:
        return StatusCommand("promote-full", reason)
    return None


def _first_sight(new: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[StatusCommand]:
    if any(new.get(key) != wanted.get(key) for key in CURRENCY_KEYS):
        return []
    found: list[StatusCommand] = []
    if _flag(new, "abort") and not _flag(wanted, "abort"):
        found.append(StatusCommand("abort", "status.abort set while the controller was away"))
    if _flag(new, "promoteFull") and not _flag(wanted, "promoteFull"):
        reason = "status.promoteFull set while the controller was away"
        found.append(StatusCommand("promote-full", reason))
    return found
