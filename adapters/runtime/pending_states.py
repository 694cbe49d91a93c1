"""Rollouts restored from snapshots whose states are not decoded yet.

A restart used to decode every snapshot before its first decision: about half of the ten
seconds a controller with 10,000 rollouts took to be ready on the bench machine. Now each stays
a checked, compressed value (about 2 KB) until it is first needed: a decision or an effect for
that rollout decodes it then (about 0.5 ms), and once the process is ready the projection
decodes the others in the background, a batch at a time, so that decisions go first.

A snapshot's header and checksum were checked when it was loaded, so its body is what the same
code wrote, and a body that still fails to decode is a bug, not a torn value. Its rollout is
then unavailable (`StateUnavailable`; the input that needed it fails and is delivered again)
until it has been refolded from its own history, and the stream's events for it are not folded
meanwhile: they would be folded onto nothing.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, KeysView, Mapping
from typing import Protocol

import structlog

from events.quarantine import one_line
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.snapshots")

Key = tuple[str, str]
"""(namespace, name): a rollout, as the projection keys it (`projection` re-exports it)."""


class Restorable(Protocol):
    """A rollout's snapshot, checked but not decoded (`snapshot_format.Snapshot`)."""

    @property
    def version(self) -> int:
        """The stream sequence of the last event the state folds."""
        ...

    def state(self) -> RolloutState: ...


class StateUnavailable(RuntimeError):
    """The rollout's snapshot did not decode and its history is being folded instead."""

    def __init__(self, key: Key) -> None:
        super().__init__(
            f"rollout {key[0]}/{key[1]}: its snapshot did not decode; "
            "it is being refolded from its history"
        )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Restoring 10,000 states allocates millions of objects that all survive, and each full
    collection in the middle would walk them all again: 5.7 s of load became 1.7 s with the
    collector paused. The survivors (the states) are then frozen, as `CollectorFreezer` does
    every 10 s anyway, so the first collection after does not walk them either (0.8 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


class PendingStates:
    def __init__(self) -> None:
        self._snapshots: dict[Key, Restorable] = {}
        self.blocked: set[Key] = set()
        """Rollouts whose snapshot did not decode, until they are refolded."""

    def add(self, snapshots: Mapping[Key, Restorable]) -> None:
        self._snapshots.update(snapshots)
        self.blocked.difference_update(snapshots)

    def __contains__(self, key: Key) -> bool:
        return key in self._snapshots

    def __len__(self) -> int:
        return len(self._snapshots)

    def keys(self) -> KeysView[Key]:
        return self._snapshots.keys()

    def version(self, key: Key) -> int:
        """The version of a pending rollout, 0 for any other."""
        snapshot = self._snapshots.get(key)
        return 0 if snapshot is None else snapshot.version

    def drop(self, key: Key) -> None:
        self._snapshots.pop(key, None)

    def decode(self, key: Key) -> tuple[RolloutState, int]:
        """(state, version) of a pending rollout, no longer pending; StateUnavailable (and the
        rollout blocked until refolded) when its snapshot does not decode."""
        snapshot = self._snapshots.pop(key)
        try:
            state = snapshot.state()
        except Exception as error:  # any failure here is a bug: refold, never guess
            self.blocked.add(key)
            log.error(
                "snapshots.undecodable",
                rollout=f"{key[0]}/{key[1]}",
                reason=one_line(error),
                fallback="refolded from its history",
            )
            raise StateUnavailable(key) from None
        return state, snapshot.version
