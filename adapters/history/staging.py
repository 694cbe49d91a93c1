"""The staging stream and commit marker that make an import of any size all or nothing.

`ROLLOUTS` is append-only (it is the audit log), so an import cannot take back events it wrote
there. It therefore writes the whole file first into a stream of its own,
`ROLLOUT_IMPORT_<digest>` (subject `rollouts.staging.<import id>`, which no controller or worker
reads): one message per event, the event's export line. A failure or a kill while staging
leaves nothing in `ROLLOUTS`; the staging stream is deleted (by the failed import, its re-run,
or the controller at start once the import's fences are gone) and the fences lifted or expired.

Once staging is complete and read back (count and digest of the lines), the import records a
commit marker, key `_commit.<import id>` in the fence bucket `ROLLOUT_IMPORTS`. From then on
the import is rolled forward, never back: whoever finds the marker (a re-run of the import, the
controller at start) copies the rest of the staging stream into `ROLLOUTS`, deletes the
staging stream, lifts the fences, then drops the marker. Fence keys are
`<namespace>.<name>`; a namespace is a DNS label and never starts with `_`, so the marker
cannot collide with a fence.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import KeyNotFoundError, NotFoundError

from adapters.history.fences import BUCKET, fence_bucket
from adapters.history.transfer import ImportRecord, Rollout, read_export
from adapters.runtime.kv_keys import live_entries
from adapters.runtime.replication import stream_replicas
from events.codec import DEFAULT_CODEC

STAGING_PREFIX = "ROLLOUT_IMPORT_"
STAGING_SUBJECTS = "rollouts.staging.>"
COMMIT_PREFIX = "_commit."
STAGE_BATCH = 1000
"""Messages in one atomic batch into the staging stream (nats-server's limit)."""
READ_TIMEOUT = 10.0
READ_PAGE = 500

BeforeStage = Callable[[int, int], Awaitable[None]]
"""Called with (index, count) before each staging batch: progress, or an injected fault."""


class StagingError(RuntimeError):
    """The staging stream refused or lost events; the message says which."""


def staging_stream(tag: str) -> str:
    return STAGING_PREFIX + tag.removeprefix("import-")


def staging_subject(tag: str) -> str:
    return f"rollouts.staging.{tag}"


def import_of(stream: str) -> str | None:
    """The import id a staging stream belongs to (None: not a staging stream)."""
    if not stream.startswith(STAGING_PREFIX):
        return None
    return "import-" + stream.removeprefix(STAGING_PREFIX)


def record_line(record: ImportRecord) -> str:
    document = DEFAULT_CODEC.to_structured(record.envelope, record.event)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def digest_of(lines: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Commit:
    """The marker that turns a staged import into one that must be finished."""

    import_id: str
    events: int
    digest: str
    rollouts: list[Rollout]

    def encode(self) -> bytes:
        return json.dumps(
            {
                "import": self.import_id,
                "events": self.events,
                "digest": self.digest,
                "rollouts": [list(r) for r in self.rollouts],
            }
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Commit:
        document = json.loads(raw)
        rollouts = [(str(ns), str(name)) for ns, name in document["rollouts"]]
        return cls(str(document["import"]), int(document["events"]), document["digest"], rollouts)


async def read_commit(js: JetStreamContext, tag: str) -> Commit | None:
    kv = await fence_bucket(js)
    try:
        entry = await kv.get(COMMIT_PREFIX + tag)
    except KeyNotFoundError:
        return None
    return Commit.decode(entry.value or b"") if entry.value else None


async def write_commit(js: JetStreamContext, commit: Commit) -> None:
    kv = await fence_bucket(js)
    await kv.put(COMMIT_PREFIX + commit.import_id, commit.encode())


async def drop_commit(js: JetStreamContext, tag: str) -> None:
    kv = await fence_bucket(js)
    await kv.delete(COMMIT_PREFIX + tag)


async def committed_imports(js: JetStreamContext) -> list[str]:
    kv = await fence_bucket(js)
    keys = await live_entries(js, kv, BUCKET, COMMIT_PREFIX)
    return sorted(key.removeprefix(COMMIT_PREFIX) for key in keys)


async def delete_staging(js: JetStreamContext, tag: str) -> None:
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(staging_stream(tag))


async def staging_streams(js: JetStreamContext) -> list[str]:
    """The import ids that have a staging stream."""
    names = await js.streams_info()
    found = (import_of(info.config.name or "") for info in names)
    return sorted(tag for tag in found if tag is not None)


async def stage(
    js: JetStreamContext,
    tag: str,
    records: Sequence[ImportRecord],
    before: BeforeStage | None = None,
) -> str:
    """Write every record into a fresh staging stream, in atomic batches, then read it back.
    Returns the digest of the staged lines."""
    await delete_staging(js, tag)  # an earlier, failed try of the same file
    await js.add_stream(
        StreamConfig(
            name=staging_stream(tag),
            subjects=[staging_subject(tag)],
            storage=StorageType.FILE,
            allow_atomic=True,
            allow_direct=True,
            num_replicas=await stream_replicas(js),
            description=f"rollouts import {tag}: staged, not yet history",
        )
    )
    lines = [record_line(record) for record in records]
    chunks = [lines[i : i + STAGE_BATCH] for i in range(0, len(lines), STAGE_BATCH)]
    for index, chunk in enumerate(chunks):
        if before is not None:
            await before(index, len(chunks))
        await _send(js, staging_subject(tag), chunk)
    digest = digest_of(lines)
    await read_staged(js, tag, len(lines), digest)
    return digest


async def _send(js: JetStreamContext, subject: str, chunk: Sequence[str]) -> None:
    nc = js._nc
    batch_id = uuid.uuid4().hex
    for number, line in enumerate(chunk, start=1):
        headers = {"Nats-Batch-Id": batch_id, "Nats-Batch-Sequence": str(number)}
        if number < len(chunk):
            await nc.publish(subject, line.encode(), headers=headers)
    headers["Nats-Batch-Commit"] = "1"
    response = await nc.request(subject, chunk[-1].encode(), headers=headers, timeout=10.0)
    reply: dict[str, Any] = json.loads(response.data)
    if reply.get("error") is not None:
        raise StagingError(f"the staging stream refused a batch: {reply['error']}")


async def _direct_page(js: JetStreamContext, tag: str, start: int) -> tuple[list[str], int]:
    """One page of staged lines from stream sequence `start` (batch direct get: no consumer),
    and how many more there are after it."""
    nc = js._nc
    received: list[str] = []
    status: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()

    async def collect(msg: Msg) -> None:
        headers = msg.headers or {}
        if "Status" not in headers:
            received.append(msg.data.decode())
        elif not status.done():
            status.set_result(headers)

    inbox = nc.new_inbox()
    request = {"seq": start, "next_by_subj": staging_subject(tag), "batch": READ_PAGE}
    subscription = await nc.subscribe(inbox, cb=collect)
    try:
        await nc.publish(
            f"$JS.API.DIRECT.GET.{staging_stream(tag)}", json.dumps(request).encode(), reply=inbox
        )
        async with asyncio.timeout(READ_TIMEOUT):
            end = await status
    finally:
        await subscription.unsubscribe()
    if end["Status"] not in ("204", "404"):
        raise StagingError(f"reading the staging stream {staging_stream(tag)} failed: {end}")
    return received, int(end.get("Nats-Num-Pending", "0"))


async def read_staged(
    js: JetStreamContext, tag: str, events: int, digest: str
) -> list[ImportRecord]:
    """The staged records, checked against the count and digest staging recorded."""
    await js.stream_info(staging_stream(tag))  # NotFoundError: no staging stream
    lines: list[str] = []
    pending = 1
    while pending:
        page, pending = await _direct_page(js, tag, start=len(lines) + 1)
        lines.extend(page)
        pending = pending if page else 0
    if len(lines) != events or digest_of(lines) != digest:
        raise StagingError(
            f"the staging stream {staging_stream(tag)} holds {len(lines)} events, expected "
            f"{events} (or their digest differs)"
        )
    return read_export(lines)
