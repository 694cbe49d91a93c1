"""`rollouts fleet demo`: the brief's four clusters, a hub, a good revision and a bad one.

Everything runs on loopback: a hub NATS and four regional NATS servers from deploy/fleet's
config files (leaf nodes, one JetStream domain each), a controller with its workers and real
traffic in every region, and the fleet coordinator on the hub. v2 goes through all three
waves; v3 passes staging's loose analysis but fails APAC's, and the global abort stops APAC
and sends staging back to v2 before wave 2 ever sees v3. The demo exits 0 when every cluster
ended where it should.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import nats
from rich.console import Console

from adapters.fleet.client import FleetClient
from adapters.fleet.coordinator import FleetCoordinator
from adapters.fleet.demo_region import CLUSTERS, DemoRegion, fleet_manifest
from adapters.fleet.demo_settle import SettleWatch
from adapters.fleet.local import LocalFleetServers
from adapters.fleet.render import status_line
from adapters.workers.controller import SystemClock
from events import fleet as ev
from rollouts.fleet.state import FleetState

FLEET = "payments-api-fleet"
WAIT = 300.0
"""Per revision. Four clusters with real traffic share one process: on a 2 GHz 2-core machine
with a test suite beside it, v2's three waves took over 120 s (each about 45 s)."""


class FleetDemo:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.regions: dict[str, DemoRegion] = {}
        self.client: FleetClient | None = None
        self._last = ""

    def say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    async def run(self) -> bool:
        async with contextlib.AsyncExitStack() as stack:
            base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fleet-demo-")))
            await self._start(stack, base)
            await self._revision("payments:v1", "v1 everywhere (a new rollout is Healthy at once)")
            for region in self.regions.values():
                await region.start_traffic()
            await self._revision("payments:v2", "v2, a good revision, wave by wave")
            return await self._bad_revision()
        return False

    async def _start(self, stack: contextlib.AsyncExitStack, base: Path) -> None:
        servers = LocalFleetServers(CLUSTERS, base_dir=base / "nats")
        stack.push_async_callback(servers.stop)
        await servers.start()
        self.say(f"hub NATS {servers.hub.url} (domain hub), leaf nodes: {', '.join(CLUSTERS)}")
        hub = await nats.connect(servers.hub.url, max_reconnect_attempts=-1)
        stack.push_async_callback(hub.close)
        coordinator = FleetCoordinator(hub, SystemClock())
        await coordinator.start()
        stack.push_async_callback(coordinator.stop)
        for name, server in servers.regions.items():
            region = DemoRegion(name, server.url, base / "apps" / name)
            stack.push_async_callback(region.stop)
            await region.start()
            self.regions[name] = region
        self.client = FleetClient(hub)

    async def _apply(self, image: str) -> None:
        assert self.client is not None
        item = ev.ApplyFleet(input_id=f"demo-{image}", manifest=fleet_manifest(image))
        outcome = await self.client.send(FLEET, item)
        if outcome.status != "accepted":
            raise RuntimeError(f"apply {image}: {outcome.status} {outcome.message}")

    async def _follow(self, done: Callable[[FleetState], bool]) -> FleetState:
        assert self.client is not None
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            state = await self.client.state(FLEET)
            if state is not None:
                line = status_line(state)
                if line != self._last:
                    self.say(f"  {datetime.now(UTC):%H:%M:%S.%f}"[:-3] + f"  {line}")
                    self._last = line
                if done(state):
                    return state
            await asyncio.sleep(0.1)
        raise TimeoutError(f"fleet not done in {WAIT:.0f}s: {self._last}")

    async def _revision(self, image: str, title: str) -> FleetState:
        self.say(f"\n== {title}")
        started = time.monotonic()
        await self._apply(image)
        state = await self._follow(lambda s: s.phase == "Healthy" and image in str(s.fleet))
        self.say(f"  {image} on every cluster in {time.monotonic() - started:.1f} s")
        return state

    async def _bad_revision(self) -> bool:
        self.say("\n== v3, a bad revision: staging's check tolerates it, APAC's does not")
        before = await self._current()
        watch = SettleWatch(self.regions, before.template_hash)
        watch.start()
        try:
            await self._apply("payments:v3")
            state = await self._follow(lambda s: s.phase == "Degraded" and not s.abort_pending)
            await asyncio.sleep(0.5)
        finally:
            await watch.stop()
        await watch.report(self.say, state)
        return watch.verdict(self.say, state)

    async def _current(self) -> FleetState:
        assert self.client is not None
        state = await self.client.state(FLEET)
        assert state is not None
        return state


def run_demo(console: Console) -> int:
    try:
        ok = asyncio.run(FleetDemo(console).run())
    except (TimeoutError, RuntimeError) as error:
        console.print(f"demo failed: {error}", markup=False, style="red")
        return 1
    return 0 if ok else 1
