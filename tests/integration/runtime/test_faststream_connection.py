"""FastStream carries the workers on a real server: one NATS connection per worker process
(the broker's), counted by the server itself (its monitoring endpoint, /connz), and the
subscribers a running process declares are the ones the AsyncAPI document lists."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from faststream.nats.subscriber.usecases.stream_basic import StreamSubscriber

import events.inputs as inp
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.notify.config import config_from_configmap
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import connect
from adapters.runtime.settings import Settings
from adapters.workers.app import ALL_WORKERS, RolloutsApp, create_app
from adapters.workers.asyncapi import asyncapi_document
from tests.integration.runtime.harness import ControllerProcess
from tests.support.nats import free_port, nats_server_binary, wait_until_listening
from tests.support.sim import rollout_manifest

pytestmark = pytest.mark.integration


class MonitoredServer:
    """A nats-server with its HTTP monitoring port open (-m), to ask it who is connected."""

    def __init__(self, data_dir: Path) -> None:
        self.port, self.monitor = free_port(), free_port()
        command = [str(nats_server_binary()), "-js", "-sd", str(data_dir), "-a", "127.0.0.1"]
        command += ["-p", str(self.port), "-m", str(self.monitor)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until_listening("127.0.0.1", self.port, alive=lambda: self.process.poll() is None)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def connections(self) -> list[dict[str, Any]]:
        """The client connections open now, each with its subscriptions."""
        url = f"http://127.0.0.1:{self.monitor}/connz?subs=1"
        async with httpx.AsyncClient() as http:
            answer = (await http.get(url)).json()
        connections: list[dict[str, Any]] = answer.get("connections") or []
        return connections

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def server() -> Iterator[MonitoredServer]:
    with tempfile.TemporaryDirectory(prefix="nats-connz-") as directory:
        running = MonitoredServer(Path(directory))
        yield running
        running.close()


def settings(url: str, data_dir: Path) -> Settings:
    base = Settings(data_dir=data_dir)
    return base.model_copy(update={"nats": base.nats.model_copy(update={"url": url})})


@pytest.fixture
async def app(server: MonitoredServer, tmp_path: Path) -> AsyncIterator[RolloutsApp]:
    """Every worker, the notifier included, in one process."""
    notifications = config_from_configmap(
        {"service.webhook.hook": "url: http://127.0.0.1:9/hook"}, {}
    )
    running = create_app(
        settings(server.url, tmp_path / "data"),
        workers=ALL_WORKERS,
        platform=InMemoryPlatform(),
        router=InMemoryRouter(),
        notifications=notifications,
        start_embedded=False,
        drift_interval=None,
    )
    await running.start()
    yield running
    await running.stop()


async def test_a_process_with_every_worker_has_one_connection(
    server: MonitoredServer, app: RolloutsApp, tmp_path: Path
) -> None:
    client = await connect(settings(server.url, tmp_path / "data"))
    try:
        outcome = await RolloutsClient(client).send(
            "default", "demo", inp.ApplySpec(input_id=new_input_id(), manifest=rollout_manifest())
        )
        assert outcome.status == "accepted"  # decided, appended, projected: the app works
        assert len(await server.connections()) == 2  # the app's, and this client's
    finally:
        await client.close()
    await asyncio.sleep(0.2)  # the server notices the client's close
    (connection,) = await server.connections()
    assert app.connection is not None and app.broker is not None
    assert app.broker.connection is app.connection.nc  # the broker's is the process's
    subjects = connection.get("subscriptions_list") or []
    deliveries = [s for s in subjects if s.startswith("_INBOX.")]
    assert len(deliveries) >= 4, subjects  # 4 effect consumers + partitions, on this one


async def test_a_controller_process_has_one_connection(
    server: MonitoredServer, tmp_path: Path
) -> None:
    controller = ControllerProcess(server.url)
    controller.start()
    try:
        assert len(await server.connections()) == 1
    finally:
        controller.stop()


async def test_every_subscriber_of_a_running_process_is_in_the_asyncapi_document(
    app: RolloutsApp,
) -> None:
    assert app.broker is not None
    subscribers = [s for s in app.broker.subscribers if isinstance(s, StreamSubscriber)]
    assert len(subscribers) == len(app.broker.subscribers)  # all JetStream, all effect workers
    running = {
        (subscriber.queue, subject)  # deliver group: the worker's durable
        for subscriber in subscribers
        for subject in subscriber.filter_subjects or [subscriber.subject.broker_address]
    }
    assert {durable for durable, _ in running} == {"traffic", "scaler", "analysis", "notifier"}
    document = asyncapi_document()
    documented = {
        channel["bindings"]["nats"]["subject"] for channel in document["channels"].values()
    }
    missing = sorted(subject for _, subject in running if subject not in documented)
    assert missing == [], f"subscribed but not in the AsyncAPI document: {missing}"
