"""Export from and import into the JetStream event stream, all or nothing.

An import must keep each event's id, time, source and rollout sequence, so it cannot go
through `EventStore.append`, which derives ids from the target stream's positions. It writes
the events in atomic batches (the server's limit is 1000 messages a batch), decisions never
split, in file order; each rollout's first message in a batch carries the concurrency check
over the whole rollout (`Nats-Expected-Last-Subject-Sequence`, 0 when it has no events yet), so
a rollout that another writer touches meanwhile makes the batch fail whole instead of
interleaving with it.

The stream is append-only (deny_purge, deny_delete: it is the audit log), so a failed import
cannot take back what it wrote. Hence:
- an import of up to 1000 events is one atomic batch: it is stored whole or not at all;
- before anything is written, every rollout of the file is fenced (`adapters.history.fences`):
  the controller decides nothing for it until the import has written everything (a lease while
  nothing is stored, held without end from the first of several batches on);
- an import that fails with nothing of it stored lifts its fences: it left nothing behind;
- a larger import that fails between batches keeps its fences; running it again with the same
  file (the import id is the file's digest) takes them over, checks that what is stored is a
  prefix of the file, writes the rest, and only then lifts them.
Every imported event carries `Rollouts-Imported: <import id>`, so workers treat it as history.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.js.client import JetStreamContext

from adapters.history.fences import (
    IMPORTED,
    FencedByAnotherImport,
    hold_fences,
    lift_fences,
    put_fences,
)
from adapters.history.transfer import ImportRecord, Rollout, decisions, pack, rollouts_of
from events.codec import DEFAULT_CODEC
from events.jetstream import EVENTS_STREAM, JetStreamEventStore
from events.quarantine import is_unreadable
from events.store import MSG_ID, EventStore, StoredEvent
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


def import_id(records: Sequence[ImportRecord]) -> str:
    """The same file (the same events in the same order) always gets the same id."""
    digest = hashlib.sha256("\n".join(r.envelope.id for r in records).encode())
    return f"import-{digest.hexdigest()[:16]}"


async def export_events(store: EventStore, rollouts: Sequence[Rollout] | None) -> list[StoredEvent]:
    """The events of the given rollouts (all when None), in stream order. Messages no reader
    can decode (`events.quarantine`) are left out: an import could not write them back."""
    if rollouts is None:
        return [s for s in await store.load_all() if not is_unreadable(s)]
    loaded: list[StoredEvent] = []
    missing = []
    for namespace, name in rollouts:
        history = [s for s in await store.load(namespace, name) if not is_unreadable(s)]
        if not history:
            missing.append(f"{namespace}/{name}")
        loaded.extend(history)
    if missing:
        raise RestoreError(f"no events for {', '.join(missing)}")
    return sorted(loaded, key=lambda stored: stored.stream_sequence)


async def occupied(js: JetStreamContext, rollouts: Sequence[Rollout], stream: str) -> list[Rollout]:
    """The rollouts among `rollouts` that already have events in the stream."""
    present = set(await JetStreamEventStore(js, stream).rollouts())
    return [rollout for rollout in rollouts if rollout in present]


def _names(rollouts: Sequence[Rollout]) -> str:
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
            f"the stream already has events of {_names(foreign)}; import only into a stream "
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


@dataclass
class _Run:
    """One try of one import: what it may resume and what it has sent."""

    js: JetStreamContext
    records: Sequence[ImportRecord]
    stream: str
    tag: str
    ours: set[Rollout]
    """Rollouts whose stored events are this import's: fenced by an earlier try of it, or
    in a batch this try sent (a batch whose answer was lost may be stored)."""


async def import_records(
    js: JetStreamContext,
    records: Sequence[ImportRecord],
    *,
    stream: str = EVENTS_STREAM,
    batch_limit: int = BATCH_LIMIT,
    before_batch: BeforeBatch | None = None,
) -> ImportReport:
    """Write every record under fences, into a stream without those rollouts (or holding
    the start of them from an earlier failed try of the same file)."""
    tag = import_id(records)
    try:
        taken_over = await put_fences(js, rollouts_of(records), tag)
    except FencedByAnotherImport as busy:
        raise RestoreError(str(busy)) from None
    run = _Run(js, records, stream, tag, taken_over)
    try:
        return await _write(run, batch_limit=batch_limit, before_batch=before_batch)
    except BaseException as failed:
        kept = await _release_if_untouched(run)
        if not isinstance(failed, Exception):
            raise
        raise RestoreError(f"{_reason(failed)}; {_left(kept, len(records))}") from None


def _reason(failed: Exception) -> str:
    return str(failed) if isinstance(failed, RestoreError) else f"the import failed: {failed!r}"


def _left(kept: int, total: int) -> str:
    if kept == 0:
        return "nothing was imported (the import can be run again)"
    stored = "what is stored is unknown" if kept < 0 else f"{kept} of {total} events are stored"
    return (
        f"{stored}, and the file's rollouts stay fenced (nothing acts on them): "
        "run the same import again to finish it"
    )


async def _write(run: _Run, *, batch_limit: int, before_batch: BeforeBatch | None) -> ImportReport:
    records = run.records
    prefix = await _stored_prefix(run.js, records, run.stream, run.ours)
    versions = {rollout: last for rollout, (_, last) in prefix.items()}
    remaining = [r for r in records if r.envelope.rolloutsequence > prefix.get(r.rollout, (0,))[0]]
    batches = pack(decisions(remaining), batch_limit)
    if len(batches) > 1:  # a partial history may be left: no lease may expire on it
        await hold_fences(run.js, rollouts_of(records), run.tag)
    for index, batch in enumerate(batches):
        if before_batch is not None:
            await before_batch(index, len(batches))
        run.ours.update(record.rollout for record in batch)
        await _commit(run.js, batch, versions, run.tag)
    await lift_fences(run.js, rollouts_of(records))
    return ImportReport(
        rollouts=len(rollouts_of(records)),
        events=len(records),
        decisions=len(decisions(records)),
        batches=len(batches),
        resumed=len(records) - len(remaining),
    )


async def _release_if_untouched(run: _Run) -> int:
    """After a failure: lift the fences if nothing of this import is stored (else keep them,
    so nothing acts on a partial history). Returns how many events of it are stored; when the
    stream cannot be read, the fences stay (the count is then unknown, reported as -1)."""
    try:
        found, _ = await _inventory(run.js, run.records, run.stream, run.ours)
    except Exception:
        return -1
    stored = sum(count for count, _ in found.values())
    if stored == 0:
        with contextlib.suppress(Exception):
            await lift_fences(run.js, rollouts_of(run.records))
    return stored
