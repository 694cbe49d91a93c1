"""The in-memory twin of the JetStream event store, for tests and the embedded local mode.

It keeps what JetStream keeps, encoded messages on subjects with one shared sequence, and
decodes on load with the same codec, so a payload that would not survive the real stream
does not survive here either, and a foreign message (`publish_raw`) fails the same way.
Nothing here suspends (the coroutines never wait on anything), so under asyncio an append is
atomic without a lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass

from events.base import Event
from events.codec import DEFAULT_CODEC, EventCodec
from events.envelope import DEFAULT_SOURCE
from events.quarantine import decode_stored, is_unreadable
from events.store import (
    REPLAY_PAGE,
    StoredEvent,
    check_batch,
    decision_ids,
    encode_decision,
    settle_conflict,
)
from events.subjects import parse_event_subject, rollout_events_filter

Rollout = tuple[str, str]


@dataclass(frozen=True, slots=True)
class _Message:
    sequence: int
    subject: str
    headers: Mapping[str, str]
    data: bytes


class InMemoryEventStore:
    def __init__(self, codec: EventCodec = DEFAULT_CODEC, *, source: str = DEFAULT_SOURCE) -> None:
        self._codec = codec
        self._source = source
        self._messages: list[_Message] = []
        self._by_rollout: dict[Rollout, list[_Message]] = {}

    async def append(
        self, namespace: str, name: str, events: Sequence[Event], *, expected_version: int
    ) -> int:
        check_batch(events, expected_version)
        rollout_events_filter(namespace, name)  # refuses names that cannot be subjects
        if not events:
            return expected_version
        ids = decision_ids(namespace, name, events, expected_version=expected_version)
        history = self._by_rollout.get((namespace, name), [])
        if (history[-1].sequence if history else 0) != expected_version:
            return await settle_conflict(self, namespace, name, ids, expected_version)
        first = self._next_rollout_sequence(history)
        outgoing = encode_decision(
            self._codec,
            namespace,
            name,
            events,
            ids=ids,
            first_rollout_sequence=first,
            source=self._source,
        )
        for message in outgoing:
            self.publish_raw(message.subject, message.headers, message.data)
        return self._messages[-1].sequence

    def publish_raw(self, subject: str, headers: Mapping[str, str], data: bytes) -> int:
        """Put a message on the log as any publisher could, bypassing every check."""
        target = parse_event_subject(subject)
        message = _Message(len(self._messages) + 1, subject, dict(headers), data)
        self._messages.append(message)
        self._by_rollout.setdefault((target.namespace, target.name), []).append(message)
        return message.sequence

    async def load(self, namespace: str, name: str, *, after: int = 0) -> list[StoredEvent]:
        history = self._by_rollout.get((namespace, name), [])
        return [self._decode(m) for m in history if m.sequence > after]

    async def load_all(self, *, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        end = None if limit is None else max(after, 0) + limit
        return [self._decode(m) for m in self._messages[max(after, 0) : end]]

    async def iter_all(
        self, *, after: int = 0, page: int = REPLAY_PAGE
    ) -> AsyncIterator[list[StoredEvent]]:
        if page < 1:
            raise ValueError(f"page must be at least 1, got {page}")
        end = len(self._messages)
        for start in range(max(after, 0), end, page):
            yield [self._decode(m) for m in self._messages[start : min(start + page, end)]]

    async def rollouts(self) -> list[tuple[str, str]]:
        return sorted(self._by_rollout)

    async def last_sequence(self) -> int:
        return len(self._messages)

    def _decode(self, message: _Message) -> StoredEvent:
        """Decoded, or quarantined as the JetStream store does (`events.quarantine`)."""
        return decode_stored(
            self._codec, message.subject, message.sequence, message.headers, message.data
        )

    def _next_rollout_sequence(self, history: Sequence[_Message]) -> int:
        """After the last readable event (an unreadable message's header is not trusted)."""
        for message in reversed(history):
            stored = self._decode(message)
            if not is_unreadable(stored):
                return stored.rollout_sequence + 1
        return 1
