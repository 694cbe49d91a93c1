"""Append throughput: `JetStreamEventStore.append` against nats-py publishing the same bytes.

Ours appends each rollout's decisions in order (each waits for the previous one's version, as
the controller does), many rollouts at once, at most `CONCURRENCY` in flight (the controller's
executor limit); the store groups the decisions that wait together into atomic batches.

The baseline, "raw batched publish", is nats-py sending the same messages (same subjects'
lengths, headers and data) as atomic batches of up to 1000 messages on a plain stream, each
decision whole inside one batch, with no concurrency check, no encoding and no waiting for one
decision before the next, with 1, 2 or 4 commits in flight, the fastest of the three kept: the
fastest way nats-py gets the pinned server to store these decisions atomically, and what
`append_ratio` compares against.

Ours runs on the client class the runtime connects with; a diagnostic runs it again with the
other one (plain nats-py or `events.nats_client.FastHeaderClient`). Context: raw
`publish_async` of every event (fast, but not atomic per decision:
`append_ratio_vs_publish_async`), and, as diagnostics, one atomic batch per decision on a file
and on a memory stream (why batches must be grouped: the server commits one batch at a time,
and a file stream stages each batch on disk).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from nats.aio.client import Client
from nats.js.api import StorageType, StreamConfig
from nats.js.client import JetStreamContext
from rich.console import Console

from adapters.bench.server import BenchServer, bench_server, other_client, other_client_label
from adapters.bench.workload import NAMESPACE
from events.base import Event
from events.codec import DEFAULT_CODEC
from events.group_commit import IN_FLIGHT
from events.jetstream import JetStreamEventStore
from events.store import MAX_EVENTS_PER_APPEND, Outgoing, decision_ids, encode_decision

CONCURRENCY = 256
RAW_PREFIX = "rollouts.raw."
RAW_STREAM = "BENCH_RAW"
BATCHED_STREAM = "BENCH_BATCHED"
RAW_IN_FLIGHT = (1, 2, 4)
"""The raw baseline is the fastest of these pipelines (commits in flight at once)."""
BATCH_LIMIT = MAX_EVENTS_PER_APPEND
"""The server's limit on one atomic batch (10199 above it)."""
ATOMIC_SHARE = 5
"""The per-decision diagnostics run over one rollout in this many: a steady rate, for less."""
EVENT_PREFIX = "rollouts.evt."
REPLY_TIMEOUT = 30.0
"""A batch commit queues behind every other one: under load, seconds are normal."""

T = TypeVar("T")
Workload = dict[str, list[list[Event]]]
"""Rollout name -> its decisions, oldest first; each decision is one append."""
Encoded = dict[str, list[list[Outgoing]]]


@dataclass(frozen=True)
class Timed:
    seconds: float
    batches: int


@dataclass(frozen=True)
class AppendFigures:
    events: int
    decisions: int
    rollouts: int
    ours: Timed
    ours_other_client: tuple[str, Timed]
    """What ours does on the client class the runtime does not use (a diagnostic)."""
    raw_batched: dict[int, Timed]
    """Commits in flight -> the raw batched run with that many."""
    publish_async_seconds: float
    per_decision_file_rate: float
    per_decision_memory_rate: float

    def as_dict(self) -> dict[str, Any]:
        ours = self.events / self.ours.seconds
        rates = {n: self.events / timed.seconds for n, timed in self.raw_batched.items()}
        best = max(rates, key=rates.__getitem__)
        publish_async = self.events / self.publish_async_seconds
        return {
            "rollouts": self.rollouts,
            "decisions": self.decisions,
            "events": self.events,
            "events_per_decision": round(self.events / self.decisions, 2),
            "concurrency": CONCURRENCY,
            "ours_events_per_s": round(ours),
            "ours_batches": self.ours.batches,
            "ours_events_per_batch": round(self.events / self.ours.batches, 1),
            "ours_commits_in_flight": IN_FLIGHT,
            f"ours_{self.ours_other_client[0]}_client_events_per_s": round(
                self.events / self.ours_other_client[1].seconds
            ),
            "raw_atomic_batched_events_per_s": round(rates[best]),
            "raw_atomic_batched_events_per_batch": round(
                self.events / self.raw_batched[best].batches, 1
            ),
            "raw_atomic_batched_commits_in_flight": best,
            "raw_atomic_batched_events_per_s_by_commits_in_flight": {
                str(n): round(rate) for n, rate in rates.items()
            },
            "raw_publish_async_events_per_s": round(publish_async),
            "append_ratio": round(ours / rates[best], 4),
            "append_ratio_vs_publish_async": round(ours / publish_async, 4),
            "raw_atomic_per_decision_file_events_per_s": round(self.per_decision_file_rate),
            "raw_atomic_per_decision_memory_events_per_s": round(self.per_decision_memory_rate),
        }


def encoded(workload: Workload) -> Encoded:
    """Each decision as the store would encode it (ids and sequences are placeholders of the
    real lengths: every byte count matches)."""
    result: Encoded = {}
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


async def in_turns(
    work: Iterable[T], handle: Callable[[T], Awaitable[None]], concurrency: int = CONCURRENCY
) -> None:
    """`handle` every item, at most `concurrency` at once (workers, not a semaphore: with a
    thousand waiters, asyncio's semaphore costs the harness more than the store it measures)."""
    items = iter(work)

    async def worker() -> None:
        for item in items:
            await handle(item)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def append_ours(js: JetStreamContext, workload: Workload) -> Timed:
    store = JetStreamEventStore(js, timeout=REPLY_TIMEOUT)

    async def one_rollout(rollout: tuple[str, list[list[Event]]]) -> None:
        name, decisions = rollout
        version = 0
        for events in decisions:
            version = await store.append(NAMESPACE, name, events, expected_version=version)

    started = time.perf_counter()
    await in_turns(workload.items(), one_rollout)
    return Timed(time.perf_counter() - started, store.batches_sent)


async def append_publish_async(js: JetStreamContext, messages: Encoded) -> float:
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


def packed(messages: Encoded, limit: int = BATCH_LIMIT) -> list[list[Outgoing]]:
    """Every decision, rollouts taking turns, packed whole into batches of at most `limit`."""
    batches: list[list[Outgoing]] = [[]]
    for turn in itertools.zip_longest(*messages.values()):
        for decision in turn:
            if decision is None:
                continue
            if len(batches[-1]) + len(decision) > limit:
                batches.append([])
            batches[-1].extend(decision)
    return [batch for batch in batches if batch]


async def append_raw_batched(js: JetStreamContext, messages: Encoded, in_flight: int) -> Timed:
    """Full atomic batches, as fast as nats-py sends them, `in_flight` commits at a time."""
    prefix = f"rollouts.ba{in_flight}."  # as long as "rollouts.evt."
    await js.add_stream(
        StreamConfig(
            name=f"{BATCHED_STREAM}_{in_flight}",
            subjects=[f"{prefix}>"],
            storage=StorageType.FILE,
            allow_atomic=True,
        )
    )
    batches = packed(messages)
    queue = iter(batches)

    async def sender() -> None:
        for batch in queue:
            await send_atomic(js._nc, batch, prefix)

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(in_flight)))
    return Timed(time.perf_counter() - started, len(batches))


async def send_atomic(nc: Client, messages: Sequence[Outgoing], prefix: str) -> None:
    """One atomic batch (a single message is a plain publish), its reply checked."""
    subjects = [prefix + m.subject.removeprefix(EVENT_PREFIX) for m in messages]
    if len(messages) == 1:
        reply = await nc.request(
            subjects[0], messages[0].data, headers=messages[0].headers, timeout=REPLY_TIMEOUT
        )
    else:
        batch = uuid.uuid4().hex
        for number, (subject, message) in enumerate(zip(subjects, messages, strict=True), 1):
            headers = {**message.headers, "Nats-Batch-Id": batch}
            headers["Nats-Batch-Sequence"] = str(number)
            if number < len(messages):
                await nc.publish(subject, message.data, headers=headers)
                continue
            headers["Nats-Batch-Commit"] = "1"
            reply = await nc.request(subject, message.data, headers=headers, timeout=REPLY_TIMEOUT)
    answer = json.loads(reply.data)
    if "error" in answer:
        raise RuntimeError(f"the raw baseline's batch was refused: {answer['error']}")


async def per_decision_rate(js: JetStreamContext, messages: Encoded, storage: StorageType) -> float:
    """Events/s of the same decisions as one atomic batch each on a `storage` stream."""
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

    async def one_rollout(decisions: Sequence[Sequence[Outgoing]]) -> None:
        for decision in decisions:
            await send_atomic(js._nc, decision, prefix)

    started = time.perf_counter()
    await in_turns(subset.values(), one_rollout)
    seconds = time.perf_counter() - started
    return sum(len(d) for decisions in subset.values() for d in decisions) / seconds


async def measure_append(
    server: BenchServer, workload: Workload, console: Console
) -> AppendFigures:
    """Ours on the runtime's connection; the baselines on a plain nats-py one."""
    decisions, events = count(workload)
    messages = encoded(workload)
    raw = server.raw_js
    console.print(f"    raw atomic batches of up to {BATCH_LIMIT} messages, {events} events")
    raw_batched = {n: await append_raw_batched(raw, messages, n) for n in RAW_IN_FLIGHT}
    console.print(f"    raw publish_async of {events} events")
    publish_async = await append_publish_async(raw, messages)
    console.print(f"    ours: {decisions} decisions over {len(workload)} rollouts")
    ours = await append_ours(server.js, workload)
    other = await append_other_client(workload)
    console.print("    diagnostics: one atomic batch per decision, file and memory streams")
    on_file = await per_decision_rate(raw, messages, StorageType.FILE)
    in_memory = await per_decision_rate(raw, messages, StorageType.MEMORY)
    return AppendFigures(
        events,
        decisions,
        len(workload),
        ours,
        other,
        raw_batched,
        publish_async,
        on_file,
        in_memory,
    )


async def append_other_client(workload: Workload) -> tuple[str, Timed]:
    """Ours again, on a fresh server of its own, with the client class the runtime does not
    use (the main server's stream already holds these rollouts)."""
    async with bench_server() as server, other_client(server) as other:
        return other_client_label(server), await append_ours(other.jetstream(), workload)


def count(workload: Workload) -> tuple[int, int]:
    decisions = sum(len(d) for d in workload.values())
    return decisions, sum(len(e) for d in workload.values() for e in d)
