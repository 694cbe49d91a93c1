"""Replay helpers choose which events a caller folds; they work on any EventStore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.memory import InMemoryEventStore
from events.models import RolloutAborted
from events.replay import events_until, pages

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def aborted(cause: str, minute: int) -> RolloutAborted:
    return RolloutAborted(cause=cause, at=T0 + timedelta(minutes=minute), revision=1, message="m")


async def append(store: InMemoryEventStore, name: str, cause: str, minute: int) -> int:
    """Append one event to `name` after whatever it holds (a single writer)."""
    history = await store.load("ns", name)
    version = history[-1].stream_sequence if history else 0
    return await store.append("ns", name, [aborted(cause, minute)], expected_version=version)


@pytest.fixture
async def store() -> InMemoryEventStore:
    store = InMemoryEventStore()
    for minute in range(5):
        await append(store, "other", f"o{minute}", minute)
        await append(store, "web", f"w{minute}", minute)
    return store


async def causes_until(store: InMemoryEventStore, **bounds: object) -> list[str]:
    return [s.event.cause for s in await events_until(store, "ns", "web", **bounds)]  # type: ignore[arg-type]


async def test_until_a_rollout_sequence_includes_it(store: InMemoryEventStore) -> None:
    assert await causes_until(store, sequence=3) == ["w0", "w1", "w2"]
    assert await causes_until(store, sequence=0) == []
    assert await causes_until(store, sequence=99) == ["w0", "w1", "w2", "w3", "w4"]


async def test_until_a_time_includes_events_at_that_time(store: InMemoryEventStore) -> None:
    assert await causes_until(store, time=T0 + timedelta(minutes=1)) == ["w0", "w1"]
    assert await causes_until(store, time=T0 + timedelta(minutes=1, seconds=59)) == ["w0", "w1"]
    assert await causes_until(store, time=T0 - timedelta(seconds=1)) == []


async def test_a_naive_time_is_utc(store: InMemoryEventStore) -> None:
    naive = (T0 + timedelta(minutes=2)).replace(tzinfo=None)
    assert await causes_until(store, time=naive) == ["w0", "w1", "w2"]


async def test_both_bounds_apply_together(store: InMemoryEventStore) -> None:
    assert await causes_until(store, sequence=4, time=T0 + timedelta(minutes=1)) == ["w0", "w1"]
    assert await causes_until(store, sequence=2, time=T0 + timedelta(minutes=3)) == ["w0", "w1"]
    assert len(await causes_until(store)) == 5


async def test_pages_cover_the_stream_once_in_order(store: InMemoryEventStore) -> None:
    seen = [[s.stream_sequence for s in page] async for page in pages(store, page=3)]
    assert seen == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]
    resumed = [s.stream_sequence async for page in pages(store, after=8, page=5) for s in page]
    assert resumed == [9, 10]


async def test_pages_stop_at_the_end_seen_when_they_began(store: InMemoryEventStore) -> None:
    seen: list[int] = []
    async for page in pages(store, page=4):
        seen += [s.stream_sequence for s in page]
        await append(store, "late", f"late{len(seen)}", 9)
    assert seen == list(range(1, 11))


async def test_page_size_must_be_positive(store: InMemoryEventStore) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        [p async for p in pages(store, page=0)]
