"""Fixtures for the local platform's real-HTTP tests: a started platform and an HTTP client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.local import LocalPlatform
from rollouts.ports import ReplicaSetSpec, ReplicaSetStatus, RolloutRef

READY_DELAY = 0.1
DEMO = RolloutRef("default", "demo")
STABLE, CANARY = "stable1", "canary2"


@pytest.fixture
async def platform() -> AsyncIterator[LocalPlatform]:
    async with LocalPlatform(ready_delay=READY_DELAY) as started:
        yield started


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, timeout=10.0) as opened:
        yield opened


def spec(
    pod_hash: str,
    replicas: int,
    image: str = "",
    *,
    version: str | None = None,
    rollout: RolloutRef = DEMO,
    min_ready_seconds: int = 0,
) -> ReplicaSetSpec:
    template = {"spec": {"containers": [{"name": "app", "image": image or f"demo:{pod_hash}"}]}}
    labels = {"version": version} if version else {}
    revision = 2 if pod_hash == CANARY else 1
    return ReplicaSetSpec(
        rollout, pod_hash, revision, replicas, template, min_ready_seconds, pod_labels=labels
    )


async def ready(platform: LocalPlatform, *specs: ReplicaSetSpec) -> None:
    """Scale every spec and wait until all of their pods are available."""
    stream = platform.statuses()
    for wanted in specs:
        await platform.scale(wanted)
    waiting = {(s.rollout, s.pod_template_hash): s.replicas for s in specs}
    async with asyncio.timeout(5):
        async for status in stream:
            if waiting.get((status.rollout, status.pod_template_hash)) == _available(status):
                del waiting[(status.rollout, status.pod_template_hash)]
            if not waiting:
                break


def _available(status: ReplicaSetStatus) -> int | None:
    if status.ready_replicas == status.available_replicas == status.replicas:
        return status.replicas
    return None


async def hit(
    client: httpx.AsyncClient,
    url: str,
    count: int,
    headers: dict[str, str] | None = None,
    batch: int = 1,
) -> list[httpx.Response]:
    """`count` GETs, `batch` at a time, answers in sending order."""
    answers: list[httpx.Response] = []
    for start in range(0, count, batch):
        size = min(batch, count - start)
        answers += await asyncio.gather(*(client.get(url, headers=headers) for _ in range(size)))
    return answers
