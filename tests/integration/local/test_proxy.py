"""The per-rollout proxy: exact weights, managed routes, kube-proxy spreading, 503s."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from adapters.local import POD_HEADER, ROUTE_HEADER, SERVICE_HEADER, LocalPlatform
from adapters.workers.traffic import route_spec
from rollouts.ports import ManagedRoute, RolloutRef, WeightRequest
from rollouts.spec.traffic import TrafficRouting
from tests.integration.local.conftest import CANARY, DEMO, STABLE, hit, ready, spec

pytestmark = pytest.mark.integration

ROUTING = TrafficRouting.model_validate({"managedRoutes": [{"name": "beta"}, {"name": "shadow"}]})


def weight(canary: int) -> WeightRequest:
    return WeightRequest(DEMO, canary, 100 - canary, CANARY, STABLE, routing=ROUTING)


def versions(answers: list[httpx.Response]) -> Counter[str]:
    return Counter(answer.headers["X-Version"] for answer in answers)


def header_route(value: dict[str, str]) -> ManagedRoute:
    match = [{"headerName": "X-Beta", "headerValue": value}]
    body = route_spec("header", {"name": "beta", "match": match})
    return ManagedRoute(DEMO, "beta", "header", body, ROUTING)


@pytest.fixture
async def both(platform: LocalPlatform) -> str:
    """Stable with 3 pods and canary with 1, both ready; returns the proxy URL."""
    await ready(platform, spec(STABLE, 3), spec(CANARY, 1))
    return platform.proxy_url(DEMO)


async def test_weight_5_sends_exactly_50_of_1000_to_canary(
    platform: LocalPlatform, client: httpx.AsyncClient, both: str
) -> None:
    await platform.set_weight(weight(5))
    answers = await hit(client, both, 1000)
    assert versions(answers) == {"demo:canary2": 50, "demo:stable1": 950}
    assert {answer.headers[ROUTE_HEADER] for answer in answers} == {"weight"}
    stable_pods = Counter(a.headers[POD_HEADER] for a in answers if "stable" in a.text)
    assert sorted(stable_pods.values()) == [316, 317, 317]


async def test_a_weight_change_applies_to_the_next_request(
    platform: LocalPlatform, client: httpx.AsyncClient, both: str
) -> None:
    await platform.set_weight(weight(0))
    assert versions(await hit(client, both, 20)) == {"demo:stable1": 20}
    await platform.set_weight(weight(100))
    assert await platform.verify_weight(weight(100)) is True
    assert (await client.get(both)).headers["X-Version"] == "demo:canary2"


@pytest.mark.parametrize(
    ("value", "beta_header"),
    [({"exact": "yes"}, "yes"), ({"prefix": "ye"}, "yesss"), ({"regex": "y.s"}, "yes")],
)
async def test_a_header_route_sends_matching_requests_to_canary_only(
    platform: LocalPlatform,
    client: httpx.AsyncClient,
    both: str,
    value: dict[str, str],
    beta_header: str,
) -> None:
    await platform.set_weight(weight(0))
    await platform.set_route(header_route(value))
    matching = await hit(client, both, 100, headers={"x-beta": beta_header})
    assert versions(matching) == {"demo:canary2": 100}
    assert {answer.headers[ROUTE_HEADER] for answer in matching} == {"header:beta"}
    others = await hit(client, both, 100, headers={"X-Beta": "no" + beta_header})
    assert versions(others) == {"demo:stable1": 100}


async def test_removed_routes_stop_matching(
    platform: LocalPlatform, client: httpx.AsyncClient, both: str
) -> None:
    await platform.set_weight(weight(0))
    await platform.set_route(header_route({"exact": "yes"}))
    await platform.remove_managed_routes(DEMO, ROUTING)
    answers = await hit(client, both, 10, headers={"X-Beta": "yes"})
    assert versions(answers) == {"demo:stable1": 10}


async def test_a_mirror_route_copies_requests_to_canary(
    platform: LocalPlatform, client: httpx.AsyncClient, both: str
) -> None:
    await platform.set_weight(weight(0))
    body = {"name": "shadow", "match": [{"path": {"prefix": "/api"}}], "percentage": 50}
    await platform.set_route(
        ManagedRoute(DEMO, "shadow", "mirror", route_spec("mirror", body), ROUTING)
    )
    answers = await hit(client, both + "/api/orders", 40) + await hit(client, both + "/home", 10)
    assert versions(answers) == {"demo:stable1": 50}
    async with asyncio.timeout(2):
        while platform.metrics.requests_total("demo", "canary2", 200) < 20:
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert platform.metrics.requests_total("demo", "canary2", 200) == 20


async def test_without_weights_requests_spread_over_every_ready_pod(
    platform: LocalPlatform, client: httpx.AsyncClient, both: str
) -> None:
    answers = await hit(client, both, 400)
    pods = Counter(answer.headers[POD_HEADER] for answer in answers)
    assert sorted(pods.values()) == [100, 100, 100, 100]
    assert {answer.headers[ROUTE_HEADER] for answer in answers} == {"all"}


async def test_an_active_service_is_what_the_proxy_serves(
    platform: LocalPlatform, client: httpx.AsyncClient, both: str
) -> None:
    await platform.switch_service(DEMO, "demo-active", STABLE)
    await platform.switch_service(DEMO, "demo-preview", CANARY)
    assert versions(await hit(client, both, 20)) == {"demo:stable1": 20}
    preview = await hit(client, both, 5, headers={SERVICE_HEADER: "demo-preview"})
    assert versions(preview) == {"demo:canary2": 5}
    await platform.switch_service(DEMO, "demo-active", CANARY)
    assert versions(await hit(client, both, 5)) == {"demo:canary2": 5}


async def test_no_ready_pod_is_a_503_that_says_why(
    platform: LocalPlatform, client: httpx.AsyncClient
) -> None:
    await platform.scale(spec(STABLE, 1))
    url = platform.proxy_url(DEMO)
    answer = await client.get(url)
    assert answer.status_code == 503
    assert "no ready pod" in answer.json()["error"]
    await platform.set_weight(WeightRequest(DEMO, 0, 0, CANARY, STABLE))
    answer = await client.get(url)
    assert (answer.status_code, "weight is 0" in answer.json()["error"]) == (503, True)


async def test_each_rollout_has_its_own_proxy(
    platform: LocalPlatform, client: httpx.AsyncClient
) -> None:
    other = RolloutRef("default", "other")
    await ready(platform, spec(STABLE, 1), spec(STABLE, 1, "other:v1", rollout=other))
    assert platform.proxy_url(DEMO) != platform.proxy_url(other)
    answer = await client.get(platform.proxy_url(other))
    assert answer.json()["rollout"] == "other"
