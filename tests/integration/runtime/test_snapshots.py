"""A controller restarted over a stream with snapshots ends in exactly the state of a full
re-fold, whether its snapshots are current, behind the stream (a crash between flushes), torn,
or written under another schema fingerprint (then ignored and rewritten)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue

from adapters.runtime import snapshots
from adapters.runtime.projection import Key, StateProjection
from adapters.runtime.snapshot_format import (
    Snapshot,
    SnapshotUnusable,
    decode_checkpoint,
    decode_snapshot,
    encode_checkpoint,
    encode_snapshot,
    read_snapshot,
    schema_fingerprint,
)
from adapters.runtime.snapshot_writer import INTERVAL
from adapters.runtime.snapshots import BUCKET, CHECKPOINT, partition_checkpoint, snapshot_key
from adapters.workers.app import RolloutsApp, create_app
from events.jetstream import JetStreamEventStore
from events.store import StoredEvent
from events.streams import INPUT_PARTITIONS
from rollouts.evolve import fold
from rollouts.state import RolloutState, initial_state
from tests.integration.runtime.harness import System

pytestmark = pytest.mark.integration

NAMES = [f"snap-{n}" for n in range(5)]
FP = schema_fingerprint()


@pytest.fixture
async def rolled(system: System) -> AsyncIterator[System]:
    """Five rollouts taken through two updates by a controller that then stops (its last
    flush writes every snapshot and the checkpoint)."""
    controller = await start_controller(system)
    for revision, image in enumerate(("app:1", "app:2"), start=1):
        for name in NAMES:
            await system.apply(name, image)
        await system.wait_all(NAMES, revision)
    await controller.stop()
    yield system


async def start_controller(system: System) -> RolloutsApp:
    app = create_app(system.settings, workers=("controller",), start_embedded=False)
    await app.start()
    return app


async def bucket(system: System) -> KeyValue:
    assert system.conn is not None
    return await system.conn.js.key_value(BUCKET)


async def full_fold(system: System) -> dict[Key, tuple[RolloutState, int]]:
    assert system.conn is not None
    projection = StateProjection(JetStreamEventStore(system.conn.js))
    await projection.rebuild()
    return {key: projection.entry(key) for key in projection.states}


async def restarted(system: System) -> tuple[dict[Key, tuple[RolloutState, int]], int, str]:
    """Start a controller, read its projection, stop it; plus its ignored-snapshot metric."""
    app = await start_controller(system)
    try:
        projection = app.projection
        assert projection is not None
        entries = {key: projection.entry(key) for key in projection.states}
        metrics = app.metrics.registry
        ignored = "\n".join(
            f"{s.labels['reason']}={s.value:g}"
            for metric in metrics.collect()
            if metric.name == "rollouts_snapshots_ignored"
            for s in metric.samples
            if s.name.endswith("_total")
        )
        return entries, projection.restored, ignored
    finally:
        await app.stop()


async def checkpoints(kv: KeyValue) -> dict[str, int | None]:
    """Every checkpoint key there is, by name (None: written under another fingerprint)."""
    found: dict[str, int | None] = {}
    for name in (CHECKPOINT, *(partition_checkpoint(p) for p in range(INPUT_PARTITIONS))):
        with contextlib.suppress(KeyNotFoundError):
            value = (await kv.get(name)).value or b""
            try:
                found[name] = decode_checkpoint(value, FP)
            except SnapshotUnusable:
                found[name] = None
    return found


async def put_checkpoints(kv: KeyValue, position: int, fingerprint: str) -> None:
    """As a controller holding every partition leaves them: each partition's checkpoint."""
    for partition in range(INPUT_PARTITIONS):
        await kv.put(partition_checkpoint(partition), encode_checkpoint(position, fingerprint))


async def history(system: System, name: str) -> list[StoredEvent]:
    assert system.conn is not None
    return await JetStreamEventStore(system.conn.js).load("default", name)


async def test_a_stop_leaves_a_snapshot_of_every_rollout_and_a_restart_uses_them(
    rolled: System,
) -> None:
    kv = await bucket(rolled)
    expected = await full_fold(rolled)
    latest = max(version for _, version in expected.values())
    assert await checkpoints(kv) == {
        partition_checkpoint(p): latest for p in range(INPUT_PARTITIONS)
    }
    for key, entry in expected.items():
        assert decode_snapshot((await kv.get(snapshot_key(key))).value or b"", FP) == entry
    entries, restored, ignored = await restarted(rolled)
    assert entries == expected
    assert restored == len(NAMES) and ignored == ""


async def test_snapshots_behind_the_stream_are_completed_by_the_tail(rolled: System) -> None:
    """As if the controller died long after its last flush: the checkpoint sits mid-stream
    and each rollout's snapshot holds its state at its last event at or below it."""
    kv = await bucket(rolled)
    expected = await full_fold(rolled)
    histories = {name: await history(rolled, name) for name in NAMES}
    every = sorted(s.stream_sequence for events in histories.values() for s in events)
    position = every[len(every) // 2]
    for name, events in histories.items():
        head = [s for s in events if s.stream_sequence <= position]
        if head:
            state = fold(initial_state("default", name), [s.event for s in head])
            value = encode_snapshot(state, head[-1].stream_sequence, FP)
            await kv.put(snapshot_key(("default", name)), value)
    await put_checkpoints(kv, position, FP)
    entries, restored, ignored = await restarted(rolled)
    assert entries == expected, f"checkpoint {position} of {every[-1]}"
    assert restored == sum(
        1 for events in histories.values() if events[0].stream_sequence <= position
    )
    assert ignored == ""


async def test_snapshots_of_another_schema_are_ignored_and_rewritten(rolled: System) -> None:
    """Snapshots whose content would be wrong here (an early state claiming the latest
    version), written under another fingerprint: never used, refolded, then rewritten."""
    kv = await bucket(rolled)
    expected = await full_fold(rolled)
    other = "f" * 32
    for name in NAMES:
        events = await history(rolled, name)
        early = fold(initial_state("default", name), [s.event for s in events[:3]])
        value = encode_snapshot(early, events[-1].stream_sequence, other)
        await kv.put(snapshot_key(("default", name)), value)
    latest = max(version for _, version in expected.values())
    await put_checkpoints(kv, latest, other)
    entries, restored, ignored = await restarted(rolled)
    assert entries == expected
    assert restored == 0 and ignored == "checkpoint=1"
    app = await start_controller(rolled)  # one that runs until its partitions' first flush
    try:
        async with asyncio.timeout(3 * INTERVAL):
            while set((await checkpoints(kv)).values()) != {latest}:
                await asyncio.sleep(0.2)
    finally:
        await app.stop()
    for key, entry in expected.items():  # written again, ours
        assert decode_snapshot((await kv.get(snapshot_key(key))).value or b"", FP) == entry


async def test_one_foreign_and_one_torn_snapshot_are_refolded_alone(rolled: System) -> None:
    kv = await bucket(rolled)
    expected = await full_fold(rolled)
    foreign, torn = ("default", NAMES[0]), ("default", NAMES[1])
    events = await history(rolled, NAMES[0])
    early = fold(initial_state(*foreign), [s.event for s in events[:3]])
    await kv.put(
        snapshot_key(foreign), encode_snapshot(early, events[-1].stream_sequence, "0" * 32)
    )
    value = (await kv.get(snapshot_key(torn))).value or b""
    await kv.put(snapshot_key(torn), value[:-4])
    entries, restored, ignored = await restarted(rolled)
    assert entries == expected
    assert restored == len(NAMES) - 2
    assert sorted(ignored.splitlines()) == ["garbled=1", "schema=1"]


async def test_worker_processes_do_not_create_the_bucket(system: System) -> None:
    """The effect workers (started, no controller yet) fold in full and create nothing."""
    assert system.conn is not None
    with pytest.raises(BucketNotFoundError):
        await system.conn.js.key_value(BUCKET)


async def test_a_load_that_fails_midway_falls_back_to_a_full_fold(
    rolled: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug while reading one value must not leave that rollout neither restored nor
    refolded: the whole load is dropped and the start folds everything."""
    expected = await full_fold(rolled)
    calls = 0

    def broken(data: bytes, fingerprint: str) -> Snapshot:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("injected bug")
        return read_snapshot(data, fingerprint)

    monkeypatch.setattr(snapshots, "read_snapshot", broken)
    entries, restored, _ = await restarted(rolled)
    assert calls >= 2
    assert entries == expected and restored == 0
