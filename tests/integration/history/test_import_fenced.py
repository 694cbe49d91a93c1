"""Import into a running system (controller and every worker on the local platform).

Faults are injected into the import midway. What must hold: a failed import with nothing of
it stored leaves nothing behind (not even its fences) and a retry succeeds; a failed import
that stored part of the file keeps its rollouts fenced, the controller decides nothing for
them (a command sent meanwhile waits), and running the same import again finishes it; the
imported histories fold to the source's states; and no worker carries out an imported intent
(no ReplicaSet scaled, no weight set, no analysis run resolved or measured).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from structlog.testing import capture_logs

import events.inputs as inp
from adapters.history.fences import fenced_rollouts
from adapters.history.restore import RestoreError, import_records
from adapters.history.transfer import ImportRecord, export_line, read_export, rollouts_of
from adapters.local import LocalPlatform
from adapters.runtime.auth import credentials
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import Settings
from adapters.workers.app import RolloutsApp, create_app
from events.jetstream import JetStreamEventStore
from events.store import StoredEvent
from rollouts.evolve import fold
from rollouts.ports import ReplicaSetSpec, WeightRequest
from rollouts.state import RolloutState, initial_state
from tests.unit.history.histories import blue_green, canary_abort_retry_promote

pytestmark = pytest.mark.integration


class RecordingPlatform(LocalPlatform):
    """The local platform, remembering which rollouts it was asked to scale or weigh."""

    def __init__(self) -> None:
        super().__init__(ready_delay=0.05)
        self.touched: list[tuple[str, str]] = []

    async def scale(self, spec: ReplicaSetSpec) -> None:
        self.touched.append((spec.rollout.namespace, spec.rollout.name))
        await super().scale(spec)

    async def set_weight(self, request: WeightRequest) -> None:
        self.touched.append((request.rollout.namespace, request.rollout.name))
        await super().set_weight(request)


@dataclass
class Running:
    app: RolloutsApp
    platform: RecordingPlatform
    url: str
    logs: list[MutableMapping[str, Any]] = field(default_factory=list)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    platform = RecordingPlatform()
    await platform.start()
    app = create_app(
        Settings(data_dir=tmp_path), platform=platform, router=platform, start_embedded=True
    )
    with capture_logs() as logs:
        try:
            await app.start()
            assert app.connection is not None and app.connection.nc.connected_url is not None
            url = app.connection.nc.connected_url
            yield Running(app, platform, f"nats://{url.hostname}:{url.port}", logs)
        finally:
            await app.stop()
            await platform.stop()


@pytest.fixture
async def importer(running: Running, tmp_path: Path) -> AsyncIterator[Client]:
    """The importer's own connection, as `rollouts import` would have (its identity: admin)."""
    user, password = credentials(tmp_path, "admin")
    client = await nats.connect(running.url, user=user, password=password, max_reconnect_attempts=0)
    try:
        yield client
    finally:
        await client.close()


def source() -> tuple[list[ImportRecord], dict[tuple[str, str], RolloutState]]:
    sims = [
        canary_abort_retry_promote("web", namespace="edge"),
        blue_green("shop", namespace="payments"),
        canary_abort_retry_promote("api"),
    ]
    stored: list[StoredEvent] = [s for sim in sims for s in sim.stored()]
    records = read_export(export_line(s) for s in stored)
    return records, folded(stored)


def folded(history: list[StoredEvent]) -> dict[tuple[str, str], RolloutState]:
    states: dict[tuple[str, str], RolloutState] = {}
    for stored in history:
        key = (stored.envelope.namespace, stored.envelope.name)
        states[key] = fold(states.get(key) or initial_state(*key), [stored.event])
    return states


async def histories(client: Client, records: list[ImportRecord]) -> dict[Any, list[StoredEvent]]:
    store = JetStreamEventStore(client.jetstream())
    return {rollout: await store.load(*rollout) for rollout in rollouts_of(records)}


def check_nothing_acted(running: Running, records: list[ImportRecord]) -> None:
    imported = set(rollouts_of(records))
    assert not imported & set(running.platform.touched), running.platform.touched
    analysis = [e for e in running.logs if str(e.get("event", "")).startswith("analysis.")]
    assert analysis == []


async def check_replayed(client: Client, records: list[ImportRecord], want: Any) -> None:
    """Each rollout's history starts with exactly the file's events, and folds to the
    source's state (events after them were decided after the fence was lifted)."""
    for rollout, history in (await histories(client, records)).items():
        mine = [r.envelope.id for r in records if r.rollout == rollout]
        assert [s.envelope.id for s in history[: len(mine)]] == mine
        assert folded(history[: len(mine)])[rollout] == want[rollout]


async def test_a_kill_mid_batch_leaves_nothing_and_a_retry_succeeds(
    running: Running, importer: Client
) -> None:
    records, want = source()
    assert len(records) < 1000  # one atomic batch
    sent = 0
    real_publish = importer.publish

    async def dies_midway(subject: str, payload: bytes = b"", **kwargs: Any) -> None:
        """The batch's messages stop halfway (once: the clean-up after it gets through)."""
        nonlocal sent
        sent += 1
        if sent == len(records) // 2:
            raise ConnectionResetError("the connection dropped")
        await real_publish(subject, payload, **kwargs)

    importer.publish = dies_midway  # type: ignore[method-assign,assignment]
    with pytest.raises(RestoreError, match=r"nothing was imported \(the import can be run again\)"):
        await import_records(importer.jetstream(), records)
    importer.publish = real_publish  # type: ignore[method-assign]

    await asyncio.sleep(0.5)
    assert all(history == [] for history in (await histories(importer, records)).values())
    assert await fenced_rollouts(importer.jetstream()) == set()

    report = await import_records(importer.jetstream(), records)
    assert (report.events, report.batches, report.resumed) == (len(records), 1, 0)
    await asyncio.sleep(1.5)  # time for any worker to (wrongly) act on the imported intents
    await check_replayed(importer, records, want)
    check_nothing_acted(running, records)


async def test_a_partial_import_stays_fenced_until_the_same_import_finishes(
    running: Running, importer: Client
) -> None:
    records, want = source()
    target = records[0].rollout
    publish = InputPublisher(importer.jetstream())

    async def fail_at_third(index: int, count: int) -> None:
        if index == 2:
            await publish(*target, inp.Pause(input_id="pause-during-import", actor="eve"))
            await asyncio.sleep(0.5)  # the controller would decide it now, were it not fenced
            raise RuntimeError("injected fault after 2 batches")

    with pytest.raises(RestoreError, match=r"injected fault.*events are stored.*stay fenced"):
        await import_records(
            importer.jetstream(), records, batch_limit=15, before_batch=fail_at_third
        )
    stored = await histories(importer, records)
    written = sum(len(history) for history in stored.values())
    assert 0 < written <= 30
    mine = [r.envelope.id for r in records if r.rollout == target]
    assert [s.envelope.id for s in stored[target]] == mine[: len(stored[target])]
    assert await fenced_rollouts(importer.jetstream()) == set(rollouts_of(records))

    report = await import_records(importer.jetstream(), records, batch_limit=15)
    assert report.resumed == written and report.events == len(records)
    assert await fenced_rollouts(importer.jetstream()) == set()
    await check_replayed(importer, records, want)
    # the command held during the import is decided now, after the imported history
    async with asyncio.timeout(10):
        while True:
            history = (await histories(importer, records))[target]
            causes = [s.envelope.causationid for s in history[len(mine) :]]
            if "pause-during-import" in causes:
                break
            await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    check_nothing_acted(running, records)
