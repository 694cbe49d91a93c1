"""Start and stop: nothing listens before start, nothing is left listening or running after."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from adapters.local import LoadGenerator, LocalPlatform
from adapters.workers.traffic import route_spec
from rollouts.ports import ManagedRoute, WeightRequest
from tests.integration.local.conftest import CANARY, DEMO, STABLE, ready, spec
from tests.integration.local.test_replicasets import refused

pytestmark = pytest.mark.integration


async def test_stop_closes_every_server_and_task(client: httpx.AsyncClient) -> None:
    platform = LocalPlatform(ready_delay=0.05)
    await platform.start()
    platform.set_behaviour("demo:canary2", latency=5.0)
    await ready(platform, spec(STABLE, 2), spec(CANARY, 1))
    await platform.set_weight(WeightRequest(DEMO, 0, 100, CANARY, STABLE))
    mirror = {"name": "shadow", "match": [{"path": {"prefix": "/"}}]}
    await platform.set_route(ManagedRoute(DEMO, "shadow", "mirror", route_spec("mirror", mirror)))
    await client.get(platform.proxy_url(DEMO))  # leaves a slow mirror copy in flight
    pods = [pod.url for h in (STABLE, CANARY) for pod in platform.ready_pods(DEMO, h)]
    urls = [platform.proxy_url(DEMO), platform.metrics_url().removesuffix("/metrics"), *pods]
    await platform.stop()
    assert [await refused(url) for url in urls] == [True] * len(urls)
    await platform.stop()  # twice is fine


async def test_load_generator_drives_real_traffic(platform: LocalPlatform) -> None:
    await ready(platform, spec(STABLE, 2), spec(CANARY, 1))
    await platform.set_weight(WeightRequest(DEMO, 10, 90, CANARY, STABLE))
    url = platform.proxy_url(DEMO)
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with LoadGenerator(url, rps=400, max_requests=200) as load:
        await load.wait()
    assert loop.time() - began >= 199 / 400
    assert load.sent == load.answered == 200
    assert load.by_version() == {"demo:stable1": 180, "demo:canary2": 20}
    assert load.by_status() == {200: 200}


async def test_load_generator_stops_on_request(platform: LocalPlatform) -> None:
    platform.set_behaviour("demo:stable1", latency=0.05)
    await ready(platform, spec(STABLE, 1))
    load = LoadGenerator(platform.proxy_url(DEMO), rps=200, headers={"X-Beta": "yes"})
    loop = asyncio.get_running_loop()
    began = loop.time()
    await load.start()
    async with asyncio.timeout(10):  # a loaded machine may give the pacer few turns
        while load.sent < 10:
            await asyncio.sleep(0.01)
    await load.stop()
    sent = load.sent
    assert sent <= (loop.time() - began) * 200 + 1, "the pacer ran ahead of its rate"
    await asyncio.sleep(0.1)
    assert load.sent == sent


async def test_load_generator_counts_unanswered_requests() -> None:
    async with LoadGenerator("http://127.0.0.1:9/", rps=100, max_requests=3) as load:
        await load.wait()
    assert load.counts == {("-", 0): 3}
