"""Stopping background tasks for certain, even when a library swallows the cancellation.

On Python 3.11, `asyncio.wait_for` returns the awaited result when a cancellation lands just
as that result arrives, and the cancellation is lost; nats-py waits for every request and
publish acknowledgement that way. A worker loop cancelled while it published would then carry
on, and a `stop()` that awaited it once waited forever (seen in CI: `serve` never stopped).
`cancel_and_wait` cancels again until the tasks have ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

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
