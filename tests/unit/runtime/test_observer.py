"""The platform observer never gives an observation up: the platform reports a change once."""

from __future__ import annotations

import asyncio

import pytest

import adapters.workers.observer as observer_module
from adapters.local import InMemoryPlatform
from adapters.workers.observer import PlatformObserver, Publish
from events.base import Input
from events.input_codec import MalformedInput
from rollouts.ports import ReplicaSetSpec, RolloutRef


async def observed(publish: Publish, published: list[Input], *specs: ReplicaSetSpec) -> None:
    """Run an observer over an in-memory platform that scales `specs`, until one observation
    is published."""
    platform = InMemoryPlatform()
    await platform.start()
    observer = PlatformObserver(platform, publish)
    observer.start()
    try:
        for spec in specs:
            await platform.scale(spec)
        async with asyncio.timeout(5):
            while not published:
                await asyncio.sleep(0.01)
    finally:
        await observer.stop()
        await platform.stop()


def hashes_and_replicas(published: list[Input]) -> list[tuple[str, int]]:
    return [(i.pod_template_hash, i.replicas) for i in published]  # type: ignore[attr-defined]


async def test_an_observation_whose_publish_fails_is_retried_until_it_is_published(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(observer_module, "RETRY_SECONDS", 0.01)
    published: list[Input] = []
    failures = 3

    async def flaky_publish(namespace: str, name: str, item: Input) -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise TimeoutError("nats: timeout")  # what InputPublisher raises when it gives up
        published.append(item)

    spec = ReplicaSetSpec(RolloutRef("default", "app"), "abc", 1, 2, {}, 0, {})
    await observed(flaky_publish, published, spec)
    assert failures == 0
    assert hashes_and_replicas(published) == [("abc", 2)]


async def test_an_observation_no_publish_can_take_is_dropped_and_the_next_ones_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ReplicaSet named past Kubernetes' limits (made from a forged event) must not hold
    every later observation, of every rollout, behind its endless retries."""
    monkeypatch.setattr(observer_module, "RETRY_SECONDS", 0.01)
    published: list[Input] = []
    refused: list[str] = []

    async def publish(namespace: str, name: str, item: Input) -> None:
        if len(item.pod_template_hash) > 63:  # type: ignore[attr-defined]
            refused.append(name)
            raise MalformedInput("invalid ReplicaSetObserved input: pod_template_hash too long")
        published.append(item)

    forged = ReplicaSetSpec(RolloutRef("default", "target"), "x" * 5000, 1, 1, {}, 0, {})
    steady = ReplicaSetSpec(RolloutRef("default", "steady"), "abc", 1, 2, {}, 0, {})
    await observed(publish, published, forged, steady)
    assert refused == ["target"]
    assert hashes_and_replicas(published) == [("abc", 2)]
