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

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from adapters.fleet.topology import (
    FLEET_INBOX,
    HUB_DOMAIN,
    INBOX_PREFIX,
    SourceHealer,
    link_cluster,
    reachable,
)
from adapters.runtime.tasks import cancel_and_wait
from events.streams import INPUTS_STREAM
from events.subjects import INPUT_PREFIX

log = structlog.get_logger("rollouts.fleet.relay")

DURABLE = "fleet-relay"


class InboxRelay:
    def __init__(self, nc: Client, cluster: str, *, heal_interval: float = 1.0) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self._cluster = cluster
        self._heal_interval = heal_interval
        self._healer = SourceHealer(nc, FLEET_INBOX)
        self._tasks: list[asyncio.Task[None]] = []
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
        loops = (self._loop(subscription), self._heal())
        self._tasks = [asyncio.ensure_future(loop) for loop in loops]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)

    async def _heal(self) -> None:
        """Restart the inbox's source when it stalled and the hub answers again."""
        while True:
            await asyncio.sleep(self._heal_interval)
            try:
                await self._healer.check(lambda api: reachable(self._nc, HUB_DOMAIN))
            except Exception as error:  # the local server is restarting: try again later
                log.debug("fleet.inbox_heal_failed", error=repr(error))

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
