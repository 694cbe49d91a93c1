"""A fleet of canary rollouts in the real runtime, each paused with canary traffic at its proxy.

The runtime is the one `rollouts serve` builds (`create_app`: controller, traffic, scaler and
timer workers) with a `LocalPlatform` as platform, and as router behind a thin wrapper that
notes the moment the proxy of a rollout took each weight: the wrapper returns only after the
platform's routing table holds the weight, so that moment is when traffic actually moved.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console

from adapters.bench.server import BenchServer
from adapters.bench.workload import NAMESPACE, apply, rollout_manifest
from adapters.local import LocalPlatform
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import NatsSettings, Settings
from adapters.workers.app import RolloutsApp, create_app
from events.base import Input
from events.phases import RolloutPhase
from rollouts.ports import ManagedRoute, RolloutRef, WeightRequest
from rollouts.spec.traffic import TrafficRouting
from rollouts.state import RolloutState

CANARY_WEIGHT = 20
READY_DELAY = 0.01
PUBLISH_CONCURRENCY = 200


class TimedRouter:
    """The local platform's router, remembering when each proxy took each canary weight."""

    def __init__(self, platform: LocalPlatform) -> None:
        self._platform = platform
        self.weights: dict[RolloutRef, int] = {}
        self.zeroed_at: dict[RolloutRef, float] = {}

    async def set_weight(self, request: WeightRequest) -> None:
        await self._platform.set_weight(request)
        self.weights[request.rollout] = request.canary_weight
        if request.canary_weight == 0:
            self.zeroed_at.setdefault(request.rollout, time.perf_counter())

    async def verify_weight(self, request: WeightRequest) -> bool | None:
        return await self._platform.verify_weight(request)

    async def read_weight(self, request: WeightRequest) -> int | None:
        return await self._platform.read_weight(request)

    async def set_route(self, route: ManagedRoute) -> None:
        await self._platform.set_route(route)

    async def remove_managed_routes(
        self, rollout: RolloutRef, routing: TrafficRouting | None
    ) -> None:
        await self._platform.remove_managed_routes(rollout, routing)


def fleet_manifest(name: str, image: str) -> dict[str, Any]:
    manifest = rollout_manifest(name, image, replicas=1)
    manifest["spec"]["strategy"]["canary"]["steps"] = [
        {"setWeight": CANARY_WEIGHT},
        {"pause": {}},
    ]
    return manifest


class Fleet:
    """`size` rollouts on one runtime; `start()` leaves each paused at the canary weight."""

    def __init__(self, server: BenchServer, size: int, console: Console) -> None:
        self.refs = [RolloutRef(NAMESPACE, f"fleet-{n:05d}") for n in range(size)]
        self.platform = LocalPlatform(ready_delay=READY_DELAY)
        self.router = TimedRouter(self.platform)
        settings = Settings(nats=NatsSettings(url=server.url), data_dir=server.data_dir)
        self.app: RolloutsApp = create_app(
            settings, platform=self.platform, router=self.router, start_embedded=False
        )
        self.publish = InputPublisher(server.js)
        self._console = console

    async def start(self) -> None:
        await self.platform.start()
        await self.app.start()
        await self.send_all(lambda ref: apply(fleet_manifest(ref.name, "shop/app:1.0.0")))
        await self.wait_all(lambda s: s.phase is RolloutPhase.HEALTHY, "created and healthy")
        await self.send_all(lambda ref: apply(fleet_manifest(ref.name, "shop/app:2.0.0")))
        await self.wait_paused("updated and paused")

    async def stop(self) -> None:
        await self.app.stop()
        await self.platform.stop()

    async def send_all(self, make: Callable[[RolloutRef], Input]) -> None:
        slots = asyncio.Semaphore(PUBLISH_CONCURRENCY)

        async def one(ref: RolloutRef) -> None:
            async with slots:
                await self.publish(ref.namespace, ref.name, make(ref))

        await asyncio.gather(*(one(ref) for ref in self.refs))

    async def wait_paused(self, what: str) -> None:
        def paused(state: RolloutState) -> bool:
            traffic = state.traffic
            return (
                state.phase is RolloutPhase.PAUSED
                and traffic.applied_canary == CANARY_WEIGHT
                and self.router.weights.get(RolloutRef(state.namespace, state.name))
                == CANARY_WEIGHT
            )

        await self.wait_all(paused, what)
        await self.wait_quiet()

    async def wait_all(
        self, done: Callable[[RolloutState], bool], what: str, timeout: float = 600.0
    ) -> None:
        started = time.perf_counter()
        deadline = started + timeout
        while True:
            ready = sum(1 for ref in self.refs if (s := self.state(ref)) and done(s))
            if ready == len(self.refs):
                took = time.perf_counter() - started
                self._console.print(f"    {ready} rollouts {what} ({took:.1f} s)")
                return
            if time.perf_counter() > deadline:
                raise TimeoutError(f"only {ready}/{len(self.refs)} rollouts {what} in {timeout}s")
            await asyncio.sleep(0.1)

    async def wait_quiet(self, quiet: float = 0.5, timeout: float = 60.0) -> None:
        """Until no event was appended for `quiet` seconds: the fleet is at rest."""
        assert self.app.projection is not None
        deadline = time.perf_counter() + timeout
        seen = -1
        while time.perf_counter() < deadline and self.app.projection.sequence != seen:
            seen = self.app.projection.sequence
            await asyncio.sleep(quiet)

    def state(self, ref: RolloutRef) -> RolloutState | None:
        assert self.app.projection is not None
        return self.app.projection.state(ref.namespace, ref.name)
