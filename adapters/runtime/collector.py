"""Keeping CPython's full garbage collections short in a long-running controller.

A full collection walks every tracked object and stops the one event loop that every worker of
a process shares. With 1,000 live rollouts (their states and specs, the clients, the imported
libraries) it took about 450 ms here, and it comes whenever enough objects have survived into
the oldest generation: an abort arriving then waited for it, and the aborts behind it queued
(`rollouts bench`: steady abort p99 150-300 ms with such a pause in the window, about 50 ms
without).

`CollectorFreezer` moves the survivors into the permanent generation every `interval` seconds
(`gc.freeze()`, after a collection of the young generations so that their garbage is not
frozen). Full collections then walk only what was allocated since. Frozen objects are still
freed by reference counting when they are dropped, as replaced rollout states are; only
garbage in reference cycles among them waits, until `thaw_interval` passes and they are handed
back to the collector (one full collection's pause per thaw, an hour apart by default).
"""

from __future__ import annotations

import asyncio
import gc
import time

import structlog

from adapters.runtime.tasks import Running, Spawn, spawn_task

log = structlog.get_logger("rollouts.runtime")

FREEZE_INTERVAL = 10.0
THAW_INTERVAL = 3600.0


class CollectorFreezer:
    def __init__(
        self, interval: float = FREEZE_INTERVAL, thaw_interval: float = THAW_INTERVAL
    ) -> None:
        self._interval = interval
        self._thaw_interval = thaw_interval
        self._task: Running | None = None
        self._thawed_at = time.monotonic()

    def start(self, spawn: Spawn = spawn_task) -> None:
        if self._task is None:
            self.freeze()
            self._task = spawn("gc-freezer", self._run)

    async def stop(self) -> None:
        """Stop freezing and give everything back to the collector."""
        if self._task is not None:
            await self._task.stop()
            self._task = None
        gc.unfreeze()

    def freeze(self) -> None:
        gc.collect(1)
        gc.freeze()

    def step(self) -> None:
        """One period: thaw when due (cyclic garbage among frozen objects is then reclaimed by
        the next full collection), else freeze what survived since the last period."""
        if time.monotonic() - self._thawed_at >= self._thaw_interval:
            thawed = gc.get_freeze_count()
            gc.unfreeze()
            self._thawed_at = time.monotonic()
            log.info("gc.thawed", objects=thawed)
            return
        self.freeze()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.step()
