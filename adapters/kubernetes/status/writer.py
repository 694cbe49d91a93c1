"""Writes each Rollout object's `.status` from the rollout's state, as Argo's controller would.

A projection listener (`on_state`) and the watcher (`request`) mark a rollout as needing a
write; one task per rollout writes the latest state, so a burst of events becomes one or two
writes and at most one is in flight per rollout. A write is a merge patch of the `/status`
subresource carrying only what differs from the object's status, made conditional on the
resourceVersion it was computed from: a 409 (someone changed the object meanwhile) reads the
object again, recomputes and retries. A 404 means the object is gone (nothing to write); other
failures back off and try again. Rollouts with no object (driven from the local CLI) are
skipped, and so is a rollout while a command the watcher read from its status is being decided
(the write would put back, from the older state, what the user just patched).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog

from adapters.kubernetes.book import RolloutBook
from adapters.kubernetes.errors import KubernetesError, call_json, read_rollout
from adapters.kubernetes.objects import GROUP, VERSION, Key, Obj, status_of, version_of
from adapters.kubernetes.passes import KeyedPasses
from adapters.kubernetes.retry import retry_on_conflict
from adapters.kubernetes.status.document import rollout_status
from adapters.kubernetes.status.patch import merge_diff
from adapters.kubernetes.watcher import FIELD_MANAGER, States
from rollouts.ports import Clock
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.kubernetes")

MERGE = "application/merge-patch+json"


class StatusWriter:
    def __init__(
        self,
        custom: Any,
        book: RolloutBook,
        states: States,
        clock: Clock,
        *,
        group: str = GROUP,
        version: str = VERSION,
        request_timeout: float = 30.0,
        conflict_retries: int = 5,
        retry_delay: float = 0.5,
        max_in_flight: int = 16,
        report_crash: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        """`max_in_flight`: writes sent at once over all rollouts (a restart or a relist asks
        for every rollout's status at once; the API server should not get them all at once).
        `report_crash(task, error)`: told of an unexpected failure of a write (a bug, not an
        API error), which is logged with its traceback and retried like a failed write."""
        self._custom = custom
        self._book = book
        self._states = states
        self._clock = clock
        self._api = (group, version)
        self._timeout = request_timeout
        self._retries = conflict_retries
        self._passes = KeyedPasses(
            self._write,
            name="status_write",
            task="status-writer",
            retry_delay=retry_delay,
            max_in_flight=max_in_flight,
            report_crash=report_crash,
        )
        self.writes = 0
        self.conflicts = 0

    def start(self) -> None:
        self._passes.running = True
        for key in self._book.known():
            self.request(key)

    async def stop(self) -> None:
        await self._passes.stop()

    def on_state(self, key: Key, state: RolloutState) -> None:
        """Projection listener: the rollout's state changed."""
        self.request(key)

    def request(self, key: Key) -> None:
        if self._book.object(key) is not None:
            self._passes.mark(key)

    @property
    def idle(self) -> bool:
        """No write pending or in flight (for tests and orderly shutdowns)."""
        return self._passes.idle

    async def _write(self, key: Key) -> None:
        async def conflicted() -> None:
            self.conflicts += 1
            await self._reread(key)

        await retry_on_conflict(
            f"write status of Rollout {key[0]}/{key[1]}",
            lambda: self._write_once(key),
            retries=self._retries,
            on_conflict=conflicted,
        )

    async def _write_once(self, key: Key) -> None:
        """One patch computed from the object as last read; nothing when it is gone."""
        obj = self._book.object(key)
        if obj is None:
            return
        patch = self._patch_for(key, obj)
        if patch is None:
            return
        try:
            written = await self._send(key, patch)
        except KubernetesError as error:
            if error.not_found:
                return
            raise
        self.writes += 1
        self._book.remember(key, written)

    def _patch_for(self, key: Key, obj: Obj) -> Obj | None:
        current = status_of(obj)
        state = self._states.state(*key)
        if wait := self._book.awaiting(key, state):
            # A user's command is being decided: the next state asks for the write.
            asyncio.get_running_loop().call_later(wait, self.request, key)
            return None
        wanted = rollout_status(state, current, self._clock.now(), self._book.invalid(key))
        if wanted is None:
            return None
        changes = merge_diff(current, wanted)
        if not changes:
            return None
        self._book.note_written(key, wanted)
        return {"metadata": {"resourceVersion": version_of(obj)}, "status": changes}

    async def _send(self, key: Key, patch: Obj) -> Obj:
        namespace, name = key
        result: Obj = await call_json(
            f"patch status of Rollout {namespace}/{name}",
            self._custom.patch_namespaced_custom_object_status(
                *self._api,
                namespace,
                "rollouts",
                name,
                patch,
                field_manager=FIELD_MANAGER,
                _content_type=MERGE,
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        return result

    async def _reread(self, key: Key) -> None:
        namespace, name = key
        fresh: Obj | None = await read_rollout(
            self._custom, self._api, namespace, name, self._timeout
        )
        if fresh is None:
            self._book.forget(key)
        else:
            self._book.remember(key, fresh)
