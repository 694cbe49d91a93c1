"""Copying a staged import into the event stream: atomic batches, never a duplicate.

Each batch holds whole decisions (`transfer.pack`), in file order, at most 1000 messages
(nats-server's atomic batch limit). Each rollout's first message in a batch carries the
concurrency check over the whole rollout (`Nats-Expected-Last-Subject-Sequence`, 0 when it has
no events yet), so a rollout another writer touched makes the batch fail whole instead of
interleaving. A resumed copy first reads what the stream holds of each rollout (it must be the
start of the file's events for it) and sends only the rest, so no event is written twice;
every message also carries its event id as `Nats-Msg-Id`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.js.client import JetStreamContext

from adapters.history.fences import IMPORTED
from adapters.history.transfer import ImportRecord, Rollout, decisions, pack, rollouts_of
from events.codec import DEFAULT_CODEC
from events.jetstream import JetStreamEventStore
from events.store import MSG_ID
from events.subjects import event_subject, rollout_events_filter

EXPECTED_SEQUENCE = "Nats-Expected-Last-Subject-Sequence"
EXPECTED_SUBJECT = "Nats-Expected-Last-Subject-Sequence-Subject"
BATCH_LIMIT = 1000
"""Messages in one atomic batch: nats-server's limit (not configurable in 2.15)."""

BeforeBatch = Callable[[int, int], Awaitable[None]]
"""Called with (index, count) before each batch is sent: progress, or an injected fault."""


class RestoreError(RuntimeError):
    """The import stopped; the message says what was written before it did."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    rollouts: int
    events: int
    decisions: int
    batches: int
    """Atomic batches this run committed."""
    resumed: int = 0
    """Events an earlier, failed run of the same file had stored."""


async def occupied(js: JetStreamContext, rollouts: Sequence[Rollout], stream: str) -> list[Rollout]:
    """The rollouts among `rollouts` that already have events in the stream."""
    present = set(await JetStreamEventStore(js, stream).rollouts())
    return [rollout for rollout in rollouts if rollout in present]


def names(rollouts: Sequence[Rollout]) -> str:
    return ", ".join(f"{ns}/{name}" for ns, name in rollouts)


async def _inventory(
    js: JetStreamContext, records: Sequence[ImportRecord], stream: str, ours: set[Rollout]
) -> tuple[dict[Rollout, tuple[int, int]], list[Rollout]]:
    """Rollouts of the file already in the stream. Of those in `ours` (fenced by an earlier
    try of this import, or written by this one): how many of the file's events they start
    with, and the stream sequence of the last. Also the rollouts holding any other event (a
    copy of the same file imported and released earlier counts as other events: it is live)."""
    store = JetStreamEventStore(js, stream)
    found: dict[Rollout, tuple[int, int]] = {}
    foreign = []
    for rollout in await occupied(js, rollouts_of(records), stream):
        history = await store.load(*rollout)
        mine = [r.envelope.id for r in records if r.rollout == rollout]
        same = _common_start([s.envelope.id for s in history], mine) if rollout in ours else 0
        if same:
            found[rollout] = (same, history[same - 1].stream_sequence)
        if same < len(history):
            foreign.append(rollout)
    return found, foreign


def _common_start(stored: Sequence[str], mine: Sequence[str]) -> int:
    count = 0
    for left, right in zip(stored, mine, strict=False):
        if left != right:
            break
        count += 1
    return count


async def _stored_prefix(
    js: JetStreamContext, records: Sequence[ImportRecord], stream: str, ours: set[Rollout]
) -> dict[Rollout, tuple[int, int]]:
    found, foreign = await _inventory(js, records, stream, ours)
    if foreign:
        raise RestoreError(
            f"the stream already has events of {names(foreign)}; import only into a stream "
            "without these rollouts"
        )
    return found


def _messages(
    batch: Sequence[ImportRecord], versions: dict[Rollout, int], tag: str
) -> list[tuple[str, dict[str, str], bytes]]:
    messages = []
    checked: set[Rollout] = set()
    for record in batch:
        headers, data = DEFAULT_CODEC.encode(record.envelope, record.event)
        headers[MSG_ID] = record.envelope.id
        headers[IMPORTED] = tag
        if record.rollout not in checked:  # one check per rollout, on its first message
            checked.add(record.rollout)
            headers[EXPECTED_SEQUENCE] = str(versions.get(record.rollout, 0))
            headers[EXPECTED_SUBJECT] = rollout_events_filter(*record.rollout)
        messages.append((event_subject(*record.rollout, record.envelope.type), headers, data))
    if len(messages) > 1:
        batch_id = uuid.uuid4().hex
        for number, (_, headers, _) in enumerate(messages, start=1):
            headers["Nats-Batch-Id"] = batch_id
            headers["Nats-Batch-Sequence"] = str(number)
        messages[-1][1]["Nats-Batch-Commit"] = "1"
    return messages


async def _commit(
    js: JetStreamContext, batch: Sequence[ImportRecord], versions: dict[Rollout, int], tag: str
) -> None:
    """Store `batch` whole or not at all; on success, move `versions` past it."""
    nc: Client = js._nc
    messages = _messages(batch, versions, tag)
    for subject, headers, data in messages[:-1]:
        await nc.publish(subject, data, headers=headers)
    subject, headers, data = messages[-1]
    response = await nc.request(subject, data, headers=headers, timeout=10.0)
    reply: dict[str, Any] = json.loads(response.data)
    error = reply.get("error")
    if error is not None:
        raise RestoreError(
            f"the stream refused the events of lines {batch[0].line}-{batch[-1].line}: "
            f"{error.get('description')} (error {error.get('err_code')})"
        )
    first = int(reply["seq"]) - len(batch) + 1
    for offset, record in enumerate(batch):
        versions[record.rollout] = first + offset


async def copy_records(
    js: JetStreamContext,
    records: Sequence[ImportRecord],
    tag: str,
    stream: str,
    *,
    batch_limit: int,
    before: BeforeBatch | None,
) -> ImportReport:
    ours = set(rollouts_of(records))  # fenced for this import since before its commit
    prefix = await _stored_prefix(js, records, stream, ours)
    versions = {rollout: last for rollout, (_, last) in prefix.items()}
    remaining = [r for r in records if r.envelope.rolloutsequence > prefix.get(r.rollout, (0,))[0]]
    batches = pack(decisions(remaining), batch_limit)
    stored = len(records) - len(remaining)
    try:
        for index, batch in enumerate(batches):
            if before is not None:
                await before(index, len(batches))
            await _commit(js, batch, versions, tag)
            stored += len(batch)
    except Exception as failed:
        raise RestoreError(
            f"{reason(failed)}; the import is committed and {stored} of {len(records)} events "
            "are stored: its rollouts stay fenced (nothing acts on them) until it is finished, "
            "by running the same import again or by starting the controller"
        ) from None
    return ImportReport(
        rollouts=len(ours),
        events=len(records),
        decisions=len(decisions(records)),
        batches=len(batches),
        resumed=len(records) - len(remaining),
    )


def reason(failed: Exception) -> str:
    return str(failed) if isinstance(failed, RestoreError) else f"the import failed: {failed!r}"
