"""The platform observer: every ReplicaSet status change becomes a `ReplicaSetObserved` input."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

import events.inputs as inp
from adapters.runtime.tasks import Running, Spawn, spawn_task
from events.base import Input
from events.input_codec import MalformedInput
from rollouts.ports import ReplicaSetPlatform, ReplicaSetStatus

log = structlog.get_logger("rollouts.observer")

Publish = Callable[[str, str, Input], Awaitable[None]]
RETRY_SECONDS = 1.0


def observation(status: ReplicaSetStatus) -> inp.ReplicaSetObserved:
    counts = f"{status.replicas}/{status.ready_replicas}/{status.available_replicas}"
    return inp.ReplicaSetObserved(
        input_id=f"rs:{status.rollout}:{status.pod_template_hash}:{status.observed_at.isoformat()}:{counts}",
        pod_template_hash=status.pod_template_hash,
        replicas=status.replicas,
        ready_replicas=status.ready_replicas,
        available_replicas=status.available_replicas,
        observed_at=status.observed_at,
    )


class PlatformObserver:
    def __init__(self, platform: ReplicaSetPlatform, publish: Publish) -> None:
        self._platform = platform
        self._publish = publish
        self._task: Running | None = None

    def start(self, spawn: Spawn = spawn_task) -> None:
        """A restarted loop subscribes again and first gets every current status."""
        self._task = spawn("platform-observer", self._run)

    async def _run(self) -> None:
        async for status in self._platform.statuses():
            await self._report(status)

    async def _report(self, status: ReplicaSetStatus) -> None:
        """Until it is published: the platform reports a change once, so an observation given
        up on would leave the controller waiting for ever for replicas that are long there.
        Except one no publish can take (a ReplicaSet named past Kubernetes' limits, made from a
        forged event): retried, it held every later status of every rollout behind it for ever
        (the bus fuzz test, seed 1900384687). It is dropped with one line."""
        item = observation(status)
        while True:
            try:
                await self._publish(status.rollout.namespace, status.rollout.name, item)
                return
            except MalformedInput as refused:
                log.error(
                    "observer.observation_refused", input=item.input_id[:200], error=str(refused)
                )
                return
            except Exception as error:
                log.error("observer.publish_failed", input=item.input_id, error=repr(error))
            await asyncio.sleep(RETRY_SECONDS)

    async def stop(self) -> None:
        if self._task is not None:
            await self._task.stop()
            self._task = None
