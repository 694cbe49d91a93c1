"""Snapshot + tail == full fold, for random histories and random snapshot points.

Histories come from the real `decide` through the simulator: a random strategy of the core's
property tests (canary routed or basic, blue-green, with analysis played by a scripted worker or
not), then a random mix of updates, commands, platform reports and time passing. Seeded: the
seed is printed, and `ROLLOUTS_TEST_SEED=<seed>` replays a run.
"""

from __future__ import annotations

import asyncio
import copy
import random
from typing import Any

import events.inputs as inp
from adapters.runtime.pending_states import Restorable
from adapters.runtime.projection import Key, StateProjection
from adapters.runtime.snapshot_format import (
    Snapshot,
    SnapshotUnusable,
    decode_snapshot,
    encode_snapshot,
    read_snapshot,
    schema_fingerprint,
)
from events.base import Event
from events.memory import InMemoryEventStore
from rollouts.errors import DomainError
from rollouts.evolve import fold
from rollouts.state import RolloutState, initial_state
from tests.support.seeds import Seeded, seeded_random
from tests.support.sim import AnalysisWorker, ProviderError, rollout_manifest
from tests.unit.core.test_properties import STRATEGIES, TEMPLATES
from tests.unit.history.histories import RecordingSim

HISTORIES = 24
OUTCOMES: list[Any] = [[0.01], [0.01], [0.08], [0.2], [], None, ProviderError("timeout")]
COMMANDS = (inp.Abort, inp.Retry, inp.Promote, inp.Pause, inp.Resume)


def random_history(rng: random.Random, name: str) -> RecordingSim:
    """One rollout's history as the controller would have appended it, decision by decision."""
    strategy = STRATEGIES[rng.choice(sorted(STRATEGIES))]
    metrics = ("step-rate", "bg-rate", "bg-dry", "pre-rate", "post-rate")
    script = {metric: [rng.choice(OUTCOMES) for _ in range(3)] for metric in metrics}
    script["bg-smoke"] = [rng.choice(["Complete", "Failed"])]
    worker = AnalysisWorker(templates=TEMPLATES, script=script) if rng.random() < 0.5 else None
    sim = RecordingSim(name=name, worker=worker)
    image = 1
    sim.deploy(_manifest(name, strategy, image))
    for _ in range(rng.randint(3, 25)):
        action = rng.random()
        try:
            if action < 0.2:
                image += 1
                sim.apply(_manifest(name, strategy, image))
            elif action < 0.45:
                sim.command(rng.choice(COMMANDS))
            elif action < 0.7:
                sim.platform()
            else:
                sim.tick(rng.choice([1, 10, 31, 61, 301]))
        except DomainError:
            continue  # a refused command appends nothing, as in the controller
    return sim


def _manifest(name: str, strategy: dict[str, Any], image: int) -> dict[str, Any]:
    return rollout_manifest(name, image=f"app:{image}", replicas=3, **copy.deepcopy(strategy))


def full_fold(sim: RecordingSim) -> RolloutState:
    return fold(initial_state(sim.namespace, sim.name), sim.events)


def test_snapshot_at_any_point_plus_tail_is_the_full_fold() -> None:
    """The pure fold: a snapshot written at event k, read back, then events k+1.. folded."""
    seeded = seeded_random("snapshot_plus_tail")
    fingerprint = schema_fingerprint()
    for number in range(HISTORIES):
        sim = random_history(seeded.rng, f"roll-{number}")
        events: list[Event] = sim.events
        expected = full_fold(sim)
        for point in {0, len(events), *(seeded.rng.randint(1, len(events)) for _ in range(3))}:
            if point == 0:
                continue  # no event, no snapshot: a rollout without one is folded whole
            head = fold(initial_state(sim.namespace, sim.name), events[:point])
            state, version = decode_snapshot(encode_snapshot(head, point, fingerprint), fingerprint)
            assert version == point
            assert state == head, f"round trip changed the state at {point}, {seeded.tag}"
            assert as_set(state) == as_set(head), f"fields set changed at {point}, {seeded.tag}"
            restored = fold(state, events[point:])
            assert restored == expected, f"roll-{number} cut at {point}/{len(events)}, {seeded.tag}"
            assert as_set(restored) == as_set(expected), f"roll-{number} at {point}, {seeded.tag}"


def as_set(state: RolloutState) -> object:
    """What was set, not only the values: `exclude_unset` dumps of the spec are what decide
    hashes (pod template and steps) and compares (a re-applied manifest is unchanged), so a
    restored spec must read exactly as the folded one. Equality of models ignores this."""
    return state.model_dump(mode="json", exclude_unset=True)


def interleaved_store(seeded: Seeded, count: int) -> InMemoryEventStore:
    """Several random histories appended decision by decision in a random interleaving."""
    store = InMemoryEventStore()
    queues = [list(random_history(seeded.rng, f"roll-{n}").decisions) for n in range(count)]
    versions = [0] * count

    async def append_all() -> None:
        while any(queues):
            n = seeded.rng.choice([i for i, queue in enumerate(queues) if queue])
            versions[n] = await store.append(
                "default", f"roll-{n}", queues[n].pop(0), expected_version=versions[n]
            )

    asyncio.run(append_all())
    return store


async def _folded(store: InMemoryEventStore, upto: int | None = None) -> StateProjection:
    projection = StateProjection(store)
    for stored in await store.load_all():
        if upto is not None and stored.stream_sequence > upto:
            break
        projection.apply(stored)
    return projection


class Undecodable(Snapshot):
    """A snapshot whose checksum passed but whose state does not decode (only a bug does
    that): its rollout must be refolded from its history, never folded from nothing."""

    def state(self) -> RolloutState:
        raise SnapshotUnusable("injected: state does not parse")


def test_projection_from_snapshots_and_tail_equals_a_full_rebuild() -> None:
    """The projection's start: snapshots taken at a random checkpoint, some of them later than
    it (a flush that wrote snapshots but crashed before its checkpoint), some garbled or of
    another schema (refolded from their own history), some that only fail when decoded
    (refolded once found), then the stream's tail, then what the background decoder does."""
    seeded = seeded_random("projection_snapshot_plus_tail")
    store = interleaved_store(seeded, 8)
    asyncio.run(_check_restart(seeded, store))


async def _check_restart(seeded: Seeded, store: InMemoryEventStore) -> None:
    fingerprint = schema_fingerprint()
    last = await store.last_sequence()
    full = await _folded(store)
    for _ in range(6):
        position = seeded.rng.randint(0, last)
        later = await _folded(store, seeded.rng.randint(position, last))
        early = await _folded(store, position)
        entries: dict[Key, Restorable] = {}
        refold: list[Key] = []
        for key in early.states:
            source = later if seeded.rng.random() < 0.3 else early
            state, version = source.entry(key)
            data = encode_snapshot(state, version, fingerprint)
            if seeded.rng.random() < 0.15:
                data = data[:-3]  # torn
            try:
                entries[key] = read_snapshot(data, fingerprint)
            except SnapshotUnusable:
                refold.append(key)
                continue
            if seeded.rng.random() < 0.15:
                entries[key] = Undecodable(b"", version)
        restarted = StateProjection(store)
        restarted.restore(entries, position)
        for key in refold:
            await restarted.refold(key)
        await restarted.rebuild()
        await restarted.decode_restored()
        where = f"checkpoint {position}/{last}, {len(refold)} refolded, {seeded.tag}"
        assert restarted.states == full.states, where
        assert {k: restarted.entry(k)[1] for k in full.states} == {
            k: full.entry(k)[1] for k in full.states
        }, where
        assert restarted.sequence == full.sequence == last, where
