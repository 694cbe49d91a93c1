"""The cluster's half of the command path: FLEET_INBOX -> ROLLOUT_INPUTS, at least once.

The inbox sources the cluster's commands from the hub (NATS carries them across, and catches
up after an outage); this relay moves each one into the input stream with an acknowledged
publish, then acknowledges it in the inbox. A crash in between sends it again: the command
keeps its `Nats-Msg-Id` (the input id), so the input stream drops the copy, and the controller
drops a redelivered input id anyway. It runs next to the cluster's controller, on the
cluster's own NATS, and needs nothing from the hub.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from adapters.fleet.topology import FLEET_INBOX, INBOX_PREFIX, link_cluster
from events.streams import INPUTS_STREAM
from events.subjects import INPUT_PREFIX

log = structlog.get_logger("rollouts.fleet.relay")

DURABLE = "fleet-relay"


class InboxRelay:
    def __init__(self, nc: Client, cluster: str) -> None:
        self._js = nc.jetstream()
        self._cluster = cluster
        self._task: asyncio.Task[None] | None = None
        self.relayed = 0

    async def start(self) -> None:
        await link_cluster(self._js, self._cluster)
        subscription = await self._js.pull_subscribe(
            f"{INBOX_PREFIX}.>",
            durable=DURABLE,
            stream=FLEET_INBOX,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, ack_wait=10
            ),
        )
        self._task = asyncio.ensure_future(self._loop(subscription))

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, subscription: object) -> None:
        while True:
            try:
                messages = await subscription.fetch(64, timeout=1.0)  # type: ignore[attr-defined]
            except (NatsTimeout, TimeoutError):
                continue
            for msg in messages:
                await self._relay(msg)

    async def _relay(self, msg: Msg) -> None:
        subject = INPUT_PREFIX + msg.subject.removeprefix(INBOX_PREFIX)
        headers = {k: v for k, v in (msg.headers or {}).items() if k != "Nats-Stream-Source"}
        delay = 0.05
        while True:
            try:
                await self._js.publish(subject, msg.data, headers=headers, stream=INPUTS_STREAM)
                break
            except Exception as error:  # the input stream is briefly unavailable: keep trying
                log.warning("fleet.relay_retry", subject=subject, error=repr(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        await msg.ack()
        self.relayed += 1
