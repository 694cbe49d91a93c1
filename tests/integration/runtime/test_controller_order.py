"""Several controller processes decide each rollout's inputs in publish order.

The adversarial run behind this test: 30 rollouts x 15 back-to-back ApplySpecs with two
controllers in one queue group gave 82 order swaps, and 14 rollouts ended Healthy on an older
spec than the last one published. With partitions and leases, one replica owns a rollout at a
time and every rollout ends on its last spec, whatever the number of replicas.
"""

from __future__ import annotations

import asyncio
import time

import pytest

import events.models as ev
from events.phases import RolloutPhase
from rollouts.state import RolloutState
from tests.integration.runtime.harness import ControllerProcess, System
from tests.support.nats import NatsServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROLLOUTS = [f"ord-{n}" for n in range(30)]
UPDATES = 15


def _image(state: RolloutState | None) -> str:
    if state is None or state.spec is None:
        return ""
    template = state.spec.spec.template
    return str(template.spec["containers"][0]["image"]) if template else ""


def _settled_on(state: RolloutState | None, image: str) -> bool:
    return (
        state is not None
        and _image(state) == image
        and state.phase is RolloutPhase.HEALTHY
        and state.fully_promoted
    )


async def _wait_settled(system: System, image: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = await system.states()
        if all(_settled_on(states.get(name), image) for name in ROLLOUTS):
            return
        await asyncio.sleep(0.3)
    states = await system.states()
    wrong = {n: (_image(s), s.phase) for n, s in states.items() if not _settled_on(s, image)}
    raise AssertionError(f"{len(wrong)} rollouts did not end on {image}: {wrong}")


@pytest.mark.parametrize("controllers", [2, 4])
async def test_back_to_back_specs_end_on_the_last_one(
    server: NatsServer, system: System, controllers: int
) -> None:
    processes = [ControllerProcess(server.url) for _ in range(controllers)]
    await asyncio.gather(*(asyncio.to_thread(p.start) for p in processes))
    try:
        for name in ROLLOUTS:
            await system.apply(name, "demo:v0")
        await _wait_settled(system, "demo:v0")
        for update in range(1, UPDATES + 1):
            for name in ROLLOUTS:
                await system.apply(name, f"demo:v{update}")
        await _wait_settled(system, f"demo:v{UPDATES}")
    finally:
        for process in processes:
            process.stop()
    for name in ROLLOUTS:
        images = [
            e.manifest["spec"]["template"]["spec"]["containers"][0]["image"]
            for e in await system.events(name)
            if isinstance(e, ev.SpecApplied)
        ]
        order = [int(image.rpartition("v")[2]) for image in images]
        assert order == sorted(order), f"{name} applied specs out of order: {order}"
