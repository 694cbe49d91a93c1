"""KubernetesPlatform.statuses(): the ReplicaSet watch, its resumption, relists and recovery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from adapters.kubernetes import POD_TEMPLATE_HASH, ROLLOUT_LABEL, KubernetesPlatform
from rollouts.ports import ReplicaSetSpec, ReplicaSetStatus, RolloutRef
from tests.support.kube import FakeKube, api_client_for
from tests.support.kube_http import WatchSettings
from tests.support.kube_objects import replica_set, rollout

pytestmark = pytest.mark.integration
DEMO = RolloutRef("default", "demo")
WITHIN = 3.0
Counts = tuple[int, int, int]


def spec(replicas: int, pod_hash: str = "abc123", rollout_ref: RolloutRef = DEMO) -> ReplicaSetSpec:
    template = {"metadata": {"labels": {"app": rollout_ref.name}}, "spec": {"containers": []}}
    return ReplicaSetSpec(rollout_ref, pod_hash, 1, replicas, template)


def counts(status: ReplicaSetStatus) -> Counts:
    return status.replicas, status.ready_replicas, status.available_replicas


async def until(
    stream: AsyncIterator[ReplicaSetStatus], wanted: Callable[[ReplicaSetStatus], bool]
) -> list[ReplicaSetStatus]:
    seen: list[ReplicaSetStatus] = []
    async with asyncio.timeout(WITHIN):
        async for status in stream:
            seen.append(status)
            if wanted(status):
                return seen
    raise AssertionError(f"stream ended; saw {seen}")


def reaches(pod_hash: str, wanted: Counts) -> Callable[[ReplicaSetStatus], bool]:
    return lambda status: status.pod_template_hash == pod_hash and counts(status) == wanted


async def nothing_more(stream: AsyncIterator[ReplicaSetStatus], wait: float = 0.2) -> None:
    with pytest.raises(TimeoutError):
        extra = await asyncio.wait_for(anext(stream), wait)
        pytest.fail(f"unexpected status {extra}")


@pytest.fixture
async def platform(kube_client: ApiClient) -> AsyncIterator[KubernetesPlatform]:
    async with KubernetesPlatform(kube_client, retry_delay=0.02) as started:
        yield started


async def test_statuses_name_the_rollout_from_owner_or_label(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    fake_kube.create(rollout("owned"))
    stream = platform.statuses()
    owned, labelled = RolloutRef("default", "owned"), RolloutRef("team-b", "labelled")
    await platform.scale(spec(1, "h1", owned))
    await platform.scale(spec(1, "h2", labelled))
    ready: set[RolloutRef] = set()

    def both_ready(status: ReplicaSetStatus) -> bool:
        if status.ready_replicas == 1:
            ready.add(status.rollout)
        return ready == {owned, labelled}

    seen = await until(stream, both_ready)
    assert {(s.rollout, s.pod_template_hash) for s in seen} == {(owned, "h1"), (labelled, "h2")}
    rs = fake_kube.get("replicasets", "team-b", "labelled-h2")
    assert rs is not None and rs["metadata"]["labels"][ROLLOUT_LABEL] == "labelled"
    assert "ownerReferences" not in rs["metadata"]


async def test_replica_sets_of_no_rollout_are_ignored(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    stream = platform.statuses()
    fake_kube.create(replica_set("plain"))
    fake_kube.create(replica_set("anonymous", labels={"app": "x", POD_TEMPLATE_HASH: "h"}))
    deployed = replica_set(
        "deployed", labels={"app": "y", POD_TEMPLATE_HASH: "h", ROLLOUT_LABEL: "y"}
    )
    deployed["metadata"]["ownerReferences"] = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "y", "uid": "u", "controller": True}
    ]
    fake_kube.create(deployed)
    await platform.scale(spec(1))
    await until(stream, reaches("abc123", (1, 1, 1)))
    await nothing_more(stream)


async def test_counts_wait_until_the_controller_observed_the_spec() -> None:
    async with (
        FakeKube(simulate_replicasets=False) as fake,
        api_client_for(fake.url) as api_client,
        KubernetesPlatform(api_client) as platform,
    ):
        stream = platform.statuses()
        await platform.scale(spec(2))
        await nothing_more(stream)
        fake.set_status("replicasets", "default", "demo-abc123", {"replicas": 1})
        await nothing_more(stream)
        status = {"replicas": 2, "readyReplicas": 1, "observedGeneration": 1}
        fake.set_status("replicasets", "default", "demo-abc123", status)
        first = await asyncio.wait_for(anext(stream), WITHIN)
        assert counts(first) == (2, 1, 0)
        await platform.scale(spec(3))
        await nothing_more(stream)


async def test_a_dropped_watch_resumes_from_the_last_version(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    stream = platform.statuses()
    await platform.scale(spec(1))
    await until(stream, reaches("abc123", (1, 1, 1)))
    version = str(fake_kube.resource_version)
    fake_kube.end_watches()
    await platform.scale(spec(2))
    await until(stream, reaches("abc123", (2, 2, 2)))
    watches = fake_kube.requests_for("watch", "replicasets")
    assert len(watches) == 2 and watches[1].query["resourceVersion"] == version
    assert len(fake_kube.requests_for("list", "replicasets")) == 1


async def test_the_watch_is_reopened_when_the_server_times_it_out(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    async with KubernetesPlatform(kube_client, watch_timeout=1) as platform:
        stream = platform.statuses()
        await asyncio.sleep(1.3)
        await platform.scale(spec(1))
        await until(stream, reaches("abc123", (1, 1, 1)))
    watches = fake_kube.requests_for("watch", "replicasets")
    assert len(watches) >= 2 and all(w.query["timeoutSeconds"] == "1" for w in watches)
    assert all(w.query["allowWatchBookmarks"] == "True" for w in watches)


async def test_410_gone_relists_and_reports_what_vanished(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    stream = platform.statuses()
    await platform.scale(spec(1, "keep"))
    await platform.scale(spec(1, "lost"))
    await until(stream, reaches("keep", (1, 1, 1)))
    await until(stream, reaches("lost", (1, 1, 1)))
    fake_kube.end_watches()
    fake_kube.delete("replicasets", "default", "demo-lost")
    fake_kube.compact()
    seen = await until(stream, reaches("lost", (0, 0, 0)))
    assert [s.pod_template_hash for s in seen] == ["lost"]
    assert len(fake_kube.requests_for("list", "replicasets")) == 2
    await platform.scale(spec(2, "keep"))
    await until(stream, reaches("keep", (2, 2, 2)))


@pytest.mark.parametrize("as_event", [True, False])
async def test_both_forms_of_410_lead_to_a_relist(as_event: bool) -> None:
    async with (
        FakeKube(watch=WatchSettings(expired_as_event=as_event)) as fake,
        api_client_for(fake.url) as api_client,
        KubernetesPlatform(api_client) as platform,
    ):
        stream = platform.statuses()
        await platform.scale(spec(1))
        await until(stream, reaches("abc123", (1, 1, 1)))
        fake.end_watches()
        fake.create(replica_set("noise"))
        fake.compact()
        await platform.scale(spec(2))
        await until(stream, reaches("abc123", (2, 2, 2)))
        assert len(fake.requests_for("list", "replicasets")) == 2


async def test_an_expired_event_mid_stream_relists(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    stream = platform.statuses()
    await platform.scale(spec(1))
    await until(stream, reaches("abc123", (1, 1, 1)))
    fake_kube.end_watches(expired=True)
    await platform.scale(spec(3))
    await until(stream, reaches("abc123", (3, 3, 3)))
    assert len(fake_kube.requests_for("list", "replicasets")) == 2


async def test_watch_failures_back_off_and_recover(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    stream = platform.statuses()
    await platform.scale(spec(1))
    await until(stream, reaches("abc123", (1, 1, 1)))
    fault = fake_kube.fail_next(500, times=3, verbs={"watch"})
    fake_kube.end_watches()
    await platform.scale(spec(2))
    await until(stream, reaches("abc123", (2, 2, 2)))
    assert fault.hits == 3
    assert len(fake_kube.requests_for("watch")) == 5


async def test_the_platform_survives_an_api_server_restart(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    stream = platform.statuses()
    await platform.scale(spec(1))
    await until(stream, reaches("abc123", (1, 1, 1)))
    await fake_kube.stop()
    await asyncio.sleep(0.1)
    await fake_kube.start()
    await platform.scale(spec(2))
    await until(stream, reaches("abc123", (2, 2, 2)))


async def test_only_the_watched_namespaces_are_reported(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    async with KubernetesPlatform(kube_client, namespaces=["team-b"]) as platform:
        stream = platform.statuses()
        await platform.scale(spec(1))
        await platform.scale(spec(1, "other", RolloutRef("team-b", "demo")))
        seen = await until(stream, reaches("other", (1, 1, 1)))
        await nothing_more(stream)
    assert {s.rollout.namespace for s in seen} == {"team-b"}
    paths = {r.path for r in fake_kube.requests_for("watch")}
    assert paths == {"/apis/apps/v1/namespaces/team-b/replicasets"}


async def test_namespace_of_maps_statuses_back_to_the_rollout(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    async with KubernetesPlatform(kube_client, namespace_of=lambda ref: "cluster-ns") as platform:
        stream = platform.statuses()
        await platform.scale(spec(1))
        (status, *_) = await until(stream, reaches("abc123", (1, 1, 1)))
    assert status.rollout == DEMO


async def test_stop_then_start_again_keeps_reporting(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    await platform.scale(spec(1))
    await until(platform.statuses(), reaches("abc123", (1, 1, 1)))
    await platform.stop()
    ended: list[Any] = [s async for s in platform.statuses()]
    await platform.start()
    stream = platform.statuses()
    first = await asyncio.wait_for(anext(stream), WITHIN)
    assert counts(first) == (1, 1, 1) and len(ended) == 1
    await platform.scale(spec(2))
    await until(stream, reaches("abc123", (2, 2, 2)))
