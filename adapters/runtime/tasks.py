"""Stopping background tasks for certain, even when a library swallows the cancellation.

On Python 3.11, `asyncio.wait_for` returns the awaited result when a cancellation lands just
as that result arrives, and the cancellation is lost; nats-py waits for every request and
publish acknowledgement that way. A worker loop cancelled while it published would then carry
on, and a `stop()` that awaited it once waited forever (seen in CI: `serve` never stopped).
`cancel_and_wait` cancels again until the tasks have ended.

Components that run a loop of their own start it through a `Spawn`: `spawn_task` when used on
their own, the process's `Supervisor` (adapters.runtime.supervisor) in the composition root.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from adapters.runtime.lazy_log import LazyLogger

log = LazyLogger("rollouts.runtime")

RETRY_SECONDS = 0.5


async def cancel_and_wait(
    tasks: asyncio.Task[Any] | Iterable[asyncio.Task[Any]], *, retry: float = RETRY_SECONDS
) -> None:
    """Cancel `tasks` and wait until every one has ended; what they raised is dropped (they
    were being stopped), except that this call itself can still be cancelled."""
    pending = {tasks} if isinstance(tasks, asyncio.Task) else set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=retry)
    for task in {tasks} if isinstance(tasks, asyncio.Task) else set(tasks):
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log it as never retrieved


Loop = Callable[[], Awaitable[None]]
"""A long-lived loop: called (again, after a restart) to get a fresh coroutine."""


class Running(Protocol):
    """A started loop, stopped by its owner."""

    async def stop(self) -> None: ...


class Spawn(Protocol):
    """How a component starts its loop: on its own (`spawn_task`) or under the process's
    supervisor (`Supervisor.spawner`), which restarts it or fails the process when it dies."""

    def __call__(self, name: str, loop: Loop) -> Running: ...


class PlainTask:
    """A loop nobody supervises (a component used on its own, as in tests): a death is still
    logged with its traceback, never silent."""

    def __init__(self, name: str, loop: Loop) -> None:
        self.task = asyncio.create_task(_run(loop), name=name)
        self.task.add_done_callback(_report)

    async def stop(self) -> None:
        self.task.remove_done_callback(_report)
        await cancel_and_wait(self.task)


async def _run(loop: Loop) -> None:
    await loop()


def _report(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("task.died", task=task.get_name(), error=repr(error), exc_info=error)


def spawn_task(name: str, loop: Loop) -> PlainTask:
    return PlainTask(name, loop)
