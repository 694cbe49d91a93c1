"""Group commit against a real nats-server: the server rules it relies on, and the store's use.

Pinned here: several rollouts' expectations in one atomic batch are each checked, a stale one
refuses the whole batch, and two messages expecting the same sequence of one rollout both pass
(why a group never holds two decisions of one rollout). Then the store: concurrent appends
share batches, and a group staged but never committed leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from nats.aio.client import Client

from events.jetstream import JetStreamEventStore, ensure_streams
from tests.integration.test_jetstream_store import _batch_message, aborted, connect
from tests.support import nats as nats_support
from tests.support.nats import NatsServer

pytestmark = pytest.mark.integration
nats_client = nats_support.nats_client
nats_server = nats_support.nats_server


@pytest.fixture
def process_server() -> Iterator[NatsServer]:
    with NatsServer() as server:
        yield server


def _expect(name: str, sequence: int) -> dict[str, str]:
    return {
        "Nats-Expected-Last-Subject-Sequence": str(sequence),
        "Nats-Expected-Last-Subject-Sequence-Subject": f"rollouts.evt.ns.{name}.*",
    }


async def _batch(nc: Client, messages: list[tuple[str, dict[str, str]]]) -> dict[str, object]:
    batch_id = uuid.uuid4().hex
    answer = None
    for number, (name, headers) in enumerate(messages, start=1):
        batch = {"Nats-Batch-Id": batch_id, "Nats-Batch-Sequence": str(number), **headers}
        if number == len(messages):
            batch["Nats-Batch-Commit"] = "1"
        answer = await _batch_message(nc, f"rollouts.evt.ns.{name}.RolloutAborted", batch)
    assert answer is not None
    return answer


async def test_server_checks_every_rollouts_expectation_in_one_batch(nats_client: Client) -> None:
    """What group commit relies on, and why one rollout never appears twice in a group."""
    js = nats_client.jetstream()
    await ensure_streams(js)

    async def stored() -> int:
        return (await js.stream_info("ROLLOUTS")).state.messages

    first = [("a", _expect("a", 0)), ("a", {}), ("b", _expect("b", 0)), ("c", _expect("c", 0))]
    assert (await _batch(nats_client, first))["seq"] == 4
    stale_b = [("a", _expect("a", 2)), ("b", _expect("b", 0)), ("c", _expect("c", 4))]
    refused = await _batch(nats_client, stale_b)
    assert refused["error"] == {
        "code": 400,
        "err_code": 10071,
        "description": "wrong last sequence: 3",
    }
    assert await stored() == 4  # nothing of the other rollouts was kept
    fresh = [("a", _expect("a", 2)), ("b", _expect("b", 3)), ("b", {}), ("c", _expect("c", 4))]
    assert (await _batch(nats_client, fresh))["seq"] == 8
    chained = [("a", _expect("a", 5)), ("a", _expect("a", 9))]
    assert (await _batch(nats_client, chained))["error"]["err_code"] == 10071  # type: ignore[index]
    same_version = [("a", _expect("a", 5)), ("a", _expect("a", 5))]
    assert (await _batch(nats_client, same_version))["seq"] == 10  # both pass: never group them
    headers = (await js.get_msg("ROLLOUTS", 5)).headers or {}
    assert headers["Nats-Batch-Sequence"] == "1"  # batch headers are stored with the message


async def test_concurrent_appends_share_batches(nats_client: Client) -> None:
    await ensure_streams(nats_client.jetstream())
    store = JetStreamEventStore(nats_client.jetstream())
    names = [f"r{i}" for i in range(200)]
    versions = dict.fromkeys(names, 0)

    async def decide(name: str, step: int) -> None:
        events = [aborted(f"{name}-{step}-{k}") for k in range(1 + step % 3)]
        versions[name] = await store.append("ns", name, events, expected_version=versions[name])

    for step in range(3):
        await asyncio.gather(*(decide(name, step) for name in names))
    assert store.batches_sent <= 3 * 3  # a few groups per round, not one batch per decision
    for name in names[::20]:
        loaded = await store.load("ns", name)
        assert [s.rollout_sequence for s in loaded] == list(range(1, 7))
        assert loaded[-1].stream_sequence == versions[name]
        assert [s.event.cause for s in loaded][-3:] == [f"{name}-2-{k}" for k in range(3)]
    assert await store.last_sequence() == 200 * 6


async def test_a_group_that_is_never_committed_stores_nothing(
    process_server: NatsServer,
) -> None:
    """Crash safety: the process dies after staging a group's messages, before the commit."""
    nc = await connect(process_server)
    await ensure_streams(nc.jetstream())
    store = JetStreamEventStore(nc.jetstream(), timeout=1.0)
    committer = store._committer
    original = committer._send

    async def crash_at_commit(
        subject: str, data: bytes, headers: dict[str, str], last: bool
    ) -> dict[str, object] | None:
        if last:
            await nc.flush()
            await nc.close()
            raise ConnectionError("the process died")
        return await original(subject, data, headers, last)

    committer._send = crash_at_commit
    outcomes = await asyncio.gather(
        *(
            store.append("ns", f"r{i}", [aborted("a"), aborted("b")], expected_version=0)
            for i in range(10)
        ),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes), outcomes
    other = await connect(process_server)
    try:
        await asyncio.sleep(0.2)
        assert (await other.jetstream().stream_info("ROLLOUTS")).state.messages == 0
        retry = JetStreamEventStore(other.jetstream())
        assert await retry.append("ns", "r3", [aborted("a"), aborted("b")], expected_version=0) == 2
    finally:
        await other.close()


async def test_a_retry_inside_a_group_gets_its_first_outcome(nats_client: Client) -> None:
    """A decision appended again (its outcome was lost) shares a group with new decisions: the
    group is refused, split, the retry answers with where the first attempt landed, and the
    new decisions commit."""
    await ensure_streams(nats_client.jetstream())
    store = JetStreamEventStore(nats_client.jetstream())
    first = [aborted("x-1"), aborted("x-2")]
    landed = await store.append("ns", "x", first, expected_version=0)
    outcomes = await asyncio.gather(
        store.append("ns", "x", first, expected_version=0),
        *(store.append("ns", f"n{i}", [aborted(f"n{i}")], expected_version=0) for i in range(9)),
    )
    assert outcomes[0] == landed == 2
    assert sorted(outcomes[1:]) == list(range(3, 12))
    assert [s.event.cause for s in await store.load("ns", "x")] == ["x-1", "x-2"]
