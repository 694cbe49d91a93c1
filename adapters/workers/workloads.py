"""The workload reconciler: carries out `workloadRef.scaleDown` through the `WorkloadScaler` port.

A projection listener, like the Kubernetes status writer: after every change of a rollout's
state it asks the core (`rollouts.decide.workload_ref.workload_scale`) how many replicas the
referenced Deployment should have, and when that differs from what it last set, one task per
rollout sets it. Level-triggered: after a restart `resync` asks again for every rollout, and
repeating a request is a no-op on the port. A failure (the Deployment is missing, the API is
down) is logged and retried with a growing delay while the target stands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import structlog

from adapters.runtime.tasks import cancel_and_wait
from rollouts.decide.workload_ref import workload_scale
from rollouts.ports import PortError, WorkloadScale, WorkloadScaler
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.workloads")

Key = tuple[str, str]
MAX_DELAY = 30.0


class WorkloadReconciler:
    def __init__(self, scaler: WorkloadScaler, *, retry_delay: float = 0.5) -> None:
        self._scaler = scaler
        self._retry_delay = retry_delay
        self._wanted: dict[Key, WorkloadScale] = {}
        self._done: dict[Key, WorkloadScale] = {}
        self._tasks: dict[Key, asyncio.Task[None]] = {}
        self._running = True
        self.scaled = 0

    def on_state(self, key: Key, state: RolloutState) -> None:
        """Projection listener: the rollout's state changed."""
        target = workload_scale(state)
        if target is None or not self._running:
            return
        if self._done.get(key) == target and key not in self._wanted:
            return
        self._wanted[key] = target
        if key not in self._tasks:
            loop = asyncio.get_running_loop()
            self._tasks[key] = loop.create_task(self._drain(key), name=f"workload-{key}")

    def resync(self, states: Iterable[RolloutState]) -> None:
        for state in states:
            self.on_state((state.namespace, state.name), state)

    def idle(self) -> bool:
        return not self._tasks and not self._wanted

    async def stop(self) -> None:
        self._running = False
        await cancel_and_wait(list(self._tasks.values()))
        self._tasks.clear()

    async def _drain(self, key: Key) -> None:
        failures = 0
        try:
            while (target := self._wanted.pop(key, None)) is not None:
                try:
                    changed = await self._scaler.scale_workload(target)
                except PortError as error:
                    failures += 1
                    log.warning("workload.scale_failed", workload=str(target), error=str(error))
                    self._wanted.setdefault(key, target)
                    await asyncio.sleep(min(self._retry_delay * 2 ** (failures - 1), MAX_DELAY))
                    continue
                failures = 0
                self._done[key] = target
                if changed:
                    self.scaled += 1
                    log.info("workload.scaled", rollout="/".join(key), workload=str(target))
        finally:
            self._tasks.pop(key, None)
