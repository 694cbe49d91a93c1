"""Restored snapshots are decoded when first needed, or by the background job after ready.

What must hold: nothing is decoded before a rollout is needed; a rollout reads the same decoded
late as decoded at once; the job lets other work run between its batches; and a snapshot that
passes its checksum but does not decode leaves its rollout unavailable (never folded from
nothing) until it is refolded from its history, events appended during that refold included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from adapters.runtime import projection
from adapters.runtime.pending_states import Restorable, StateUnavailable
from adapters.runtime.projection import Key, StateProjection
from adapters.runtime.snapshot_format import encode_snapshot, read_snapshot, schema_fingerprint
from events.base import Event
from events.memory import InMemoryEventStore
from events.store import StoredEvent
from rollouts.state import RolloutState
from tests.unit.history.histories import blue_green, canary_abort_retry_promote

FP = schema_fingerprint()


@dataclass
class Counted:
    """A real snapshot that notes each decode."""

    key: Key
    data: bytes
    decoded: list[Key]

    @property
    def version(self) -> int:
        return read_snapshot(self.data, FP).version

    def state(self) -> RolloutState:
        self.decoded.append(self.key)
        return read_snapshot(self.data, FP).state()


@dataclass
class Undecodable:
    version: int

    def state(self) -> RolloutState:
        raise ValueError("injected: the state does not parse")


def decisions(number: int) -> list[Sequence[Event]]:
    sim = (blue_green if number % 2 else canary_abort_retry_promote)(f"r{number}")
    return list(sim.decisions)


async def append_all(store: InMemoryEventStore, name: str, batch: list[Sequence[Event]]) -> None:
    history = await store.load("default", name)
    expected = history[-1].stream_sequence if history else 0
    for decision in batch:
        expected = await store.append("default", name, decision, expected_version=expected)


async def folded(store: InMemoryEventStore) -> StateProjection:
    projection = StateProjection(store)
    await projection.rebuild()
    return projection


async def restored_from(
    store: InMemoryEventStore, decoded: list[Key], broken: Key | None = None
) -> tuple[StateProjection, StateProjection]:
    """(the full fold, a projection restored from its snapshots, `broken`'s undecodable)."""
    source = await folded(store)
    snapshots: dict[Key, Restorable] = {}
    for key in source.rollout_keys():
        state, version = source.entry(key)
        data = encode_snapshot(state, version, FP)
        snapshots[key] = Undecodable(version) if key == broken else Counted(key, data, decoded)
    restarted = StateProjection(store)
    restarted.restore(snapshots, source.sequence)
    return source, restarted


async def store_of(count: int) -> InMemoryEventStore:
    store = InMemoryEventStore()
    for number in range(count):
        await append_all(store, f"r{number}", decisions(number))
    return store


def test_a_restored_rollout_is_decoded_when_first_needed_and_once() -> None:
    async def scenario() -> None:
        decoded: list[Key] = []
        source, restarted = await restored_from(await store_of(6), decoded)
        told: list[Key] = []
        restarted.on_event(lambda key, _: told.append(key))  # after restore: not told
        await restarted.rebuild()  # no tail
        assert decoded == [] and len(restarted) == 6
        assert restarted.rollout_keys() == source.rollout_keys()
        key = ("default", "r3")
        assert restarted.entry(key) == source.entry(key)
        assert restarted.state(*key) == source.state(*key)
        assert decoded == [key] and told == []
        assert restarted.states == source.states
        assert sorted(decoded) == sorted(source.rollout_keys())

    asyncio.run(scenario())


def test_listeners_registered_before_restore_are_told_of_each_state_as_decoded() -> None:
    async def scenario() -> None:
        store = await store_of(3)
        source = await folded(store)
        restarted = StateProjection(store)
        told: dict[Key, RolloutState] = {}
        restarted.on_event(told.__setitem__)
        restarted.restore(
            {
                key: Counted(key, encode_snapshot(*source.entry(key), FP), [])
                for key in source.rollout_keys()
            },
            source.sequence,
        )
        assert told == {}
        await restarted.decode_restored()
        assert told == source.states

    asyncio.run(scenario())


def test_the_background_decoder_lets_other_work_run_between_slices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(projection, "DECODE_SLICE", 0.0)  # a slice of one decode

    async def scenario() -> None:
        decoded: list[Key] = []
        source, restarted = await restored_from(await store_of(70), decoded)
        seen: list[int] = []

        async def decision() -> None:
            seen.append(len(decoded))

        job = asyncio.create_task(restarted.decode_restored())
        await asyncio.create_task(decision())
        await job
        assert seen == [1], f"another task ran after {seen} of 70 decodes"
        assert restarted.states == source.states and len(decoded) == 70

    asyncio.run(scenario())


class RacingStore(InMemoryEventStore):
    """While a refold reads a rollout's history, the rollout gets another decision, which the
    stream brings to the projection at once (before that read returns)."""

    def __init__(self) -> None:
        super().__init__()
        self.late: list[tuple[str, Sequence[Event]]] = []
        self.projection: StateProjection | None = None

    async def load(self, namespace: str, name: str, *, after: int = 0) -> list[StoredEvent]:
        history = await super().load(namespace, name, after=after)
        if self.late and self.projection is not None:
            late_name, decision = self.late.pop(0)
            await append_all(self, late_name, [decision])
            for stored in await super().load(namespace, late_name, after=after):
                self.projection.apply(stored)
        return history


def test_an_undecodable_snapshot_leaves_its_rollout_unavailable_until_refolded() -> None:
    async def scenario() -> None:
        store = RacingStore()
        history = decisions(0)
        await append_all(store, "r0", history[:-2])
        await append_all(store, "r1", decisions(1))
        broken = ("default", "r0")
        _, restarted = await restored_from(store, [], broken)
        await restarted.rebuild()
        with pytest.raises(StateUnavailable, match="default/r0"):
            restarted.state(*broken)
        assert broken not in restarted.rollout_keys()
        await append_all(store, "r0", [history[-2]])  # the stream brings it: not folded
        for stored in await store.load(*broken, after=restarted.sequence):
            restarted.apply(stored)
        with pytest.raises(StateUnavailable):
            restarted.entry(broken)
        store.late, store.projection = [("r0", history[-1])], restarted
        await restarted.decode_restored()
        expected = await folded(store)
        assert restarted.entry(broken) == expected.entry(broken)
        assert restarted.states == expected.states

    asyncio.run(scenario())
