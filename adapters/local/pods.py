"""Pods of the local platform: one real loopback HTTP server each.

A pod answers every path with who it is (rollout, revision, hash, image), the way a demo app
would, and misbehaves on demand per version (image): a deterministic share of 500s and an added
latency. Every answer is counted in the platform's metrics with the pod's current `version`
label, so a label swap on promotion shows up in the very next request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from adapters.local.gates import FractionGate
from adapters.local.metrics import PodMetrics
from adapters.local.servers import LoopbackServer
from rollouts.ports import PortError, ReplicaSetSpec


@dataclass(frozen=True, slots=True)
class VersionBehaviour:
    error_rate: float = 0.0
    latency: float = 0.0


class Behaviours:
    """Behaviour per image, each with its own failure gate shared by all pods of that image."""

    def __init__(self) -> None:
        self._by_image: dict[str, tuple[VersionBehaviour, FractionGate]] = {}

    def set(self, image: str, behaviour: VersionBehaviour) -> None:
        if behaviour.latency < 0:
            raise PortError(f"latency of {image!r} must not be negative, got {behaviour.latency}")
        self._by_image[image] = (behaviour, FractionGate(behaviour.error_rate))

    def latency(self, image: str) -> float:
        entry = self._by_image.get(image)
        return entry[0].latency if entry else 0.0

    def should_fail(self, image: str) -> bool:
        entry = self._by_image.get(image)
        return entry[1].take() if entry else False


def image_of(template: Mapping[str, Any]) -> str:
    try:
        return str(template["spec"]["containers"][0]["image"])
    except (KeyError, IndexError, TypeError) as error:
        raise PortError("pod template has no spec.containers[0].image") from error


def image_tag(image: str) -> str:
    """`repo/app:v2` -> `v2`; an image without a tag is `latest`, as the runtime would pull."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


@dataclass(slots=True)
class ReplicaSetInfo:
    """What a pod says about itself; shared by reference so label changes apply at once."""

    spec: ReplicaSetSpec
    image: str
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        if "version" in self.labels:
            return self.labels["version"]
        template_labels = (self.spec.template.get("metadata") or {}).get("labels") or {}
        return str(template_labels.get("version") or image_tag(self.image))


class Pod:
    """A pod's server plus its readiness timers (loop timers, not tasks, so nothing leaks)."""

    def __init__(
        self,
        name: str,
        info: ReplicaSetInfo,
        behaviours: Behaviours,
        metrics: PodMetrics,
        created_at: datetime | None = None,
    ) -> None:
        self.name = name
        self.created_at = created_at or datetime.now(UTC)
        """A restart recreates the pods created before its time (`spec.restartAt`)."""
        self.ready = False
        self.available = False
        self._info = info
        self._behaviours = behaviours
        self._metrics = metrics
        self._timers: list[asyncio.TimerHandle] = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._server = LoopbackServer(app, f"pod {name}")

    @property
    def url(self) -> str:
        return self._server.url

    async def start(
        self, ready_delay: float, min_ready_seconds: float, on_change: Callable[[], None]
    ) -> None:
        await self._server.start()
        loop = asyncio.get_running_loop()
        self._timers = [
            loop.call_later(ready_delay, self._mark, "ready", on_change),
            loop.call_later(ready_delay + min_ready_seconds, self._mark, "available", on_change),
        ]

    def _mark(self, what: str, on_change: Callable[[], None]) -> None:
        setattr(self, what, True)
        on_change()

    def retire(self) -> None:
        """Out of every count and every route at once, before the server goes away."""
        for timer in self._timers:
            timer.cancel()
        self.ready = self.available = False

    async def stop(self) -> None:
        self.retire()
        await self._server.stop()

    async def _answer(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        started = loop.time()
        info = self._info
        failed = self._behaviours.should_fail(info.image)
        latency = self._behaviours.latency(info.image)
        if latency > 0:
            await asyncio.sleep(latency)
        status = 500 if failed else 200
        body = {
            "rollout": info.spec.rollout.name,
            "namespace": info.spec.rollout.namespace,
            "revision": info.spec.revision,
            "pod_template_hash": info.spec.pod_template_hash,
            "image": info.image,
            "version": info.version,
            "pod": self.name,
        }
        if failed:
            body["error"] = "injected failure (error_rate of this version)"
        self._metrics.observe(
            info.spec.rollout.name,
            info.version,
            status,
            loop.time() - started,
            info.spec.pod_template_hash,
        )
        return web.json_response(body, status=status, headers={"X-Version": info.image})
