"""Partition leases: which controller replica owns which partition of the rollouts, right now.

Inputs of one rollout must be decided in the order they were published, whatever the number of
controllers. The expected-sequence check keeps one history single-writer, but it cannot keep
inputs in order when two replicas split one rollout's inputs between them. So rollouts are
divided into a fixed number of partitions (the server's `partition()` subject mapping), and each
partition has one owner at a time: a key in a KV bucket whose age limit is the lease time.

Every replica also keeps a `member.<id>` key alive. Each tick it renews what it holds, gives back
what exceeds its fair share (ceil(partitions / members)), and takes free partitions up to that
share. A replica that dies stops renewing; its keys expire after the lease time, and the others
take its partitions over. One that is merely slow notices a failed renewal and lets go at once;
while the two overlap, the expected-sequence check is the safety net.

The bucket is file-backed: a memory bucket vanished with every NATS restart, and the replicas,
finding no bucket to renew in, stopped taking inputs for good (the soak caught it). A bucket
that is gone all the same (deleted by hand) is created again on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from nats.js.api import KeyValueConfig, StorageType
from nats.js.client import JetStreamContext
from nats.js.errors import (
    BucketNotFoundError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NoStreamResponseError,
    NotFoundError,
)
from nats.js.errors import Error as JetStreamError
from nats.js.kv import KeyValue

from adapters.runtime.kv_keys import live_entries
from adapters.runtime.lazy_log import LazyLogger
from adapters.runtime.replication import stream_replicas
from adapters.runtime.tasks import cancel_and_wait

log = LazyLogger("rollouts.leases")

LEASES_BUCKET = "ROLLOUT_LEASES"
MEMBER_PREFIX = "member."
PARTITION_PREFIX = "partition."

OnChange = Callable[[int], Awaitable[None]]


def partition_key(partition: int) -> str:
    return f"{PARTITION_PREFIX}{partition:03d}"


@dataclass
class LeaseView:
    """One read of the bucket: live members, and who owns which partition (with revisions)."""

    members: set[str] = field(default_factory=set)
    owners: dict[int, tuple[str, int]] = field(default_factory=dict)

    def fair_share(self, partitions: int) -> int:
        return math.ceil(partitions / max(1, len(self.members)))


async def open_bucket(js: JetStreamContext, lease_seconds: float) -> KeyValue:
    try:
        return await js.key_value(LEASES_BUCKET)
    except BucketNotFoundError:
        config = KeyValueConfig(
            bucket=LEASES_BUCKET,
            ttl=lease_seconds,
            history=1,
            storage=StorageType.FILE,
            replicas=await stream_replicas(js),
        )
        return await js.create_key_value(config)


async def read_view(js: JetStreamContext, kv: KeyValue) -> LeaseView:
    view = LeaseView()
    for key in await live_entries(js, kv, LEASES_BUCKET, MEMBER_PREFIX):
        view.members.add(key.removeprefix(MEMBER_PREFIX))
    for key, entry in (await live_entries(js, kv, LEASES_BUCKET, PARTITION_PREFIX)).items():
        owner = (entry.value or b"").decode()
        view.owners[int(key.removeprefix(PARTITION_PREFIX))] = (owner, entry.revision or 0)
    return view


class PartitionLeases:
    """Holds this replica's partitions and calls `on_acquired`/`on_lost` as they change hands.

    `on_lost` is awaited before a lease is given back, so the partition's in-flight inputs are
    done before another replica may start on them.
    """

    def __init__(
        self,
        js: JetStreamContext,
        kv: KeyValue,
        member: str,
        partitions: int,
        *,
        on_acquired: OnChange,
        on_lost: OnChange,
        lease_seconds: float,
    ) -> None:
        self._js = js
        self._kv = kv
        self._lease_seconds = lease_seconds
        self.member = member
        self.partitions = partitions
        self._on_acquired = on_acquired
        self._on_lost = on_lost
        self._period = lease_seconds / 3
        self.held: dict[int, int] = {}
        """partition -> revision of our lease key."""
        self._starting: dict[int, asyncio.Task[None]] = {}
        self._stopping: dict[int, asyncio.Task[None]] = {}

    async def tick(self) -> None:
        """One round: renew, stay a member, give back the excess, take up to the fair share.
        Renewing comes first: a lease that lapses costs a takeover, a late membership nothing."""
        await self._renew()
        await self._kv.put(f"{MEMBER_PREFIX}{self.member}", b"")
        view = await read_view(self._js, self._kv)
        view.members.add(self.member)
        share = view.fair_share(self.partitions)
        for partition in sorted(self.held)[share:]:
            await self.release(partition)
        free = [
            p
            for p in range(self.partitions)
            if p not in view.owners and p not in self.held and p not in self._stopping
        ]
        for partition in free[: max(0, share - len(self.held))]:
            await self._acquire(partition)

    async def _renew(self) -> None:
        """Every lease at once; the lost ones are stopped apart from the tick. Renewed one
        after another, each behind the previous round trip and a lost one's stop (which waits
        for its inputs in hand), the leases of a loaded replica lapsed while it was still
        renewing the first ones, and were lost in turn: the bench's fleet section saw over two
        hundred taken and lost again in two minutes (each handover a window for what
        deploy/fleet/region.conf tells of `$JS.ACK.>`: a rollout's input was lost in one).
        A renewal that failed (NATS restarting) keeps its lease until the next tick tells."""
        held = sorted(self.held.items())
        results = await asyncio.gather(
            *(self._renew_one(partition, revision) for partition, revision in held),
            return_exceptions=True,
        )
        for (partition, _), result in zip(held, results, strict=True):
            if result is False:
                self._stopping[partition] = asyncio.create_task(
                    self._stop_lost(partition), name=f"stop partition {partition}"
                )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _renew_one(self, partition: int, revision: int) -> bool:
        """False when the lease is no longer ours (expired and taken, or deleted)."""
        key = partition_key(partition)
        try:
            self.held[partition] = await self._kv.update(key, self.member.encode(), revision)
            return True
        except KeyWrongLastSequenceError:
            still = await self._ours(key)
            if still is not None:
                self.held[partition] = still
                return True
        del self.held[partition]
        log.warning("lease.lost", partition=partition, member=self.member)
        return False

    async def _stop_lost(self, partition: int) -> None:
        """Stop a partition whose lease was lost. It is not taken again before this is done:
        its old consumer would still be deciding while a new one started."""
        try:
            await self._stopped(partition)
        except Exception as error:  # the consumer is dropped all the same; say so
            log.warning("lease.stop_failed", partition=partition, error=repr(error))
        finally:
            self._stopping.pop(partition, None)

    async def _ours(self, key: str) -> int | None:
        """The key's revision when it still names this replica. A write whose reply timed out
        (a stream leader changing in a cluster) may have landed all the same and moved the
        revision; only this replica writes its own name, so the lease is still ours. Treating
        it as lost made every failover drop and re-take partitions for minutes."""
        with contextlib.suppress(KeyNotFoundError):
            entry = await self._kv.get(key)
            if entry.value == self.member.encode():
                return entry.revision
        return None

    async def _acquire(self, partition: int) -> None:
        key = partition_key(partition)
        try:
            revision = await self._kv.create(key, self.member.encode())
        except KeyWrongLastSequenceError:
            ours = await self._ours(key)  # our own earlier create, whose reply was lost
            if ours is None:
                return  # another replica was quicker
            revision = ours
        self.held[partition] = revision
        log.info("lease.acquired", partition=partition, member=self.member)
        self._starting[partition] = asyncio.create_task(
            self._start(partition), name=f"start partition {partition}"
        )

    async def _start(self, partition: int) -> None:
        """Start the partition's consumers, again and again until they run or the lease goes.

        Never inside the tick: in a cluster a consumer can take seconds to create (its leader
        is being elected), and a tick held that long let every other lease expire; the
        partitions then changed hands for minutes after one server was lost."""
        while True:
            try:
                await self._on_acquired(partition)
            except Exception as error:  # whatever it was, the next attempt may succeed
                log.warning("lease.start_failed", partition=partition, error=repr(error))
                await asyncio.sleep(self._period)
            else:
                self._starting.pop(partition, None)
                return

    async def _stopped(self, partition: int) -> None:
        """`on_lost`, once a start still in progress has been called off."""
        starting = self._starting.pop(partition, None)
        if starting is not None:
            await cancel_and_wait(starting)
        await self._on_lost(partition)

    async def release(self, partition: int) -> None:
        revision = self.held.pop(partition)
        await self._stopped(partition)
        with contextlib.suppress(KeyWrongLastSequenceError, JetStreamError):
            await self._kv.delete(partition_key(partition), last=revision)
        log.info("lease.released", partition=partition, member=self.member)

    async def run(self) -> None:
        """Tick forever, a period from one tick's start to the next (a slow tick must not push
        the renewals back further); a failed tick (NATS restarting) is retried on the next."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                started = loop.time()
                try:
                    await self.tick()
                except (NoStreamResponseError, NotFoundError) as error:
                    log.warning("lease.bucket_missing", member=self.member, error=repr(error))
                    await self._reopen_bucket()
                except (JetStreamError, TimeoutError, OSError) as error:
                    log.warning("lease.tick_failed", member=self.member, error=repr(error))
                await asyncio.sleep(max(0.0, started + self._period - loop.time()))
        finally:
            await self.abandon()

    async def abandon(self) -> None:
        """Call off the starts in progress and give nothing back: what a crash leaves."""
        starting = list(self._starting.values())
        self._starting.clear()
        await cancel_and_wait(starting)
        if self._stopping:  # lost partitions finish stopping: their inputs in hand end cleanly
            await asyncio.wait(list(self._stopping.values()))

    async def _reopen_bucket(self) -> None:
        """The leases held were in the bucket that is gone: the next renewal fails, which
        gives them back properly, and the partitions are taken again from the new bucket."""
        with contextlib.suppress(JetStreamError, TimeoutError, OSError):
            self._kv = await open_bucket(self._js, self._lease_seconds)

    async def close(self) -> None:
        """Give every partition back so the others take over at once, not after the lease."""
        for partition in sorted(self.held):
            with contextlib.suppress(JetStreamError, TimeoutError, OSError):
                await self.release(partition)
        with contextlib.suppress(JetStreamError, TimeoutError, OSError):
            await self._kv.delete(f"{MEMBER_PREFIX}{self.member}")


async def live_members(js: JetStreamContext) -> set[str]:
    """The controller replicas alive now (a departed one leaves a delete marker, which is no
    member); one stream-info request and a get per member, for a CLI asking before it sends."""
    try:
        kv = await js.key_value(LEASES_BUCKET)
        return {
            key.removeprefix(MEMBER_PREFIX)
            for key in await live_entries(js, kv, LEASES_BUCKET, MEMBER_PREFIX)
        }
    except (BucketNotFoundError, JetStreamError):
        return set()
