"""The raw baseline of the fleet figure: NATS alone carrying one message from the hub into
every region's stream, on the same hub and regional servers the fleet runs on.

The path is the one a fleet command takes, minus our code: a stream on the hub, and in each
region a stream that sources it through `$JS.hub.API` over the leaf link (as FLEET_INBOX
sources FLEET_CMDS). One message at a time is published on the hub; its latency is the time
until the last region's stream has delivered it to a consumer in that region (an ordered push
consumer, on the region's own server). The streams have names of their own, so the bench
never touches the fleet's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy, ExternalStream, StorageType, StreamConfig, StreamSource

from adapters.bench.percentiles import percentiles
from adapters.fleet.local import LocalFleetServers
from adapters.fleet.topology import HUB_DOMAIN
from adapters.runtime.subscriptions import connection_helpers, end_helpers

HUB_STREAM = "BENCH_RAW"
REGION_STREAM = "BENCH_RAW_IN"
SUBJECT = "bench.raw"
LINK_TIMEOUT = 30.0
MESSAGE_TIMEOUT = 10.0


class _Arrivals:
    """When each region's consumer delivered each message (by the sequence in its payload)."""

    def __init__(self, regions: list[str]) -> None:
        self.regions = regions
        self.at: dict[int, dict[str, float]] = {}
        self.complete: dict[int, asyncio.Event] = {}

    def expect(self, number: int) -> asyncio.Event:
        return self.complete.setdefault(number, asyncio.Event())

    def note(self, region: str, msg: Msg) -> None:
        number = int(msg.data)
        seen = self.at.setdefault(number, {})
        seen.setdefault(region, time.perf_counter())
        if len(seen) == len(self.regions):
            self.expect(number).set()


@contextlib.asynccontextmanager
async def _connected(url: str) -> AsyncIterator[Client]:
    nc = await nats.connect(url, connect_timeout=5)
    try:
        yield nc
    finally:
        helpers = connection_helpers(nc)  # the ordered consumers' heartbeat checks
        await nc.close()
        await end_helpers(helpers)


async def _setup(hub: Client, regions: dict[str, Client], arrivals: _Arrivals) -> None:
    await hub.jetstream().add_stream(
        StreamConfig(name=HUB_STREAM, subjects=[f"{SUBJECT}.>"], storage=StorageType.FILE)
    )
    source = StreamSource(name=HUB_STREAM, external=ExternalStream(api=f"$JS.{HUB_DOMAIN}.API"))
    for region, nc in regions.items():
        js = nc.jetstream()
        await js.add_stream(
            StreamConfig(name=REGION_STREAM, storage=StorageType.FILE, sources=[source])
        )

        async def on_message(msg: Msg, region: str = region) -> None:
            arrivals.note(region, msg)

        await js.subscribe(
            f"{SUBJECT}.>",
            stream=REGION_STREAM,
            cb=on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
        )


async def _send(hub: Client, arrivals: _Arrivals, number: int, timeout: float) -> float:
    """Publish message `number` on the hub; seconds until every region delivered it."""
    done = arrivals.expect(number)
    sent = time.perf_counter()
    await hub.jetstream().publish(f"{SUBJECT}.{number}", str(number).encode(), stream=HUB_STREAM)
    await asyncio.wait_for(done.wait(), timeout)
    return max(arrivals.at[number].values()) - sent


async def measure_raw_fanout(servers: LocalFleetServers, messages: int) -> dict[str, Any]:
    """`messages` messages, one at a time, hub -> every region's stream: p50/p99 of the last
    region's arrival, and how long the sources took to start carrying (the first message)."""
    names = list(servers.regions)
    arrivals = _Arrivals(names)
    async with contextlib.AsyncExitStack() as stack:
        hub = await stack.enter_async_context(_connected(servers.hub.url))
        regions = {
            name: await stack.enter_async_context(_connected(server.url))
            for name, server in servers.regions.items()
        }
        await _setup(hub, regions, arrivals)
        link_seconds = await _send(hub, arrivals, 0, LINK_TIMEOUT)
        latencies = [
            await _send(hub, arrivals, number, MESSAGE_TIMEOUT) * 1000
            for number in range(1, messages + 1)
        ]
    return {
        "description": "one message at a time from a hub stream into every region's sourcing "
        "stream (leaf links, $JS.hub.API), until the last region's consumer has it",
        "regions": len(names),
        "first_message_s": round(link_seconds, 3),
        **percentiles(latencies),
    }
