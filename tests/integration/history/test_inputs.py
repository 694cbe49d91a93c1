"""Reading the inputs behind events back from the ROLLOUT_INPUTS stream."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nats.aio.client import Client

import events.inputs as inp
from adapters.history import inputs as inputs_module
from adapters.history.inputs import recorded_inputs
from events.base import Input
from events.input_codec import encode_input
from events.jetstream import INPUTS_STREAM, ensure_streams

pytestmark = pytest.mark.integration
SENT_AT = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


async def publish(client: Client, namespace: str, name: str, item: Input) -> None:
    subject, headers, data = encode_input(namespace, name, item, now=SENT_AT)
    await client.jetstream().publish(subject, data, headers=headers, stream=INPUTS_STREAM)


async def test_only_the_wanted_inputs_of_the_rollout_come_back(
    nats_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs_module, "PAGE", 3)  # several pages with a few messages
    await ensure_streams(nats_client.jetstream())
    for number in range(8):
        await publish(nats_client, "prod", "web.v2", inp.Tick(input_id=f"tick-{number}"))
    await publish(nats_client, "prod", "web.v2", inp.Abort(input_id="abort-1", actor="alice"))
    await publish(nats_client, "prod", "other", inp.Abort(input_id="abort-2", actor="bob"))
    found = await recorded_inputs(
        nats_client.jetstream(), "prod", "web.v2", {"abort-1", "tick-6", "abort-2", "gone"}
    )
    assert sorted(found) == ["abort-1", "tick-6"]
    abort = found["abort-1"]
    assert abort.input == inp.Abort(input_id="abort-1", actor="alice")
    assert abort.published_at == SENT_AT


async def test_a_rollout_without_inputs_has_none(nats_client: Client) -> None:
    await ensure_streams(nats_client.jetstream())
    assert await recorded_inputs(nats_client.jetstream(), "prod", "quiet", {"x"}) == {}
