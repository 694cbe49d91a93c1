"""Correctness under failure: crashes, restarts and rival controllers lose and duplicate nothing."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.integration.runtime.harness import (
    ControllerProcess,
    System,
    decisions_are_contiguous,
    outcome,
)
from tests.support.nats import NatsServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROLLOUTS = [f"app-{i}" for i in range(20)]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    (tmp_path / "nats").mkdir()
    with NatsServer(data_dir=tmp_path / "nats") as running:
        yield running


@pytest.fixture
async def system(server: NatsServer, tmp_path: Path) -> AsyncIterator[System]:
    running = System(server.url, tmp_path / "data")
    await running.start()
    yield running
    await running.stop()


async def _deploy_twice(system: System) -> None:
    for name in ROLLOUTS:
        await system.apply(name, "demo:v1")
    await system.wait_all(ROLLOUTS, revision=1)
    for name in ROLLOUTS:
        await system.apply(name, "demo:v2")


async def _undisturbed(server: NatsServer, tmp_path: Path) -> dict[str, tuple[object, ...]]:
    """The reference: the same scenario on a fresh stream with no faults."""
    (tmp_path / "reference").mkdir()
    with NatsServer(data_dir=tmp_path / "reference") as reference:
        system = System(reference.url, tmp_path / "reference-data")
        controller = ControllerProcess(reference.url)
        await system.start()
        await asyncio.to_thread(controller.start)
        try:
            await _deploy_twice(system)
            states = await system.wait_all(ROLLOUTS, revision=2)
        finally:
            controller.stop()
            await system.stop()
    return {name: outcome(state) for name, state in states.items()}


async def test_controller_killed_at_random_points_changes_nothing(
    server: NatsServer, system: System, tmp_path: Path
) -> None:
    expected = await _undisturbed(server, tmp_path)
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    controller = ControllerProcess(server.url)
    await asyncio.to_thread(controller.start)
    done = asyncio.Event()

    async def chaos() -> None:
        while not done.is_set():
            await asyncio.sleep(rng.uniform(0.05, 0.6))
            controller.kill()
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            await asyncio.to_thread(controller.start)

    killer = asyncio.create_task(chaos())
    try:
        await _deploy_twice(system)
        states = await system.wait_all(ROLLOUTS, revision=2, timeout=120)
    finally:
        done.set()
        await killer
        controller.stop()
    assert controller.starts > 3, f"seed {seed}: the controller was hardly disturbed"
    assert {n: outcome(s) for n, s in states.items()} == expected, f"seed {seed}"
    for name in ROLLOUTS:
        assert decisions_are_contiguous(await system.events(name)) == [], f"seed {seed}"


async def test_nats_server_restart_mid_run_loses_nothing(
    server: NatsServer, system: System
) -> None:
    controller = ControllerProcess(server.url)
    await asyncio.to_thread(controller.start)
    try:
        for name in ROLLOUTS:
            await system.apply(name, "demo:v1")
        await system.wait_all(ROLLOUTS, revision=1)
        before = {n: len(await system.events(n)) for n in ROLLOUTS}
        for name in ROLLOUTS:
            await system.apply(name, "demo:v2")
        await asyncio.sleep(0.3)
        await asyncio.to_thread(server.restart)
        states = await system.wait_all(ROLLOUTS, revision=2, timeout=90)
    finally:
        controller.stop()
    for name in ROLLOUTS:
        history = await system.events(name)
        assert len(history) > before[name]
        assert decisions_are_contiguous(history) == []
        assert states[name].stable_rs == states[name].current_pod_hash


async def test_two_controllers_never_append_conflicting_transitions(
    server: NatsServer, system: System
) -> None:
    first, second = ControllerProcess(server.url), ControllerProcess(server.url)
    await asyncio.gather(asyncio.to_thread(first.start), asyncio.to_thread(second.start))
    try:
        await _deploy_twice(system)
        states = await system.wait_all(ROLLOUTS, revision=2, timeout=90)
    finally:
        first.stop()
        second.stop()
    for name in ROLLOUTS:
        history = await system.events(name)
        assert decisions_are_contiguous(history) == []
        revisions = [e.revision for e in history if type(e).__name__ == "RevisionCreated"]
        assert revisions == [1, 2], f"{name}: revisions created {revisions}"
        assert states[name].fully_promoted
