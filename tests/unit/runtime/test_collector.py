"""The collector freezer: survivors leave the collector's way, and come back when thawed."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from adapters.runtime.collector import CollectorFreezer


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


async def test_start_freezes_the_survivors_and_stop_gives_them_back() -> None:
    freezer = CollectorFreezer(interval=3600)
    freezer.start()
    assert gc.get_freeze_count() > 0
    await freezer.stop()
    assert gc.get_freeze_count() == 0
    assert all(task.get_name() != "gc-freezer" for task in asyncio.all_tasks())


async def test_each_period_freezes_what_survived_since() -> None:
    """Asked of the objects themselves, not of the freeze count: that count also drops when
    frozen objects of earlier tests die, which made the test fail now and then."""
    freezer = CollectorFreezer(interval=0.01)
    freezer.start()
    try:
        kept = [Node() for _ in range(1000)]
        assert _tracked(kept) == len(kept)
        await asyncio.sleep(0.1)
        assert _tracked(kept) == 0  # frozen: out of every generation the collector scans
    finally:
        await freezer.stop()


def _tracked(objects: list[Node]) -> int:
    scanned = {id(o) for o in gc.get_objects()}
    return sum(id(o) in scanned for o in objects)


def test_frozen_cyclic_garbage_is_reclaimed_once_thawed() -> None:
    freezer = CollectorFreezer(interval=3600, thaw_interval=3600)
    node = Node()
    alive = weakref.ref(node)
    freezer.freeze()
    del node
    gc.collect()
    assert alive() is not None, "a frozen cycle waits"
    freezer._thaw_interval = 0
    freezer.step()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert alive() is None


def test_acyclic_objects_are_freed_while_frozen() -> None:
    freezer = CollectorFreezer()
    holder = Holder({"spec": ["a", "b"]})
    alive = weakref.ref(holder)
    freezer.freeze()
    assert alive() is not None
    del holder  # a replaced rollout state: reference counting frees it at once
    assert alive() is None


class Holder:
    def __init__(self, value: object) -> None:
        self.value = value
