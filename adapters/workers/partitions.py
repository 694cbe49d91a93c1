"""The controller's inputs, one durable consumer per partition, consumed only by its lease holder.

The input stream rewrites `rollouts.in.<ns>.<name>` to `rollouts.in.<p>.<ns>.<name>` with the
server's `partition()` mapping, so every input of a rollout lands in one partition, and the
replica holding that partition's lease (`adapters.runtime.leases`) is the only one deciding it.

Within a partition, inputs arrive in stream order and a KeyedExecutor keeps each rollout's in
that order. A failed decision (NATS restarting under it) is retried in place, holding back the
rollout's later inputs, rather than nak'ed: a nak would let the next input overtake it; after
the last retry it is parked as a dead letter (`adapters.workers.dead_letters`). And an
input whose stream sequence is not above the last one handled for its rollout is a redelivery of
something already decided, so it is acknowledged and dropped; unless it is still being decided
(a restarted server redelivers what it had not seen acknowledged while the first delivery's
decision waits on the dead connection): that redelivery is left alone, since acknowledging it
would lose the input if the process died before the decision was stored.

On taking a partition over, the consumer is recreated from its acknowledgement floor, so inputs
the previous holder had received but not acknowledged come at once, not after the ack wait; the
controller drops the ones it had decided (their ids are among the rollout's recent causes).

A push delivery can be lost in transit (the server SIGKILLed or restarting with it on the
wire). The server then counts it delivered and sends the next ones; its own redelivery comes
an ack wait later, behind later inputs of the same rollout, and the rule above would drop it as
already decided: the soak lost `TrafficWeightObserved` inputs exactly so, leaving rollouts
waiting for ever for a weight that was applied. Every delivery carries the consumer's delivery
sequence, which has no holes (a redelivery takes a new one), so a hole means a lost delivery:
the consumer stops taking messages, lets those in hand finish, and is recreated from its
acknowledgement floor, which brings the lost input back in stream order.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from adapters.runtime import heartbeat
from adapters.runtime.keyed import KeyedExecutor
from adapters.runtime.leases import PartitionLeases, open_bucket
from adapters.runtime.subscriptions import unsubscribe
from adapters.runtime.tasks import Running, Spawn, spawn_task
from adapters.workers.dead_letters import DeadInputs
from adapters.workers.partition_feeds import (
    LEGACY_DURABLE,
    LEGACY_FEED,
    Feed,
    durable_name,
    forget_start,
    partition_feed,
    start_sequence,
)
from events.subjects import InvalidSubject

log = structlog.get_logger("rollouts.partitions")

InputHandler = Callable[[str, str, Msg], Awaitable[None]]

RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
"""Waits between attempts at an input whose decision fails (NATS restarting under it): then it
is parked as a dead letter, since holding the rollout's later inputs for ever would be worse."""
MAX_ACK_PENDING = 1_000


class PartitionConsumer:
    def __init__(
        self,
        nc: Client,
        feed: Feed,
        handler: InputHandler,
        dead_letters: DeadInputs,
        *,
        stream: str,
        ack_wait: float = heartbeat.ACK_WAIT_SECONDS,
    ) -> None:
        self._nc = nc
        self.feed = feed
        self._handler = handler
        self._dead = dead_letters
        self._stream = stream
        self._ack_wait = ack_wait
        self._executor = KeyedExecutor()
        self._last: dict[tuple[str, str], int] = {}
        self._in_flight: set[int] = set()
        self._subscription: Any = None
        self._next_delivery = 1
        self._resync: asyncio.Task[None] | None = None
        self.resyncs = 0

    async def start(self) -> None:
        self._next_delivery = 1  # the consumer is created anew: its deliveries count from 1
        js = self._nc.jetstream()
        start = await start_sequence(js, self._stream, self.feed.durable)
        deliver = self._nc.new_inbox()
        config = ConsumerConfig(
            durable_name=self.feed.durable,
            deliver_subject=deliver,
            filter_subjects=list(self.feed.filters),
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            max_ack_pending=MAX_ACK_PENDING,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start > 1 else DeliverPolicy.ALL,
            opt_start_seq=start if start > 1 else None,
        )
        await js.add_consumer(self._stream, config)
        await forget_start(js, self._stream, self.feed.durable)
        self._subscription = await self._nc.subscribe(deliver, cb=self._on_message)

    async def _on_message(self, msg: Msg) -> None:
        if not msg.reply:  # not a JetStream delivery (nothing to acknowledge)
            return
        if not self._in_sequence(msg.metadata.sequence.consumer):
            return
        try:
            namespace, name = self.feed.parse(msg.subject)
        except InvalidSubject as error:
            await self._dead.park(msg, "unroutable", str(error))
            return
        key = (namespace, name)
        sequence = msg.metadata.sequence.stream
        if sequence in self._in_flight:
            return  # its first delivery is still being decided, and that one's ack covers both
        if sequence <= self._last.get(key, 0):
            await msg.ack()  # a redelivery of an input already decided
            return
        self._last[key] = sequence
        self._in_flight.add(sequence)
        self._executor.submit(key, lambda: self._handle(namespace, name, msg))

    async def _handle(self, namespace: str, name: str, msg: Msg) -> None:
        try:
            await self._decide(namespace, name, msg)
        finally:
            self._in_flight.discard(msg.metadata.sequence.stream)

    async def _decide(self, namespace: str, name: str, msg: Msg) -> None:
        """Decide `msg`, retrying in place: a nak would let the rollout's next input overtake."""
        for delay in (*RETRY_DELAYS, None):
            try:
                async with heartbeat.held(msg, self._ack_wait):
                    await self._handler(namespace, name, msg)
                return
            except Exception as error:
                log.exception("input.handler_failed", rollout=f"{namespace}/{name}")
                self._dead.handler_failed()
                if delay is None:
                    await self._dead.park(msg, "failed", f"{type(error).__name__}: {error}")
                    return
            async with heartbeat.held(msg, self._ack_wait):
                await asyncio.sleep(delay)

    def _in_sequence(self, delivery: int) -> bool:
        """False (and the message left unacknowledged) from a hole in the delivery sequence
        until the consumer is recreated. A sequence going back is a restarted server resuming
        from what it had saved: those deliveries are taken, and the count starts again."""
        if self._resync is not None:
            return False
        expected, self._next_delivery = self._next_delivery, delivery + 1
        if delivery <= expected:
            return True
        log.warning(
            "input.deliveries_lost", durable=self.feed.durable, expected=expected, got=delivery
        )
        self._resync = asyncio.get_running_loop().create_task(
            self._recreate(), name=f"resync {self.feed.durable}"
        )
        return False

    async def _recreate(self) -> None:
        await self._quiesce()
        for delay in itertools.chain(RETRY_DELAYS, itertools.repeat(RETRY_DELAYS[-1])):
            try:
                await self.start()
                break
            except Exception as error:  # NATS restarting: no consumer means no input at all
                log.warning("input.resync_failed", durable=self.feed.durable, error=repr(error))
                await asyncio.sleep(delay)
        self.resyncs += 1
        self._resync = None

    async def _quiesce(self) -> None:
        """Stop taking messages and let those in hand finish (and send their acks)."""
        if self._subscription is not None:
            await unsubscribe(self._subscription)
            self._subscription = None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_GRACE):
                await self._executor.wait_idle()

    async def stop(self) -> None:
        """Stop taking inputs and let those in hand finish (their acks go out before the lease
        is given back)."""
        resync, self._resync = self._resync, None
        if resync is not None:
            resync.cancel()
            await asyncio.wait({resync})
        await self._quiesce()
        await self._executor.close()


class PartitionedInputs:
    """The partitions this replica holds, as lease callbacks start and stop them."""

    def __init__(
        self, nc: Client, handler: InputHandler, dead_letters: DeadInputs, *, stream: str
    ) -> None:
        self._nc = nc
        self._handler = handler
        self._dead = dead_letters
        self._stream = stream
        self.consumers: dict[int, list[PartitionConsumer]] = {}

    async def acquired(self, partition: int) -> None:
        """Start the partition's consumers. A start that failed or was called off halfway is
        simply called again: what it had started is stopped first."""
        await self.lost(partition)
        feeds = [partition_feed(partition)] + ([LEGACY_FEED] if partition == 0 else [])
        consumers = self.consumers.setdefault(partition, [])
        for feed in feeds:
            consumer = PartitionConsumer(
                self._nc, feed, self._handler, self._dead, stream=self._stream
            )
            consumers.append(consumer)  # registered first, so a start cut short is stopped
            await consumer.start()

    async def lost(self, partition: int) -> None:
        for consumer in self.consumers.pop(partition, []):
            await consumer.stop()


LEASE_SECONDS = 6.0
"""How long a dead replica's partitions wait before another takes them over."""
STOP_GRACE = 10.0
"""How long a partition given back waits for its inputs in hand (one may be held by an
import's fence); what is still running then is redelivered to the next holder."""


def member_id() -> str:
    """This replica's name in the lease bucket: readable in logs, unique per process."""
    host = "".join(c if c.isalnum() or c in "-_" else "-" for c in socket.gethostname())
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


class ControllerInputs:
    """The controller's input side in one process: the lease loop and the partitions it holds."""

    def __init__(
        self,
        nc: Client,
        handler: InputHandler,
        dead_letters: DeadInputs,
        *,
        stream: str,
        partitions: int,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._nc = nc
        self.inputs = PartitionedInputs(nc, handler, dead_letters, stream=stream)
        self._partitions = partitions
        self._lease_seconds = lease_seconds
        self.leases: PartitionLeases | None = None
        self._running: Running | None = None

    async def open(self) -> None:
        js = self._nc.jetstream()
        self.leases = PartitionLeases(
            js,
            await open_bucket(js, self._lease_seconds),
            member_id(),
            self._partitions,
            on_acquired=self.inputs.acquired,
            on_lost=self.inputs.lost,
            lease_seconds=self._lease_seconds,
        )

    def start(self, spawn: Spawn = spawn_task) -> None:
        assert self.leases is not None, "open() first"
        self._running = spawn("partition-leases", self.leases.run)

    async def stop(self) -> None:
        """Give every partition back, so the other replicas take over at once."""
        if self._running is not None:
            await self._running.stop()
            self._running = None
        if self.leases is not None:
            await self.leases.close()


async def backlog(js: Any, stream: str, partitions: int) -> int:
    """Inputs the controller replicas have yet to settle, over every partition (and the legacy
    feed): the figure an operator, or a test, waits to reach 0."""
    total = 0
    for durable in [durable_name(p) for p in range(partitions)] + [LEGACY_DURABLE]:
        with contextlib.suppress(NotFoundError):
            info = await js.consumer_info(stream, durable)
            total += int(info.num_pending) + int(info.num_ack_pending or 0)
    return total
