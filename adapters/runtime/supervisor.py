"""One supervisor per process: every long-lived background loop runs under it, so none dies
unnoticed.

Before it, each component started its own task (the projection watchdog, the drift check, the
timer, the platform observer, the informers, ...) and a loop that raised simply ended: the
process stayed "ready" while, say, no timer fired any more. Under the supervisor a loop that
raises, or returns although it should run forever, is

- logged (`task.failed`) with its traceback and counted on /metrics
  (`rollouts_task_failures_total{task, action}`);
- restarted after a back-off when its policy allows (`RESTART`): every loop here keeps its state
  in its component, so a fresh run resumes where the dead one was. While it waits to restart,
  `healthy` is False (and so is /readyz);
- otherwise (`FATAL`, or more than `max_restarts` deaths within `window` seconds: a fault that
  restarting does not cure) the supervisor fails: `healthy` stays False and `wait_failed()`
  returns, on which the process stops and exits non-zero, to be restarted whole by whatever runs
  it (systemd, Kubernetes), with state rebuilt from the stream.

Like kopf's root tasks, but the loops stay owned by their components (each `stop()`s its own);
the supervisor only watches, restarts and escalates.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge

from adapters.runtime.tasks import Loop, Spawn, cancel_and_wait

log = structlog.get_logger("rollouts.supervisor")


@dataclass(frozen=True, slots=True)
class Policy:
    restart: bool
    max_restarts: int = 5
    """Deaths within `window` seconds beyond which restarting is given up (the process fails)."""
    window: float = 300.0
    backoff: float = 1.0
    """Seconds before the first restart, doubled for each further death within `window`."""
    max_backoff: float = 30.0


RESTART = Policy(restart=True)
FATAL = Policy(restart=False)


class Child:
    """One supervised loop: its runner task runs the loop again after each death it survives."""

    def __init__(self, supervisor: Supervisor, name: str, loop: Loop, policy: Policy) -> None:
        self.name = name
        self.up = True
        self._supervisor = supervisor
        self._loop = loop
        self._policy = policy
        self._deaths: deque[float] = deque()
        self._task = asyncio.create_task(self._keep(), name=f"supervised:{name}")

    async def stop(self) -> None:
        """Stopped by its owner: an end, not a death."""
        self._supervisor.forget(self)
        await cancel_and_wait(self._task)

    async def _keep(self) -> None:
        while True:
            error: BaseException | None = None
            try:
                await self._loop()
            except Exception as exc:  # anything but a cancellation is a death
                error = exc
            delay = self._next_delay()
            self._supervisor.died(self, error, delay)
            if delay is None:
                return
            self.up = False
            await asyncio.sleep(delay)
            self.up = True
            self._supervisor.restarting(self)

    def _next_delay(self) -> float | None:
        """Seconds until the restart, or None when the policy gives up."""
        policy, now = self._policy, time.monotonic()
        self._deaths.append(now)
        while self._deaths and now - self._deaths[0] > policy.window:
            self._deaths.popleft()
        if not policy.restart or len(self._deaths) > policy.max_restarts:
            return None
        delay: float = policy.backoff * 2 ** (len(self._deaths) - 1)
        return min(delay, policy.max_backoff)


class Supervisor:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        """`registry`: where the task metrics go (the process's /metrics)."""
        self._children: list[Child] = []
        self.failure: str | None = None
        """Why the supervisor failed (None while it has not)."""
        self._failed = asyncio.Event()
        self._deaths = Counter(
            "rollouts_task_failures_total",
            "Unexpected deaths of supervised background tasks, by what followed",
            ["task", "action"],
            registry=registry,
        )
        self._up = Gauge(
            "rollouts_task_up",
            "1 while a supervised background task runs, 0 while it waits for its restart",
            ["task"],
            registry=registry,
        )

    def spawn(self, name: str, loop: Loop, policy: Policy = RESTART) -> Child:
        child = Child(self, name, loop, policy)
        self._children.append(child)
        self._up.labels(name).set(1)
        return child

    def spawner(self, policy: Policy = RESTART) -> Spawn:
        """A `Spawn` for components: their loops run here, under `policy`."""

        def spawn(name: str, loop: Loop) -> Child:
            return self.spawn(name, loop, policy)

        return spawn

    @property
    def healthy(self) -> bool:
        """Not failed, and every loop running (none waiting for a restart)."""
        return self.failure is None and all(child.up for child in self._children)

    @property
    def tasks(self) -> list[str]:
        return [child.name for child in self._children]

    async def wait_failed(self) -> str:
        """Until the supervisor fails; the reason."""
        await self._failed.wait()
        return self.failure or ""

    def forget(self, child: Child) -> None:
        if child not in self._children:
            return
        self._children.remove(child)
        if child.name not in self.tasks:
            self._up.remove(child.name)

    def died(self, child: Child, error: BaseException | None, delay: float | None) -> None:
        """Log and count a death; fail the supervisor when no restart follows."""
        reason = repr(error) if error is not None else "returned, although it should run on"
        action = "restarted" if delay is not None else "fatal"
        self._deaths.labels(child.name, action).inc()
        self._up.labels(child.name).set(0)
        log.error(
            "task.failed",
            task=child.name,
            error=reason,
            action=action,
            restart_in=delay,
            exc_info=error,
        )
        if delay is None:
            self.fail(f"background task {child.name} died: {reason}")

    def report(self, task: str, error: BaseException) -> None:
        """Count a failure a component survived on its own (it logged it and retries): a
        short-lived task's, such as one rollout's status write."""
        self._deaths.labels(task, "restarted").inc()

    def restarting(self, child: Child) -> None:
        log.info("task.restarted", task=child.name)
        self._up.labels(child.name).set(1)

    def fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
            self._failed.set()
