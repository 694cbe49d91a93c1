"""What each partition consumer reads: its durable, its subjects, and where it starts.

Split from `adapters.workers.partitions` (which consumes the feeds) so each file holds one idea.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    """Where a recreated consumer starts: just past what is acknowledged (1: from the start)."""
    for name in (durable, LEGACY_DURABLE):
        try:
            info = await js.consumer_info(stream, name)
        except NotFoundError:
            continue
        floor = int(info.ack_floor.stream_seq) if info.ack_floor else 0
        start = max(floor + 1, int(info.config.opt_start_seq or 1))
        if name == durable:
            await js.delete_consumer(stream, durable)
        return start
    return 1


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
