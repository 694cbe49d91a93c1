"""The embedded server's credentials and per-role permissions, enforced by a real nats-server
started from the generated configuration: a client without credentials is refused, and a role
cannot write what its role does not need."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from adapters.runtime.auth import CONFIG_FILE, auth_dir, credentials
from adapters.runtime.connect import Connection, NotAuthorized, connect
from adapters.runtime.embedded import DISCOVERY_FILE, EmbeddedNats
from adapters.runtime.settings import Settings
from events.streams import EVENTS_STREAM, INPUTS_STREAM

pytestmark = pytest.mark.integration

EVENT = "rollouts.evt.default.demo.RolloutAborted"
INPUT = "rollouts.in.default.demo"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    embedded = EmbeddedNats(tmp_path / "data")
    await embedded.start()
    try:
        # the streams, created by an identity that owns them (as `serve` does)
        owner = await connect(Settings(data_dir=embedded.data_dir), identity="serve")
        await owner.close()
        yield embedded
    finally:
        await embedded.stop()


class Violations:
    """A raw nats-py client as one identity, recording what the server refused."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    async def record(self, error: Exception) -> None:
        self.errors.append(str(error))

    async def client(self, server: EmbeddedNats, identity: str) -> Client:
        user, password = credentials(server.data_dir, identity)
        return await nats.connect(
            server.url, user=user, password=password, error_cb=self.record, allow_reconnect=False
        )

    async def refused(self, what: str) -> bool:
        for _ in range(100):
            if any(f'violation for publish to "{what.lower()}' in e.lower() for e in self.errors):
                return True
            await asyncio.sleep(0.02)
        return False


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_credentials_config_and_discovery_are_private(server: EmbeddedNats) -> None:
    directory = auth_dir(server.data_dir)
    assert mode(directory) == 0o700
    files = sorted(directory.iterdir())
    assert directory / CONFIG_FILE in files and len(files) > 8
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
    assert mode(server.data_dir / DISCOVERY_FILE) == 0o600
    assert mode(server.data_dir) == 0o700


async def test_credentials_are_generated_once(server: EmbeddedNats) -> None:
    before = credentials(server.data_dir, "controller")
    await server.stop()
    await server.start()
    assert credentials(server.data_dir, "controller") == before
    assert credentials(server.data_dir, "cli") != before


async def test_a_client_without_credentials_is_refused(server: EmbeddedNats) -> None:
    for user, password in ((None, None), ("cli", "guess")):
        client = Client()
        try:
            with pytest.raises(nats.errors.Error, match="Authorization Violation"):
                await client.connect(
                    server.url, allow_reconnect=False, user=user, password=password
                )
        finally:
            await client.close()


async def test_our_connect_with_wrong_credentials_fails_at_once(server: EmbeddedNats) -> None:
    path = auth_dir(server.data_dir) / "cli.json"
    path.write_text(json.dumps({"user": "cli", "password": "wrong"}))
    async with asyncio.timeout(10):
        with pytest.raises(NotAuthorized, match="refused the credentials"):
            await connect(Settings(data_dir=server.data_dir))


async def _count(connection: Connection, stream: str) -> int:
    return (await connection.js.stream_info(stream)).state.messages


async def test_the_traffic_role_cannot_append_events(server: EmbeddedNats) -> None:
    owner = await connect(Settings(data_dir=server.data_dir), identity="controller")
    refused = Violations()
    traffic = await refused.client(server, "traffic")
    try:
        before = await _count(owner, EVENTS_STREAM)
        await traffic.publish(EVENT, b"{}")
        await traffic.flush()
        assert await refused.refused("rollouts.evt.default.demo")
        assert await _count(owner, EVENTS_STREAM) == before
        await traffic.jetstream().publish(INPUT, b"{}", headers={"ce-type": "Tick"})
        ack = await owner.js.publish(EVENT, b"{}")  # the controller may
        assert ack.stream == EVENTS_STREAM
    finally:
        await traffic.close()
        await owner.close()


async def test_the_cli_role_cannot_purge_or_delete_the_streams(server: EmbeddedNats) -> None:
    owner = await connect(Settings(data_dir=server.data_dir), identity="controller")
    await owner.js.publish(EVENT, b"{}")
    refused = Violations()
    cli = await refused.client(server, "cli")
    try:
        js = cli.jetstream(timeout=0.5)
        attempts: list[tuple[Callable[[], Awaitable[object]], str]] = [
            (lambda: js.purge_stream(EVENTS_STREAM), "$JS.API.STREAM.PURGE"),
            (lambda: js.delete_stream(INPUTS_STREAM), "$JS.API.STREAM.DELETE"),
            (lambda: js.delete_msg(EVENTS_STREAM, 1), "$JS.API.STREAM.MSG.DELETE"),
        ]
        for attempt, what in attempts:
            with pytest.raises((TimeoutError, nats.errors.Error)):
                await attempt()
            assert await refused.refused(what)
        with pytest.raises((TimeoutError, nats.errors.Error)):
            await js.publish(EVENT, b"{}")
        assert await _count(owner, EVENTS_STREAM) == 1
        await js.publish(INPUT, b"{}", headers={"ce-type": "Promote"})  # commands it may send
    finally:
        await cli.close()
        await owner.close()


async def test_even_the_controller_cannot_purge_history(server: EmbeddedNats) -> None:
    refused = Violations()
    controller = await refused.client(server, "serve")
    try:
        with pytest.raises((TimeoutError, nats.errors.Error)):
            await controller.jetstream(timeout=0.5).purge_stream(EVENTS_STREAM)
        assert await refused.refused("$JS.API.STREAM.PURGE")
    finally:
        await controller.close()


async def test_the_notifier_publishes_no_inputs(server: EmbeddedNats) -> None:
    refused = Violations()
    notifier = await refused.client(server, "notifier")
    try:
        await notifier.publish(INPUT, b"{}")
        await notifier.flush()
        assert await refused.refused("rollouts.in.default.demo")
    finally:
        await notifier.close()


async def test_each_connection_knows_its_authenticated_user(server: EmbeddedNats) -> None:
    for identity in ("cli", "traffic", "serve"):
        connection = await connect(Settings(data_dir=server.data_dir), identity=identity)
        try:
            assert connection.user == identity
        finally:
            await connection.close()
