"""Replay rate: the events folded into state per second, against a raw read of the same stream.

Ours is `StateProjection.rebuild` (what every process does at start: read the stream, decode,
`evolve`) on the NATS client the runtime connects with (`adapters.runtime.connect`). The raw
baseline is plain nats-py: an ordered push consumer over the same stream whose callback only
counts. Diagnostics split our cost: `iter_all` alone (read + decode, no fold), the rebuild with
Python's cyclic garbage collector paused by the caller, the rebuild on the other client class
(plain nats-py or `events.nats_client.FastHeaderClient`, whichever the runtime does not use),
and how many messages the client received per event (above 1 when a read parses messages past
what it returns). Each is run `rounds` times, interleaved, best kept: the machine is shared,
and the best run is the least disturbed one.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext

from adapters.bench.server import BenchServer, other_client, other_client_label
from adapters.runtime.projection import StateProjection
from adapters.runtime.subscriptions import unsubscribe
from events.jetstream import EVENTS_STREAM, JetStreamEventStore
from events.subjects import ALL_EVENTS

RAW_TIMEOUT = 300.0


@dataclass(frozen=True)
class ReplayFigures:
    events: int
    rollouts: int
    runtime_client: str
    other_client: str
    ours_seconds: float
    decode_seconds: float
    no_gc_seconds: float
    other_client_seconds: float
    raw_seconds: float
    messages_read: int

    def as_dict(self) -> dict[str, float | int | str]:
        ours = self.events / self.ours_seconds
        raw = self.events / self.raw_seconds
        return {
            "events": self.events,
            "rollouts": self.rollouts,
            "runtime_client": self.runtime_client,
            "ours_events_per_s": round(ours),
            "raw_events_per_s": round(raw),
            "replay_ratio": round(ours / raw, 4),
            "read_and_decode_events_per_s": round(self.events / self.decode_seconds),
            "ours_collector_paused_events_per_s": round(self.events / self.no_gc_seconds),
            f"ours_{self.other_client}_client_events_per_s": round(
                self.events / self.other_client_seconds
            ),
            "messages_read_per_event": round(self.messages_read / self.events, 2),
        }


@contextmanager
def collector_paused(paused: bool) -> Iterator[None]:
    """Diagnosis only: how much of a rebuild is the cyclic GC walking the growing heap."""
    was_enabled = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def replay_ours(js: JetStreamContext, *, pause_gc: bool = False) -> tuple[float, int]:
    projection = StateProjection(JetStreamEventStore(js))
    with collector_paused(pause_gc):
        started = time.perf_counter()
        await projection.rebuild()
        seconds = time.perf_counter() - started
    return seconds, len(projection.states)


async def replay_decode_only(js: JetStreamContext) -> float:
    store = JetStreamEventStore(js)
    started = time.perf_counter()
    async for _ in store.iter_all():
        pass
    return time.perf_counter() - started


async def replay_raw(js: JetStreamContext, total: int) -> float:
    received = 0
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def count(msg: Msg) -> None:
        nonlocal received
        received += 1
        if received == total and not done.done():
            done.set_result(None)

    started = time.perf_counter()
    subscription = await js.subscribe(
        ALL_EVENTS,
        stream=EVENTS_STREAM,
        ordered_consumer=True,
        cb=count,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    try:
        await asyncio.wait_for(done, timeout=RAW_TIMEOUT)
        return time.perf_counter() - started
    finally:
        await unsubscribe(subscription)


async def measure_replay(server: BenchServer, total: int, rounds: int) -> ReplayFigures:
    js, nc = server.js, server.nc
    raw, ours, decode, no_gc, alternative = [], [], [], [], []
    rollouts = messages_read = 0
    async with other_client(server) as other:
        for _ in range(rounds):
            raw.append(await replay_raw(server.raw_js, total))
            received = nc.stats["in_msgs"]
            seconds, rollouts = await replay_ours(js)
            messages_read = nc.stats["in_msgs"] - received
            ours.append(seconds)
            decode.append(await replay_decode_only(js))
            no_gc.append((await replay_ours(js, pause_gc=True))[0])
            alternative.append((await replay_ours(other.jetstream()))[0])
    return ReplayFigures(
        total,
        rollouts,
        server.runtime_client,
        other_client_label(server),
        min(ours),
        min(decode),
        min(no_gc),
        min(alternative),
        min(raw),
        messages_read,
    )
