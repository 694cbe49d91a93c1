"""Append throughput: `JetStreamEventStore.append` against nats-py publishing the same bytes.

Ours appends each rollout's decisions in order (each waits for the previous one's version, as
the controller does), many rollouts at once, at most `CONCURRENCY` in flight (the controller's
executor limit). The raw baseline publishes every event's exact bytes (subject of the same
length, the same headers and data) with `publish_async` to a plain stream, the fastest nats-py
offers. A third figure, raw atomic batches (the same decisions as batches on a plain stream, no
concurrency check, no encoding), tells the server's batch cost apart from our own; on a
memory stream, it tells the cost of the file store's per-batch staging apart from the rest.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from nats.js.api import StorageType, StreamConfig
from nats.js.client import JetStreamContext
from rich.console import Console

from adapters.bench.workload import NAMESPACE
from events.base import Event
from events.codec import DEFAULT_CODEC
from events.jetstream import JetStreamEventStore
from events.store import Outgoing, decision_ids, encode_decision

CONCURRENCY = 256
RAW_PREFIX = "rollouts.raw."
RAW_STREAM = "BENCH_RAW"
ATOMIC_SHARE = 5
"""The atomic-batch diagnostics run over one rollout in this many: a steady rate, for less."""
EVENT_PREFIX = "rollouts.evt."
REPLY_TIMEOUT = 30.0
"""A batch commit queues behind every other one: under load, seconds are normal."""

Workload = dict[str, list[list[Event]]]
"""Rollout name -> its decisions, oldest first; each decision is one append."""


@dataclass(frozen=True)
class AppendFigures:
    events: int
    decisions: int
    rollouts: int
    ours_seconds: float
    raw_seconds: float
    atomic_file_rate: float
    atomic_memory_rate: float

    def as_dict(self) -> dict[str, float | int]:
        ours = self.events / self.ours_seconds
        raw = self.events / self.raw_seconds
        return {
            "rollouts": self.rollouts,
            "decisions": self.decisions,
            "events": self.events,
            "events_per_decision": round(self.events / self.decisions, 2),
            "concurrency": CONCURRENCY,
            "ours_events_per_s": round(ours),
            "raw_events_per_s": round(raw),
            "append_ratio": round(ours / raw, 4),
            "raw_atomic_batches_file_events_per_s": round(self.atomic_file_rate),
            "raw_atomic_batches_memory_events_per_s": round(self.atomic_memory_rate),
        }


def encoded(workload: Workload) -> dict[str, list[list[Outgoing]]]:
    """Each decision as the store would encode it (ids and sequences are placeholders of the
    real lengths: every byte count matches)."""
    result: dict[str, list[list[Outgoing]]] = {}
    for name, decisions in workload.items():
        result[name] = []
        for number, events in enumerate(decisions):
            ids = decision_ids(NAMESPACE, name, events, expected_version=number)
            result[name].append(
                encode_decision(
                    DEFAULT_CODEC, NAMESPACE, name, events, ids=ids, first_rollout_sequence=1
                )
            )
    return result


async def append_ours(js: JetStreamContext, workload: Workload) -> float:
    store = JetStreamEventStore(js)
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one_rollout(name: str, decisions: Sequence[Sequence[Event]]) -> None:
        version = 0
        async with slots:
            for events in decisions:
                version = await store.append(NAMESPACE, name, events, expected_version=version)

    started = time.perf_counter()
    await asyncio.gather(*(one_rollout(name, d) for name, d in workload.items()))
    return time.perf_counter() - started


async def append_raw(js: JetStreamContext, messages: dict[str, list[list[Outgoing]]]) -> float:
    await js.add_stream(
        StreamConfig(name=RAW_STREAM, subjects=[f"{RAW_PREFIX}>"], storage=StorageType.FILE)
    )
    flat = [m for decisions in messages.values() for decision in decisions for m in decision]
    started = time.perf_counter()
    acks = []
    for message in flat:
        subject = RAW_PREFIX + message.subject.removeprefix(EVENT_PREFIX)
        headers = dict(message.headers)  # nats-py adds nothing, but stays off the original
        acks.append(await js.publish_async(subject, message.data, headers=headers))
    await asyncio.gather(*acks)
    return time.perf_counter() - started


async def atomic_rate(
    js: JetStreamContext, messages: dict[str, list[list[Outgoing]]], storage: StorageType
) -> float:
    """Events/s of the same decisions as plain atomic batches on a `storage` stream."""
    subset = dict(list(messages.items())[::ATOMIC_SHARE])
    prefix = f"rollouts.{storage.value[:3]}."  # as long as "rollouts.evt."
    await js.add_stream(
        StreamConfig(
            name=f"BENCH_ATOMIC_{storage.value.upper()}",
            subjects=[f"{prefix}>"],
            storage=storage,
            allow_atomic=True,
        )
    )
    seconds = await _append_atomic(js, subset, prefix)
    return sum(len(d) for decisions in subset.values() for d in decisions) / seconds


async def _append_atomic(
    js: JetStreamContext, messages: dict[str, list[list[Outgoing]]], prefix: str
) -> float:
    nc = js._nc
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one_decision(decision: Sequence[Outgoing]) -> None:
        subjects = [prefix + m.subject.removeprefix(EVENT_PREFIX) for m in decision]
        if len(decision) == 1:
            await nc.request(
                subjects[0], decision[0].data, headers=decision[0].headers, timeout=REPLY_TIMEOUT
            )
            return
        batch = uuid.uuid4().hex
        for number, (subject, message) in enumerate(zip(subjects, decision, strict=True), 1):
            headers = {**message.headers, "Nats-Batch-Id": batch}
            headers["Nats-Batch-Sequence"] = str(number)
            if number < len(decision):
                await nc.publish(subject, message.data, headers=headers)
            else:
                headers["Nats-Batch-Commit"] = "1"
                await nc.request(subject, message.data, headers=headers, timeout=REPLY_TIMEOUT)

    async def one_rollout(decisions: Sequence[Sequence[Outgoing]]) -> None:
        async with slots:
            for decision in decisions:
                await one_decision(decision)

    started = time.perf_counter()
    await asyncio.gather(*(one_rollout(d) for d in messages.values()))
    return time.perf_counter() - started


async def measure_append(
    js: JetStreamContext, workload: Workload, console: Console
) -> AppendFigures:
    decisions, events = count(workload)
    messages = encoded(workload)
    console.print(f"    raw publish_async of {events} events")
    raw = await append_raw(js, messages)
    console.print(f"    ours: {decisions} decisions over {len(workload)} rollouts")
    ours = await append_ours(js, workload)
    console.print("    diagnostics: plain atomic batches on a file and a memory stream")
    on_file = await atomic_rate(js, messages, StorageType.FILE)
    in_memory = await atomic_rate(js, messages, StorageType.MEMORY)
    return AppendFigures(events, decisions, len(workload), ours, raw, on_file, in_memory)


def count(workload: Workload) -> tuple[int, int]:
    decisions = sum(len(d) for d in workload.values())
    return decisions, sum(len(e) for d in workload.values() for e in d)
