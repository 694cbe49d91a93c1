"""A real fleet for tests: a hub and one NATS per region (leaf nodes, own JetStream domains),
each region with its own controller on the local platform, and the coordinator as a separate
process (so a test can SIGKILL it).

The servers run from deploy/fleet/hub.conf and region.conf, as an operator would run them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client

from adapters.fleet.client import FleetClient
from adapters.fleet.local import LocalFleetServers
from adapters.fleet.relay import InboxRelay
from adapters.local import LocalPlatform
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import NatsSettings, Settings
from adapters.workers.app import RolloutsApp, create_app
from events.base import Event, Input
from events.jetstream import JetStreamEventStore
from events.phases import RolloutPhase
from rollouts.fleet.state import FleetState
from rollouts.state import RolloutState

REGIONS = ["staging-us-east-1", "prod-ap-southeast-1", "prod-us-east-1", "prod-eu-west-1"]
NAMESPACE, ROLLOUT = "production", "payments-api"


class Region:
    """One cluster: its NATS server and its controller with traffic, scaler and timer."""

    def __init__(self, name: str, url: str, data_dir: Path) -> None:
        self.name = name
        self.url = url
        self.platform = LocalPlatform(ready_delay=0.01)
        settings = Settings(nats=NatsSettings(url=url), data_dir=data_dir, actor=name)
        self.app: RolloutsApp = create_app(
            settings,
            workers=("controller", "traffic", "scaler", "timer"),
            platform=self.platform,
            router=self.platform,
            start_embedded=False,
            drift_interval=None,
        )

    async def start(self) -> None:
        await self.platform.start()
        await self.app.start()
        self.nc = await nats.connect(self.url, max_reconnect_attempts=-1)
        self.relay = InboxRelay(self.nc, self.name)
        await self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()
        await self.nc.close()
        await self.app.stop()
        await self.platform.stop()

    def state(self, name: str = ROLLOUT) -> RolloutState | None:
        projection = self.app.projection
        return projection.state(NAMESPACE, name) if projection else None

    async def history(self, name: str = ROLLOUT) -> list[Event]:
        """The rollout's history in this cluster's own stream."""
        store = JetStreamEventStore(self.nc.jetstream())
        return [stored.event for stored in await store.load(NAMESPACE, name)]

    async def send(self, item: Input, name: str = ROLLOUT) -> None:
        """An input from someone at this cluster (not through the fleet)."""
        await InputPublisher(self.nc.jetstream())(NAMESPACE, name, item)

    def on(self, pod_hash: str) -> bool:
        """The rollout is Healthy with `pod_hash` stable."""
        state = self.state()
        return bool(state and state.phase is RolloutPhase.HEALTHY and state.stable_rs == pod_hash)


class Coordinator:
    """`python -m adapters.fleet` as a child process."""

    def __init__(self, hub_url: str, log_path: Path) -> None:
        self.hub_url = hub_url
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "adapters.fleet", "--hub", self.hub_url],
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        assert self.process.stdout is not None
        seen = b""
        while b"fleet coordinator ready" not in seen:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"coordinator did not start: {seen.decode()[-2000:]}")
            seen += line
        self._drain = threading.Thread(target=self._forward, daemon=True)
        self._drain.start()

    def _forward(self) -> None:
        """Keep reading the child's log lines (a full pipe would block it) into the log file."""
        process = self.process
        if process is None or process.stdout is None:
            return
        with contextlib.suppress(ValueError, OSError), self.log_path.open("ab") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()

    def kill(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        _close_stdout(process)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _close_stdout(process)


def _close_stdout(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.stdout is not None:
        process.stdout.close()


class Fleet:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.servers = LocalFleetServers(REGIONS, base_dir=base / "nats")
        self.regions: dict[str, Region] = {}
        self.coordinator = Coordinator(self.servers.hub.url, base / "coordinator.log")
        self.hub: Client | None = None

    async def start(self) -> None:
        await self.servers.start()
        self.coordinator.start()
        for name, server in self.servers.regions.items():
            region = Region(name, server.url, self.base / "apps" / name)
            await region.start()
            self.regions[name] = region
        self.hub = await nats.connect(self.servers.hub.url, max_reconnect_attempts=-1)
        self.client = FleetClient(self.hub)

    async def stop(self) -> None:
        self.coordinator.stop()
        if self.hub is not None:
            await self.hub.close()
        for region in self.regions.values():
            await region.stop()
        await self.servers.stop()

    async def state(self, fleet: str) -> FleetState:
        state = await self.client.state(fleet)
        assert state is not None
        return state

    async def wait_fleet(
        self, fleet: str, done: Callable[[FleetState], bool], what: str, timeout: float = 30.0
    ) -> FleetState:
        deadline = time.monotonic() + timeout
        while True:
            state = await self.client.state(fleet)
            if state is not None and done(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"fleet {fleet}: not {what} in {timeout}s; state: {state}")
            await asyncio.sleep(0.1)


async def wait_for(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} within {timeout}s")
        await asyncio.sleep(0.05)


@pytest.fixture
async def fleet() -> AsyncIterator[Fleet]:
    with tempfile.TemporaryDirectory(prefix="fleet-test-") as base:
        running = Fleet(Path(base))
        try:
            await running.start()
            yield running
        finally:
            with contextlib.suppress(Exception):
                await running.stop()
