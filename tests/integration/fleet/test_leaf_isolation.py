"""What one cluster's NATS does must not settle anything in another's, across the leaf links.

Every cluster keeps streams and consumers under the same names (ROLLOUT_INPUTS and its
`controller-p<N>` partitions, ROLLOUTS and each worker's durable), and the streams of clusters
that run in step hold different messages at the same sequences. An acknowledgement is a
publish to `$JS.ACK.<stream>.<consumer>.<…>.<stream sequence>.<…>`, and the server takes it
for the message at that sequence whoever sent it. Crossing the hub, one cluster's
acknowledgements settled another's inputs: the bench's fleet section lost a rollout's input
so, and the rollout waited at its first step until its progress deadline.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from adapters.fleet.local import LocalFleetServers

pytestmark = pytest.mark.integration

REGIONS = ["region-a", "region-b"]
SUBJECT = "rollouts.leaf-isolation"
"""Under `rollouts.>`, as every cluster's own streams are: such subjects stay in their cluster."""


@pytest.fixture
async def servers() -> AsyncIterator[LocalFleetServers]:
    with tempfile.TemporaryDirectory(prefix="leaf-isolation-") as base:
        fleet = LocalFleetServers(REGIONS, base_dir=Path(base))
        await fleet.start()
        try:
            yield fleet
        finally:
            await fleet.stop()


async def _one_delivery(url: str) -> tuple[Client, Msg]:
    """A stream and durable named as in every cluster, one message delivered, not settled."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="SAME_EVERYWHERE", subjects=[SUBJECT]))
    inbox = nc.new_inbox()
    await js.add_consumer(
        "SAME_EVERYWHERE",
        ConsumerConfig(
            durable_name="same-durable",
            deliver_subject=inbox,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=30,
        ),
    )
    delivered: asyncio.Queue[Msg] = asyncio.Queue()
    await nc.subscribe(inbox, cb=delivered.put)
    await js.publish(SUBJECT, url.encode())
    return nc, await asyncio.wait_for(delivered.get(), 10)


async def _ack_pending(nc: Client) -> int:
    info = await nc.jetstream().consumer_info("SAME_EVERYWHERE", "same-durable")
    return int(info.num_ack_pending)


async def test_an_ack_in_one_cluster_does_not_settle_the_same_sequence_in_another(
    servers: LocalFleetServers,
) -> None:
    a, in_a = await _one_delivery(servers.regions["region-a"].url)
    b, in_b = await _one_delivery(servers.regions["region-b"].url)
    try:
        assert in_a.metadata.sequence.stream == in_b.metadata.sequence.stream == 1
        await in_a.in_progress()
        await in_a.ack()
        await a.flush()
        await asyncio.sleep(0.5)  # what crosses a leaf link has long arrived by then
        pending = {"region-a": await _ack_pending(a), "region-b": await _ack_pending(b)}
        assert pending == {"region-a": 0, "region-b": 1}, "region-a's ack settled region-b's"
    finally:
        await a.close()
        await b.close()
