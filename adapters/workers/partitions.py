"""The controller's inputs, one durable consumer per partition, consumed only by its lease holder.

The input stream rewrites `rollouts.in.<ns>.<name>` to `rollouts.in.<p>.<ns>.<name>` with the
server's `partition()` mapping, so every input of a rollout lands in one partition, and the
replica holding that partition's lease (`adapters.runtime.leases`) is the only one deciding it.

Within a partition, inputs arrive in stream order and a KeyedExecutor keeps each rollout's in
that order. A failed decision (NATS restarting under it) is retried in place, holding back the
rollout's later inputs, rather than nak'ed: a nak would let the next input overtake it; after
the last retry it is parked as a dead letter (`adapters.workers.dead_letters`). And an
input whose stream sequence is not above the last one handled for its rollout is a redelivery of
something already decided, so it is acknowledged and dropped.

On taking a partition over, the consumer is recreated from its acknowledgement floor, so inputs
the previous holder had received but not acknowledged come at once, not after the ack wait; the
controller drops the ones it had decided (their ids are among the rollout's recent causes).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
from events.subjects import (
    InvalidSubject,
    parse_input_subject,
    parse_partitioned_input_subject,
    partition_filter,
)

log = structlog.get_logger("rollouts.partitions")

InputHandler = Callable[[str, str, Msg], Awaitable[None]]

RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
"""Waits between attempts at an input whose decision fails (NATS restarting under it): then it
is parked as a dead letter, since holding the rollout's later inputs for ever would be worse."""
MAX_ACK_PENDING = 1_000
LEGACY_DURABLE = "controller"
"""The single durable of controllers before partitions; its floor seeds new partitions."""


def durable_name(partition: int) -> str:
    return f"controller-p{partition:03d}"


async def _start_sequence(js: Any, stream: str, durable: str) -> int:
    """Where a recreated consumer starts: just past what is acknowledged (1: from the start)."""
    for name in (durable, LEGACY_DURABLE):
        try:
            info = await js.consumer_info(stream, name)
        except NotFoundError:
            continue
        floor = int(info.ack_floor.stream_seq) if info.ack_floor else 0
        start = max(floor + 1, int(info.config.opt_start_seq or 1))
        if name == durable:
            await js.delete_consumer(stream, durable)
        return start
    return 1


@dataclass(frozen=True, slots=True)
class Feed:
    """What one consumer reads: its durable and which subjects. Each holder has the messages
    delivered to an inbox of its own, so nothing else that subscribes to a fixed subject (a
    replica in another cluster of the same account, a snooper) receives them."""

    durable: str
    filters: tuple[str, ...]
    parse: Callable[[str], tuple[str, str]]
    """(namespace, name) of a stored subject, or InvalidSubject."""


def partition_feed(partition: int) -> Feed:
    def parse(subject: str) -> tuple[str, str]:
        return parse_partitioned_input_subject(subject)[1:]

    return Feed(durable_name(partition), (partition_filter(partition),), parse)


def _parse_legacy(subject: str) -> tuple[str, str]:
    parsed = parse_input_subject(subject)
    return parsed.namespace, parsed.name


LEGACY_FEED = Feed(
    LEGACY_DURABLE,
    ("rollouts.in.*", "rollouts.in.*.*", "rollouts.in.*.*.*.*", "rollouts.in.*.*.*.*.>"),
    _parse_legacy,
)
"""Inputs stored before the stream had partitions (`rollouts.in.<ns>.<name>`), and what an
older stream with a `>` wildcard let in: read by partition 0's holder, decided or parked. (A
leftover five-token subject cannot be told from a partition's; no consumer reads it, and it
ages out with the stream's age limit.)"""


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
        self._subscription: Any = None

    async def start(self) -> None:
        js = self._nc.jetstream()
        start = await _start_sequence(js, self._stream, self.feed.durable)
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
        self._subscription = await self._nc.subscribe(deliver, cb=self._on_message)

    async def _on_message(self, msg: Msg) -> None:
        if not msg.reply:  # not a JetStream delivery (nothing to acknowledge)
            return
        try:
            namespace, name = self.feed.parse(msg.subject)
        except InvalidSubject as error:
            await self._dead.park(msg, "unroutable", str(error))
            return
        key = (namespace, name)
        sequence = msg.metadata.sequence.stream
        if sequence <= self._last.get(key, 0):
            await msg.ack()  # a redelivery of an input already handled, or one it overtook
            return
        self._last[key] = sequence
        self._executor.submit(key, lambda: self._handle(namespace, name, msg))

    async def _handle(self, namespace: str, name: str, msg: Msg) -> None:
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

    async def stop(self) -> None:
        """Stop taking inputs and let those in hand finish (their acks go out before the lease
        is given back)."""
        if self._subscription is not None:
            await unsubscribe(self._subscription)
            self._subscription = None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_GRACE):
                await self._executor.wait_idle()
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
        feeds = [partition_feed(partition)] + ([LEGACY_FEED] if partition == 0 else [])
        consumers = []
        for feed in feeds:
            consumer = PartitionConsumer(
                self._nc, feed, self._handler, self._dead, stream=self._stream
            )
            await consumer.start()
            consumers.append(consumer)
        self.consumers[partition] = consumers

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
            await open_bucket(js, self._lease_seconds),
            member_id(),
            self._partitions,
            on_acquired=self.inputs.acquired,
            on_lost=self.inputs.lost,
            lease_seconds=self._lease_seconds,
            reopen=lambda: open_bucket(js, self._lease_seconds),
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
