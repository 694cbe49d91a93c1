"""One pass at a time per rollout, for the writers that project state onto objects.

The status writer and the AnalysisRun writer both turn "this rollout changed" into writes: a
burst of changes must become one or two passes, never a pass per change, at most one in flight
per rollout and `max_in_flight` over all of them (a restart or a relist marks every rollout at
once; the API server should not get them all at once). A pass that fails with an API error backs
off (doubling up to MAX_DELAY) and runs again; an unexpected error is a bug: logged with its
traceback, reported, and retried the same way, so one rollout's bug never ends the others'.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from adapters.kubernetes.errors import KubernetesError
from adapters.kubernetes.objects import Key
from adapters.runtime.tasks import cancel_and_wait

log = structlog.get_logger("rollouts.kubernetes")

MAX_DELAY = 30.0


class KeyedPasses:
    def __init__(
        self,
        run: Callable[[Key], Awaitable[None]],
        *,
        name: str,
        task: str,
        retry_delay: float = 0.5,
        max_in_flight: int = 16,
        report_crash: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        """`name`: the log events' (`kubernetes.<name>_failed`, `_crashed`); `task`: the
        writer's, in crash reports and task names."""
        self._run = run
        self._name = name
        self._task = task
        self._retry_delay = retry_delay
        self._report_crash = report_crash
        self._dirty: set[Key] = set()
        self._tasks: dict[Key, asyncio.Task[None]] = {}
        self._failures: dict[Key, int] = {}
        self._slots = asyncio.Semaphore(max_in_flight)
        self.running = False

    def mark(self, key: Key) -> None:
        """Run a pass for `key` soon (one more after the one in flight, if any)."""
        if not self.running:
            return
        self._dirty.add(key)
        if key not in self._tasks:
            task = asyncio.get_running_loop().create_task(
                self._drain(key), name=f"{self._task}-{key}"
            )
            self._tasks[key] = task

    @property
    def idle(self) -> bool:
        return not self._tasks and not self._dirty

    async def stop(self) -> None:
        self.running = False
        await cancel_and_wait(list(self._tasks.values()))
        self._tasks.clear()
        self._dirty.clear()

    async def _drain(self, key: Key) -> None:
        try:
            while key in self._dirty and self.running:
                try:
                    async with self._slots:
                        self._dirty.discard(key)
                        await self._run(key)
                    self._failures.pop(key, None)
                except KubernetesError as error:
                    await self._back_off(key, error)
                except Exception as error:  # a bug must not end this rollout's passes
                    log.exception(f"kubernetes.{self._name}_crashed", rollout="/".join(key))
                    if self._report_crash is not None:
                        self._report_crash(self._task, error)
                    await self._back_off(key, error)
        finally:
            self._tasks.pop(key, None)

    async def _back_off(self, key: Key, error: Exception) -> None:
        failures = self._failures[key] = self._failures.get(key, 0) + 1
        log.warning(f"kubernetes.{self._name}_failed", rollout="/".join(key), error=str(error))
        await asyncio.sleep(min(self._retry_delay * 2 ** (failures - 1), MAX_DELAY))
        self._dirty.add(key)
