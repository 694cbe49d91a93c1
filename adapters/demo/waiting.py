"""Bounded waits. Every wait of the demo has a deadline and, when it passes, says what it
expected and what it saw instead: a demo that hangs or fails without a reason teaches nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class ScenarioFailed(Exception):
    """The rollout did not do what the demo expected; the message says expected vs seen."""

    def __init__(self, what: str, expected: str, seen: str) -> None:
        super().__init__(f"{what}: expected {expected}; saw {seen}")
        self.what = what
        self.expected = expected
        self.seen = seen


async def poll_until(
    check: Callable[[], Awaitable[bool]],
    *,
    what: str,
    expected: str,
    seen: Callable[[], str],
    timeout: float,
    interval: float = 0.05,
) -> float:
    """Poll `check` until it holds; returns the seconds it took, raises ScenarioFailed on timeout.

    Polling (not events) because what is checked here (the proxy's table, the answers of the
    load generator) has no change notification.
    """
    loop = asyncio.get_running_loop()
    began = loop.time()
    while not await check():
        if loop.time() - began >= timeout:
            raise ScenarioFailed(f"{what} (timed out after {timeout:g}s)", expected, seen())
        await asyncio.sleep(interval)
    return loop.time() - began


async def cancel_and_wait(task: asyncio.Task[object] | None) -> None:
    """Cancel a helper task and wait for it to finish.

    `asyncio.wait` (unlike awaiting the task under `suppress(CancelledError)`) never swallows a
    cancellation aimed at the caller, so a second Ctrl-C during cleanup still gets through.
    """
    if task is None:
        return
    task.cancel()
    await asyncio.wait([task])
    error = None if task.cancelled() else task.exception()
    if error is not None:
        raise error
