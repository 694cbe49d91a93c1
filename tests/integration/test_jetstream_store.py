"""JetStreamEventStore against a real nats-server: durability, stream setup, server behaviour.

The contract suite covers the store's semantics; these tests cover what only the real server
has: files that survive a restart or a crash, stream options, and the atomic-batch rules the
store depends on (pinned here so a server upgrade that changes them fails loudly).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import RetentionPolicy

from events.jetstream import JetStreamEventStore, ensure_streams
from events.models import RolloutAborted
from tests.support import nats as nats_support
from tests.support.nats import NatsServer

pytestmark = pytest.mark.integration
nats_server = nats_support.nats_server
nats_client = nats_support.nats_client

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def aborted(cause: str) -> RolloutAborted:
    return RolloutAborted(cause=cause, at=T0, revision=1, message="m")


@pytest.fixture
def process_server() -> Iterator[NatsServer]:
    with NatsServer() as server:
        yield server


async def connect(server: NatsServer) -> Client:
    return await nats.connect(server.url, max_reconnect_attempts=0)


async def fill(store: JetStreamEventStore, rollouts: int, decisions: int) -> dict[str, int]:
    versions = dict.fromkeys((f"r{i}.x" for i in range(rollouts)), 0)
    for step in range(decisions):
        for name, version in versions.items():
            events = [aborted(f"{name}-{step}-{k}") for k in range(3)]
            versions[name] = await store.append("ns", name, events, expected_version=version)
    return versions


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_a_restart_loses_nothing(process_server: NatsServer, how: str) -> None:
    nc = await connect(process_server)
    await ensure_streams(nc.jetstream())
    before_versions = await fill(JetStreamEventStore(nc.jetstream()), rollouts=20, decisions=3)
    before = await JetStreamEventStore(nc.jetstream()).load_all()
    await nc.close()
    if how == "stop":
        process_server.stop()
    else:
        process_server.kill()
    process_server.start()
    nc = await connect(process_server)
    try:
        await ensure_streams(nc.jetstream())
        store = JetStreamEventStore(nc.jetstream())
        after = await store.load_all()
        assert [(s.stream_sequence, s.envelope, s.event) for s in after] == [
            (s.stream_sequence, s.envelope, s.event) for s in before
        ]
        assert len(after) == 20 * 3 * 3
        version = await store.append(
            "ns", "r0.x", [aborted("next")], expected_version=before_versions["r0.x"]
        )
        assert (await store.load("ns", "r0.x"))[-1].rollout_sequence == 10
        assert version == len(after) + 1
    finally:
        await nc.close()


async def test_one_connection_keeps_working_across_a_restart(process_server: NatsServer) -> None:
    reconnected = asyncio.Event()

    async def on_reconnect() -> None:
        reconnected.set()

    nc = await nats.connect(
        process_server.url,
        reconnect_time_wait=0.05,
        max_reconnect_attempts=200,
        reconnected_cb=on_reconnect,
    )
    try:
        await ensure_streams(nc.jetstream())
        store = JetStreamEventStore(nc.jetstream())
        version = await store.append("ns", "web", [aborted("a")], expected_version=0)
        await asyncio.to_thread(process_server.restart)
        await asyncio.wait_for(reconnected.wait(), 10)
        await store.append("ns", "web", [aborted("b")], expected_version=version)
        assert [s.event.cause for s in await store.load("ns", "web")] == ["a", "b"]
    finally:
        await nc.close()


async def test_stream_options(nats_client: Client) -> None:
    js = nats_client.jetstream()
    await ensure_streams(js)
    await ensure_streams(js)  # idempotent
    events = (await js.stream_info("ROLLOUTS")).config
    assert events.subjects == ["rollouts.evt.*.*.*"]
    assert (events.allow_atomic, events.allow_direct, events.deny_delete, events.deny_purge) == (
        True,
        True,
        True,
        True,
    )
    assert (events.max_msgs, events.max_bytes, events.max_age) == (-1, -1, 0)
    assert events.duplicate_window == 120
    inputs = (await js.stream_info("ROLLOUT_INPUTS")).config
    assert inputs.subjects == ["rollouts.in.*.*"]
    assert inputs.retention == RetentionPolicy.LIMITS
    assert inputs.allow_msg_schedules is True
    await ensure_streams(js, inputs_max_age=3600)  # a changed option updates in place
    assert (await js.stream_info("ROLLOUT_INPUTS")).config.max_age == 3600


async def test_a_rollout_longer_than_a_page_loads_whole(nats_client: Client) -> None:
    await ensure_streams(nats_client.jetstream())
    store = JetStreamEventStore(nats_client.jetstream())
    version = 0
    for batch in range(3):
        events = [aborted(f"{batch}-{i}") for i in range(900)]
        version = await store.append("ns", "long", events, expected_version=version)
    await store.append("ns", "short", [aborted("s")], expected_version=0)
    loaded = await store.load("ns", "long")
    assert [s.rollout_sequence for s in loaded] == list(range(1, 2701))
    assert len(await store.load("ns", "long", after=1000)) == 1700
    assert len(await store.load_all(after=100, limit=2000)) == 2000


async def _batch_message(
    nc: Client, subject: str, headers: dict[str, str]
) -> dict[str, object] | None:
    if "Nats-Batch-Commit" in headers:
        reply = await nc.request(subject, b"{}", headers=headers, timeout=5)
        answer: dict[str, object] = json.loads(reply.data)
        return answer
    await nc.publish(subject, b"{}", headers=headers)
    await nc.flush()
    return None


async def test_server_checks_batch_expectations_at_commit(nats_server: NatsServer) -> None:
    """What the store relies on: a batch staged before a rival commits fails as a whole."""
    first, second = await nats.connect(nats_server.url), await nats.connect(nats_server.url)
    try:
        await ensure_streams(first.jetstream())
        expect = {
            "Nats-Expected-Last-Subject-Sequence": "0",
            "Nats-Expected-Last-Subject-Sequence-Subject": "rollouts.evt.ns.web.*",
        }
        subject = "rollouts.evt.ns.web.RolloutAborted"
        a, b = uuid.uuid4().hex, uuid.uuid4().hex
        await _batch_message(
            first, subject, {"Nats-Batch-Id": a, "Nats-Batch-Sequence": "1", **expect}
        )
        won = await _batch_message(
            second,
            subject,
            {"Nats-Batch-Id": b, "Nats-Batch-Sequence": "1", "Nats-Batch-Commit": "1", **expect},
        )
        lost = await _batch_message(
            first,
            subject,
            {"Nats-Batch-Id": a, "Nats-Batch-Sequence": "2", "Nats-Batch-Commit": "1"},
        )
        assert won is not None and won["seq"] == 1
        assert lost is not None and lost["error"]["err_code"] == 10071  # type: ignore[index]
        assert (await first.jetstream().stream_info("ROLLOUTS")).state.messages == 1
    finally:
        await first.close()
        await second.close()


async def test_append_throughput_is_reported(
    nats_client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    await ensure_streams(nats_client.jetstream())
    store = JetStreamEventStore(nats_client.jetstream())
    started = time.perf_counter()
    await fill(store, rollouts=100, decisions=3)
    appended = time.perf_counter() - started
    started = time.perf_counter()
    loaded = await store.load_all()
    replayed = time.perf_counter() - started
    assert len(loaded) == 900
    with capsys.disabled():
        print(
            f"\nJetStreamEventStore: {900 / appended:,.0f} events/s appended one decision at a "
            f"time (3 events each), {900 / replayed:,.0f} events/s replayed"
        )
