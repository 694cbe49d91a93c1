"""What each partition consumer reads: its durable, its subjects, and where it starts.

Split from `adapters.workers.partitions` (which consumes the feeds) so each file holds one idea.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from events.subjects import (
    parse_input_subject,
    parse_partitioned_input_subject,
    partition_filter,
)

LEGACY_DURABLE = "controller"
"""The single durable of controllers before partitions; its floor seeds new partitions."""


def durable_name(partition: int) -> str:
    return f"controller-p{partition:03d}"


async def start_sequence(js: Any, stream: str, durable: str) -> int:
    """Where a recreated consumer starts: just past what is acknowledged (1: from the start).

    The durable is deleted here and created again by the caller. Between the two, its floor
    would exist nowhere: a process killed there left the next holder starting the partition from
    the beginning, deciding old commands again (new revisions; the soak saw 483 duplicates). So
    the start is first recorded in a marker consumer that nothing reads, dropped by
    `forget_start` once the durable exists again."""
    found = await _recorded_start(js, stream, durable)
    if found is None:
        return 1
    name, start = found
    if name == durable:
        await forget_start(js, stream, durable)  # one left by a holder killed after creating
        await js.add_consumer(stream, _marker(durable, start))
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(stream, durable)
    return start


async def forget_start(js: Any, stream: str, durable: str) -> None:
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(stream, marker_name(durable))


def marker_name(durable: str) -> str:
    return f"{durable}-start"


async def _recorded_start(js: Any, stream: str, durable: str) -> tuple[str, int] | None:
    """The first consumer that knows where to start, and that start."""
    for name in (durable, marker_name(durable), LEGACY_DURABLE):
        try:
            info = await js.consumer_info(stream, name)
        except NotFoundError:
            continue
        floor = int(info.ack_floor.stream_seq) if info.ack_floor else 0
        return name, max(floor + 1, int(info.config.opt_start_seq or 1))
    return None


def _marker(durable: str, start: int) -> ConsumerConfig:
    """A pull consumer nobody pulls from: it only keeps `start` (its ack floor stays below)."""
    return ConsumerConfig(
        durable_name=marker_name(durable),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start,
    )


@dataclass(frozen=True, slots=True)
class Feed:
    """What one consumer reads: its durable and which subjects. Each holder has the messages
    delivered to an inbox of its own, so nothing else that subscribes to a fixed subject (a
    replica in another cluster of the same account, a snooper) receives them."""

    durable: str
    filters: tuple[str, ...]
    parse: Callable[[str], tuple[str, str]]
    """(namespace, name) of a stored subject, or InvalidSubject."""


def partition_feed(partition: int) -> Feed:
    def parse(subject: str) -> tuple[str, str]:
        return parse_partitioned_input_subject(subject)[1:]

    return Feed(durable_name(partition), (partition_filter(partition),), parse)


def _parse_legacy(subject: str) -> tuple[str, str]:
    parsed = parse_input_subject(subject)
    return parsed.namespace, parsed.name


LEGACY_FEED = Feed(
    LEGACY_DURABLE,
    ("rollouts.in.*", "rollouts.in.*.*", "rollouts.in.*.*.*.*", "rollouts.in.*.*.*.*.>"),
    _parse_legacy,
)
"""Inputs stored before the stream had partitions (`rollouts.in.<ns>.<name>`), and what an
older stream with a `>` wildcard let in: read by partition 0's holder, decided or parked. (A
leftover five-token subject cannot be told from a partition's; no consumer reads it, and it
ages out with the stream's age limit.)"""
