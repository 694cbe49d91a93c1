"""A running system on a test nats-server for bad-message tests: every worker in-process on the
in-memory platform, a raw client to publish what no well-behaved publisher would, and the CLI
pointed at the same server (`--nats-url`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import yaml
from nats.aio.client import Client
from structlog.testing import capture_logs
from typer.testing import CliRunner, Result

import events.inputs as inp
from adapters.cli.main import app as cli_app
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import Connection, connect
from adapters.runtime.settings import NatsSettings, Settings
from adapters.workers.app import RolloutsApp, create_app
from events.phases import RolloutPhase
from rollouts.state import RolloutState
from tests.integration.runtime.harness import manifest
from tests.support.nats import ContainerNatsServer, NatsServer


class Bus:
    def __init__(self, url: str, data_dir: Path) -> None:
        self.url = url
        self.data_dir = data_dir
        self.settings = Settings(data_dir=data_dir, nats=NatsSettings(url=url))
        self.app: RolloutsApp | None = None
        self.conn: Connection | None = None
        self.raw: Client | None = None
        self.logs: list[MutableMapping[str, Any]] = []

    async def start(self) -> None:
        self.app = create_app(
            self.settings,
            platform=InMemoryPlatform(),
            router=InMemoryRouter(),
            start_embedded=False,
            http_port=0,
        )
        await self.app.start()
        self.conn = await connect(self.settings)
        self.raw = await nats.connect(self.url, max_reconnect_attempts=0)

    async def stop(self) -> None:
        for closing in (self.raw, self.conn):
            if closing is not None:
                await closing.close()
        if self.app is not None:
            await self.app.stop()

    @property
    def client(self) -> RolloutsClient:
        assert self.conn is not None
        return RolloutsClient(self.conn)

    async def cli(self, *args: str) -> Result:
        argv = [*args, "--nats-url", self.url]
        return await asyncio.to_thread(CliRunner().invoke, cli_app, argv)

    async def publish(self, subject: str, data: bytes, headers: dict[str, str] | None) -> int:
        """As any client could: a JetStream publish, acknowledged when stored (its sequence)."""
        assert self.raw is not None
        return (await self.raw.jetstream().publish(subject, data, headers=headers)).seq

    async def deploy(self, namespace: str, name: str, image: str = "app:1") -> None:
        body = {**manifest(name, image)}
        body["metadata"] = {**body["metadata"], "namespace": namespace}
        path = self.data_dir / f"{namespace}-{name}-{image.replace(':', '-')}.yaml"
        path.write_text(yaml.safe_dump(body), encoding="utf-8")
        applied = await self.cli("apply", "-f", str(path), "-n", namespace)
        assert applied.exit_code == 0, applied.output

    async def apply_spec(self, namespace: str, name: str, image: str) -> str:
        body = {**manifest(name, image)}
        body["metadata"] = {**body["metadata"], "namespace": namespace}
        item = inp.ApplySpec(input_id=new_input_id(), manifest=body)
        outcome = await self.client.send(namespace, name, item)
        return outcome.status

    async def healthy(
        self, namespace: str, name: str, revision: int, timeout: float = 30.0
    ) -> RolloutState:
        deadline = time.monotonic() + timeout
        while True:
            state = await self.client.state(namespace, name)
            if (
                state is not None
                and state.phase is RolloutPhase.HEALTHY
                and state.revision == revision
                and state.stable_rs == state.current_pod_hash
            ):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"{namespace}/{name} not Healthy at {revision}: {state}")
            await asyncio.sleep(0.1)

    async def settled(self, quiet: float = 0.5) -> int:
        """The last stream sequence once nothing has been appended for `quiet` seconds."""
        last = await self.client.store.last_sequence()
        async with asyncio.timeout(20):
            while True:
                await asyncio.sleep(quiet)
                current = await self.client.store.last_sequence()
                if current == last:
                    return current
                last = current

    async def metrics(self) -> str:
        assert self.app is not None and self.app.health is not None
        async with httpx.AsyncClient() as http:
            return (await http.get(f"{self.app.health.url}/metrics")).text


def metric(exposition: str, name: str) -> float:
    """The sum of a metric's samples (0 when absent)."""
    total = 0.0
    for line in exposition.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture(name="bus")
async def bus_fixture(
    nats_server: NatsServer | ContainerNatsServer, tmp_path: Path
) -> AsyncIterator[Bus]:
    system = Bus(nats_server.url, tmp_path)
    with capture_logs() as logs:
        system.logs = logs
        try:
            await system.start()
            yield system
        finally:
            await system.stop()
