"""The controller's inputs, one durable consumer per partition, consumed only by its lease holder.

The input stream rewrites `rollouts.in.<ns>.<name>` to `rollouts.in.<p>.<ns>.<name>` with the
server's `partition()` mapping, so every input of a rollout lands in one partition, and the
replica holding that partition's lease (`adapters.runtime.leases`) is the only one deciding it.

Within a partition, inputs arrive in stream order and a KeyedExecutor keeps each rollout's in
that order. A failed decision (NATS restarting under it) is retried in place, holding back the
rollout's later inputs, rather than nak'ed: a nak would let the next input overtake it. And an
input whose stream sequence is not above the last one handled for its rollout is a redelivery of
something already decided, so it is acknowledged and dropped.

On taking a partition over, the consumer is recreated from its acknowledgement floor, so inputs
the previous holder had received but not acknowledged come at once, not after the ack wait; the
controller drops the ones it had decided (their ids are among the rollout's recent causes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from adapters.runtime.keyed import KeyedExecutor
from events.subjects import parse_partitioned_input_subject, partition_filter

log = structlog.get_logger("rollouts.partitions")

InputHandler = Callable[[str, str, Msg], Awaitable[None]]

GIVE_UP_AFTER = 120.0
LEGACY_DURABLE = "controller"
"""The single durable of controllers before partitions; its floor seeds new partitions."""


def durable_name(partition: int) -> str:
    return f"controller-p{partition:03d}"


def deliver_subject(partition: int) -> str:
    return f"_INBOX.rollouts.controller.p{partition:03d}"


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


class PartitionConsumer:
    def __init__(
        self,
        nc: Client,
        partition: int,
        handler: InputHandler,
        *,
        stream: str,
        ack_wait: float = 30.0,
        max_ack_pending: int = 1_000,
    ) -> None:
        self._nc = nc
        self.partition = partition
        self._handler = handler
        self._stream = stream
        self._ack_wait = ack_wait
        self._max_ack_pending = max_ack_pending
        self._executor = KeyedExecutor()
        self._last: dict[tuple[str, str], int] = {}
        self._subscription: Any = None

    async def start(self) -> None:
        js = self._nc.jetstream()
        durable = durable_name(self.partition)
        start = await _start_sequence(js, self._stream, durable)
        config = ConsumerConfig(
            durable_name=durable,
            deliver_subject=deliver_subject(self.partition),
            filter_subject=partition_filter(self.partition),
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            max_ack_pending=self._max_ack_pending,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start > 1 else DeliverPolicy.ALL,
            opt_start_seq=start if start > 1 else None,
        )
        await js.add_consumer(self._stream, config)
        self._subscription = await self._nc.subscribe(
            deliver_subject(self.partition), cb=self._on_message
        )

    async def _on_message(self, msg: Msg) -> None:
        if not msg.reply:  # a flow-control or heartbeat message would have one; others are noise
            return
        try:
            _, namespace, name = parse_partitioned_input_subject(msg.subject)
        except ValueError as error:
            log.warning("input.unroutable", subject=msg.subject, error=str(error))
            await msg.term()
            return
        key = (namespace, name)
        sequence = msg.metadata.sequence.stream
        if sequence <= self._last.get(key, 0):
            await msg.ack()  # a redelivery of an input already handled, or one it overtook
            return
        self._last[key] = sequence
        self._executor.submit(key, lambda: self._handle(namespace, name, msg))

    async def _handle(self, namespace: str, name: str, msg: Msg) -> None:
        """Retry in place (NATS may be restarting) for up to `GIVE_UP_AFTER`; an input that
        still fails then is a bug, and holding the rollout's later inputs forever would be
        worse: it is terminated with its traceback in the log."""
        loop = asyncio.get_running_loop()
        deadline, delay = loop.time() + GIVE_UP_AFTER, 0.05
        while True:
            try:
                await self._handler(namespace, name, msg)
                return
            except Exception:
                log.exception("input.handler_failed", rollout=f"{namespace}/{name}")
            if loop.time() > deadline:
                log.error("input.given_up", rollout=f"{namespace}/{name}", subject=msg.subject)
                with contextlib.suppress(Exception):
                    await msg.term()
                return
            with contextlib.suppress(Exception):
                await msg.in_progress()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def stop(self) -> None:
        """Stop taking inputs and let those in hand finish (their acks go out before the lease
        is given back)."""
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None
        await self._executor.wait_idle()
        await self._executor.close()


class PartitionedInputs:
    """The partitions this replica holds, as lease callbacks start and stop them."""

    def __init__(self, nc: Client, handler: InputHandler, *, stream: str) -> None:
        self._nc = nc
        self._handler = handler
        self._stream = stream
        self.consumers: dict[int, PartitionConsumer] = {}

    async def acquired(self, partition: int) -> None:
        consumer = PartitionConsumer(self._nc, partition, self._handler, stream=self._stream)
        await consumer.start()
        self.consumers[partition] = consumer

    async def lost(self, partition: int) -> None:
        consumer = self.consumers.pop(partition, None)
        if consumer is not None:
            await consumer.stop()
