"""Rollout snapshots in a KV bucket, so a process starts from them plus the stream's tail.

Without them every process folds the whole ROLLOUTS stream at start (a million events for
10,000 rollouts). With them it reads one small value per rollout and folds only the events
appended after the snapshots' checkpoint.

Layout of bucket ROLLOUT_SNAPSHOTS (file storage, history 1): one key per rollout,
`<namespace>.<name>` in subject encoding, holding its state and its version (the stream sequence
of its last folded event), and one key `_checkpoint` holding a position P with a promise: every
rollout with an event at or below P has a snapshot covering all its events at or below P.
Controller replicas that share the rollouts by input partition write only their partitions'
snapshots, and one key `_checkpoint_p<N>` per partition with the same promise for the rollouts
of partition N; a start folds the tail after the lowest of them (`start_position`). One
key per rollout, not per chunk: a write costs one rollout's 2 KB, not a chunk's, the values stay
far below the server's max payload (1 MB; a larger state is written as a "refold" marker), and
one bad value costs one rollout's refold, not a chunk's.

Start = load every snapshot (its header and checksum checked, its state decoded only when
needed: `pending_states`), fold the stream after P (a rollout skips events at or below its own
version, which may be past P), and refold from its own history any rollout whose snapshot is
unusable. A snapshot is only an optimisation: a wrong fingerprint, a torn value or a missing
checkpoint is logged, counted (`rollouts_snapshots_ignored_total`) and refolded, never trusted.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy, KeyValueConfig, StorageType
from nats.js.client import JetStreamContext
from nats.js.errors import (
    BucketNotFoundError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from nats.js.kv import KeyValue
from prometheus_client import CollectorRegistry, Counter

from adapters.runtime.pending_states import collector_paused
from adapters.runtime.projection import Key
from adapters.runtime.replication import stream_replicas
from adapters.runtime.snapshot_format import (
    Snapshot,
    SnapshotUnusable,
    decode_checkpoint,
    encode_checkpoint,
    read_snapshot,
    schema_fingerprint,
    snapshot_version,
)
from adapters.runtime.subscriptions import unsubscribe
from events.streams import INPUT_PARTITIONS
from events.subjects import decode_name, encode_name, encode_namespace

log = structlog.get_logger("rollouts.snapshots")

BUCKET = "ROLLOUT_SNAPSHOTS"
CHECKPOINT = "_checkpoint"
PREFIX = f"$KV.{BUCKET}."
WRITE_ATTEMPTS = 5
LOAD_TIMEOUT = 60.0
"""Longer than any sane load; a load that takes this long is abandoned for a full fold."""


class SnapshotLoadFailed(RuntimeError):
    """Reading the bucket failed midway: no snapshot of the load may be used."""


def partition_checkpoint(partition: int) -> str:
    """No dot in it: `parse_key` never takes it for a rollout."""
    return f"{CHECKPOINT}_p{partition}"


def start_position(whole: int | None, partitions: list[int | None]) -> int | None:
    """Where the tail starts: each partition's rollouts are covered up to the later of the
    whole set's checkpoint and their own, so the tail starts at the lowest of those (None:
    some partition has no promise at all, so only a full fold is safe)."""
    covered = []
    for own in partitions or [None]:
        known = [position for position in (whole, own) if position is not None]
        if not known:
            return None
        covered.append(max(known))
    return min(covered)


def snapshot_key(key: Key) -> str:
    return f"{encode_namespace(key[0])}.{encode_name(key[1])}"


def parse_key(token: str) -> Key | None:
    namespace, dot, name = token.partition(".")
    return (namespace, decode_name(name)) if dot and namespace and name else None


class SnapshotMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.ignored = Counter(
            "rollouts_snapshots_ignored",
            "Snapshots not used at start (reason: schema, garbled, checkpoint), refolded",
            ["reason"],
            registry=registry or CollectorRegistry(),
        )


@dataclass
class Restored:
    """What a load found: usable entries, the checkpoint, and rollouts to refold by history."""

    entries: dict[Key, Snapshot] = field(default_factory=dict)
    """Checked, not decoded: each is decoded when first needed (`pending_states`)."""
    position: int = 0
    refold: list[Key] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)

    def ignore(self, reason: str, count: int = 1) -> None:
        self.ignored[reason] = self.ignored.get(reason, 0) + count


async def open_bucket(js: JetStreamContext, *, create: bool) -> KeyValue | None:
    """The bucket; created only by its writer (a reader without it just folds everything)."""
    try:
        return await js.key_value(BUCKET)
    except BucketNotFoundError:
        if not create:
            return None
    replicas = await stream_replicas(js)
    config = KeyValueConfig(bucket=BUCKET, history=1, storage=StorageType.FILE, replicas=replicas)
    return await js.create_key_value(config)


class SnapshotStore:
    def __init__(
        self,
        js: JetStreamContext,
        kv: KeyValue | None,
        metrics: SnapshotMetrics | None = None,
        fingerprint: str | None = None,
        partitions: int = INPUT_PARTITIONS,
    ) -> None:
        self._js = js
        self.partitions = partitions
        self.kv = kv
        self.metrics = metrics or SnapshotMetrics()
        self.fingerprint = fingerprint or schema_fingerprint()
        self.revisions: dict[Key, int] = {}
        """The KV revision of each rollout's value as last seen (read or written)."""

    async def load(self, stream_last: int) -> Restored:
        """Every usable snapshot, or none at all when the checkpoint cannot be trusted (then
        a full fold is the only safe start). `stream_last` is the stream's last sequence: a
        set claiming to cover more belongs to another stream (one deleted and made again)."""
        restored = Restored()
        if self.kv is None:
            return restored
        try:
            whole, *parts = await asyncio.gather(
                self._checkpoint(CHECKPOINT),
                *(self._checkpoint(partition_checkpoint(p)) for p in range(self.partitions)),
            )
            position = start_position(whole, parts)
            if position is None:
                return restored  # nothing written yet: not worth a metric
            if position > stream_last:
                raise SnapshotUnusable(f"checkpoint {position} is past the stream ({stream_last})")
        except SnapshotUnusable as reason:
            log.warning("snapshots.ignored_all", reason=str(reason))
            self._count(restored, "checkpoint")
            return restored
        restored.position = position
        with collector_paused():
            async with asyncio.timeout(LOAD_TIMEOUT):
                await self._read_all(restored, stream_last)
        self._report(restored)
        return restored

    async def _checkpoint(self, name: str) -> int | None:
        assert self.kv is not None
        try:
            entry = await self.kv.get(name)
        except (KeyNotFoundError, NotFoundError):
            return None
        return decode_checkpoint(entry.value or b"", self.fingerprint)

    async def _read_all(self, restored: Restored, stream_last: int) -> None:
        """The last value of every key, through one ordered consumer (no request per key)."""
        done = asyncio.Event()
        failed: list[str] = []

        async def received(msg: Msg) -> None:
            try:
                self._one(restored, msg, stream_last)
            except Exception as error:  # a rollout neither restored nor refolded: give up
                failed.append(f"{msg.subject}: {error!r}")
            if msg.metadata.num_pending == 0 or failed:
                done.set()

        subscription = await self._js.subscribe(
            f"{PREFIX}>",
            cb=received,
            ordered_consumer=True,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.LAST_PER_SUBJECT),
        )
        try:
            await done.wait()
        finally:
            await unsubscribe(subscription)
        if failed:
            raise SnapshotLoadFailed(failed[0])

    def _one(self, restored: Restored, msg: Msg, stream_last: int) -> None:
        token = msg.subject.removeprefix(PREFIX)
        key = parse_key(token)
        headers = msg.headers or {}
        if key is None or headers.get("KV-Operation"):
            return  # the checkpoint, or a deleted key
        self.revisions[key] = msg.metadata.sequence.stream
        try:
            snapshot = read_snapshot(msg.data, self.fingerprint)
            if snapshot.version > stream_last:
                reason = f"version {snapshot.version} is past the stream ({stream_last})"
                raise SnapshotUnusable(reason)
        except SnapshotUnusable as reason:
            restored.ignore(reason.kind)
            restored.refold.append(key)
            if reason.kind != "schema":  # one line each; a schema change is summed up below
                log.warning("snapshots.ignored", rollout=f"{key[0]}/{key[1]}", reason=str(reason))
            return
        restored.entries[key] = snapshot

    def _report(self, restored: Restored) -> None:
        for reason, count in restored.ignored.items():
            self.metrics.ignored.labels(reason).inc(count)
        if restored.ignored.get("schema"):
            log.warning(
                "snapshots.schema_changed",
                ignored=restored.ignored["schema"],
                reason="written by another schema fingerprint: refolded from history",
            )

    def _count(self, restored: Restored, reason: str) -> None:
        restored.ignore(reason)
        self.metrics.ignored.labels(reason).inc()

    async def put(self, values: list[tuple[Key, bytes, int]]) -> None:
        """Write a batch concurrently (one publish each, acks awaited together)."""
        await asyncio.gather(*(self._put_one(*value) for value in values))

    async def _put_one(self, key: Key, data: bytes, version: int) -> None:
        """Never moves a rollout's snapshot back to an older version: with several controller
        replicas writing, an older value written over a newer one would break the newer
        writer's checkpoint. So a write expects the revision last seen; on a conflict the
        other value's version decides whether ours still goes in."""
        assert self.kv is not None
        name = snapshot_key(key)
        for _ in range(WRITE_ATTEMPTS):
            try:
                self.revisions[key] = await self.kv.update(name, data, self.revisions.get(key, 0))
                return
            except KeyWrongLastSequenceError:
                try:
                    entry = await self.kv.get(name)
                except (KeyNotFoundError, NotFoundError):
                    self.revisions[key] = 0
                    continue
                self.revisions[key] = entry.revision or 0
                if snapshot_version(entry.value or b"", self.fingerprint) >= version:
                    return  # another writer's is as new: keep it
        raise RuntimeError(f"snapshot of {key[0]}/{key[1]}: {WRITE_ATTEMPTS} write conflicts")

    async def put_checkpoint(self, position: int, partition: int | None = None) -> None:
        """The whole set's checkpoint, or one partition's (`partition`)."""
        assert self.kv is not None
        name = CHECKPOINT if partition is None else partition_checkpoint(partition)
        await self.kv.put(name, encode_checkpoint(position, self.fingerprint))
