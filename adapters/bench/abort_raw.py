"""The raw baseline of the burst figure: nats-py alone carrying N messages at once through the
two JetStream hops an abort takes, with handlers that do nothing else.

An abort goes: `InputPublisher` appends it to the inputs stream; a controller's partition
consumer delivers it; the decision is appended to the events stream and the input acked; the
traffic worker's consumer delivers the weight request and the router sets 0. Here the same
hops run with no codec, no decide, no projection and no follow-up observation: the first
handler publishes the payload to a second stream (waiting for its ack, as an append does),
then acks; a subscriber of the second stream notes the arrival. Same server, same event loop,
measured right after ours, so the ratio of the two p99s says how much of the burst is our work
and how much is the transport's. Streams of their own names: the runtime's are never touched.
"""

from __future__ import annotations

import asyncio
import time

from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, StorageType, StreamConfig
from nats.js.client import JetStreamContext

from adapters.bench.percentiles import percentiles
from adapters.runtime.subscriptions import unsubscribe

IN_STREAM, IN_SUBJECT = "BENCH_BURST_IN", "bench.burst.in"
OUT_STREAM, OUT_SUBJECT = "BENCH_BURST_OUT", "bench.burst.out"
TIMEOUT = 120.0


class _Relay:
    """The two handlers: forward each input to the second stream, note each arrival."""

    def __init__(self, js: JetStreamContext, size: int) -> None:
        self._js = js
        self._size = size
        self.arrived: dict[int, float] = {}
        self.complete = asyncio.Event()
        self._forwards: set[asyncio.Task[None]] = set()

    async def on_input(self, msg: Msg) -> None:
        # nats-py runs a subscription's callbacks one at a time; the controller decides many
        # inputs at once (one per rollout), so each forward runs on its own.
        task = asyncio.create_task(self._forward(msg))
        self._forwards.add(task)
        task.add_done_callback(self._forwards.discard)

    async def _forward(self, msg: Msg) -> None:
        number = msg.subject.rsplit(".", 1)[1]
        await self._js.publish(f"{OUT_SUBJECT}.{number}", msg.data)
        await msg.ack()

    async def on_output(self, msg: Msg) -> None:
        self.arrived.setdefault(int(msg.data), time.perf_counter())
        if len(self.arrived) == self._size:
            self.complete.set()

    async def drain(self) -> None:
        await asyncio.gather(*self._forwards, return_exceptions=True)


async def _streams(js: JetStreamContext, add: bool) -> None:
    for stream, subject in ((IN_STREAM, IN_SUBJECT), (OUT_STREAM, OUT_SUBJECT)):
        if add:
            config = StreamConfig(name=stream, subjects=[f"{subject}.>"], storage=StorageType.FILE)
            await js.add_stream(config)
        else:
            await js.delete_stream(stream)


async def measure_raw_burst(js: JetStreamContext, size: int) -> dict[str, float | int]:
    """p50/p99 from publishing each of `size` inputs (all at once) to its arrival two hops on."""
    relay = _Relay(js, size)
    await _streams(js, add=True)
    inputs = await js.subscribe(
        f"{IN_SUBJECT}.>",
        stream=IN_STREAM,
        cb=relay.on_input,
        manual_ack=True,
        config=ConsumerConfig(max_ack_pending=size * 2),
    )
    outputs = await js.subscribe(
        f"{OUT_SUBJECT}.>", stream=OUT_STREAM, cb=relay.on_output, ordered_consumer=True
    )
    sent: dict[int, float] = {}

    async def send(number: int) -> None:
        sent[number] = time.perf_counter()
        await js.publish(f"{IN_SUBJECT}.{number}", str(number).encode())

    started = time.perf_counter()
    try:
        await asyncio.gather(*(send(number) for number in range(size)))
        await asyncio.wait_for(relay.complete.wait(), TIMEOUT)
        seconds = time.perf_counter() - started
    finally:
        await unsubscribe(inputs)
        await unsubscribe(outputs)
        await relay.drain()
        await _streams(js, add=False)
    latencies = [(relay.arrived[number] - sent[number]) * 1000 for number in range(size)]
    return {**percentiles(latencies), "seconds": round(seconds, 2)}
