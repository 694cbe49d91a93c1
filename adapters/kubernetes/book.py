"""What the Rollout watcher and the status writer share about each Rollout object.

- the latest version of each object seen (from the watch, or from the answer to our own status
  write, whichever is newer): the writer diffs against it and skips rollouts that have none
  (those driven only from the local CLI);
- the spec refusals (InvalidSpec) to report in the status;
- fingerprints of the statuses we wrote lately, so the watcher can tell our writes from the
  plugin's patches when the watch reports them (the fake and many clusters keep no
  managedFields for the status subresource, and a watch event may arrive before the answer to
  our own request);
- the commands read from a status patch and not yet decided: until the state shows the
  controller decided them (their input id among its recent causes) or `grace` seconds pass (a
  refusal records nothing), the status is not rewritten, so a write from the older state does
  not undo the user's patch for a moment.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from adapters.kubernetes.objects import Key, Obj, newer, status_of
from adapters.kubernetes.status.conditions import InvalidSpecNote
from adapters.kubernetes.status.patch import fingerprint
from rollouts.state import RolloutState

RECENT_WRITES = 16


class RolloutBook:
    def __init__(self, *, grace: float = 10.0) -> None:
        self._objects: dict[Key, Obj] = {}
        self._invalid: dict[Key, InvalidSpecNote] = {}
        self._written: dict[Key, deque[str]] = {}
        self._pending: dict[Key, dict[str, float]] = {}
        self._grace = grace

    def remember(self, key: Key, obj: Obj) -> None:
        if newer(obj, self._objects.get(key)):
            self._objects[key] = obj

    def object(self, key: Key) -> Obj | None:
        return self._objects.get(key)

    def known(self) -> list[Key]:
        return list(self._objects)

    def forget(self, key: Key) -> None:
        self._objects.pop(key, None)
        self._invalid.pop(key, None)
        self._written.pop(key, None)
        self._pending.pop(key, None)

    def mark_invalid(self, key: Key, note: InvalidSpecNote | None) -> None:
        if note is None:
            self._invalid.pop(key, None)
        else:
            self._invalid[key] = note

    def invalid(self, key: Key) -> InvalidSpecNote | None:
        return self._invalid.get(key)

    def note_written(self, key: Key, status: Mapping[str, Any]) -> None:
        self._written.setdefault(key, deque(maxlen=RECENT_WRITES)).append(fingerprint(status))

    def ours(self, key: Key, obj: Mapping[str, Any]) -> bool:
        """Whether the object's status is one we wrote (or are writing) lately."""
        written = self._written.get(key)
        return bool(written) and fingerprint(status_of(obj)) in (written or ())

    def expect(self, key: Key, input_id: str) -> None:
        """A command was published for this rollout; its decision is awaited."""
        self._pending.setdefault(key, {})[input_id] = time.monotonic() + self._grace

    def awaiting(self, key: Key, state: RolloutState | None) -> float:
        """Seconds until the last awaited command of `key` is given up on (0: none awaited)."""
        pending = self._pending.get(key)
        if not pending:
            return 0.0
        now = time.monotonic()
        decided = state.remembers if state else lambda _: False
        left = {i: t for i, t in pending.items() if not decided(i) and t > now}
        if not left:
            self._pending.pop(key, None)
            return 0.0
        self._pending[key] = left
        return max(left.values()) - now
