"""Import fences: while an import writes a rollout's history, nothing decides for that rollout.

Before an import writes anything it puts one key per rollout in the `ROLLOUT_IMPORTS` KV bucket
(`<namespace>.<name>`, encoded like subject tokens), holding the import's id; it deletes them
once every event is stored, or once a failed import is known to have stored nothing. Until
the import stores its first event a fence is a lease (`Fence.until`, on the importer's clock),
so an importer killed before then blocks nothing for long; an import of several batches holds
its fences without end from its first batch on, until it is finished. The
controller asks the bucket before deciding an input (`FenceWatch`) and holds a fenced
rollout's inputs (in order) until its fence is lifted, so no timer tick, command or
observation is decided on a half-written history.

Imported events carry the header `Rollouts-Imported: <import id>`. They are history, not
intents: the workers' subscriptions acknowledge them without acting (no analysis Job re-run, no
ReplicaSet scaled, no notification sent for something that happened elsewhere, long ago).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.js.client import JetStreamContext
from nats.js.errors import (
    BucketNotFoundError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from nats.js.kv import KeyValue

from adapters.runtime.kv_keys import live_entries
from adapters.runtime.replication import stream_replicas
from events.subjects import decode_name, encode_name

IMPORTED = "Rollouts-Imported"
"""Header on every imported event: the id of the import that wrote it."""
BUCKET = "ROLLOUT_IMPORTS"
KEEPALIVE_SECONDS = 1.5
"""Under a third of the shortest ack wait of an input consumer (5 s, adapters.runtime.heartbeat)."""
POLL_SECONDS = 0.2
LEASE_SECONDS = 120.0
"""How long a fence outlives a killed importer that had stored nothing."""

Rollout = tuple[str, str]
KeepAlive = Callable[[], Awaitable[None]]


class FencedByAnotherImport(RuntimeError):
    """A rollout is fenced by a different import (running, or died without finishing)."""


def fence_key(rollout: Rollout) -> str:
    return f"{encode_name(rollout[0])}.{encode_name(rollout[1])}"


def parse_fence_key(key: str) -> Rollout:
    namespace, _, name = key.partition(".")
    return decode_name(namespace), decode_name(name)


async def fence_bucket(js: JetStreamContext) -> KeyValue:
    try:
        return await js.key_value(BUCKET)
    except BucketNotFoundError:
        return await js.create_key_value(
            bucket=BUCKET, history=1, replicas=await stream_replicas(js)
        )


@dataclass(frozen=True, slots=True)
class Fence:
    """One rollout's fence. Until the import stores its first event, the fence is a lease
    (`until`): an importer killed then leaves nothing stored, and its fence expires by itself.
    From the first stored event of an import that takes several batches, it is held
    (`until` None) until lifted: a partial history must never be acted on."""

    import_id: str
    since: datetime
    until: datetime | None

    def active(self, now: datetime) -> bool:
        return self.until is None or now < self.until

    def encode(self) -> bytes:
        until = self.until.isoformat() if self.until else None
        document = {"import": self.import_id, "since": self.since.isoformat(), "until": until}
        return json.dumps(document).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Fence | None:
        try:
            document = json.loads(raw)
            until = document.get("until")
            return cls(
                str(document["import"]),
                datetime.fromisoformat(document["since"]),
                datetime.fromisoformat(until) if until else None,
            )
        except (ValueError, KeyError, TypeError):
            return None


async def _current(kv: KeyValue, key: str) -> tuple[Fence | None, int]:
    """The fence under `key` (None: unreadable, so it counts as held) and its revision."""
    entry = await kv.get(key)
    return Fence.decode(entry.value or b""), int(entry.revision or 0)


async def put_fences(
    js: JetStreamContext,
    rollouts: Iterable[Rollout],
    import_id: str,
    *,
    lease: float = LEASE_SECONDS,
) -> set[Rollout]:
    """Fence every rollout for `import_id`, as a lease of `lease` seconds. A fence of the same
    import (an earlier try of the same file) is taken over as it is; an expired lease of
    another import is replaced; an active fence of another import refuses the whole import.
    Returns the rollouts taken over."""
    kv = await fence_bucket(js)
    now = datetime.now(UTC)
    value = Fence(import_id, now, now + timedelta(seconds=lease)).encode()
    taken: set[Rollout] = set()
    for rollout in rollouts:
        key = fence_key(rollout)
        try:
            await kv.create(key, value)
            continue
        except KeyWrongLastSequenceError:
            fence, revision = await _current(kv, key)
        if fence is not None and fence.import_id == import_id:
            taken.add(rollout)
        elif fence is not None and not fence.active(now):
            await kv.update(key, value, last=revision)
        else:
            holder = fence.import_id if fence else "unknown"
            raise FencedByAnotherImport(
                f"{rollout[0]}/{rollout[1]} is being imported by another import ({holder}); "
                "if that import failed, run it again with its own file to finish it"
            )
    return taken


async def hold_fences(js: JetStreamContext, rollouts: Iterable[Rollout], import_id: str) -> None:
    """Turn the leases into fences held until lifted (before a first stored event)."""
    kv = await fence_bucket(js)
    value = Fence(import_id, datetime.now(UTC), None).encode()
    for rollout in rollouts:
        await kv.put(fence_key(rollout), value)


async def lift_fences(js: JetStreamContext, rollouts: Iterable[Rollout]) -> None:
    """Let the controller decide for these rollouts again."""
    kv = await fence_bucket(js)
    for rollout in rollouts:
        await kv.delete(fence_key(rollout))


async def fenced_rollouts(js: JetStreamContext) -> set[Rollout]:
    kv = await fence_bucket(js)
    keys = await live_entries(js, kv, BUCKET)
    return {parse_fence_key(key) for key in keys if not key.startswith("_")}


async def import_holders(js: JetStreamContext) -> set[str]:
    """The imports holding an active fence (running, or committed and not yet finished).
    Keys starting with `_` are not fences (`adapters.history.staging`'s commit markers)."""
    kv = await fence_bucket(js)
    keys = await live_entries(js, kv, BUCKET)
    holders: set[str] = set()
    now = datetime.now(UTC)
    for key in keys:
        if key.startswith("_"):
            continue
        with contextlib.suppress(KeyNotFoundError):
            fence, _ = await _current(kv, key)
            if fence is not None and fence.active(now):
                holders.add(fence.import_id)
    return holders


class FenceWatch:
    """Whether a rollout is fenced, asked of the bucket for each input (one direct get): no
    cached copy that could miss a lift, no background task, and a server restart changes
    nothing. While fenced, it asks again every `POLL_SECONDS`."""

    def __init__(self, nc: Client) -> None:
        self._js = nc.jetstream()

    async def fenced(self, rollout: Rollout) -> bool:
        try:
            last = await self._js.get_msg(
                f"KV_{BUCKET}", subject=f"$KV.{BUCKET}.{fence_key(rollout)}"
            )
        except (NotFoundError, NoRespondersError):  # no such key, or no bucket
            return False
        if (last.headers or {}).get("KV-Operation") in {"DEL", "PURGE"}:
            return False
        fence = Fence.decode(last.data or b"")
        return fence is None or fence.active(datetime.now(UTC))

    async def wait_clear(self, rollout: Rollout, keepalive: KeepAlive | None = None) -> None:
        """Until `rollout` is not fenced (at once when it is not). `keepalive` is called every
        `KEEPALIVE_SECONDS` meanwhile (a message's in-progress ack, so it is not redelivered
        while it waits)."""
        loop = asyncio.get_running_loop()
        next_keepalive = loop.time() + KEEPALIVE_SECONDS
        while await self.fenced(rollout):
            await asyncio.sleep(POLL_SECONDS)
            if keepalive is not None and loop.time() >= next_keepalive:
                next_keepalive = loop.time() + KEEPALIVE_SECONDS
                await keepalive()
