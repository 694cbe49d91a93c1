"""The pod failure watch: the stuck pods of each rollout's new ReplicaSet, as observations.

A projection listener, like the workload reconciler: a rollout is watched while its new
ReplicaSet has fewer available pods than it wants (a rollout waiting on its pods is the one a
progress deadline can catch). Every `interval` seconds its pods are read through a
`PodFailureSource` and, when what is stuck differs from what was last reported (or recorded
in the state), a `PodFailuresObserved` is published; the controller records the change and
names the pods when the progress deadline passes. A source that fails is logged and asked
again on the next round. Polling rather than watching pods: the scaler's role may list pods,
not watch them, and a stuck pod is stuck for minutes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import structlog

from adapters.runtime.publish import InputPublisher
from adapters.runtime.tasks import Running, Spawn, spawn_task
from events.base import Input
from events.pod_failures import PodFailure, PodFailuresObserved
from rollouts.decide.pod_failures import current_failures
from rollouts.ports import Clock, RolloutRef
from rollouts.state import RolloutState

if TYPE_CHECKING:
    from adapters.workers.app import RolloutsApp

log = structlog.get_logger("rollouts.pods")

Key = tuple[str, str]
Publish = Callable[[str, str, Input], Awaitable[None]]
INTERVAL = 5.0


class PodFailureSource(Protocol):
    async def failures(self, rollout: RolloutRef, pod_template_hash: str) -> list[PodFailure]:
        """The stuck containers of the ReplicaSet's pods (none: nothing is stuck)."""
        ...


def waiting_on_pods(state: RolloutState) -> str | None:
    """The new ReplicaSet's hash while it has fewer available pods than it wants."""
    rs = state.new_rs
    if state.deleted or rs is None or rs.desired == 0 or rs.available >= rs.desired:
        return None
    return rs.pod_template_hash


class PodFailureWatch:
    def __init__(
        self,
        source: PodFailureSource,
        publish: Publish,
        clock: Clock,
        interval: float | None = None,
    ) -> None:
        """`interval`: seconds between rounds (default INTERVAL)."""
        self._source = source
        self._publish = publish
        self._clock = clock
        self._interval = interval or INTERVAL
        self._watched: dict[Key, str] = {}
        self._reported: dict[Key, tuple[str, tuple[PodFailure, ...]]] = {}
        self._task: Running | None = None
        self.published = 0

    def on_state(self, key: Key, state: RolloutState) -> None:
        """Projection listener: start or stop watching the rollout's new ReplicaSet."""
        pod_hash = waiting_on_pods(state)
        if pod_hash is None:
            self._watched.pop(key, None)
            self._reported.pop(key, None)
            return
        self._watched[key] = pod_hash
        recorded = current_failures(state)
        if self._reported.get(key, ("", ()))[0] != pod_hash or recorded:
            self._reported[key] = (pod_hash, recorded)

    def start(self, spawn: Spawn = spawn_task) -> None:
        self._task = spawn("pod-failures", self._run)

    async def stop(self) -> None:
        if self._task is not None:
            await self._task.stop()
            self._task = None

    async def _run(self) -> None:
        while True:
            for key, pod_hash in list(self._watched.items()):
                await self.check(key, pod_hash)
            await asyncio.sleep(self._interval)

    async def check(self, key: Key, pod_hash: str) -> None:
        """One look at the pods of one ReplicaSet; published if what is stuck changed."""
        try:
            found = tuple(await self._source.failures(RolloutRef(*key), pod_hash))
        except Exception as error:  # the API is down, a timeout: the next round asks again
            log.warning("pods.list_failed", rollout=f"{key[0]}/{key[1]}", error=repr(error))
            return
        if self._reported.get(key) == (pod_hash, found) or self._watched.get(key) != pod_hash:
            return
        now: datetime = self._clock.now()
        item = PodFailuresObserved(
            input_id=f"pods:{key[0]}/{key[1]}:{pod_hash}:{now.isoformat()}",
            pod_template_hash=pod_hash,
            failures=list(found),
            observed_at=now,
        )
        await self._publish(key[0], key[1], item)
        self._reported[key] = (pod_hash, found)
        self.published += 1
        log.info("pods.failures", rollout=f"{key[0]}/{key[1]}", stuck=len(found))


def watch_pod_failures(
    app: RolloutsApp, source: PodFailureSource, stack: AsyncExitStack, spawn: Spawn
) -> PodFailureWatch:
    """Start the watch beside a started app (the process that runs the scaler: its platform
    role lists pods), registered on `stack` so it stops before the app does."""
    projection, connection = app.projection, app.connection
    assert projection is not None and connection is not None
    watch = PodFailureWatch(source, InputPublisher(connection.js), app.clock)
    projection.on_event(watch.on_state)
    for key, state in projection.states.items():
        watch.on_state(key, state)
    watch.start(spawn)
    stack.push_async_callback(watch.stop)
    stack.callback(projection.off_event, watch.on_state)
    return watch
