"""Shared test fixtures.

A test that leaves asyncio tasks running has a bug (a worker not stopped, a subscription not
drained); the autouse fixture below fails it instead of letting the leak hide in the next test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
async def _no_leaked_tasks() -> AsyncIterator[None]:
    before = asyncio.all_tasks()
    yield
    current = asyncio.current_task()
    leaked = [t for t in asyncio.all_tasks() - before if t is not current and not t.done()]
    if leaked:
        names = ", ".join(sorted(_describe(t) for t in leaked))
        for task in leaked:
            task.cancel()
        await asyncio.gather(*leaked, return_exceptions=True)
        pytest.fail(f"test leaked {len(leaked)} asyncio task(s): {names}")


def _describe(task: asyncio.Task[Any]) -> str:
    """Name, coroutine and where it waits: an unnamed Task-N alone says nothing."""
    coro = task.get_coro()
    where = ""
    frame = getattr(coro, "cr_frame", None)
    if frame is not None:
        where = f" at {frame.f_code.co_filename}:{frame.f_lineno}"
    return f"{task.get_name()} ({getattr(coro, '__qualname__', coro)}{where})"


def _decode_floats(value: Any) -> Any:
    """The conformance files write NaN/Inf as {"$float": "NaN"}; turn them into Python floats."""
    if isinstance(value, dict):
        if set(value) == {"$float"}:
            return float(value["$float"].replace("+", ""))
        return {k: _decode_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_floats(v) for v in value]
    return value


def load_conformance(name: str) -> Any:
    return _decode_floats(json.loads((DATA / "conformance" / name).read_text()))
