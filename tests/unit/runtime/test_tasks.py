"""cancel_and_wait: a task that swallows a cancellation (as 3.11's wait_for can) still ends."""

from __future__ import annotations

import asyncio

import pytest

from adapters.runtime.tasks import cancel_and_wait


async def swallows_first_cancel(progress: list[str]) -> None:
    """A worker loop whose first cancellation is lost inside a library call."""
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        progress.append("swallowed")
    progress.append("looping")
    await asyncio.sleep(30)


async def test_a_swallowed_cancel_is_repeated_until_the_task_ends() -> None:
    progress: list[str] = []
    task = asyncio.create_task(swallows_first_cancel(progress))
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await cancel_and_wait(task, retry=0.01)
    assert task.cancelled() and progress == ["swallowed", "looping"]


async def test_awaiting_once_would_have_hung() -> None:
    """The old stop(): cancel once, then wait. The task lives on."""
    task = asyncio.create_task(swallows_first_cancel([]))
    await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=0.1)
    assert not done
    await cancel_and_wait(task, retry=0.01)


async def test_failures_of_stopped_tasks_are_dropped_and_several_tasks_end() -> None:
    async def fails() -> None:
        raise RuntimeError("boom")

    failed = asyncio.create_task(fails())
    await asyncio.sleep(0)
    sleeping = asyncio.create_task(asyncio.sleep(30))
    await cancel_and_wait([failed, sleeping])
    assert failed.done() and sleeping.cancelled()


async def test_the_caller_can_still_be_cancelled() -> None:
    stubborn = asyncio.create_task(swallows_first_cancel([]))
    await asyncio.sleep(0)
    stopper = asyncio.create_task(cancel_and_wait(stubborn, retry=10))
    await asyncio.sleep(0.05)
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    await cancel_and_wait(stubborn, retry=0.01)
