"""Export from and import into the JetStream event stream, all or nothing, at any size.

An import must keep each event's id, time, source and rollout sequence, so it cannot go
through `EventStore.append`, which derives ids from the target stream's positions. The stream
is append-only (deny_purge, deny_delete: it is the audit log), so nothing written there can be
taken back. An import therefore goes in two phases (`adapters.history.staging`):
1. under fences (`adapters.history.fences`: the controller decides nothing for a fenced
   rollout), the whole file is written into a staging stream no one consumes and read back.
   Any failure, or a kill, leaves nothing in `ROLLOUTS`; the staging stream is deleted and
   the fences lifted (or, after a kill, they expire and the next run or controller start
   deletes the stream). It can be run again.
2. the fences are held without end, a commit marker is recorded, and the staged events are
   copied into `ROLLOUTS` in atomic batches (the server's limit is 1000 messages), decisions
   never split, in file order. Each rollout's first message in a batch carries the
   concurrency check over the whole rollout (`Nats-Expected-Last-Subject-Sequence`), and a
   resumed copy first reads what is stored, so no event is written twice. After the marker the
   import is only rolled forward: a re-run of the import, or the controller at start
   (`finish_imports`), copies the rest from the staging stream, deletes it, lifts the fences,
   then drops the marker.
Every imported event carries `Rollouts-Imported: <import id>`, so workers treat it as history.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence

import structlog
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from adapters.history.copying import (
    BATCH_LIMIT,
    BeforeBatch,
    ImportReport,
    RestoreError,
    copy_records,
    names,
    occupied,
    reason,
)
from adapters.history.fences import (
    FencedByAnotherImport,
    hold_fences,
    import_holders,
    lift_fences,
    put_fences,
)
from adapters.history.staging import (
    BeforeStage,
    Commit,
    committed_imports,
    delete_staging,
    drop_commit,
    read_commit,
    read_staged,
    stage,
    staging_streams,
    write_commit,
)
from adapters.history.transfer import ImportRecord, Rollout, rollouts_of
from events.jetstream import EVENTS_STREAM
from events.quarantine import is_unreadable
from events.store import EventStore, StoredEvent

log = structlog.get_logger("rollouts.import")
__all__ = [
    "BATCH_LIMIT",
    "ImportReport",
    "RestoreError",
    "export_events",
    "finish_import",
    "finish_imports",
    "import_id",
    "import_records",
]


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


async def import_records(
    js: JetStreamContext,
    records: Sequence[ImportRecord],
    *,
    stream: str = EVENTS_STREAM,
    batch_limit: int = BATCH_LIMIT,
    before_batch: BeforeBatch | None = None,
    before_stage: BeforeStage | None = None,
) -> ImportReport:
    """Stage every record under fences, commit, and copy into `stream` (which must not hold
    these rollouts). A committed earlier try of the same file is finished instead."""
    tag = import_id(records)
    if await read_commit(js, tag) is None:
        await _stage(js, records, tag, stream, before_stage)
    return await finish_import(js, tag, stream=stream, batch_limit=batch_limit, before=before_batch)


async def _refuse_occupied(js: JetStreamContext, rollouts: Sequence[Rollout], stream: str) -> None:
    present = await occupied(js, rollouts, stream)
    if present:
        raise RestoreError(
            f"the stream already has events of {names(present)}; import only into a stream "
            "without these rollouts"
        )


async def _stage(
    js: JetStreamContext,
    records: Sequence[ImportRecord],
    tag: str,
    stream: str,
    before: BeforeStage | None,
) -> None:
    """Phase one: on any failure, nothing of the import is left (no event, fence, marker or
    staging stream), and it can be run again."""
    rollouts = rollouts_of(records)
    try:
        await put_fences(js, rollouts, tag)
    except FencedByAnotherImport as busy:
        raise RestoreError(str(busy)) from None
    try:
        await _refuse_occupied(js, rollouts, stream)
        digest = await stage(js, tag, records, before)
        await hold_fences(js, rollouts, tag)  # a lease must not expire on a partial copy
        await _refuse_occupied(js, rollouts, stream)  # a decision taken before the fences
        await write_commit(js, Commit(tag, len(records), digest, rollouts))
    except BaseException as failed:
        for undo in (drop_commit, delete_staging):  # the marker's write may have landed
            with contextlib.suppress(Exception):
                await undo(js, tag)
        with contextlib.suppress(Exception):
            await lift_fences(js, rollouts)
        if not isinstance(failed, Exception):
            raise
        raise RestoreError(
            f"{reason(failed)}; nothing was imported (the import can be run again)"
        ) from None


async def finish_import(
    js: JetStreamContext,
    tag: str,
    *,
    stream: str = EVENTS_STREAM,
    batch_limit: int = BATCH_LIMIT,
    before: BeforeBatch | None = None,
) -> ImportReport:
    """Phase two, for a committed import: copy what is not yet stored from the staging stream,
    then delete the staging stream, lift the fences and drop the marker (in that order)."""
    commit = await read_commit(js, tag)
    if commit is None:
        raise RestoreError(f"{tag} is not a committed import")
    try:
        records = await read_staged(js, tag, commit.events, commit.digest)
    except NotFoundError:  # the copy had finished; only the clean-up was left
        await _clean_up(js, tag, commit.rollouts)
        return ImportReport(len(commit.rollouts), commit.events, 0, 0, resumed=commit.events)
    report = await copy_records(js, records, tag, stream, batch_limit=batch_limit, before=before)
    await _clean_up(js, tag, commit.rollouts)
    return report


async def _clean_up(js: JetStreamContext, tag: str, rollouts: Sequence[Rollout]) -> None:
    """Staging stream first: once the fences are lifted the rollouts move on, and a copy
    resumed then would find foreign events; a marker without staging means "copied"."""
    await delete_staging(js, tag)
    await lift_fences(js, rollouts)
    await drop_commit(js, tag)


async def finish_imports(js: JetStreamContext, stream: str = EVENTS_STREAM) -> list[str]:
    """At controller start: finish every committed import, and delete the staging stream of
    every uncommitted import whose fences are gone (its importer died while staging). An
    import that cannot be finished is logged and stays fenced. Returns the finished ids."""
    finished = []
    active = await import_holders(js)
    for tag in sorted(set(await staging_streams(js)) | set(await committed_imports(js))):
        try:
            if await read_commit(js, tag) is not None:
                report = await finish_import(js, tag, stream=stream)
                finished.append(tag)
                log.info("import.finished", import_id=tag, events=report.events)
            elif tag not in active:
                await delete_staging(js, tag)
                log.info("import.abandoned_staging_deleted", import_id=tag)
        except Exception as failed:
            log.warning("import.unfinished", import_id=tag, error=str(failed))
    return finished
