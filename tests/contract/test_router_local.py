"""Contract of `TrafficRouter`: every implementation must pass the same tests.

Add an implementation by adding a factory to FACTORIES. It yields a `RouterUnderTest`: the
started router, whether it can verify weights (False for routers that answer None), and how to
read back the names of the managed routes it holds (each router stores them its own way).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.local import InMemoryRouter, LocalPlatform
from adapters.workers.traffic import route_spec
from rollouts.ports import ManagedRoute, PortError, RolloutRef, TrafficRouter, WeightRequest
from rollouts.spec.traffic import TrafficRouting

DEMO = RolloutRef("default", "demo")
OTHER = RolloutRef("default", "other")
ROUTING = TrafficRouting.model_validate(
    {"managedRoutes": [{"name": "beta-users"}, {"name": "shadow"}]}
)


@dataclass
class RouterUnderTest:
    router: Any
    can_verify: bool
    routes: Callable[[RolloutRef], tuple[str, ...]]


@asynccontextmanager
async def in_memory(verifiable: bool) -> AsyncIterator[RouterUnderTest]:
    router = InMemoryRouter(verifiable=verifiable)
    await router.start()
    try:
        yield RouterUnderTest(router, verifiable, router.managed_routes)
    finally:
        await router.stop()


@asynccontextmanager
async def local() -> AsyncIterator[RouterUnderTest]:
    async with LocalPlatform(ready_delay=0.05) as platform:
        yield RouterUnderTest(platform, True, platform.managed_routes)


FACTORIES = [
    pytest.param(lambda: in_memory(True), id="memory"),
    pytest.param(lambda: in_memory(False), id="nop"),
    pytest.param(local, id="local", marks=pytest.mark.integration),
]


@pytest.fixture(params=FACTORIES)
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[RouterUnderTest]:
    factory: Callable[[], AbstractAsyncContextManager[RouterUnderTest]] = request.param
    async with factory() as started:
        yield started


def with_block(routing: TrafficRouting | None, block: Mapping[str, Any]) -> TrafficRouting:
    """`routing` with a router's block added, as the rollout's manifest would have it."""
    written = routing.model_dump(by_alias=True, exclude_unset=True) if routing else {}
    return TrafficRouting.model_validate({**written, **block})


def weight(canary: int, rollout: RolloutRef = DEMO, canary_hash: str = "new") -> WeightRequest:
    return WeightRequest(rollout, canary, 100 - canary, canary_hash, "old", routing=ROUTING)


def header_route(name: str = "beta-users", value: dict[str, str] | None = None) -> ManagedRoute:
    match = [{"headerName": "X-Beta", "headerValue": value or {"exact": "yes"}}]
    body = route_spec("header", {"name": name, "match": match})
    return ManagedRoute(DEMO, name, "header", body, ROUTING)


def mirror_route(name: str = "shadow") -> ManagedRoute:
    body = {"name": name, "match": [{"method": {"exact": "GET"}}], "percentage": 50}
    return ManagedRoute(DEMO, name, "mirror", route_spec("mirror", body), ROUTING)


def expected(subject: RouterUnderTest, verdict: bool) -> bool | None:
    return verdict if subject.can_verify else None


def test_implements_the_port(subject: RouterUnderTest) -> None:
    assert isinstance(subject.router, TrafficRouter)


async def test_nothing_is_held_before_the_first_weight(subject: RouterUnderTest) -> None:
    assert await subject.router.verify_weight(weight(10)) == expected(subject, False)


async def test_the_weight_set_is_the_weight_held(subject: RouterUnderTest) -> None:
    await subject.router.set_weight(weight(10))
    assert await subject.router.verify_weight(weight(10)) == expected(subject, True)
    assert await subject.router.verify_weight(weight(20)) == expected(subject, False)
    other_canary = weight(10, canary_hash="newer")
    assert await subject.router.verify_weight(other_canary) == expected(subject, False)


async def test_a_new_weight_replaces_the_old_one(subject: RouterUnderTest) -> None:
    await subject.router.set_weight(weight(10))
    await subject.router.set_weight(weight(40))
    assert await subject.router.verify_weight(weight(40)) == expected(subject, True)
    assert await subject.router.verify_weight(weight(10)) == expected(subject, False)


async def test_the_weight_read_is_the_weight_set(subject: RouterUnderTest) -> None:
    """`read_weight` is part of the port: a router that can verify reads back what it holds
    (per rollout); one that cannot tell answers None, never a guess."""
    await subject.router.set_weight(weight(10, DEMO))
    await subject.router.set_weight(weight(35, DEMO))
    await subject.router.set_weight(weight(60, OTHER))
    found = [await subject.router.read_weight(weight(35, r)) for r in (DEMO, OTHER)]
    assert found == ([35, 60] if subject.can_verify else [None, None])


async def test_weights_of_rollouts_are_kept_apart(subject: RouterUnderTest) -> None:
    await subject.router.set_weight(weight(10, DEMO))
    await subject.router.set_weight(weight(60, OTHER))
    assert await subject.router.verify_weight(weight(10, DEMO)) == expected(subject, True)
    assert await subject.router.verify_weight(weight(60, OTHER)) == expected(subject, True)


async def test_negative_weight_is_refused(subject: RouterUnderTest) -> None:
    with pytest.raises(PortError, match="negative"):
        await subject.router.set_weight(WeightRequest(DEMO, -1, 101, "new", "old"))


async def test_header_and_mirror_routes_are_held(subject: RouterUnderTest) -> None:
    await subject.router.set_weight(weight(10))
    await subject.router.set_route(mirror_route())
    await subject.router.set_route(header_route())
    assert sorted(subject.routes(DEMO)) == ["beta-users", "shadow"]


async def test_a_route_without_match_removes_it(subject: RouterUnderTest) -> None:
    await subject.router.set_route(header_route())
    await subject.router.set_route(mirror_route())
    await subject.router.set_route(ManagedRoute(DEMO, "beta-users", "header", None, ROUTING))
    assert subject.routes(DEMO) == ("shadow",)


async def test_remove_managed_routes_drops_them_all(subject: RouterUnderTest) -> None:
    await subject.router.set_route(header_route())
    await subject.router.set_route(mirror_route())
    await subject.router.remove_managed_routes(DEMO, ROUTING)
    assert subject.routes(DEMO) == ()
    await subject.router.remove_managed_routes(DEMO, ROUTING)  # nothing left: still fine


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"regex": "(unclosed"}, "invalid regex"),
        ({"exact": "a", "prefix": "b"}, "exactly one"),
        ({}, "exactly one"),
    ],
)
async def test_a_malformed_header_route_is_refused(
    subject: RouterUnderTest, value: dict[str, str], reason: str
) -> None:
    match = [{"headerName": "X-Beta", "headerValue": value}]
    body = route_spec("header", {"name": "beta-users", "match": match})
    route = ManagedRoute(DEMO, "beta-users", "header", body)
    with pytest.raises(PortError, match=reason):
        await subject.router.set_route(route)
    assert subject.routes(DEMO) == ()


async def test_a_header_route_needs_a_header_name(subject: RouterUnderTest) -> None:
    body = route_spec(
        "header",
        {"name": "beta-users", "match": [{"headerName": "", "headerValue": {"exact": "yes"}}]},
    )
    with pytest.raises(PortError, match="headerName"):
        await subject.router.set_route(ManagedRoute(DEMO, "beta-users", "header", body))
