"""The local platform's `/stats` endpoint: recent request statistics from its real pods."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.local import LocalPlatform
from adapters.local.stats import RecentRequests
from rollouts.ports import ReplicaSetSpec, RolloutRef

pytestmark = pytest.mark.integration
REF = RolloutRef("default", "shop")


def spec(pod_hash: str, image: str, replicas: int = 1) -> ReplicaSetSpec:
    template = {"spec": {"containers": [{"name": "app", "image": image}]}}
    return ReplicaSetSpec(
        rollout=REF, pod_template_hash=pod_hash, revision=1, replicas=replicas, template=template
    )


@pytest.fixture
async def platform() -> AsyncIterator[LocalPlatform]:
    async with LocalPlatform(ready_delay=0.0) as started:
        yield started


async def test_stats_per_hash_and_version(platform: LocalPlatform) -> None:
    platform.set_behaviour("shop:v1", error_rate=0.0)
    platform.set_behaviour("shop:v2", error_rate=0.3)
    await platform.scale(spec("h1", "shop:v1"))
    await platform.scale(spec("h2", "shop:v2"))
    async with httpx.AsyncClient(trust_env=False, timeout=5.0) as client:
        for pod in (*platform.ready_pods(REF, "h1"), *platform.ready_pods(REF, "h2")):
            for _ in range(20):
                await client.get(pod.url)
        stats = platform.stats_url()
        bad = (await client.get(stats, params={"service": "shop", "hash": "h2"})).json()
        good = (await client.get(stats, params={"service": "shop", "version": "v1"})).json()
        both = (await client.get(stats, params={"service": "shop", "window": "1m"})).json()
        none = (await client.get(stats, params={"service": "other"})).json()
        refused = await client.get(stats, params={"window": "soon"})
    assert bad["requests"] == 20 and bad["errors"] == 6 and bad["errorRate"] == pytest.approx(0.3)
    assert good == {
        "requests": 20,
        "errors": 0,
        "errorRate": 0.0,
        "p99": good["p99"],
        "window": "10s",
    }
    assert 0 <= good["p99"] < 1
    assert both["requests"] == 40 and both["window"] == "1m"
    assert none == {"requests": 0, "errors": 0, "errorRate": None, "p99": None, "window": "10s"}
    assert refused.status_code == 400


def test_old_answers_leave_the_window() -> None:
    now = [100.0]
    recent = RecentRequests(clock=lambda: now[0])
    recent.record("s", "v1", "h", 500, 0.2)
    now[0] = 105.0
    recent.record("s", "v1", "h", 200, 0.1)
    assert recent.stats(window=10)["requests"] == 2
    assert recent.stats(window=3) == {"requests": 1, "errors": 0, "errorRate": 0.0, "p99": 0.1}
    now[0] = 1000.0
    recent.record("s", "v1", "h", 200, 0.1)
    assert recent.stats(window=300)["requests"] == 1
