"""Ending a nats-py JetStream push subscription without leaving its helpers behind.

An ordered consumer (or one with idle heartbeats or flow control) runs an activity-check task
and a flow-control task of nats-py's own. `unsubscribe()` only cancels them: they are still
pending when it returns, and a stopped component would leave tasks running past its stop (the
test suite's leak check saw exactly this). So we cancel them and wait for their end.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def unsubscribe(subscription: Any) -> None:
    """Unsubscribe (errors of a closed connection ignored) and wait for nats-py's helpers."""
    with contextlib.suppress(Exception):
        await subscription.unsubscribe()
    await end_helpers(_helpers(subscription))


def connection_helpers(nc: Any) -> list[asyncio.Task[Any]]:
    """The helper tasks of every subscription still open on `nc`: a drain or close leaves
    them sleeping until their next heartbeat check (up to 10 s later)."""
    subscriptions = getattr(nc, "_subs", {}).values()
    return [task for sub in subscriptions for task in _helpers(sub)]


async def end_helpers(helpers: list[asyncio.Task[Any]]) -> None:
    pending = [task for task in helpers if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)


def _helpers(subscription: Any) -> list[asyncio.Task[Any]]:
    """`subscription` is nats-py's Subscription or its JetStream wrapper (which holds one)."""
    inner = getattr(subscription, "_sub", subscription)
    jsi = getattr(inner, "_jsi", None)
    tasks = (getattr(jsi, "_hbtask", None), getattr(jsi, "_fctask", None))
    return [task for task in tasks if isinstance(task, asyncio.Task)]
