"""Export -> import -> replay on real servers: same ids, same payload bytes, same states."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

import events.models as ev
from adapters.history.restore import ImportReport, RestoreError, export_events, import_records
from adapters.history.transfer import export_line, read_export
from events.jetstream import EVENTS_STREAM, JetStreamEventStore, ensure_streams
from events.store import StoredEvent
from rollouts.evolve import fold
from rollouts.state import RolloutState, initial_state
from tests.support.nats import NatsServer
from tests.unit.history.histories import RecordingSim, blue_green, canary_abort_retry_promote

pytestmark = pytest.mark.integration


def scenarios() -> list[RecordingSim]:
    return [
        canary_abort_retry_promote("demo"),
        blue_green("shop", namespace="payments"),
        canary_abort_retry_promote("web.v2", namespace="edge"),
    ]


async def populate(store: JetStreamEventStore, sims: Sequence[RecordingSim]) -> int:
    """Append every decision as the controller would, the rollouts interleaved."""
    versions: dict[str, int] = {}
    rounds = max(len(sim.decisions) for sim in sims)
    for index in range(rounds):
        for sim in sims:
            if index < len(sim.decisions):
                versions[sim.name] = await store.append(
                    sim.namespace,
                    sim.name,
                    sim.decisions[index],
                    expected_version=versions.get(sim.name, 0),
                )
    return sum(len(sim.decisions) for sim in sims)


@pytest.fixture
async def target() -> AsyncIterator[Client]:
    """A second, empty server to import into."""
    with NatsServer() as server:
        client = await nats.connect(server.url, max_reconnect_attempts=0)
        try:
            await ensure_streams(client.jetstream())
            yield client
        finally:
            await client.close()


def states(history: Sequence[StoredEvent]) -> dict[tuple[str, str], RolloutState]:
    folded: dict[tuple[str, str], RolloutState] = {}
    for stored in history:
        key = (stored.envelope.namespace, stored.envelope.name)
        folded[key] = fold(folded.get(key) or initial_state(*key), [stored.event])
    return folded


def write(path: Path, history: Sequence[StoredEvent]) -> Path:
    path.write_text("".join(export_line(s) + "\n" for s in history), encoding="utf-8")
    return path


async def test_round_trip_keeps_ids_bytes_and_states(
    nats_client: Client, target: Client, tmp_path: Path
) -> None:
    source_js = nats_client.jetstream()
    await ensure_streams(source_js)
    source = JetStreamEventStore(source_js)
    decisions = await populate(source, scenarios())
    exported = await export_events(source, None)
    path = write(tmp_path / "all.jsonl", exported)

    records = read_export(path.read_text(encoding="utf-8").splitlines())
    report = await import_records(target.jetstream(), records)
    assert report == ImportReport(rollouts=3, events=len(exported), decisions=decisions, batches=1)

    imported = await JetStreamEventStore(target.jetstream()).load_all()
    assert [(s.stream_sequence, s.envelope) for s in imported] == [
        (s.stream_sequence, s.envelope) for s in exported
    ]
    for stored in exported:
        original = await source_js.get_msg(EVENTS_STREAM, stored.stream_sequence)
        copy = await target.jetstream().get_msg(EVENTS_STREAM, stored.stream_sequence)
        assert copy.data == original.data and copy.subject == original.subject
        ce = {k: v for k, v in (original.headers or {}).items() if k.startswith("ce-")}
        assert {k: v for k, v in (copy.headers or {}).items() if k.startswith("ce-")} == ce
    assert states(imported) == states(exported)
    assert ("edge", "web.v2") in states(imported)

    # a second export of the copy is the same file, line for line
    again = write(tmp_path / "again.jsonl", imported)
    assert again.read_bytes() == path.read_bytes()


async def test_a_subset_goes_to_other_positions_with_the_same_ids(
    nats_client: Client, target: Client
) -> None:
    source = JetStreamEventStore(nats_client.jetstream())
    await ensure_streams(nats_client.jetstream())
    await populate(source, scenarios())
    shop = await export_events(source, [("payments", "shop")])
    assert {s.envelope.name for s in shop} == {"shop"}
    await import_records(target.jetstream(), read_export(export_line(s) for s in shop))
    copy = JetStreamEventStore(target.jetstream())
    loaded = await copy.load("payments", "shop")
    assert [s.envelope for s in loaded] == [s.envelope for s in shop]
    assert [s.stream_sequence for s in loaded] == list(range(1, len(shop) + 1))
    assert states(loaded) == states(shop)
    # the controller carries on from the imported history with its usual optimistic check
    nudge = ev.ManualPauseChanged(cause="after-import", at=shop[-1].envelope.time, paused=True)
    version = await copy.append("payments", "shop", [nudge], expected_version=len(shop))
    assert version == len(shop) + 1


async def test_import_refuses_rollouts_the_stream_has(nats_client: Client, tmp_path: Path) -> None:
    store = JetStreamEventStore(nats_client.jetstream())
    await ensure_streams(nats_client.jetstream())
    await populate(store, scenarios()[:1])
    before = await store.last_sequence()
    records = read_export(export_line(s) for s in await export_events(store, None))
    with pytest.raises(RestoreError, match=r"already has events of default/demo; import only"):
        await import_records(nats_client.jetstream(), records)
    assert await store.last_sequence() == before


async def test_export_of_an_unknown_rollout_fails(nats_client: Client) -> None:
    store = JetStreamEventStore(nats_client.jetstream())
    await ensure_streams(nats_client.jetstream())
    with pytest.raises(RestoreError, match="no events for default/ghost"):
        await export_events(store, [("default", "ghost")])
