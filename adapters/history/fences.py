"""Import fences: while an import writes a rollout's history, nothing decides for that rollout.

Before an import writes anything it puts one key per rollout in the `ROLLOUT_IMPORTS` KV bucket
(`<namespace>.<name>`, encoded like subject tokens), holding the import's id; it deletes them
once every event is stored, or once a failed import is known to have stored nothing. The
controller keeps the set of fenced rollouts current with a watch (`FenceWatch`) and holds a
fenced rollout's inputs (in order) until its fence is lifted, so no timer tick, command or
observation is decided on a half-written history.

Imported events carry the header `Rollouts-Imported: <import id>`. They are history, not
intents: the workers' subscriptions acknowledge them without acting (no analysis Job re-run, no
ReplicaSet scaled, no notification sent for something that happened elsewhere, long ago).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

from events.subjects import decode_name, encode_name

IMPORTED = "Rollouts-Imported"
"""Header on every imported event: the id of the import that wrote it."""
BUCKET = "ROLLOUT_IMPORTS"
KV_OPERATION = "KV-Operation"

Rollout = tuple[str, str]


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
        return await js.create_key_value(bucket=BUCKET, history=1)


async def _holder(kv: KeyValue, key: str) -> str | None:
    with contextlib.suppress(Exception):
        entry = await kv.get(key)
        if entry.value:
            held: str = json.loads(entry.value)["import"]
            return held
    return None


async def put_fences(
    js: JetStreamContext, rollouts: Iterable[Rollout], import_id: str
) -> set[Rollout]:
    """Fence every rollout for `import_id`; a fence of the same import (an earlier try of the
    same file) is taken over, a fence of another import refuses the whole import. Returns the
    rollouts taken over."""
    kv = await fence_bucket(js)
    value = json.dumps({"import": import_id, "since": datetime.now(UTC).isoformat()}).encode()
    taken: set[Rollout] = set()
    for rollout in rollouts:
        key = fence_key(rollout)
        try:
            await kv.create(key, value)
        except KeyWrongLastSequenceError:
            holder = await _holder(kv, key)
            if holder != import_id:
                raise FencedByAnotherImport(
                    f"{rollout[0]}/{rollout[1]} is being imported by another import ({holder}); "
                    "if that import failed, run it again with its own file to finish it"
                ) from None
            taken.add(rollout)
    return taken


async def lift_fences(js: JetStreamContext, rollouts: Iterable[Rollout]) -> None:
    """Let the controller decide for these rollouts again."""
    kv = await fence_bucket(js)
    for rollout in rollouts:
        await kv.delete(fence_key(rollout))


async def fenced_rollouts(js: JetStreamContext) -> set[Rollout]:
    kv = await fence_bucket(js)
    try:
        keys = await kv.keys()
    except NoKeysError:
        return set()
    return {parse_fence_key(key) for key in keys}


class FenceWatch:
    """The fenced rollouts, kept current from the bucket, for the controller to wait on."""

    def __init__(self, nc: Client) -> None:
        self._nc = nc
        self._fenced: set[Rollout] = set()
        self._changed = asyncio.Condition()
        self._subscription: Any = None
        self._started: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Once (concurrent callers wait for the first): the current fences, then every change."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)

    async def _start(self) -> None:
        js = self._nc.jetstream()
        self._fenced = await fenced_rollouts(js)
        self._subscription = await js.subscribe(
            f"$KV.{BUCKET}.>",
            ordered_consumer=True,
            cb=self._on_change,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.LAST_PER_SUBJECT),
        )

    async def _on_change(self, msg: Msg) -> None:
        rollout = parse_fence_key(msg.subject.removeprefix(f"$KV.{BUCKET}."))
        if (msg.headers or {}).get(KV_OPERATION) in {"DEL", "PURGE"}:
            self._fenced.discard(rollout)
        else:
            self._fenced.add(rollout)
        async with self._changed:
            self._changed.notify_all()

    def fenced(self, rollout: Rollout) -> bool:
        return rollout in self._fenced

    async def wait_clear(self, rollout: Rollout) -> None:
        """Until `rollout` is not fenced (at once when it is not)."""
        await self.start()
        if rollout not in self._fenced:
            return
        async with self._changed:
            await self._changed.wait_for(lambda: rollout not in self._fenced)

    async def close(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None
