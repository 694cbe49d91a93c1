"""Export from and import into the JetStream event stream.

An import must keep each event's id, time, source and rollout sequence, so it cannot go
through `EventStore.append`, which derives ids from the target stream's positions. It writes
what `append` writes, with the same guarantees: each decision is one atomic batch, and its
first message carries the concurrency check over the whole rollout
(`Nats-Expected-Last-Subject-Sequence`, 0 for the first decision, so a rollout that appears
in the stream meanwhile makes the import fail instead of interleaving with it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.js.client import JetStreamContext

from adapters.history.transfer import ImportRecord, Rollout, decisions, rollouts_of
from events.codec import DEFAULT_CODEC
from events.jetstream import EVENTS_STREAM, JetStreamEventStore
from events.store import MSG_ID, EventStore, StoredEvent
from events.subjects import event_subject, rollout_events_filter

EXPECTED_SEQUENCE = "Nats-Expected-Last-Subject-Sequence"
EXPECTED_SUBJECT = "Nats-Expected-Last-Subject-Sequence-Subject"


class RestoreError(RuntimeError):
    """The import stopped; the message says what was written before it did."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    rollouts: int
    events: int
    batches: int


async def export_events(store: EventStore, rollouts: Sequence[Rollout] | None) -> list[StoredEvent]:
    """The events of the given rollouts (all when None), in stream order."""
    if rollouts is None:
        return await store.load_all()
    loaded: list[StoredEvent] = []
    missing = []
    for namespace, name in rollouts:
        history = await store.load(namespace, name)
        if not history:
            missing.append(f"{namespace}/{name}")
        loaded.extend(history)
    if missing:
        raise RestoreError(f"no events for {', '.join(missing)}")
    return sorted(loaded, key=lambda stored: stored.stream_sequence)


async def occupied(js: JetStreamContext, rollouts: Sequence[Rollout], stream: str) -> list[str]:
    """The rollouts among `rollouts` that already have events in the stream."""
    present = set(await JetStreamEventStore(js, stream).rollouts())
    return [f"{ns}/{name}" for ns, name in rollouts if (ns, name) in present]


def _messages(
    group: Sequence[ImportRecord], expected: int
) -> list[tuple[str, dict[str, str], bytes]]:
    messages = []
    for record in group:
        headers, data = DEFAULT_CODEC.encode(record.envelope, record.event)
        headers[MSG_ID] = record.envelope.id
        subject = event_subject(*record.rollout, record.envelope.type)
        messages.append((subject, headers, data))
    first_headers = messages[0][1]
    first_headers[EXPECTED_SEQUENCE] = str(expected)
    first_headers[EXPECTED_SUBJECT] = rollout_events_filter(*group[0].rollout)
    if len(messages) > 1:
        batch = uuid.uuid4().hex
        for number, (_, headers, _) in enumerate(messages, start=1):
            headers["Nats-Batch-Id"] = batch
            headers["Nats-Batch-Sequence"] = str(number)
        messages[-1][1]["Nats-Batch-Commit"] = "1"
    return messages


async def _commit(js: JetStreamContext, group: Sequence[ImportRecord], expected: int) -> int:
    nc: Client = js._nc
    messages = _messages(group, expected)
    for subject, headers, data in messages[:-1]:
        await nc.publish(subject, data, headers=headers)
    subject, headers, data = messages[-1]
    response = await nc.request(subject, data, headers=headers, timeout=10.0)
    reply: dict[str, Any] = json.loads(response.data)
    error = reply.get("error")
    if error is not None:
        raise RestoreError(
            f"the stream refused the events of line {group[0].line}: "
            f"{error.get('description')} (error {error.get('err_code')})"
        )
    return int(reply["seq"])


async def import_records(
    js: JetStreamContext, records: Sequence[ImportRecord], *, stream: str = EVENTS_STREAM
) -> ImportReport:
    """Append every record, decision by decision, into a stream without those rollouts."""
    rollouts = rollouts_of(records)
    taken = await occupied(js, rollouts, stream)
    if taken:
        raise RestoreError(
            f"the stream already has events of {', '.join(taken)}; import only into a stream "
            "without these rollouts"
        )
    versions: dict[Rollout, int] = {}
    groups = decisions(records)
    for done, group in enumerate(groups):
        rollout = group[0].rollout
        try:
            versions[rollout] = await _commit(js, group, versions.get(rollout, 0))
        except RestoreError as failed:
            raise RestoreError(f"{failed}; {done} of {len(groups)} decisions imported") from None
    return ImportReport(len(rollouts), len(records), len(groups))
