"""The supervisor: a loop that dies is logged with its traceback, counted, and restarted or
fails the process; a loop stopped by its owner is not a death."""

from __future__ import annotations

import asyncio

import structlog
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from adapters.runtime.supervisor import FATAL, Policy, Supervisor
from adapters.runtime.tasks import spawn_task

FAST = Policy(restart=True, max_restarts=2, window=60.0, backoff=0.05)
SLOW = Policy(restart=True, backoff=1.0)


class Flaky:
    """A loop that raises on its first `failures` runs, then runs until cancelled."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.runs = 0
        self.running = asyncio.Event()

    async def __call__(self) -> None:
        self.runs += 1
        if self.runs <= self.failures:
            raise RuntimeError(f"injected fault {self.runs}")
        self.running.set()
        await asyncio.sleep(3600)


def failures(registry: CollectorRegistry, task: str, action: str) -> float | None:
    labels = {"task": task, "action": action}
    return registry.get_sample_value("rollouts_task_failures_total", labels)


async def test_a_dead_loop_is_logged_counted_and_restarted() -> None:
    registry = CollectorRegistry()
    supervisor = Supervisor(registry)
    loop = Flaky(failures=1)
    with capture_logs() as logs:
        child = supervisor.spawner(SLOW)("timer-worker", loop)
        while failures(registry, "timer-worker", "restarted") is None:
            await asyncio.sleep(0)
        assert not supervisor.healthy  # down while it waits for its restart (1 s)
        assert registry.get_sample_value("rollouts_task_up", {"task": "timer-worker"}) == 0.0
        async with asyncio.timeout(5):
            await loop.running.wait()
    assert supervisor.healthy and supervisor.failure is None and loop.runs == 2
    (failed,) = [line for line in logs if line["event"] == "task.failed"]
    assert failed["task"] == "timer-worker" and failed["action"] == "restarted"
    assert isinstance(failed["exc_info"], RuntimeError)  # the traceback goes with the line
    assert failures(registry, "timer-worker", "restarted") == 1.0
    assert registry.get_sample_value("rollouts_task_up", {"task": "timer-worker"}) == 1.0
    await child.stop()


async def test_a_fatal_death_fails_the_supervisor() -> None:
    registry = CollectorRegistry()
    supervisor = Supervisor(registry)
    child = supervisor.spawn("projection-watchdog", Flaky(failures=1), FATAL)
    async with asyncio.timeout(5):
        reason = await supervisor.wait_failed()
    assert reason == "background task projection-watchdog died: RuntimeError('injected fault 1')"
    assert not supervisor.healthy
    assert failures(registry, "projection-watchdog", "fatal") == 1.0
    await child.stop()


async def test_restarting_gives_up_after_max_restarts_within_the_window() -> None:
    registry = CollectorRegistry()
    supervisor = Supervisor(registry)
    loop = Flaky(failures=100)
    child = supervisor.spawn("platform-observer", loop, FAST)
    async with asyncio.timeout(5):
        await supervisor.wait_failed()
    assert loop.runs == 3  # two restarts allowed, the third death is fatal
    assert failures(registry, "platform-observer", "restarted") == 2.0
    assert failures(registry, "platform-observer", "fatal") == 1.0
    await child.stop()


async def test_a_loop_that_returns_has_died_too() -> None:
    supervisor = Supervisor(CollectorRegistry())

    async def returns() -> None:
        return None

    child = supervisor.spawn("consumer-lag", returns, FATAL)
    async with asyncio.timeout(5):
        reason = await supervisor.wait_failed()
    assert "returned, although it should run on" in reason
    await child.stop()


async def test_a_loop_stopped_by_its_owner_is_not_a_death() -> None:
    registry = CollectorRegistry()
    supervisor = Supervisor(registry)
    loop = Flaky(failures=0)
    child = supervisor.spawn("traffic-drift", loop, FATAL)
    await loop.running.wait()
    await child.stop()
    assert supervisor.healthy and supervisor.tasks == []
    assert failures(registry, "traffic-drift", "fatal") is None


async def test_an_unsupervised_loop_still_logs_its_death() -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        task = spawn_task("gc-freezer", Flaky(failures=1))
        await asyncio.sleep(0.01)
    (died,) = [line for line in logs if line["event"] == "task.died"]
    assert died["task"] == "gc-freezer" and "injected fault 1" in died["error"]
    await task.stop()
