"""From watched ReplicaSet objects to `ReplicaSetStatus` changes, fanned out to subscribers.

`StatusBook` keeps the last reported counts of each ReplicaSet and reports only changes. It
reports a ReplicaSet's counts once the ReplicaSet controller has observed its current spec
(`status.observedGeneration >= metadata.generation`): before that the status still describes
the previous spec, and a freshly created ReplicaSet would read as (0, 0, 0). A deleted
ReplicaSet is reported once at (0, 0, 0), then forgotten; after a relist (410 Gone) the informer
(`adapters.kubernetes.informer`) reports what vanished meanwhile as deleted.

Subscribers get the changes through the shared `adapters.runtime.statuses.StatusHub`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.kubernetes.manifests import POD_TEMPLATE_HASH
from adapters.runtime.statuses import StatusHub
from rollouts.ports import ReplicaSetStatus, RolloutRef

Counts = tuple[int, int, int]
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Entry:
    rollout: RolloutRef
    pod_template_hash: str
    counts: Counts


class StatusBook:
    def __init__(
        self,
        hub: StatusHub,
        rollout_of: Callable[[Mapping[str, Any]], RolloutRef | None],
        now: Callable[[], datetime],
    ) -> None:
        self._hub = hub
        self._rollout_of = rollout_of
        self._now = now
        self._entries: dict[Key, Entry] = {}

    def snapshot(self) -> list[ReplicaSetStatus]:
        return [self._status(entry, entry.counts) for entry in self._entries.values()]

    def observe(self, event_type: str, rs: Mapping[str, Any]) -> None:
        metadata = rs.get("metadata") or {}
        key = (str(metadata.get("namespace", "")), str(metadata.get("name", "")))
        if event_type == "DELETED":
            self._forget(key)
            return
        rollout = self._rollout_of(rs)
        pod_template_hash = (metadata.get("labels") or {}).get(POD_TEMPLATE_HASH)
        if rollout is None or not pod_template_hash or not _observed(rs):
            return
        entry = Entry(rollout, str(pod_template_hash), _counts(rs))
        if self._entries.get(key) != entry:
            self._entries[key] = entry
            self._hub.publish(self._status(entry, entry.counts))

    def _forget(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._hub.publish(self._status(entry, (0, 0, 0)))

    def _status(self, entry: Entry, counts: Counts) -> ReplicaSetStatus:
        return ReplicaSetStatus(entry.rollout, entry.pod_template_hash, *counts, self._now())


def _observed(rs: Mapping[str, Any]) -> bool:
    generation = (rs.get("metadata") or {}).get("generation")
    observed = (rs.get("status") or {}).get("observedGeneration")
    return generation is None or (observed is not None and int(observed) >= int(generation))


def _counts(rs: Mapping[str, Any]) -> Counts:
    status = rs.get("status") or {}
    return (
        int(status.get("replicas") or 0),
        int(status.get("readyReplicas") or 0),
        int(status.get("availableReplicas") or 0),
    )
