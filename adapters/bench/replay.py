"""Replay rate: the events folded into state per second, against a raw read of the same stream.

Ours is `StateProjection.rebuild` (what every process does at start: `load_all` pages, decode,
`evolve`). The raw baseline is a nats-py ordered push consumer over the same stream whose
callback only counts. Diagnostics split our cost: `load_all` alone (read + decode, no fold),
the rebuild with Python's cyclic garbage collector paused, and how many messages the client
received per event (above 1 when pages re-read what a previous page's consumer had already
pushed). Each is run `rounds` times, interleaved, best kept: the machine is shared, and the
best run is the least disturbed one.
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

from adapters.runtime.projection import StateProjection
from events.jetstream import EVENTS_STREAM, JetStreamEventStore
from events.subjects import ALL_EVENTS

PAGE = 10_000
RAW_TIMEOUT = 300.0


@dataclass(frozen=True)
class ReplayFigures:
    events: int
    rollouts: int
    ours_seconds: float
    decode_seconds: float
    no_gc_seconds: float
    raw_seconds: float
    messages_read: int

    def as_dict(self) -> dict[str, float | int]:
        ours = self.events / self.ours_seconds
        raw = self.events / self.raw_seconds
        return {
            "events": self.events,
            "rollouts": self.rollouts,
            "ours_events_per_s": round(ours),
            "raw_events_per_s": round(raw),
            "replay_ratio": round(ours / raw, 4),
            "read_and_decode_events_per_s": round(self.events / self.decode_seconds),
            "ours_without_gc_events_per_s": round(self.events / self.no_gc_seconds),
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
    after = 0
    while True:
        page = await store.load_all(after=after, limit=PAGE)
        if page:
            after = page[-1].stream_sequence
        if len(page) < PAGE:
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
        await subscription.unsubscribe()


async def measure_replay(js: JetStreamContext, total: int, rounds: int) -> ReplayFigures:
    raw, ours, decode, no_gc = [], [], [], []
    rollouts = messages_read = 0
    for _ in range(rounds):
        raw.append(await replay_raw(js, total))
        received = js._nc.stats["in_msgs"]
        seconds, rollouts = await replay_ours(js)
        messages_read = js._nc.stats["in_msgs"] - received
        ours.append(seconds)
        decode.append(await replay_decode_only(js))
        no_gc.append((await replay_ours(js, pause_gc=True))[0])
    return ReplayFigures(
        total, rollouts, min(ours), min(decode), min(no_gc), min(raw), messages_read
    )
