"""A snapshot is used only when it is whole and of our schema; the writer never lies in its
checkpoint, even when it crashes in the middle of a flush."""

from __future__ import annotations

import asyncio
import zlib
from datetime import UTC, datetime

import pytest

import events.inputs as inp
from adapters.bench.workload import rollout_manifest
from adapters.runtime.projection import Key, StateProjection
from adapters.runtime.snapshot_format import (
    SnapshotUnusable,
    decode_checkpoint,
    decode_snapshot,
    encode_checkpoint,
    encode_snapshot,
    encode_too_large,
    read_snapshot,
    schema_fingerprint,
)
from adapters.runtime.snapshot_writer import BATCH, SnapshotWriter
from adapters.runtime.snapshots import (
    Restored,
    SnapshotStore,
    parse_key,
    snapshot_key,
    start_position,
)
from events.memory import InMemoryEventStore
from events.subjects import input_partition
from rollouts.decide import decide
from rollouts.evolve import fold
from rollouts.state import RolloutState, initial_state
from tests.unit.history.histories import blue_green, canary_abort_retry_promote

FP = schema_fingerprint()
NOW = datetime(2026, 12, 5, tzinfo=UTC)


def folded() -> RolloutState:
    sim = canary_abort_retry_promote()
    return fold(initial_state(sim.namespace, sim.name), sim.events)


def test_round_trip_keeps_the_state_and_version() -> None:
    state = folded()
    assert decode_snapshot(encode_snapshot(state, 94, FP), FP) == (state, 94)


def test_fingerprint_is_stable_and_names_the_schema() -> None:
    assert schema_fingerprint() == FP and len(FP) == 32


@pytest.mark.parametrize(
    ("damage", "kind", "words"),
    [
        (lambda d: d.replace(FP.encode(), b"0" * 32, 1), "schema", "fingerprint"),
        (lambda d: d[:-5], "garbled", "torn or garbled"),
        (lambda d: d[:-5] + bytes([d[-5] ^ 1]) + d[-4:], "garbled", "torn or garbled"),
        (lambda d: d.split(b"\n", 1)[1], "garbled", "header"),
        (lambda d: b"{}\n" + d.split(b"\n", 1)[1], "garbled", "header"),
        (lambda d: b"", "garbled", "no header"),
    ],
)
def test_damaged_or_foreign_snapshots_are_refused(damage, kind, words) -> None:  # type: ignore[no-untyped-def]
    data = damage(encode_snapshot(folded(), 94, FP))
    with pytest.raises(SnapshotUnusable, match=words) as refused:
        decode_snapshot(data, FP)
    assert refused.value.kind == kind
    assert "\n" not in str(refused.value)


def test_a_body_that_is_whole_but_not_a_state_is_refused() -> None:
    body = zlib.compress(b'{"namespace": 1}', 1)
    header = f'{{"f":"{FP}","v":3,"c":{zlib.crc32(body)},"n":{len(body)}}}'.encode()
    with pytest.raises(SnapshotUnusable, match="does not parse"):
        decode_snapshot(header + b"\n" + body, FP)


def test_too_large_marker_asks_for_a_refold() -> None:
    with pytest.raises(SnapshotUnusable, match="too large") as refused:
        decode_snapshot(encode_too_large(7, FP), FP)
    assert refused.value.kind == "too_large"


def test_checkpoint_of_another_schema_is_refused() -> None:
    assert decode_checkpoint(encode_checkpoint(42, FP), FP) == 42
    with pytest.raises(SnapshotUnusable, match="fingerprint"):
        decode_checkpoint(encode_checkpoint(42, "other"), FP)
    with pytest.raises(SnapshotUnusable, match="unreadable"):
        decode_checkpoint(b"{", FP)


def test_keys_round_trip_names_with_dots() -> None:
    key = ("team-a", "shop.v2")
    assert snapshot_key(key) == "team-a.shop_v2"
    assert parse_key(snapshot_key(key)) == key
    assert parse_key("_checkpoint") is None


class FlakyStore(SnapshotStore):
    """Keeps values in a dict; the n-th batch write fails (a crash or a lost connection)."""

    def __init__(self, fail_on_batch: int | None = None) -> None:
        super().__init__(js=None, kv=None, fingerprint=FP)  # type: ignore[arg-type]
        self.values: dict[Key, bytes] = {}
        self.checkpoints: list[int] = []
        self.partition_checkpoints: dict[int, int] = {}
        self.batches = 0
        self.fail_on_batch = fail_on_batch

    async def put(self, values: list[tuple[Key, bytes, int]]) -> None:
        self.batches += 1
        if self.batches == self.fail_on_batch:
            raise ConnectionError("server went away")
        self.values.update((key, data) for key, data, _ in values)

    async def put_checkpoint(self, position: int, partition: int | None = None) -> None:
        if partition is None:
            self.checkpoints.append(position)
        else:
            self.partition_checkpoints[partition] = position


async def projection_of(count: int) -> StateProjection:
    store = InMemoryEventStore()
    for number in range(count):
        sim = (blue_green if number % 2 else canary_abort_retry_promote)(f"r{number}")
        version = 0
        for decision in sim.decisions:
            version = await store.append(
                "default", f"r{number}", decision, expected_version=version
            )
    projection = StateProjection(store)
    await projection.rebuild()
    return projection


def test_a_flush_that_fails_midway_writes_no_checkpoint_and_the_next_one_completes() -> None:
    async def scenario() -> None:
        projection = await projection_of(150)  # ten batches
        store = FlakyStore(fail_on_batch=2)
        writer = SnapshotWriter(projection, store)
        with pytest.raises(ConnectionError):
            await writer.flush()
        assert store.checkpoints == [] and len(store.values) == BATCH
        await writer.flush()
        assert store.checkpoints == [projection.sequence]
        assert len(store.values) == 150 and writer.written == 150
        for key, data in store.values.items():
            assert decode_snapshot(data, FP) == projection.entry(key)
        await writer.flush()  # nothing changed: nothing written, checkpoint unchanged
        assert writer.written == 150 and store.checkpoints == [projection.sequence]

    asyncio.run(scenario())


def test_restored_rollouts_are_not_written_again() -> None:
    async def scenario() -> None:
        projection = await projection_of(4)
        entries = {
            key: read_snapshot(encode_snapshot(*projection.entry(key), FP), FP)
            for key in projection.states
        }
        restored = Restored(entries=entries, position=projection.sequence)
        writer = SnapshotWriter(projection, FlakyStore(), restored)
        await writer.flush()
        assert writer.written == 0

    asyncio.run(scenario())


def test_a_restored_rollout_takes_its_own_manifest_again_as_unchanged() -> None:
    """A Kubernetes resync re-applies every Rollout after a restart: the restored spec must
    compare equal to it, or each restart recorded a new generation (and `set image` hashed the
    template with the defaults the snapshot had set)."""
    manifest = rollout_manifest("roll", "registry.example/shop/app:1.0.0")
    applied = inp.ApplySpec(input_id="apply-1", manifest=manifest)
    empty = initial_state(str(manifest["metadata"]["namespace"]), "roll")
    state = fold(empty, decide(empty, applied, NOW))
    restored, _ = decode_snapshot(encode_snapshot(state, 9, FP), FP)
    again = inp.ApplySpec(input_id="apply-2", manifest=manifest)
    assert decide(state, again, NOW) == []
    assert decide(restored, again, NOW) == []


@pytest.mark.parametrize(
    ("whole", "parts", "start"),
    [
        (None, [None, None], None),  # nothing written: a full fold
        (40, [None, None], 40),  # the whole set's promise alone
        (None, [50, None], None),  # one partition promises nothing
        (None, [50, 70], 50),
        (60, [50, 70], 60),  # partition 0 is covered up to the whole set's 60
    ],
)
def test_the_tail_starts_at_the_least_covered_partition(
    whole: int | None, parts: list[int | None], start: int | None
) -> None:
    assert start_position(whole, parts) == start


def test_replicas_write_the_snapshots_of_their_partitions_and_take_over_the_rest() -> None:
    """Two replicas of four partitions: each writes its own rollouts once, with its own
    partitions' checkpoints; when one takes all, it writes what it had left pending."""

    async def scenario() -> None:
        projection = await projection_of(40)
        first, second = FlakyStore(), FlakyStore()
        first.partitions = second.partitions = 4
        held = {"first": [0, 1], "second": [2, 3]}
        writers = {
            "first": SnapshotWriter(projection, first, held=lambda: held["first"]),
            "second": SnapshotWriter(projection, second, held=lambda: held["second"]),
        }
        for writer in writers.values():
            await writer.flush()
        of = {key: input_partition(*key, 4) for key in projection.states}
        assert {of[key] for key in first.values} == {0, 1}
        assert {of[key] for key in second.values} == {2, 3}
        assert len(first.values) + len(second.values) == 40
        assert first.partition_checkpoints == {0: projection.sequence, 1: projection.sequence}
        assert first.checkpoints == [] and second.checkpoints == []
        held["first"] = [0, 1, 2, 3]  # the second replica died
        await writers["first"].flush()
        assert len(first.values) == 40 and set(first.partition_checkpoints) == {0, 1, 2, 3}

    asyncio.run(scenario())
