"""Per-version behaviour (injected errors and latency) and the Prometheus metrics it produces."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.local import LocalPlatform
from rollouts.ports import PortError, WeightRequest
from tests.integration.local.conftest import CANARY, DEMO, STABLE, hit, ready, spec

pytestmark = pytest.mark.integration


def samples(exposition: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def key(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


async def test_error_rate_fails_exactly_that_share(
    platform: LocalPlatform, client: httpx.AsyncClient
) -> None:
    platform.set_behaviour("demo:v2", error_rate=0.08)
    await ready(platform, spec(CANARY, 2, "demo:v2"))
    answers = await hit(client, platform.proxy_url(DEMO), 1000, batch=20)
    statuses = [answer.status_code for answer in answers]
    assert (statuses.count(500), statuses.count(200)) == (80, 920)
    failed = next(answer for answer in answers if answer.status_code == 500)
    assert failed.headers["X-Version"] == "demo:v2"
    assert "injected failure" in failed.json()["error"]


async def test_behaviour_is_per_version(platform: LocalPlatform, client: httpx.AsyncClient) -> None:
    platform.set_behaviour("demo:v2", error_rate=1.0)
    await ready(platform, spec(STABLE, 1, "demo:v1"), spec(CANARY, 1, "demo:v2"))
    await platform.set_weight(WeightRequest(DEMO, 50, 50, CANARY, STABLE))
    answers = await hit(client, platform.proxy_url(DEMO), 100)
    by_version = {(a.headers["X-Version"], a.status_code) for a in answers}
    assert by_version == {("demo:v1", 200), ("demo:v2", 500)}


async def test_latency_slows_the_version_down(
    platform: LocalPlatform, client: httpx.AsyncClient
) -> None:
    platform.set_behaviour("demo:slow", latency=0.2)
    await ready(platform, spec(STABLE, 1, "demo:slow"))
    loop = asyncio.get_running_loop()
    began = loop.time()
    await client.get(platform.proxy_url(DEMO))
    assert loop.time() - began >= 0.2


def test_impossible_behaviour_is_refused(platform: LocalPlatform) -> None:
    with pytest.raises(PortError, match="between 0 and 1"):
        platform.set_behaviour("demo:v2", error_rate=1.5)
    with pytest.raises(PortError, match="negative"):
        platform.set_behaviour("demo:v2", latency=-1)


async def test_metrics_count_every_request_by_service_version_and_status(
    platform: LocalPlatform, client: httpx.AsyncClient
) -> None:
    platform.set_behaviour("demo:v2", error_rate=0.5)
    await ready(
        platform,
        spec(STABLE, 1, "demo:v1", version="stable"),
        spec(CANARY, 1, "demo:v2", version="canary"),
    )
    await platform.set_weight(WeightRequest(DEMO, 20, 80, CANARY, STABLE))
    await hit(client, platform.proxy_url(DEMO), 100)
    exposition = (await client.get(platform.metrics_url())).text
    assert samples(exposition, "http_requests_total") == {
        key(service="demo", version="stable", status="200"): 80.0,
        key(service="demo", version="canary", status="200"): 10.0,
        key(service="demo", version="canary", status="500"): 10.0,
    }
    durations = samples(exposition, "http_request_duration_seconds_count")
    assert durations == {
        key(service="demo", version="stable"): 80.0,
        key(service="demo", version="canary"): 20.0,
    }


async def test_swapped_labels_apply_to_the_next_request(
    platform: LocalPlatform, client: httpx.AsyncClient
) -> None:
    await ready(platform, spec(CANARY, 1, "demo:v2", version="canary"))
    await hit(client, platform.proxy_url(DEMO), 3)
    platform.set_pod_labels(DEMO, CANARY, {"version": "stable"})
    await hit(client, platform.proxy_url(DEMO), 2)
    assert platform.metrics.requests_total("demo", "canary", 200) == 3
    assert platform.metrics.requests_total("demo", "stable", 200) == 2


async def test_without_a_version_label_the_image_tag_is_the_version(
    platform: LocalPlatform, client: httpx.AsyncClient
) -> None:
    await ready(platform, spec(STABLE, 1, "registry:5000/team/demo:1.4.2"))
    await hit(client, platform.proxy_url(DEMO), 2)
    assert platform.metrics.requests_total("demo", "1.4.2", 200) == 2
