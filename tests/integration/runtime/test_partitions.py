"""Partition leases and partitioned input consumers against a real nats-server.

Inputs of one rollout are handled in publish order by exactly one replica at a time, whatever
the number of replicas; a replica that dies has its partitions taken over within the lease time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import StorageType, StreamConfig, SubjectTransform

from adapters.runtime.leases import PartitionLeases, open_bucket, read_view
from adapters.runtime.tasks import cancel_and_wait
from adapters.workers.dead_letters import DeadInputs
from adapters.workers.partition_feeds import durable_name, start_sequence
from adapters.workers.partitions import PartitionConsumer, PartitionedInputs
from events.subjects import input_partition, input_subject, partition_transform
from tests.support.nats import nats_client, nats_server  # noqa: F401

pytestmark = pytest.mark.integration

STREAM = "ROLLOUT_INPUTS"
PARTITIONS = 8
LEASE = 1.5


async def _stream(nc: Client) -> None:
    source, destination = partition_transform(PARTITIONS)
    await nc.jetstream().add_stream(
        StreamConfig(
            name=STREAM,
            subjects=[source],
            subject_transform=SubjectTransform(src=source, dest=destination),
        )
    )


class Replica:
    """One controller replica's input side: leases plus the consumers they start."""

    def __init__(self, nc: Client, member: str, seen: dict[str, list[tuple[str, int]]]) -> None:
        self.member, self.nc, self.seen = member, nc, seen
        self.inputs = PartitionedInputs(nc, self._handle, DeadInputs(nc.jetstream()), stream=STREAM)
        self.task: asyncio.Task[None] | None = None
        self.leases: PartitionLeases | None = None

    async def _handle(self, namespace: str, name: str, msg: Msg) -> None:
        await asyncio.sleep(0.001 * (hash(self.member) % 3))  # replicas differ in speed
        self.seen[name].append((self.member, int(msg.data)))
        await msg.ack()

    async def start(self) -> None:
        js = self.nc.jetstream()
        self.leases = PartitionLeases(
            js,
            await open_bucket(js, LEASE),
            self.member,
            PARTITIONS,
            on_acquired=self.inputs.acquired,
            on_lost=self.inputs.lost,
            lease_seconds=LEASE,
        )
        self.task = asyncio.create_task(self.leases.run())

    async def crash(self) -> None:
        """Stop without giving anything back, as SIGKILL would. Cancelled once, the lease
        loop could carry on: a renewal's reply arriving with the cancellation swallows it
        (adapters/runtime/tasks.py), and this waited for ever (CI hung here twice)."""
        assert self.task is not None
        await cancel_and_wait(self.task)
        for consumers in list(self.inputs.consumers.values()):
            for consumer in consumers:
                await consumer.stop()

    async def stop(self) -> None:
        await self.crash()
        assert self.leases is not None
        await self.leases.close()


async def _settled(replicas: list[Replica], timeout: float = 10.0) -> None:
    """Until every partition has exactly one holder, and each replica its fair share."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = [p for r in replicas for p in r.inputs.consumers]
        counts = [len(r.inputs.consumers) for r in replicas]
        if sorted(held) == list(range(PARTITIONS)) and max(counts) - min(counts) <= 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"partitions never settled: {[r.inputs.consumers for r in replicas]}")


async def _publish_burst(nc: Client, rollouts: int, per_rollout: int) -> None:
    js = nc.jetstream()
    for round_ in range(per_rollout):
        for r in range(rollouts):
            await js.publish(input_subject("default", f"app-{r}"), str(round_).encode())


async def _wait_all(seen: dict[str, list[tuple[str, int]]], rollouts: int, count: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(len(seen[f"app-{r}"]) >= count for r in range(rollouts)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError({k: len(v) for k, v in seen.items()})


@pytest.mark.parametrize("replica_count", [2, 4])
async def test_each_rollout_is_handled_in_order_by_one_replica(
    nats_client: Client,  # noqa: F811
    replica_count: int,
) -> None:
    await _stream(nats_client)
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    replicas = [Replica(nats_client, f"r{i}", seen) for i in range(replica_count)]
    for replica in replicas:
        await replica.start()
    await _settled(replicas)
    await _publish_burst(nats_client, rollouts=30, per_rollout=15)
    await _wait_all(seen, 30, 15)
    for replica in replicas:
        await replica.stop()
    split = {r.member: 0 for r in replicas}
    for name, handled in seen.items():
        assert [value for _, value in handled] == list(range(15)), name
        owners = {member for member, _ in handled}
        assert len(owners) == 1, f"{name} was handled by {owners}"
        split[owners.pop()] += 1
    print(f"rollouts per replica: {split}")
    assert max(split.values()) - min(split.values()) <= 30 // replica_count + 2


async def test_a_dead_replicas_partitions_are_taken_over_within_the_lease(
    nats_client: Client,  # noqa: F811
) -> None:
    await _stream(nats_client)
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    survivor, victim = Replica(nats_client, "survivor", seen), Replica(nats_client, "victim", seen)
    await survivor.start()
    await victim.start()
    await _settled([survivor, victim])
    victims = [
        n
        for n in range(40)
        if input_partition("default", f"app-{n}", PARTITIONS) in victim.inputs.consumers
    ]
    assert victims, "the victim should hold some partitions"
    await victim.crash()
    killed_at = time.monotonic()
    await _publish_burst(nats_client, rollouts=40, per_rollout=1)
    await _wait_all(seen, 40, 1)
    took = time.monotonic() - killed_at
    print(f"takeover of {len(victims)} rollouts took {took:.2f} s (lease {LEASE} s)")
    assert took < LEASE + LEASE / 3 + 1.0
    assert all(member == "survivor" for n in victims for member, _ in seen[f"app-{n}"])
    js = nats_client.jetstream()
    view = await read_view(js, await open_bucket(js, LEASE))
    assert {owner for owner, _ in view.owners.values()} == {"survivor"}
    await survivor.stop()


async def test_the_lease_bucket_is_on_disk_and_a_lost_one_is_created_again(
    nats_client: Client,  # noqa: F811
) -> None:
    """A memory bucket vanished with each NATS restart and the replicas, with no bucket to
    renew in, stopped taking inputs for good. Deleting the bucket stands in for that loss."""
    await _stream(nats_client)
    js = nats_client.jetstream()
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    replica = Replica(nats_client, "only", seen)
    await replica.start()
    await _settled([replica])
    info = await js.stream_info("KV_ROLLOUT_LEASES")
    assert info.config.storage == StorageType.FILE
    await js.delete_key_value("ROLLOUT_LEASES")
    lost_at = time.monotonic()
    deadline = lost_at + 5 * LEASE
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            view = await read_view(js, await js.key_value("ROLLOUT_LEASES"))
            if len(view.owners) == PARTITIONS:
                break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the partitions were never leased again")
    print(f"partitions leased again {time.monotonic() - lost_at:.2f} s after the bucket was lost")
    await _publish_burst(nats_client, rollouts=10, per_rollout=1)
    await _wait_all(seen, 10, 1)
    await replica.stop()


async def test_a_delivery_lost_in_transit_is_decided_before_the_inputs_after_it(
    nats_client: Client,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server counts a push delivery lost on the wire (it was SIGKILLed with it in flight)
    as delivered and goes on; its redelivery came behind the rollout's later inputs and was
    dropped as already decided. The hole in the delivery sequence must bring it back first."""
    await _stream(nats_client)
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    replica = Replica(nats_client, "only", seen)
    real = PartitionConsumer._on_message
    dropped: list[int] = []

    async def lossy(self: PartitionConsumer, msg: Msg) -> None:
        if msg.data == b"0" and not dropped:  # the first input, its first delivery only
            dropped.append(msg.metadata.sequence.stream)
            return
        await real(self, msg)

    monkeypatch.setattr(PartitionConsumer, "_on_message", lossy)
    await replica.start()
    await _settled([replica])
    await _publish_burst(nats_client, rollouts=1, per_rollout=5)
    await _wait_all(seen, 1, 5)
    assert dropped, "the test lost no delivery"
    assert [value for _, value in seen["app-0"]] == [0, 1, 2, 3, 4]
    resyncs = sum(c.resyncs for cs in replica.inputs.consumers.values() for c in cs)
    assert resyncs == 1
    await replica.stop()


async def test_a_redelivery_of_an_input_still_being_decided_is_not_acknowledged(
    nats_client: Client,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restarted server redelivers what it had not seen acknowledged while the first
    delivery's decision still waits. Acknowledging that copy as "already decided" lost the
    input when the process died before the decision was stored."""
    await _stream(nats_client)
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    release = asyncio.Event()
    first: list[Msg] = []
    real = Replica._handle

    async def slow(self: Replica, namespace: str, name: str, msg: Msg) -> None:
        if not first:
            first.append(msg)
            await release.wait()
        await real(self, namespace, name, msg)

    monkeypatch.setattr(Replica, "_handle", slow)
    replica = Replica(nats_client, "only", seen)
    await replica.start()
    await _settled([replica])
    await _publish_burst(nats_client, rollouts=1, per_rollout=1)
    deadline = time.monotonic() + 10
    while not first and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    consumer = replica.inputs.consumers[input_partition("default", "app-0", PARTITIONS)][0]
    await consumer._on_message(first[0])  # the same input again, while it is being decided
    assert not first[0]._ackd, "a copy of an input in flight was acknowledged"
    release.set()
    await _wait_all(seen, 1, 1)
    assert [value for _, value in seen["app-0"]] == [0]
    await replica.stop()


async def test_a_holder_killed_between_deleting_and_creating_its_consumer_loses_no_floor(
    nats_client: Client,  # noqa: F811
) -> None:
    """Taking a partition over deletes its durable and creates it again from the ack floor. A
    holder killed in between left no floor anywhere, and the next started from the beginning,
    deciding old commands again."""
    await _stream(nats_client)
    js = nats_client.jetstream()
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    replica = Replica(nats_client, "first", seen)
    await replica.start()
    await _settled([replica])
    await _publish_burst(nats_client, rollouts=4, per_rollout=3)
    await _wait_all(seen, 4, 3)
    await replica.crash()  # stops its consumers; their durables and floors stay
    durable = durable_name(input_partition("default", "app-0", PARTITIONS))
    start = await start_sequence(js, STREAM, durable)  # deletes the durable: killed right here
    assert start > 1
    assert await start_sequence(js, STREAM, durable) == start  # the next holder, from the marker
    successor = Replica(nats_client, "second", seen)
    await successor.start()
    await _settled([successor])
    await _publish_burst(nats_client, rollouts=4, per_rollout=1)
    await _wait_all(seen, 4, 4)
    assert all(len(seen[f"app-{r}"]) == 4 for r in range(4)), "an input was decided twice"
    names = [info.name for info in await js.consumers_info(STREAM)]
    assert not [name for name in names if name.endswith("-start")], names
    await successor.stop()
    assert replica.leases is not None
    await replica.leases.close()


async def test_a_renewal_that_landed_after_its_timeout_keeps_the_lease(
    nats_client: Client,  # noqa: F811
) -> None:
    """In a cluster failover a write may time out at the client and land all the same. The
    revision then moves under the holder, whose next renewal is refused: the lease still names
    it, so it keeps the partition instead of dropping and re-taking it."""
    await _stream(nats_client)
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    replica = Replica(nats_client, "only", seen)
    await replica.start()
    await _settled([replica])
    assert replica.leases is not None
    kv = await nats_client.jetstream().key_value("ROLLOUT_LEASES")
    for partition in range(PARTITIONS):  # as if earlier renewals landed late
        await kv.put(f"partition.{partition:03d}", b"only")
    consumers = {p: list(c) for p, c in replica.inputs.consumers.items()}
    await replica.leases.tick()
    assert sorted(replica.leases.held) == list(range(PARTITIONS))
    assert {p: list(c) for p, c in replica.inputs.consumers.items()} == consumers
    revisions = dict(replica.leases.held)
    await replica.leases.tick()  # and renews normally from the revision it adopted
    assert all(replica.leases.held[p] > revisions[p] for p in revisions)
    await replica.stop()


async def test_a_partition_whose_consumers_fail_to_start_is_started_again(
    nats_client: Client,  # noqa: F811
) -> None:
    """A consumer create that times out (a cluster electing its leader) used to fail the lease
    tick and leave the partition held with no consumer: its inputs waited for the lease to
    lapse. The start is now retried apart from the tick, which keeps renewing meanwhile."""
    await _stream(nc=nats_client)
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    replica = Replica(nats_client, "only", seen)
    started = replica.inputs.acquired
    failures = {2: 2, 5: 1}

    async def flaky(partition: int) -> None:
        if failures.get(partition, 0) > 0:
            failures[partition] -= 1
            raise TimeoutError("consumer create timed out")
        await started(partition)

    replica.inputs.acquired = flaky  # type: ignore[method-assign]
    await replica.start()
    await _settled([replica])
    assert failures == {2: 0, 5: 0}
    await _publish_burst(nats_client, rollouts=20, per_rollout=1)
    await _wait_all(seen, 20, 1)
    await replica.stop()


async def test_a_slow_stop_of_one_lost_partition_does_not_cost_the_others_their_leases(
    nats_client: Client,  # noqa: F811
) -> None:
    """A lost partition waits for its inputs in hand before it is stopped. Stopped inside the
    renewal loop, that wait held back every later renewal, the others lapsed in turn, and a
    loaded replica dropped and re-took all its partitions (an input was lost in that churn).
    Here partition 0 is taken away and its stop takes twice the lease time."""
    await _stream(nats_client)
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    replica = Replica(nats_client, "only", seen)
    stop = replica.inputs.lost
    stopped: list[int] = []
    watching = asyncio.Event()

    async def slow_stop(partition: int) -> None:
        """(Also called by every start, to clear what a start cut short left.)"""
        first = watching.is_set() and not stopped
        if first and partition == 0:
            await asyncio.sleep(2 * LEASE)
        await stop(partition)
        if watching.is_set():
            stopped.append(partition)

    replica.inputs.lost = slow_stop  # type: ignore[method-assign]
    await replica.start()
    await _settled([replica])
    others = {p: list(c) for p, c in replica.inputs.consumers.items() if p != 0}
    kv = await nats_client.jetstream().key_value("ROLLOUT_LEASES")
    watching.set()
    await kv.delete("partition.000")
    await asyncio.sleep(3 * LEASE)
    assert stopped[:1] == [0] and set(stopped) == {0}, "only partition 0 may change hands"
    assert {p: list(c) for p, c in replica.inputs.consumers.items() if p != 0} == others
    await _settled([replica])  # and partition 0 is taken again once its stop is done
    await _publish_burst(nats_client, rollouts=20, per_rollout=1)
    await _wait_all(seen, 20, 1)
    await replica.stop()
