"""Contract of `ReplicaSetPlatform`: every implementation must pass the same tests.

Add an implementation by adding a factory to FACTORIES: a function of the pytest request
returning an async context manager that yields a started platform whose pods become ready
within READY_WITHIN seconds. The Services `demo-stable` and `demo-canary` exist in `default`.

Kubernetes runs twice: against the fake API server (tests/support/kube.py, always) and against
k3s in a container (`cluster` marker; skipped where no Docker engine answers).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from adapters.kubernetes import KubernetesPlatform
from adapters.local import InMemoryPlatform, LocalPlatform
from rollouts.ports import (
    PortError,
    ReplicaSetPlatform,
    ReplicaSetSpec,
    ReplicaSetStatus,
    RolloutRef,
)
from tests.support.kube import FakeKube, api_client_for
from tests.support.kube_cluster import (
    RunnablePlatform,
    cluster_api_client,
    delete_rollout_replicasets,
    ensure,
    k3s_kubeconfig,  # noqa: F401
)

READY_WITHIN = 3.0
DEMO = RolloutRef("default", "demo")
OTHER = RolloutRef("team-b", "demo")


def service(name: str, namespace: str = "default") -> dict[str, Any]:
    metadata = {"name": name, "namespace": namespace}
    spec = {"selector": {"app": "demo"}, "ports": [{"port": 80}]}
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


SERVICES = [service("demo-stable"), service("demo-canary")]


@asynccontextmanager
async def in_memory(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    platform = InMemoryPlatform()
    await platform.start()
    try:
        yield platform
    finally:
        await platform.stop()


@asynccontextmanager
async def local(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    async with LocalPlatform(ready_delay=0.05) as platform:
        yield platform


@asynccontextmanager
async def kubernetes(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    async with FakeKube(ready_delay=0.05) as kube, api_client_for(kube.url) as api_client:
        for manifest in SERVICES:
            kube.create(manifest)
        async with KubernetesPlatform(api_client, retry_delay=0.05) as platform:
            yield platform


@asynccontextmanager
async def cluster(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    kubeconfig = request.getfixturevalue("k3s_kubeconfig")
    request.getfixturevalue("monkeypatch").setattr(sys.modules[__name__], "READY_WITHIN", 120.0)
    async with cluster_api_client(kubeconfig) as api_client:
        other = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": OTHER.namespace}}
        await ensure(api_client, other)
        for manifest in SERVICES:
            await ensure(api_client, manifest)
        try:
            async with KubernetesPlatform(api_client) as platform:
                yield RunnablePlatform(platform)
        finally:
            for namespace in (DEMO.namespace, OTHER.namespace):
                await delete_rollout_replicasets(api_client, namespace)


Factory = Callable[[pytest.FixtureRequest], AbstractAsyncContextManager[Any]]
FACTORIES = [
    pytest.param(in_memory, id="memory"),
    pytest.param(local, id="local", marks=pytest.mark.integration),
    pytest.param(kubernetes, id="kubernetes", marks=pytest.mark.integration),
    pytest.param(cluster, id="cluster", marks=[pytest.mark.integration, pytest.mark.cluster]),
]


@pytest.fixture(params=FACTORIES)
async def platform(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    factory: Factory = request.param
    async with factory(request) as started:
        yield started


def spec(replicas: int, pod_hash: str = "abc123", rollout: RolloutRef = DEMO) -> ReplicaSetSpec:
    template = {"spec": {"containers": [{"name": "app", "image": f"demo:{pod_hash}"}]}}
    return ReplicaSetSpec(rollout, pod_hash, 1, replicas, template)


async def until(
    stream: AsyncIterator[ReplicaSetStatus], pod_hash: str, counts: tuple[int, int, int]
) -> list[ReplicaSetStatus]:
    """Statuses of `pod_hash` read until one has these (replicas, ready, available) counts."""
    seen: list[ReplicaSetStatus] = []

    async def read() -> None:
        async for status in stream:
            if status.pod_template_hash != pod_hash:
                continue
            seen.append(status)
            if (status.replicas, status.ready_replicas, status.available_replicas) == counts:
                return
        raise AssertionError(f"stream ended before {counts}; saw {seen}")

    await asyncio.wait_for(read(), READY_WITHIN)
    return seen


async def nothing_more(stream: AsyncIterator[ReplicaSetStatus], wait: float = 0.2) -> None:
    with pytest.raises(TimeoutError):
        extra = await asyncio.wait_for(anext(stream), wait)
        pytest.fail(f"unexpected status {extra}")


def test_implements_the_port(platform: Any) -> None:
    assert isinstance(platform, ReplicaSetPlatform)


async def test_scaled_replicaset_becomes_ready(platform: Any) -> None:
    stream = platform.statuses()
    await platform.scale(spec(3))
    seen = await until(stream, "abc123", (3, 3, 3))
    assert all(status.replicas == 3 for status in seen)
    assert all(status.rollout == DEMO for status in seen)


async def test_scaling_to_the_same_count_again_changes_nothing(platform: Any) -> None:
    stream = platform.statuses()
    await platform.scale(spec(2))
    await until(stream, "abc123", (2, 2, 2))
    await platform.scale(spec(2))
    await nothing_more(stream)


async def test_scale_down_reports_the_smaller_count(platform: Any) -> None:
    stream = platform.statuses()
    await platform.scale(spec(3))
    await until(stream, "abc123", (3, 3, 3))
    await platform.scale(spec(1))
    assert (await until(stream, "abc123", (1, 1, 1)))[0].replicas == 1


async def test_delete_reports_zero_and_forgets_the_replicaset(platform: Any) -> None:
    stream = platform.statuses()
    await platform.scale(spec(2))
    await until(stream, "abc123", (2, 2, 2))
    await platform.delete(DEMO, "abc123")
    await until(stream, "abc123", (0, 0, 0))
    late = platform.statuses()
    await nothing_more(late)
    await platform.delete(DEMO, "abc123")  # deleting what is gone is not an error


async def test_new_subscriber_starts_with_the_current_state(platform: Any) -> None:
    stream = platform.statuses()
    await platform.scale(spec(2))
    await until(stream, "abc123", (2, 2, 2))
    late = platform.statuses()
    first = await asyncio.wait_for(anext(late), READY_WITHIN)
    assert (first.pod_template_hash, first.replicas, first.ready_replicas) == ("abc123", 2, 2)


async def test_every_subscriber_sees_every_change(platform: Any) -> None:
    streams = [platform.statuses(), platform.statuses()]
    await platform.scale(spec(1))
    for stream in streams:
        await until(stream, "abc123", (1, 1, 1))


async def test_rollouts_are_kept_apart(platform: Any) -> None:
    stream = platform.statuses()
    await platform.scale(spec(2, rollout=DEMO))
    await platform.scale(spec(1, rollout=OTHER))
    seen: dict[RolloutRef, int] = {}
    async with asyncio.timeout(READY_WITHIN):
        async for status in stream:
            seen[status.rollout] = status.ready_replicas
            if seen == {DEMO: 2, OTHER: 1}:
                break
    assert seen == {DEMO: 2, OTHER: 1}


async def test_switch_service_is_accepted_for_any_replicaset(platform: Any) -> None:
    await platform.scale(spec(1))
    await platform.switch_service(DEMO, "demo-stable", "abc123")
    await platform.switch_service(DEMO, "demo-canary", "not-created-yet")


async def test_negative_replicas_are_refused(platform: Any) -> None:
    with pytest.raises(PortError, match="negative"):
        await platform.scale(spec(-1))


async def test_stop_ends_the_status_streams(platform: Any) -> None:
    stream = platform.statuses()
    await platform.stop()
    async with asyncio.timeout(READY_WITHIN):
        rest = [status async for status in stream]
    assert rest == []
