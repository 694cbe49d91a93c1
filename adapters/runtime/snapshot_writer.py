"""Who writes snapshots, when, and how a process starts from them.

The writer is the controller's process (the single writer of the stream; a process running
only workers reads snapshots but never writes them). It notes which rollouts changed (a set add
per fold, nothing more on the decision path) and every `interval` seconds, in a task of its own,
writes each changed rollout's current state, in batches that yield to the event loop between
them, then the checkpoint. So a rollout is written at most once per interval however many events
it gets, and a quiet fleet costs nothing.

With several controller replicas, each writes only the rollouts of the input partitions it
holds (`held`), and a checkpoint per partition: the work is split as the deciding is, instead
of every replica writing every rollout. A rollout of a partition not held stays pending, so the
replica that takes the partition over writes it before that partition's first checkpoint.

A crash at any point is harmless: the checkpoint is written last and only when every snapshot
before it was acknowledged, and a snapshot newer than the checkpoint is still right (start skips
its events at or below its version). A failed flush keeps its rollouts pending for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection

import structlog
from nats.errors import Error as NatsError
from nats.js.client import JetStreamContext
from prometheus_client import CollectorRegistry

from adapters.runtime.projection import Key, StateProjection
from adapters.runtime.snapshot_format import encode_snapshot, encode_too_large
from adapters.runtime.snapshots import (
    Restored,
    SnapshotLoadFailed,
    SnapshotMetrics,
    SnapshotStore,
    open_bucket,
)
from adapters.runtime.tasks import Running, Spawn
from events.store import EventStore
from events.subjects import input_partition
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.snapshots")

INTERVAL = 10.0
"""Seconds between flushes: at most this much tail (per changed rollout) to fold at start."""
HELD_PERIOD = 1.0
"""Seconds between two looks at the partitions held (`_note_held`)."""
BATCH = 16
"""Snapshots encoded and written between two yields to the event loop."""
PACE = 0.005
"""Seconds between two batches of a periodic flush. Snapshots only shorten a restart, so they
give way: written in one stretch, the 600 rollouts a steady 100 aborts/s change in 6 s held
the loop, and the server, for about 150 ms, and the aborts in flight waited as long (the
bench's abort p99 under a CPU hog). The last flush at stop is not paced."""
FINAL_FLUSH = 2.0
"""Seconds the last flush at stop may take (the server may be gone)."""
MAX_VALUE = 1024 * 1024
"""The server's default max payload; a larger state is written as a refold marker."""


async def open_snapshots(
    js: JetStreamContext,
    projection: StateProjection,
    store: EventStore,
    *,
    write: bool,
    registry: CollectorRegistry | None = None,
    held: Callable[[], Collection[int]] | None = None,
) -> SnapshotWriter | None:
    """Restore `projection` from the bucket (call `rebuild` next, for the tail), and return the
    writer when this process writes snapshots (`write`: it runs the controller; `held`, its
    input partitions, when replicas share the rollouts). A bucket that
    cannot be read is logged and the start falls back to the full fold."""
    kv = await open_bucket(js, create=write)
    snapshots = SnapshotStore(js, kv, SnapshotMetrics(registry))
    try:
        restored = await snapshots.load(await store.last_sequence())
    except (TimeoutError, NatsError, SnapshotLoadFailed) as error:  # a full fold is right
        log.warning("snapshots.unreadable", error=repr(error), fallback="full fold")
        restored = Restored()
    await restore(projection, restored)
    return SnapshotWriter(projection, snapshots, restored, held=held) if write else None


async def restore(projection: StateProjection, restored: Restored) -> None:
    """Put loaded snapshots into `projection` (before its `rebuild`, which then folds the
    tail) and refold from history every rollout whose snapshot could not be used. A failure
    here is not caught: the projection would be half restored, so the start must fail."""
    projection.restore(restored.entries, restored.position)
    for key in restored.refold:
        await projection.refold(key)
    log.info(
        "snapshots.restored",
        rollouts=len(restored.entries),
        refolded=len(restored.refold),
        position=restored.position,
    )


class SnapshotWriter:
    def __init__(
        self,
        projection: StateProjection,
        snapshots: SnapshotStore,
        restored: Restored | None = None,
        *,
        interval: float = INTERVAL,
        max_value: int = MAX_VALUE,
        held: Callable[[], Collection[int]] | None = None,
    ) -> None:
        """`held`: the input partitions this replica holds now (None: it writes everything)."""
        self._projection = projection
        self._held = held
        self._partitions: dict[Key, int] = {}
        self._checkpoints: dict[int, int] = {}
        self._recently_held: frozenset[int] = frozenset()
        self._snapshots = snapshots
        self._interval = interval
        self._max_value = max_value
        restored = restored or Restored()
        self._written = {key: snapshot.version for key, snapshot in restored.entries.items()}
        self._checkpoint = restored.position
        self._dirty: set[Key] = projection.rollout_keys()  # whatever start folded beyond them
        projection.on_event(self._changed)
        self._running: Running | None = None
        self.written = 0
        """Snapshots written by this process (for tests and the bench)."""

    def _changed(self, key: Key, state: RolloutState) -> None:
        self._dirty.add(key)

    def start(self, spawn: Spawn) -> None:
        self._running = spawn("snapshot-writer", self.run)

    async def stop(self) -> None:
        """Stop flushing (a flush cut short is harmless), then one last flush, bounded, so a
        clean restart has next to no tail to fold."""
        if self._running is not None:
            await self._running.stop()
            self._running = None
            with contextlib.suppress(Exception):
                async with asyncio.timeout(FINAL_FLUSH):
                    await self.flush()
        self._projection.off_event(self._changed)

    async def run(self) -> None:
        """Flush every interval until cancelled; a failed flush is retried at the next. Between
        flushes the partitions held are noted every second (`_note_held`)."""
        while True:
            for _ in range(max(1, round(self._interval / HELD_PERIOD))):
                await asyncio.sleep(min(HELD_PERIOD, self._interval))
                self._note_held()
            try:
                await self.flush(pace=PACE)
            except Exception as error:  # the server may be down: the next flush catches up
                log.warning("snapshots.flush_failed", error=repr(error))

    async def flush(self, pace: float = 0.0) -> int:
        """Write every rollout changed since its last snapshot, then the checkpoint (each held
        partition's, when the rollouts are shared by partition); `pace` seconds apart per
        batch."""
        position = self._projection.covered
        held = self._note_held()
        keys = self._dirty if held is None else {k for k in self._dirty if self._of(k) in held}
        self._dirty = self._dirty - keys
        try:
            ordered = sorted(keys)
            for start in range(0, len(ordered), BATCH):
                batch = tuple(ordered[start : start + BATCH])
                await self._write(batch)
                await asyncio.sleep(pace)  # decisions go first
        except BaseException:
            self._dirty |= keys  # those written are skipped next time (`_written`)
            raise
        if held is not None:
            await self._put_partition_checkpoints(held, position)
            self._recently_held = frozenset(self._held()) if self._held else frozenset()
        elif position > self._checkpoint:
            await self._snapshots.put_checkpoint(position)
            self._checkpoint = position
        return position

    async def _put_partition_checkpoints(self, held: frozenset[int], position: int) -> None:
        for partition in sorted(held):
            if position > self._checkpoints.get(partition, 0):
                await self._snapshots.put_checkpoint(position, partition)
                self._checkpoints[partition] = position

    def _note_held(self) -> frozenset[int] | None:
        """The partitions to write: those held now and those held since the last flush. A
        stopping process releases its partitions before its last flush, which still writes
        theirs; a partition handed over is written once more by its old holder, harmlessly
        (a snapshot never goes back to an older version)."""
        if self._held is None:
            return None
        self._recently_held |= frozenset(self._held())
        return self._recently_held

    def _of(self, key: Key) -> int:
        partition = self._partitions.get(key)
        if partition is None:
            partition = input_partition(*key, self._snapshots.partitions)
            self._partitions[key] = partition
        return partition

    async def _write(self, batch: tuple[Key, ...]) -> None:
        values: list[tuple[Key, bytes, int]] = []
        for key in batch:
            state, version = self._projection.entry(key)
            if version <= self._written.get(key, 0):
                continue
            data = encode_snapshot(state, version, self._snapshots.fingerprint)
            if len(data) > self._max_value:
                data = encode_too_large(version, self._snapshots.fingerprint)
            values.append((key, data, version))
        if not values:
            return
        await self._snapshots.put(values)
        for key, _, version in values:
            self._written[key] = version
        self.written += len(values)
