"""ReplicaSets of the local platform as real servers: readiness, scaling, answers, errors."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from adapters.local import LocalPlatform
from rollouts.ports import PortError, ReplicaSetStatus, RolloutRef
from tests.integration.local.conftest import DEMO, READY_DELAY, STABLE, ready, spec

pytestmark = pytest.mark.integration


def counts(status: ReplicaSetStatus) -> tuple[int, int, int]:
    return status.replicas, status.ready_replicas, status.available_replicas


async def refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        _, writer = await asyncio.open_connection(host, int(port))
    except ConnectionRefusedError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_three_pods_become_ready_after_the_delay(platform: LocalPlatform) -> None:
    stream = platform.statuses()
    loop = asyncio.get_running_loop()
    began = loop.time()
    await platform.scale(spec(STABLE, 3))
    first = await asyncio.wait_for(anext(stream), 2)
    assert counts(first) == (3, 0, 0)
    while counts(status := await asyncio.wait_for(anext(stream), 2)) != (3, 3, 3):
        assert status.replicas == 3
    assert loop.time() - began >= READY_DELAY
    assert len(platform.ready_pods(DEMO, STABLE)) == 3


async def test_min_ready_seconds_delays_availability(platform: LocalPlatform) -> None:
    stream = platform.statuses()
    await platform.scale(spec(STABLE, 1, min_ready_seconds=1))
    seen: list[ReplicaSetStatus] = []
    async with asyncio.timeout(3):
        async for status in stream:
            seen.append(status)
            if status.available_replicas == 1:
                break
    assert [counts(status) for status in seen] == [(1, 0, 0), (1, 1, 0), (1, 1, 1)]
    assert (seen[2].observed_at - seen[1].observed_at).total_seconds() >= 0.9


async def test_a_pod_says_who_it_is(platform: LocalPlatform, client: httpx.AsyncClient) -> None:
    await ready(platform, spec(STABLE, 1, "registry:5000/demo:v1", version="stable"))
    pod = platform.ready_pods(DEMO, STABLE)[0]
    answer = await client.post(f"{pod.url}/any/path?x=1", content=b"ignored")
    assert answer.status_code == 200
    assert answer.headers["X-Version"] == "registry:5000/demo:v1"
    assert answer.json() == {
        "rollout": "demo",
        "namespace": "default",
        "revision": 1,
        "pod_template_hash": STABLE,
        "image": "registry:5000/demo:v1",
        "version": "stable",
        "pod": pod.name,
    }


async def test_scale_down_stops_the_removed_pods(platform: LocalPlatform) -> None:
    await ready(platform, spec(STABLE, 3))
    urls = [pod.url for pod in platform.ready_pods(DEMO, STABLE)]
    await platform.scale(spec(STABLE, 1))
    kept = [pod.url for pod in platform.ready_pods(DEMO, STABLE)]
    assert kept == urls[:1]  # the newest pods go first
    assert [await refused(url) for url in urls] == [False, True, True]


async def test_delete_stops_every_pod(platform: LocalPlatform) -> None:
    await ready(platform, spec(STABLE, 2))
    urls = [pod.url for pod in platform.ready_pods(DEMO, STABLE)]
    await platform.delete(DEMO, STABLE)
    assert platform.ready_pods(DEMO, STABLE) == ()
    assert [await refused(url) for url in urls] == [True, True]


async def test_scaling_up_again_adds_pods_without_restarting_the_others(
    platform: LocalPlatform,
) -> None:
    await ready(platform, spec(STABLE, 1))
    first = platform.ready_pods(DEMO, STABLE)[0]
    await ready(platform, spec(STABLE, 3))
    pods = platform.ready_pods(DEMO, STABLE)
    assert pods[0] is first
    assert len({pod.url for pod in pods}) == 3


async def test_a_template_without_image_is_refused(platform: LocalPlatform) -> None:
    broken = spec(STABLE, 1)
    object.__setattr__(broken, "template", {"spec": {"containers": []}})
    with pytest.raises(PortError, match=r"containers\[0\]\.image"):
        await platform.scale(broken)


async def test_ports_refuse_to_work_before_start() -> None:
    platform = LocalPlatform()
    with pytest.raises(PortError, match="not started"):
        await platform.scale(spec(STABLE, 1))


async def test_a_busy_metrics_port_is_a_port_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        platform = LocalPlatform(metrics_port=taken.getsockname()[1])
        with pytest.raises(PortError, match="metrics endpoint could not listen"):
            await platform.start()


async def test_set_pod_labels_needs_an_existing_replicaset(platform: LocalPlatform) -> None:
    with pytest.raises(PortError, match="no ReplicaSet"):
        platform.set_pod_labels(RolloutRef("default", "ghost"), STABLE, {"version": "x"})
