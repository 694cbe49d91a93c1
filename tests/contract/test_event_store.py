"""One contract for every EventStore: the in-memory twin and JetStream on a real nats-server.

Each test runs twice. The JetStream run is marked integration and gets a fresh server, so the
stream sequence starts at 1 in both runs and the same numbers can be asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import nats
import pytest

from events.base import Event
from events.codec import DEFAULT_CODEC
from events.envelope import Envelope
from events.jetstream import JetStreamEventStore, ensure_streams
from events.memory import InMemoryEventStore
from events.models import PauseConditionAdded, RolloutAborted, TrafficWeightRequested
from events.phases import PauseReason
from events.quarantine import Unreadable
from events.store import ConcurrencyError, EventStore, StoredEvent
from events.subjects import InvalidSubject, event_subject
from tests.support.nats import nats_server  # noqa: F401  (fixture)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NS = "shop"

Inject = Callable[[str, dict[str, str], bytes], Awaitable[None]]


@dataclass
class Harness:
    store: EventStore
    inject: Inject
    writers: Callable[[], Awaitable[EventStore]]
    cleanup: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)


async def _memory() -> Harness:
    store = InMemoryEventStore()

    async def inject(subject: str, headers: dict[str, str], data: bytes) -> None:
        store.publish_raw(subject, headers, data)

    async def same_store() -> EventStore:
        return store

    return Harness(store, inject, same_store)


async def _jetstream(url: str) -> Harness:
    cleanup = contextlib.AsyncExitStack()
    nc = await nats.connect(url, max_reconnect_attempts=0)
    cleanup.push_async_callback(nc.close)
    js = nc.jetstream()
    await ensure_streams(js)

    async def inject(subject: str, headers: dict[str, str], data: bytes) -> None:
        await js.publish(subject, data, headers=headers)

    async def another_connection() -> EventStore:
        other = await nats.connect(url, max_reconnect_attempts=0)
        cleanup.push_async_callback(other.close)
        return JetStreamEventStore(other.jetstream())

    return Harness(JetStreamEventStore(js), inject, another_connection, cleanup)


@pytest.fixture(params=["memory", pytest.param("jetstream", marks=pytest.mark.integration)])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "memory":
        built = await _memory()
    else:
        built = await _jetstream(request.getfixturevalue("nats_server").url)
    async with built.cleanup:
        yield built


@pytest.fixture
def store(harness: Harness) -> EventStore:
    return harness.store


def aborted(cause: str, revision: int = 1, minute: int = 0) -> RolloutAborted:
    return RolloutAborted(
        cause=cause, at=T0 + timedelta(minutes=minute), revision=revision, message="abort"
    )


def decision(cause: str, minute: int = 0) -> list[Event]:
    at = T0 + timedelta(minutes=minute)
    return [
        TrafficWeightRequested(
            cause=cause,
            at=at,
            canary_weight=20,
            stable_weight=80,
            canary_hash="c1",
            stable_hash="s1",
        ),
        PauseConditionAdded(cause=cause, at=at, reason=PauseReason.CANARY_PAUSE_STEP),
        aborted(cause, minute=minute),
    ]


def causes(stored: list[StoredEvent]) -> list[str]:
    return [s.event.cause for s in stored]


async def test_append_then_load_returns_the_events_in_order(store: EventStore) -> None:
    events = decision("in-1")
    version = await store.append(NS, "web", events, expected_version=0)
    loaded = await store.load(NS, "web")
    assert version == 3
    assert [s.event for s in loaded] == events
    assert [s.stream_sequence for s in loaded] == [1, 2, 3]
    assert [s.rollout_sequence for s in loaded] == [1, 2, 3]
    first = loaded[0].envelope
    assert (first.subject, first.type, first.causationid) == (
        "shop/web",
        "TrafficWeightRequested",
        "in-1",
    )
    assert first.time == T0
    assert len({s.envelope.id for s in loaded}) == 3


async def test_rollout_sequence_counts_only_the_rollouts_own_events(store: EventStore) -> None:
    v_web = await store.append(NS, "web", decision("in-1"), expected_version=0)
    await store.append(NS, "api", [aborted("in-2")], expected_version=0)
    await store.append(NS, "web", [aborted("in-3")], expected_version=v_web)
    loaded = await store.load(NS, "web")
    assert [s.rollout_sequence for s in loaded] == [1, 2, 3, 4]
    assert [s.stream_sequence for s in loaded] == [1, 2, 3, 5]
    assert [s.envelope.rolloutsequence for s in loaded] == [1, 2, 3, 4]


async def test_a_fresh_writer_numbers_after_what_is_stored(harness: Harness) -> None:
    version = await harness.store.append(NS, "web", decision("in-1"), expected_version=0)
    other = await harness.writers()
    await other.append(NS, "web", [aborted("in-2")], expected_version=version)
    assert [s.rollout_sequence for s in await harness.store.load(NS, "web")] == [1, 2, 3, 4]


async def test_empty_append_writes_nothing(store: EventStore) -> None:
    assert await store.append(NS, "web", [], expected_version=7) == 7
    assert await store.last_sequence() == 0
    assert await store.rollouts() == []


async def test_stale_expected_version_is_refused_and_writes_nothing(store: EventStore) -> None:
    first = await store.append(NS, "web", [aborted("in-1")], expected_version=0)
    second = await store.append(NS, "web", [aborted("in-2")], expected_version=first)
    with pytest.raises(ConcurrencyError) as refused:
        await store.append(NS, "web", decision("in-3"), expected_version=first)
    assert (refused.value.expected, refused.value.actual) == (first, second)
    assert await store.last_sequence() == second
    assert causes(await store.load(NS, "web")) == ["in-1", "in-2"]


async def test_new_rollout_expected_zero_is_refused_once_it_exists(store: EventStore) -> None:
    await store.append(NS, "web", [aborted("in-1")], expected_version=0)
    with pytest.raises(ConcurrencyError) as refused:
        await store.append(NS, "web", [aborted("in-2")], expected_version=0)
    assert (refused.value.expected, refused.value.actual) == (0, 1)


async def test_expected_version_ahead_of_the_rollout_is_refused(store: EventStore) -> None:
    await store.append(NS, "web", [aborted("in-1")], expected_version=0)
    with pytest.raises(ConcurrencyError) as refused:
        await store.append(NS, "web", [aborted("in-2")], expected_version=99)
    assert refused.value.actual == 1
    with pytest.raises(ConcurrencyError):
        await store.append(NS, "absent", [aborted("in-2")], expected_version=5)


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("start_empty", [True, False])
async def test_two_writers_at_one_version_exactly_one_wins_whole(
    harness: Harness, start_empty: bool, size: int
) -> None:
    base = (
        0
        if start_empty
        else await harness.store.append(NS, "web", [aborted("in-0")], expected_version=0)
    )
    writer_a, writer_b = harness.store, await harness.writers()
    outcomes = await asyncio.gather(
        writer_a.append(NS, "web", decision("a")[:size], expected_version=base),
        writer_b.append(NS, "web", decision("b")[:size], expected_version=base),
        return_exceptions=True,
    )
    won = [o for o in outcomes if isinstance(o, int)]
    lost = [o for o in outcomes if isinstance(o, ConcurrencyError)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    assert lost[0].actual == won[0] == base + size
    new = causes(await harness.store.load(NS, "web", after=base))
    assert new in (["a"] * size, ["b"] * size)
    assert await harness.store.last_sequence() == base + size


async def test_names_sharing_prefixes_or_dots_are_separate_rollouts(store: EventStore) -> None:
    v_a = await store.append(NS, "a", [aborted("a-1")], expected_version=0)
    v_ab = await store.append(NS, "a.b", [aborted("ab-1")], expected_version=0)
    await store.append(NS, "ab", [aborted("x-1")], expected_version=0)
    await store.append("other", "a", [aborted("o-1")], expected_version=0)
    v_a = await store.append(NS, "a", [aborted("a-2")], expected_version=v_a)
    await store.append(NS, "a.b", [aborted("ab-2")], expected_version=v_ab)
    assert causes(await store.load(NS, "a")) == ["a-1", "a-2"]
    assert causes(await store.load(NS, "a.b")) == ["ab-1", "ab-2"]
    assert causes(await store.load("other", "a")) == ["o-1"]
    assert (await store.load(NS, "a.b"))[0].envelope.subject == "shop/a.b"
    assert await store.rollouts() == [("other", "a"), (NS, "a"), (NS, "a.b"), (NS, "ab")]


@pytest.mark.parametrize("bad", ["a_b", "a*", "a>", "a b", ""])
async def test_names_that_cannot_be_subjects_are_refused(store: EventStore, bad: str) -> None:
    with pytest.raises(InvalidSubject):
        await store.append(NS, bad, [aborted("in-1")], expected_version=0)
    assert await store.last_sequence() == 0


async def test_load_after_returns_only_newer_events(store: EventStore) -> None:
    first = await store.append(NS, "web", decision("in-1"), expected_version=0)
    await store.append(NS, "api", [aborted("x")], expected_version=0)
    await store.append(NS, "web", [aborted("in-2")], expected_version=first)
    newer = await store.load(NS, "web", after=first)
    assert causes(newer) == ["in-2"]
    assert newer[0].rollout_sequence == 4
    assert await store.load(NS, "web", after=await store.last_sequence()) == []
    assert await store.load(NS, "nobody") == []


async def test_load_all_is_stream_order_across_rollouts(store: EventStore) -> None:
    v_web = await store.append(NS, "web", decision("w-1"), expected_version=0)
    await store.append(NS, "api", [aborted("a-1")], expected_version=0)
    await store.append(NS, "web", [aborted("w-2")], expected_version=v_web)
    everything = await store.load_all()
    assert [s.stream_sequence for s in everything] == [1, 2, 3, 4, 5]
    assert causes(everything) == ["w-1", "w-1", "w-1", "a-1", "w-2"]
    assert [s.envelope.subject for s in everything][3] == "shop/api"
    assert causes(await store.load_all(after=2, limit=2)) == ["w-1", "a-1"]
    assert causes(await store.load_all(after=4)) == ["w-2"]
    assert await store.load_all(after=5) == []
    assert await store.load_all(limit=0) == []


async def test_rollouts_and_last_sequence(store: EventStore) -> None:
    assert (await store.rollouts(), await store.last_sequence()) == ([], 0)
    await store.append("b-ns", "z.y", [aborted("1")], expected_version=0)
    await store.append("a-ns", "web", decision("2"), expected_version=0)
    assert await store.rollouts() == [("a-ns", "web"), ("b-ns", "z.y")]
    assert await store.last_sequence() == 4


@pytest.mark.parametrize("size", [1, 3])
async def test_a_retried_identical_append_is_not_duplicated(store: EventStore, size: int) -> None:
    events = decision("in-1")[:size]
    first = await store.append(NS, "web", events, expected_version=0)
    assert await store.append(NS, "web", events, expected_version=0) == first
    later = await store.append(NS, "web", [aborted("in-2")], expected_version=first)
    assert await store.append(NS, "web", events, expected_version=0) == first
    loaded = await store.load(NS, "web")
    assert causes(loaded) == ["in-1"] * size + ["in-2"]
    assert await store.last_sequence() == later


async def test_a_redecision_after_a_conflict_gets_new_ids(store: EventStore) -> None:
    v1 = await store.append(NS, "web", [aborted("in-1")], expected_version=0)
    await store.append(NS, "web", [aborted("in-2")], expected_version=v1)
    with pytest.raises(ConcurrencyError) as refused:
        await store.append(NS, "web", [aborted("in-3")], expected_version=v1)
    await store.append(NS, "web", [aborted("in-3")], expected_version=refused.value.actual)
    ids = [s.envelope.id for s in await store.load(NS, "web")]
    assert len(set(ids)) == 3


async def test_more_than_one_batch_of_events_is_refused_up_front(store: EventStore) -> None:
    with pytest.raises(ValueError, match="at most 1000"):
        await store.append(NS, "web", [aborted(f"c{i}") for i in range(1001)], expected_version=0)
    assert await store.last_sequence() == 0


def _foreign_headers(type_name: str, sequence: int) -> dict[str, str]:
    envelope = Envelope.for_event(
        aborted("in-x"),
        namespace=NS,
        name="web",
        rollout_sequence=sequence,
        id=f"foreign-{sequence}",
    )
    headers, _ = DEFAULT_CODEC.encode(envelope, aborted("in-x"))
    headers["ce-type"] = type_name
    return headers


async def test_an_unknown_event_type_on_the_stream_is_quarantined_and_named(
    harness: Harness,
) -> None:
    await harness.store.append(NS, "web", [aborted("in-1")], expected_version=0)
    subject = event_subject(NS, "web", "RolloutTeleported")
    await harness.inject(subject, _foreign_headers("RolloutTeleported", 2), b'{"cause":"x"}')
    first, second = await harness.store.load(NS, "web")
    assert isinstance(first.event, RolloutAborted)
    assert isinstance(second.event, Unreadable)
    assert second.envelope.type == "Unreadable" and second.stream_sequence == 2
    assert second.event.claimed_type == "RolloutTeleported"
    assert second.event.describe() == (
        "unreadable event at sequence 2 (unknown event type 'RolloutTeleported': "
        "is this reader older than the writer?)"
    )
    assert [s.event.type_name() for s in await harness.store.load_all()] == [
        "RolloutAborted",
        "Unreadable",
    ]


async def test_a_malformed_payload_on_the_stream_is_quarantined(harness: Harness) -> None:
    subject = event_subject(NS, "web", "RolloutAborted")
    await harness.inject(subject, _foreign_headers("RolloutAborted", 1), b"{not json")
    (stored,) = await harness.store.load(NS, "web")
    assert isinstance(stored.event, Unreadable)
    assert "RolloutAborted payload is" in stored.event.reason
    assert "\n" not in stored.event.reason and len(stored.event.reason) <= 200


@pytest.mark.parametrize(
    ("headers", "data"),
    [({}, b"{}"), ({"ce-type": "RolloutAborted"}, b"{}"), ({"x": "y"}, b"not json at all")],
)
async def test_appends_go_on_after_an_unreadable_message(
    harness: Harness, headers: dict[str, str], data: bytes
) -> None:
    """The unreadable message counts in the rollout's version (the concurrency check sees it)
    and its headers are not trusted for the next rollout sequence."""
    version = await harness.store.append(NS, "web", [aborted("in-1")], expected_version=0)
    await harness.inject(event_subject(NS, "web", "RolloutAborted"), headers, data)
    history = await harness.store.load(NS, "web")
    assert isinstance(history[-1].event, Unreadable)
    with pytest.raises(ConcurrencyError):
        await harness.store.append(NS, "web", [aborted("in-2")], expected_version=version)
    after = await harness.store.append(
        NS, "web", [aborted("in-2")], expected_version=history[-1].stream_sequence
    )
    last = (await harness.store.load(NS, "web"))[-1]
    assert (last.stream_sequence, last.rollout_sequence) == (after, 2)


async def test_an_event_claiming_another_rollout_or_type_is_quarantined(harness: Harness) -> None:
    """Headers naming `shop/web` and RolloutAborted, published under another rollout or type:
    folded as they claim, they would change a rollout nobody appended to."""
    headers = _foreign_headers("RolloutAborted", 1)
    payload = aborted("in-x").model_dump_json().encode()
    await harness.inject(event_subject(NS, "other", "RolloutAborted"), headers, payload)
    await harness.inject(event_subject(NS, "web", "SpecApplied"), headers, payload)
    for name, subject in (("other", "shop.other.RolloutAborted"), ("web", "shop.web.SpecApplied")):
        (stored,) = await harness.store.load(NS, name)
        assert isinstance(stored.event, Unreadable), name
        assert stored.event.reason == (
            f"ce-subject 'shop/web', ce-type 'RolloutAborted' != rollouts.evt.{subject}"
        )


async def test_concurrent_appends_of_many_rollouts_each_land_whole(store: EventStore) -> None:
    """What group commit must preserve: many rollouts appending at once, one of them stale."""
    names = [f"r{i}" for i in range(40)]
    versions = {
        name: await store.append(NS, name, [aborted(f"{name}-0")], expected_version=0)
        for name in names[:2]
    }
    rival = await store.append(NS, names[0], [aborted("rival")], expected_version=versions["r0"])
    outcomes = await asyncio.gather(
        *(
            store.append(NS, name, decision(f"{name}-1"), expected_version=versions.get(name, 0))
            for name in names
        ),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], ConcurrencyError) and outcomes[0].actual == rival
    for name, outcome in zip(names[1:], outcomes[1:], strict=True):
        assert isinstance(outcome, int), (name, outcome)
        loaded = await store.load(NS, name)
        assert loaded[-1].stream_sequence == outcome
        assert causes(loaded[-3:]) == [f"{name}-1"] * 3
        assert [s.rollout_sequence for s in loaded] == list(range(1, len(loaded) + 1))
    assert causes(await store.load(NS, names[0])) == ["r0-0", "rival"]
    assert await store.last_sequence() == 3 + 3 * 39
    retried = await store.append(NS, "r5", decision("r5-1"), expected_version=0)
    assert retried == outcomes[5]


async def test_iter_all_pages_the_stream_once_in_order(store: EventStore) -> None:
    for i in range(7):
        await store.append(NS, f"r{i}", decision(f"c{i}"), expected_version=0)
    seen = [[s.stream_sequence for s in page] async for page in store.iter_all(page=5)]
    assert seen == [list(range(k, min(k + 5, 22))) for k in range(1, 22, 5)]
    after = [s.stream_sequence async for page in store.iter_all(after=19) for s in page]
    assert after == [20, 21]
    assert [p async for p in store.iter_all(after=21)] == []
