"""Run jobs of one key strictly in order and jobs of different keys concurrently.

Inputs of one rollout must be decided in the order they arrived, but one slow rollout must not
hold up the others: each key gets a queue drained by a task that exists only while the queue has
work, so ten thousand idle rollouts cost no tasks.

A job that raises does not stop its key, and is never silent: the error is logged with its
traceback, passed to `on_error` (a metric counts it), and kept among the last `KEPT_ERRORS`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

import structlog

from adapters.runtime.tasks import cancel_and_wait

log = structlog.get_logger("rollouts.runtime")

Job = Callable[[], Awaitable[None]]
ErrorHook = Callable[[BaseException], None]
KEPT_ERRORS = 100


class KeyedExecutor:
    def __init__(
        self, concurrency: int = 256, *, name: str = "", on_error: ErrorHook | None = None
    ) -> None:
        self._queues: dict[Hashable, asyncio.Queue[Job]] = {}
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(concurrency)
        self._idle = asyncio.Event()
        self._idle.set()
        self.name = name
        self._on_error = on_error
        self.errors: deque[BaseException] = deque(maxlen=KEPT_ERRORS)
        """The latest errors of jobs (diagnostics and tests); bounded."""

    def submit(self, key: Hashable, job: Job) -> None:
        queue = self._queues.setdefault(key, asyncio.Queue())
        queue.put_nowait(job)
        if key not in self._tasks:
            self._idle.clear()
            self._tasks[key] = asyncio.create_task(self._drain(key, queue), name=f"keyed:{key}")

    async def _drain(self, key: Hashable, queue: asyncio.Queue[Job]) -> None:
        try:
            while not queue.empty():
                job = queue.get_nowait()
                async with self._slots:
                    try:
                        await job()
                    except Exception as error:  # a job's failure must not stop its key
                        self._failed(key, error)
        finally:
            del self._tasks[key]
            if queue.empty():
                self._queues.pop(key, None)
            if not self._tasks:
                self._idle.set()

    def _failed(self, key: Hashable, error: Exception) -> None:
        self.errors.append(error)
        log.error("executor.job_failed", executor=self.name, key=str(key), exc_info=error)
        if self._on_error is not None:
            try:
                self._on_error(error)
            except Exception:  # a broken hook must not stop the key either
                log.exception("executor.on_error_failed", executor=self.name)

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def close(self) -> None:
        await cancel_and_wait(list(self._tasks.values()))
        self._queues.clear()
