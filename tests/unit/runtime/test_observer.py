"""The platform observer never gives an observation up: the platform reports a change once."""

from __future__ import annotations

import asyncio

import pytest

import adapters.workers.observer as observer_module
from adapters.local import InMemoryPlatform
from adapters.workers.observer import PlatformObserver
from events.base import Input
from rollouts.ports import ReplicaSetSpec, RolloutRef


async def test_an_observation_whose_publish_fails_is_retried_until_it_is_published(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(observer_module, "RETRY_SECONDS", 0.01)
    platform = InMemoryPlatform()
    await platform.start()
    published: list[Input] = []
    failures = 3

    async def flaky_publish(namespace: str, name: str, item: Input) -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise TimeoutError("nats: timeout")  # what InputPublisher raises when it gives up
        published.append(item)

    observer = PlatformObserver(platform, flaky_publish)
    observer.start()
    try:
        spec = ReplicaSetSpec(RolloutRef("default", "app"), "abc", 1, 2, {}, 0, {})
        await platform.scale(spec)
        async with asyncio.timeout(5):
            while not published:
                await asyncio.sleep(0.01)
    finally:
        await observer.stop()
        await platform.stop()
    assert failures == 0
    assert [(i.pod_template_hash, i.replicas) for i in published] == [("abc", 2)]  # type: ignore[attr-defined]
