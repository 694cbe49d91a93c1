"""Bad input on the wire gets a clear answer and appends nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import events.inputs as inp
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import Connection, connect
from adapters.runtime.settings import Settings
from adapters.workers.app import RolloutsApp, create_app
from events.codec import DEFAULT_CODEC
from events.envelope import Envelope
from events.input_codec import H_REPLY_TO, InputOutcome
from events.models import ManualPauseChanged
from events.quarantine import Unreadable
from rollouts.errors import UnknownRollout
from rollouts.state import initial_state
from tests.support.sim import rollout_manifest

pytestmark = pytest.mark.integration


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[tuple[RolloutsApp, Connection, RolloutsClient]]:
    settings = Settings(data_dir=tmp_path)
    app = create_app(
        settings, platform=InMemoryPlatform(), router=InMemoryRouter(), start_embedded=True
    )
    await app.start()
    conn = await connect(settings, identity="admin")  # may write events: bad ones, here
    yield app, conn, RolloutsClient(conn)
    await conn.close()
    await app.stop()


async def _raw_input(conn: Connection, headers: dict[str, str], data: bytes) -> InputOutcome:
    inbox = conn.nc.new_inbox()
    reply = await conn.nc.subscribe(inbox, max_msgs=1)
    await conn.js.publish("rollouts.in.default.demo", data, headers={**headers, H_REPLY_TO: inbox})
    message = await reply.next_msg(10)
    return InputOutcome.model_validate_json(message.data)


async def test_malformed_input_is_answered_invalid_and_appends_nothing(
    system: tuple[RolloutsApp, Connection, RolloutsClient],
) -> None:
    _, conn, client = system
    before = await client.store.last_sequence()
    garbage = await _raw_input(conn, {"ce-type": "ApplySpec", "ce-id": "x1"}, b"{not json")
    unknown = await _raw_input(conn, {"ce-type": "Deploy", "ce-id": "x2"}, b"{}")
    missing = await _raw_input(conn, {"ce-type": "Promote", "ce-id": "x3"}, b'{"full": true}')
    assert (garbage.status, unknown.status, missing.status) == ("invalid",) * 3
    assert "invalid ApplySpec input" in garbage.message
    assert "unknown input type 'Deploy'" in unknown.message
    assert "input_id" in missing.message
    assert await client.store.last_sequence() == before


async def test_commands_for_an_unknown_rollout_are_refused(
    system: tuple[RolloutsApp, Connection, RolloutsClient],
) -> None:
    _, _, client = system
    before = await client.store.last_sequence()
    outcome = await client.send("default", "ghost", inp.Abort(input_id=new_input_id()))
    assert outcome.status == "refused"
    assert outcome.message == "rollout default/ghost not found; apply it first"
    with pytest.raises(UnknownRollout):
        client.precheck(initial_state("default", "ghost"), inp.Promote(input_id="p"))
    assert await client.store.last_sequence() == before


async def test_an_unknown_event_type_on_the_stream_is_quarantined_and_harms_nothing_else(
    system: tuple[RolloutsApp, Connection, RolloutsClient],
) -> None:
    app, conn, client = system
    headers, data = _future_event()
    await conn.js.publish("rollouts.evt.default.future.FromTheFuture", data, headers=headers)
    (stored,) = await client.history("default", "future")
    assert isinstance(stored.event, Unreadable)
    assert "unknown event type 'FromTheFuture'" in stored.event.describe()
    outcome = await client.send(
        "default", "demo", inp.ApplySpec(input_id=new_input_id(), manifest=rollout_manifest())
    )
    assert outcome.status == "accepted"
    assert app.projection is not None
    await app.projection.wait_for(("default", "demo"), outcome.version)


def _future_event() -> tuple[dict[str, str], bytes]:
    """A well-formed message of a type this version does not know (a newer writer's)."""
    event = ManualPauseChanged(cause="c", at=datetime.now(UTC), paused=True)
    envelope = Envelope.for_event(
        event, namespace="default", name="future", rollout_sequence=1, id="f1"
    )
    headers, data = DEFAULT_CODEC.encode(envelope, event)
    return {**headers, "ce-type": "FromTheFuture"}, data
