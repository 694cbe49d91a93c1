"""Replicated streams on a real three-server JetStream cluster (issue 10).

The replica count is a setting the stream owners apply at connect, in place, to every stream
and bucket of ours. With three copies, a server SIGKILLed in the middle of 50 rollouts, any one
or the event stream's leader, loses and duplicates nothing: the controller and the workers
reconnect to the others and keep deciding, and the restarted server catches up.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError

from adapters.runtime.connect import connect
from adapters.runtime.leases import open_bucket
from adapters.runtime.replication import PROJECT_PREFIXES
from adapters.runtime.settings import Settings, SettingsError, settings_from_env
from adapters.runtime.templates import KvTemplateStore
from events.store import EventStoreError
from events.streams import EVENTS_STREAM, INPUTS_STREAM
from rollouts.state import RolloutState
from tests.integration.runtime.harness import (
    ControllerProcess,
    System,
    decisions_are_contiguous,
    outcome,
)
from tests.support.nats_cluster import NatsCluster
from tests.support.seeds import seeded_random

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROLLOUTS = [f"app-{i}" for i in range(50)]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    with NatsCluster(tmp_path / "cluster") as running:
        yield running


def replicated(settings: Settings, replicas: int) -> Settings:
    return settings.model_copy(
        update={"nats": settings.nats.model_copy(update={"replicas": replicas})}
    )


async def our_replicas(url: str) -> dict[str, int]:
    nc = await nats.connect(url.split(","))
    try:
        infos = await nc.jetstream().streams_info()
    finally:
        await nc.close()
    return {
        i.config.name or "": i.config.num_replicas or 1
        for i in infos
        if (i.config.name or "").startswith(PROJECT_PREFIXES)
    }


def test_the_replica_count_is_a_checked_setting() -> None:
    assert settings_from_env({"ROLLOUTS_NATS_REPLICAS": "3"}).nats.replicas == 3
    assert settings_from_env({}).nats.replicas == 1
    for bad in ("0", "6", "three", ""):
        with pytest.raises(SettingsError, match=f"ROLLOUTS_NATS_REPLICAS .* \\(got '{bad}'\\)"):
            settings_from_env({"ROLLOUTS_NATS_REPLICAS": bad})


async def test_an_existing_deployment_is_raised_to_three_copies_in_place(
    cluster: NatsCluster, tmp_path: Path
) -> None:
    await cluster.wait_for_jetstream()
    settings = Settings(data_dir=tmp_path).model_copy(
        update={"nats": Settings(data_dir=tmp_path).nats.model_copy(update={"url": cluster.url})}
    )
    single = await connect(settings, identity="controller")
    await open_bucket(single.js, 6.0)
    await single.close()
    before = await our_replicas(cluster.url)
    assert set(before.values()) == {1} and "KV_ROLLOUT_LEASES" in before

    triple = await connect(replicated(settings, 3), identity="controller")
    try:
        await KvTemplateStore(triple.js).list()  # a bucket created after the change
        consumer = await triple.js.add_consumer(INPUTS_STREAM, durable_name="probe")
    finally:
        await triple.close()
    after = await our_replicas(cluster.url)
    assert after == dict.fromkeys([*before, "KV_ROLLOUT_TEMPLATES"], 3)
    assert consumer.cluster is not None and len(consumer.cluster.replicas or []) == 2

    reader = await connect(replicated(settings, 1), identity="cli")  # not a stream owner
    await reader.close()
    assert await our_replicas(cluster.url) == after


class Appended:
    """When the controller appends events, seen from a connection of its own."""

    def __init__(self) -> None:
        self.times: list[float] = []

    async def record(self, msg: Msg) -> None:
        self.times.append(time.monotonic())

    def longest_pause_after(self, moment: float, until: float) -> float:
        """The longest stretch with no event appended, from `moment` to `until`."""
        times = [moment, *(t for t in self.times if moment < t < until), until]
        return max(later - earlier for earlier, later in itertools.pairwise(times))


async def caught_up(cluster: NatsCluster, name: str, timeout: float = 60.0) -> float:
    """Seconds until `name` is a current replica of both streams again."""
    began = time.monotonic()
    nc = await nats.connect(cluster.url.split(","))
    try:
        while time.monotonic() - began < timeout:
            current = []
            for stream in (EVENTS_STREAM, INPUTS_STREAM):
                info = await nc.jetstream().stream_info(stream)
                peers = info.cluster.replicas if info.cluster else None
                current += [bool(p.current and not p.lag) for p in peers or [] if p.name == name]
                current += [info.cluster is not None and info.cluster.leader == name]
            if sum(current) == 2:
                return time.monotonic() - began
            await asyncio.sleep(0.2)
    finally:
        await nc.close()
    raise AssertionError(f"{name} did not catch up in {timeout} s")


async def settled(system: System, revision: int, timeout: float = 180.0) -> dict[str, RolloutState]:
    """`wait_all`, where a read may time out or meet a 503 while the client moves to another
    server or the stream elects a leader: the reader asks again, the deciding is under test."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await system.wait_all(ROLLOUTS, revision, max(1.0, deadline - time.monotonic()))
        except (NatsTimeoutError, EventStoreError):
            if time.monotonic() > deadline:
                raise


async def stream_leader(cluster: NatsCluster) -> str:
    nc = await nats.connect(cluster.url.split(","))
    try:
        info = await nc.jetstream().stream_info(EVENTS_STREAM)
    finally:
        await nc.close()
    assert info.cluster is not None and info.cluster.leader
    return info.cluster.leader


@pytest.mark.parametrize("victim", ["any", "leader"])
async def test_a_server_killed_mid_rollouts_loses_and_duplicates_nothing(
    cluster: NatsCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, victim: str
) -> None:
    await cluster.wait_for_jetstream()
    monkeypatch.setenv("ROLLOUTS_NATS_REPLICAS", "3")  # the controller process reads it
    system = System(cluster.url, tmp_path / "data")
    system.settings = replicated(system.settings, 3)
    controller = ControllerProcess(cluster.url, tmp_path / "controller.log")
    appended = Appended()
    watcher = await nats.connect(cluster.url.split(","), max_reconnect_attempts=-1)
    await watcher.subscribe("rollouts.evt.>", cb=appended.record)
    await system.start()
    await asyncio.to_thread(controller.start)
    try:
        for name in ROLLOUTS:
            await system.apply(name, "demo:v1")
        await settled(system, revision=1)
        seeded = seeded_random("cluster victim")
        leader = await stream_leader(cluster) if victim == "leader" else None
        name = leader or seeded.rng.choice(sorted(cluster.servers))
        for rollout in ROLLOUTS:
            await system.apply(rollout, "demo:v2")
        await asyncio.sleep(seeded.rng.uniform(0.5, 2.0))
        killed_at = time.monotonic()
        cluster.servers[name].kill()
        states = await settled(system, revision=2)
        done_at = time.monotonic()
        pause = appended.longest_pause_after(killed_at, done_at)
        print(
            f"killed {name} ({victim}, {seeded.tag}): 50 rollouts done {done_at - killed_at:.2f} s"
            f" later; longest pause in deciding {pause:.2f} s"
        )
        cluster.servers[name].start()
        print(f"{name} caught up {await caught_up(cluster, name):.2f} s after its restart")
        for rollout in ROLLOUTS:
            history = await system.client.history("default", rollout)  # type: ignore[union-attr]
            assert [s.rollout_sequence for s in history] == list(range(1, len(history) + 1))
            assert decisions_are_contiguous([s.event for s in history]) == [], rollout
        outcomes = {repr(outcome(state)) for state in states.values()}
        assert len(outcomes) == 1, f"rollouts ended differently: {outcomes} ({seeded.tag})"
    finally:
        controller.stop()
        await system.stop()
        await watcher.close()
