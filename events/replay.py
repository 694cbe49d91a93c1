"""Replay helpers over any EventStore: a rollout's history up to a point, the stream in pages.

Folding the events into state is the domain's business (`rollouts.evolve`), which this package
must not import; these helpers only choose which events a caller folds, so "what did the
rollout look like at step 3, or at 14:02?" is one load and one fold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from events.envelope import as_utc
from events.store import REPLAY_PAGE, EventStore, StoredEvent

DEFAULT_PAGE = REPLAY_PAGE


async def events_until(
    store: EventStore,
    namespace: str,
    name: str,
    *,
    sequence: int | None = None,
    time: datetime | None = None,
) -> list[StoredEvent]:
    """The rollout's history up to and including rollout sequence `sequence` and time `time`.

    Either bound may be left out; with both, an event must satisfy both. A naive `time` is taken
    to be UTC, as event times are.
    """
    history = await store.load(namespace, name)
    limit = None if time is None else as_utc(time)
    kept: list[StoredEvent] = []
    for stored in history:
        if sequence is not None and stored.rollout_sequence > sequence:
            break
        if limit is not None and stored.envelope.time > limit:
            break
        kept.append(stored)
    return kept


async def pages(
    store: EventStore, *, after: int = 0, page: int = DEFAULT_PAGE
) -> AsyncIterator[list[StoredEvent]]:
    """The whole stream after `after`, in stream order, `page` events at a time.

    Ends at the stream's last sequence as it was when iteration began, so a replay of a busy
    stream finishes; call again with the last sequence seen to catch up. The store's own
    `iter_all` does the reading (JetStream: one consumer for the whole replay).
    """
    if page < 1:
        raise ValueError(f"page must be at least 1, got {page}")
    async for chunk in store.iter_all(after=after, page=page):
        yield chunk
