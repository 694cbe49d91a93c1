"""An import of 2,600+ events, its importer SIGKILLed at a random point (a child process).

What must hold: killed while staging, `ROLLOUTS` holds none of the file's events and a re-run
succeeds; killed after the commit marker, a re-run of the import, or a controller start,
finishes it with exactly the file's events, in order, none twice; and no worker acts on an
imported rollout meanwhile. Each test prints its seed (replay: ROLLOUTS_TEST_SEED=<seed>).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout

from adapters.history.fences import fenced_rollouts, put_fences
from adapters.history.restore import finish_imports, import_id, import_records
from adapters.history.staging import read_commit, stage, staging_stream, staging_streams
from adapters.history.transfer import ImportRecord, export_line, read_export, rollouts_of
from adapters.runtime.auth import credentials
from events.jetstream import EVENTS_STREAM, JetStreamEventStore, ensure_streams
from tests.integration.history.test_import_fenced import (
    RecordingPlatform,
    Running,
    check_nothing_acted,
    importer,
    running,
)
from tests.support.seeds import seeded_random
from tests.unit.history.histories import canary_abort_retry_promote

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[3]
__all__ = ["importer", "running"]


def big_file(tmp_path: Path) -> tuple[Path, list[ImportRecord]]:
    sims = [canary_abort_retry_promote(f"app-{i}", namespace=f"team-{i % 3}") for i in range(28)]
    lines = [export_line(s) for sim in sims for s in sim.stored()]
    path = tmp_path / "export.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    records = read_export(lines)
    assert len(records) >= 2500
    return path, records


def kill_importer(url: str, data_dir: Path, path: Path, phase: str, at: int) -> int:
    user, password = credentials(data_dir, "admin")
    child = [sys.executable, "-m", "tests.integration.history.import_child"]
    argv = [*child, url, user, password, str(path), phase, str(at)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == -9, done.stdout + done.stderr
    return done.returncode


async def stored_ids(client: Client) -> list[str]:
    return [s.envelope.id for s in await JetStreamEventStore(client.jetstream()).load_all()]


async def check_exactly_the_file(client: Client, records: list[ImportRecord], tag: str) -> None:
    """Every event of the file once, each rollout's history starting with the file's events in
    order; no marker, staging stream or fence left."""
    ids = await stored_ids(client)
    assert [i for i, n in Counter(ids).items() if n > 1] == [], tag
    store = JetStreamEventStore(client.jetstream())
    for rollout in rollouts_of(records):
        mine = [r.envelope.id for r in records if r.rollout == rollout]
        history = [s.envelope.id for s in await store.load(*rollout)]
        assert history[: len(mine)] == mine, (rollout, tag)
    js = client.jetstream()
    assert await read_commit(js, import_id(records)) is None, tag
    assert await staging_streams(js) == [], tag
    assert await fenced_rollouts(js) == set(), tag


async def test_killed_while_staging_nothing_is_in_rollouts_and_a_rerun_succeeds(
    running: Running, importer: Client, tmp_path: Path
) -> None:
    seeded = seeded_random("import killed while staging")
    path, records = big_file(tmp_path)
    at = seeded.rng.randint(1, len(records) + 100)  # fences, staging, read-back, marker
    kill_importer(running.url, tmp_path, path, "stage", at)
    imported = set(rollouts_of(records))
    store = JetStreamEventStore(importer.jetstream())
    assert imported.isdisjoint(await store.rollouts()), seeded.tag
    assert await read_commit(importer.jetstream(), import_id(records)) is None, seeded.tag

    report = await import_records(importer.jetstream(), records)
    assert (report.events, report.resumed) == (len(records), 0), seeded.tag
    await check_exactly_the_file(importer, records, seeded.tag)
    await asyncio.sleep(1.0)  # time for any worker to (wrongly) act on the imported intents
    check_nothing_acted(running, records)


async def test_killed_after_commit_stays_fenced_and_a_rerun_finishes_it(
    running: Running, importer: Client, tmp_path: Path
) -> None:
    seeded = seeded_random("import killed after commit")
    path, records = big_file(tmp_path)
    at = seeded.rng.randint(0, len(records))
    kill_importer(running.url, tmp_path, path, "copy", at)
    js = importer.jetstream()
    assert await read_commit(js, import_id(records)) is not None, seeded.tag
    assert await fenced_rollouts(js) == set(rollouts_of(records)), seeded.tag
    assert len(await stored_ids(importer)) <= len(records), seeded.tag
    await asyncio.sleep(1.0)  # the workers see a partial copy: they must not act on it
    check_nothing_acted(running, records)

    report = await import_records(js, records)
    assert report.events == len(records) and report.resumed <= len(records), seeded.tag
    await check_exactly_the_file(importer, records, seeded.tag)
    await asyncio.sleep(1.0)
    check_nothing_acted(running, records)


async def test_killed_after_commit_the_controller_start_finishes_it(tmp_path: Path) -> None:
    """Workers started without the controller leave it fenced and act on nothing (the scaler's
    resync skips fenced rollouts); a controller start finishes it before its workers start (the
    resync at that start then brings the platform to the imported state, once it is whole)."""
    from adapters.runtime.settings import Settings
    from adapters.workers.app import DEFAULT_WORKERS, create_app

    without_controller = [w for w in DEFAULT_WORKERS if w != "controller"]

    seeded = seeded_random("import finished by a controller start")
    path, records = big_file(tmp_path)
    at = seeded.rng.randint(0, len(records))
    platform = RecordingPlatform()
    await platform.start()
    try:
        for attempt, workers in enumerate([DEFAULT_WORKERS, without_controller, DEFAULT_WORKERS]):
            app = create_app(
                Settings(data_dir=tmp_path),
                workers=workers,
                platform=platform,
                router=platform,
                start_embedded=True,
            )
            await app.start()
            try:
                assert app.connection is not None
                client = app.connection.nc
                if attempt == 0:
                    url = client.connected_url
                    assert url is not None
                    address = f"nats://{url.hostname}:{url.port}"
                    kill_importer(address, tmp_path, path, "copy", at)
                if attempt < 2:  # killed, then workers alone (their resync): it stays fenced
                    assert await read_commit(client.jetstream(), import_id(records)), seeded.tag
                    await asyncio.sleep(1.0)  # the partial copy is visible: nothing may act
                    assert set(rollouts_of(records)).isdisjoint(platform.touched), seeded.tag
                else:  # the controller's start finished it before any input was taken
                    await check_exactly_the_file(client, records, seeded.tag)
            finally:
                await app.stop()
    finally:
        await platform.stop()


async def test_a_staging_left_by_a_killed_importer_goes_at_controller_start(
    nats_client: Client,
) -> None:
    """Once its fences expired (the importer died while staging), finish_imports deletes it."""
    js = nats_client.jetstream()
    await ensure_streams(js)
    records = read_export(export_line(s) for s in canary_abort_retry_promote("lost").stored())
    tag = import_id(records)
    await put_fences(js, rollouts_of(records), tag, lease=0.3)
    await stage(js, tag, records)
    assert await finish_imports(js) == [] and await staging_streams(js) == [tag]  # still live
    await asyncio.sleep(0.4)
    assert await finish_imports(js) == []
    assert await staging_streams(js) == []
    assert await stored_ids(nats_client) == []


async def test_only_stream_admins_delete_a_staging_stream_and_nobody_rollouts(
    running: Running, importer: Client, tmp_path: Path
) -> None:
    """The server refuses (no answer: a permissions violation) a worker's delete of a staging
    stream and anyone's delete of `ROLLOUTS`; the importer deletes its staging stream."""
    records = read_export(export_line(s) for s in canary_abort_retry_promote("perm").stored())
    tag = import_id(records)
    await stage(importer.jetstream(), tag, records)
    user, password = credentials(tmp_path, "scaler")
    scaler = await nats.connect(running.url, user=user, password=password, max_reconnect_attempts=0)
    try:
        with pytest.raises(NatsTimeout):
            await scaler.jetstream(timeout=1).delete_stream(staging_stream(tag))
    finally:
        await scaler.close()
    assert await staging_streams(importer.jetstream()) == [tag]
    with pytest.raises(NatsTimeout):
        await importer.jetstream(timeout=1).delete_stream(EVENTS_STREAM)
    assert await importer.jetstream().delete_stream(staging_stream(tag))
    assert await staging_streams(importer.jetstream()) == []
