"""The EventStore port: a rollout's history, appended with optimistic concurrency.

Versions are stream sequence numbers, shared by all rollouts of one stream: `expected_version`
is the stream sequence of the last event of this rollout the caller has folded (0 when it has
seen none). The store commits one decision's events all together or not at all, and refuses the
append when the rollout has moved past `expected_version` (`ConcurrencyError`): the caller then
reloads, folds and decides again.

Appends are idempotent. A decision retried with the same cause and version carries the same
event ids (see `events.envelope.event_id`); when those events already follow
`expected_version`, the append reports where they are instead of writing them twice. This
holds in both stores and, for JetStream, beyond the server's duplicate window.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from events.base import Event
from events.codec import H_ROLLOUT_SEQUENCE, H_TYPE, EventCodec
from events.envelope import DEFAULT_SOURCE, Envelope, event_id, field_setters, rollout_subject
from events.subjects import rollout_prefix

MSG_ID = "Nats-Msg-Id"
REPLAY_PAGE = 10_000
MAX_EVENTS_PER_APPEND = 1000
"""JetStream's limit on one atomic batch (server error 10199 above it)."""


class EventStoreError(Exception):
    """The store could not do what was asked, for a reason other than a concurrent writer."""


class ConcurrencyError(EventStoreError):
    """Another writer appended to the rollout after `expected`; nothing of this append was kept."""

    def __init__(self, namespace: str, name: str, *, expected: int, actual: int) -> None:
        super().__init__(
            f"rollout {namespace}/{name} is at version {actual}, not {expected}: "
            "reload, fold and decide again"
        )
        self.namespace = namespace
        self.name = name
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True, slots=True, init=False)
class StoredEvent:
    stream_sequence: int
    rollout_sequence: int
    envelope: Envelope
    event: Event

    def __init__(
        self, stream_sequence: int, rollout_sequence: int, envelope: Envelope, event: Event
    ) -> None:
        """The dataclass's own, faster (`events.envelope.field_setters`)."""
        _stream, _rollout, _envelope, _event = _STORED_SETTERS
        _stream(self, stream_sequence)
        _rollout(self, rollout_sequence)
        _envelope(self, envelope)
        _event(self, event)


_STORED_SETTERS = field_setters(StoredEvent)


@runtime_checkable
class EventStore(Protocol):
    async def append(
        self, namespace: str, name: str, events: Sequence[Event], *, expected_version: int
    ) -> int:
        """Commit one decision's events atomically; return the rollout's new version."""
        ...

    async def load(self, namespace: str, name: str, *, after: int = 0) -> list[StoredEvent]:
        """One rollout's events with a stream sequence above `after`, oldest first."""
        ...

    async def load_all(self, *, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """Every rollout's events in stream order, at most `limit` of them."""
        ...

    def iter_all(
        self, *, after: int = 0, page: int = REPLAY_PAGE
    ) -> AsyncIterator[list[StoredEvent]]:
        """The events after `after` in stream order, `page` at a time (the replay path).

        Ends at the last sequence as it was when iteration began, so a replay of a busy stream
        finishes; iterate again from the last sequence seen to catch up.
        """
        ...

    async def rollouts(self) -> list[tuple[str, str]]:
        """(namespace, name) of every rollout with at least one event, sorted."""
        ...

    async def last_sequence(self) -> int:
        """The stream sequence of the newest event of any rollout (0 when empty)."""
        ...


def check_batch(events: Sequence[Event], expected_version: int) -> None:
    if expected_version < 0:
        raise ValueError(f"expected_version must be >= 0, got {expected_version}")
    if len(events) > MAX_EVENTS_PER_APPEND:
        raise ValueError(
            f"one decision may append at most {MAX_EVENTS_PER_APPEND} events, got {len(events)}"
        )


def decision_ids(
    namespace: str, name: str, events: Sequence[Event], *, expected_version: int
) -> list[str]:
    """The ids of one decision's events: the same on every retry of that decision."""
    return [
        event_id(event.cause, expected_version, index, namespace=namespace, name=name)
        for index, event in enumerate(events)
    ]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One encoded event, ready to publish."""

    subject: str
    headers: dict[str, str]
    data: bytes


def encode_decision(
    codec: EventCodec,
    namespace: str,
    name: str,
    events: Sequence[Event],
    *,
    ids: Sequence[str],
    first_rollout_sequence: int,
    source: str = DEFAULT_SOURCE,
) -> list[Outgoing]:
    """The messages of one decision; each carries its event id as `Nats-Msg-Id` too."""
    prefix = rollout_prefix(namespace, name)
    encoded = codec.encode_events(
        events,
        ids=ids,
        subject=rollout_subject(namespace, name),
        first_rollout_sequence=first_rollout_sequence,
        source=source,
    )
    outgoing = []
    for index, (headers, data) in enumerate(encoded):
        headers[MSG_ID] = ids[index]
        outgoing.append(Outgoing(f"{prefix}.{headers[H_TYPE]}", headers, data))
    return outgoing


def next_rollout_sequence(headers: Mapping[str, str] | None) -> int:
    """The position after the message carrying `headers` in its rollout's history."""
    try:
        return int((headers or {})[H_ROLLOUT_SEQUENCE]) + 1
    except (KeyError, ValueError):
        raise EventStoreError(
            "the last message of this rollout has no readable ce-rolloutsequence header"
        ) from None


def committed_retry(following: Sequence[StoredEvent], ids: Sequence[str]) -> int | None:
    """The version after an earlier, identical append, if `following` begins with it.

    `following` are the rollout's events after the caller's `expected_version`, oldest first.
    """
    if len(following) < len(ids):
        return None
    for stored, wanted in zip(following, ids, strict=False):
        if stored.envelope.id != wanted:
            return None
    return following[len(ids) - 1].stream_sequence


async def settle_conflict(
    store: EventStore, namespace: str, name: str, ids: Sequence[str], expected_version: int
) -> int:
    """After a refused append: the version an earlier identical append left, if there was one.

    Otherwise another writer got there first, and `ConcurrencyError` says where the rollout is.
    """
    following = await store.load(namespace, name, after=expected_version)
    retried = committed_retry(following, ids)
    if retried is not None:
        return retried
    history = following or await store.load(namespace, name)
    actual = history[-1].stream_sequence if history else 0
    raise ConcurrencyError(namespace, name, expected=expected_version, actual=actual)
