"""`follow_with_ticks`: events as they come, a tick in each quiet second, and Ctrl-C always ends
it, even when it lands as a tick is due (Python 3.11's `wait_for` turned that into a tick)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from adapters.cli.session import follow_with_ticks
from adapters.runtime.client import RolloutsClient
from events.store import StoredEvent


class QuietClient:
    """A rollout where nothing happens: its follow never yields."""

    async def follow(self, namespace: str, name: str, *, after: int = 0) -> AsyncIterator[Any]:
        await asyncio.Event().wait()
        yield  # pragma: no cover - never reached


class BusyClient:
    """A rollout whose events never stop coming."""

    async def follow(self, namespace: str, name: str, *, after: int = 0) -> AsyncIterator[Any]:
        while True:
            await asyncio.sleep(0)
            yield cast(StoredEvent, object())


async def consume(updates: AsyncIterator[StoredEvent | None], seen: list[object]) -> None:
    async for item in updates:
        seen.append(item)


async def test_quiet_seconds_are_ticks() -> None:
    ticks: list[object] = []
    client = cast(RolloutsClient, QuietClient())
    task = asyncio.create_task(
        consume(follow_with_ticks(client, "d", "w", after=1, every=0.01), ticks)
    )
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(ticks) >= 3 and set(ticks) == {None}


@pytest.mark.parametrize("busy", [False, True], ids=["quiet", "busy"])
@pytest.mark.parametrize("delay", [i / 4000 for i in range(40)])
async def test_a_cancel_at_any_moment_ends_the_follow(delay: float, busy: bool) -> None:
    client = cast(RolloutsClient, BusyClient() if busy else QuietClient())
    updates = follow_with_ticks(client, "d", "w", after=1, every=0.001)
    task = asyncio.create_task(consume(updates, []))
    await asyncio.sleep(delay)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2)
    assert done and task.cancelled()
