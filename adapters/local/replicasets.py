"""ReplicaSets of the local platform: sets of pods scaled up and down, reporting count changes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from adapters.local.metrics import PodMetrics
from adapters.local.pods import Behaviours, Pod, ReplicaSetInfo, image_of
from adapters.runtime.statuses import StatusHub
from rollouts.ports import PortError, ReplicaSetSpec, ReplicaSetStatus, RolloutRef

Counts = tuple[int, int, int]


class ReplicaSetRuntime:
    def __init__(
        self,
        spec: ReplicaSetSpec,
        behaviours: Behaviours,
        metrics: PodMetrics,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.now = now
        self.info = ReplicaSetInfo(spec, image_of(spec.template), dict(spec.pod_labels))
        self.pods: list[Pod] = []
        self.lock = asyncio.Lock()
        self.reported: Counts | None = None
        self.flush_pending = False
        self._behaviours = behaviours
        self._metrics = metrics
        self._created = 0

    def counts(self) -> Counts:
        ready = sum(pod.ready for pod in self.pods)
        available = sum(pod.available for pod in self.pods)
        return len(self.pods), ready, available

    def ready_pods(self) -> list[Pod]:
        return [pod for pod in self.pods if pod.ready]

    async def scale(
        self, spec: ReplicaSetSpec, ready_delay: float, on_change: Callable[[], None]
    ) -> None:
        self.info.spec = spec
        self.info.image = image_of(spec.template)
        self.info.labels = dict(spec.pod_labels)
        missing = spec.replicas - len(self.pods)
        if missing > 0:
            await self._add(missing, ready_delay, on_change)
        elif missing < 0:
            await self._remove(-missing, on_change)

    async def _add(self, count: int, ready_delay: float, on_change: Callable[[], None]) -> None:
        pods = []
        for _ in range(count):
            self._created += 1
            name = f"{self.info.spec.name}-{self._created}"
            created = self.now() if self.now is not None else None
            pods.append(Pod(name, self.info, self._behaviours, self._metrics, created))
        min_ready = float(self.info.spec.min_ready_seconds)
        results = await asyncio.gather(
            *(pod.start(ready_delay, min_ready, on_change) for pod in pods),
            return_exceptions=True,
        )
        self.pods.extend(pod for pod, result in zip(pods, results, strict=True) if result is None)
        on_change()
        for result in results:
            if isinstance(result, BaseException):
                raise PortError(f"could not start every pod of {self.info.spec.name}: {result}")

    async def _remove(self, count: int, on_change: Callable[[], None]) -> None:
        """Not-ready pods go first, then the newest, as the ReplicaSet controller chooses."""
        order = {id(pod): index for index, pod in enumerate(self.pods)}
        victims = sorted(self.pods, key=lambda pod: (pod.ready, -order[id(pod)]))[:count]
        for pod in victims:
            pod.retire()
            self.pods.remove(pod)
        on_change()
        await asyncio.gather(*(pod.stop() for pod in victims))


class ReplicaSets:
    """Every ReplicaSet of every rollout in this process, keyed by (rollout, pod-template-hash)."""

    def __init__(
        self,
        behaviours: Behaviours,
        metrics: PodMetrics,
        hub: StatusHub,
        ready_delay: float,
        now: Callable[[], datetime],
    ) -> None:
        self._sets: dict[tuple[RolloutRef, str], ReplicaSetRuntime] = {}
        self._behaviours = behaviours
        self._metrics = metrics
        self._hub = hub
        self._ready_delay = ready_delay
        self._now = now

    async def scale(self, spec: ReplicaSetSpec) -> None:
        if spec.replicas < 0:
            raise PortError(f"{spec.name}: replicas must not be negative, got {spec.replicas}")
        key = (spec.rollout, spec.pod_template_hash)
        runtime = self._sets.get(key)
        if runtime is None:
            runtime = self._sets[key] = ReplicaSetRuntime(
                spec, self._behaviours, self._metrics, self._now
            )
        async with runtime.lock:
            await runtime.scale(spec, self._ready_delay, lambda: self._changed_soon(runtime))
            self._changed(runtime)

    async def delete(self, rollout: RolloutRef, pod_template_hash: str) -> None:
        runtime = self._sets.pop((rollout, pod_template_hash), None)
        if runtime is None:
            return
        async with runtime.lock:
            pods, runtime.pods = runtime.pods, []
            for pod in pods:
                pod.retire()
            self._changed(runtime)
            await asyncio.gather(*(pod.stop() for pod in pods))

    async def evict(self, rollout: RolloutRef, pod_name: str) -> bool:
        """One pod goes at once and its ReplicaSet starts a replacement, as a cluster's
        Eviction API and ReplicaSet controller do (no disruption budgets here). False when the
        rollout has no such pod."""
        for runtime in self.of(rollout):
            async with runtime.lock:
                pod = next((p for p in runtime.pods if p.name == pod_name), None)
                if pod is not None:
                    await self._replace(runtime, pod)
                    return True
        return False

    async def _replace(self, runtime: ReplicaSetRuntime, pod: Pod) -> None:
        pod.retire()
        runtime.pods.remove(pod)
        self._changed(runtime)
        await pod.stop()
        await runtime.scale(
            runtime.info.spec, self._ready_delay, lambda: self._changed_soon(runtime)
        )
        self._changed(runtime)

    def of(self, rollout: RolloutRef) -> list[ReplicaSetRuntime]:
        return [runtime for (ref, _), runtime in self._sets.items() if ref == rollout]

    def get(self, rollout: RolloutRef, pod_template_hash: str) -> ReplicaSetRuntime | None:
        return self._sets.get((rollout, pod_template_hash))

    def ready_pods(self, rollout: RolloutRef, hashes: Iterable[str] | None) -> list[Pod]:
        """Ready pods of the given ReplicaSets (all of the rollout's when `hashes` is None)."""
        wanted = None if hashes is None else set(hashes)
        return [
            pod
            for runtime in self.of(rollout)
            if wanted is None or runtime.info.spec.pod_template_hash in wanted
            for pod in runtime.ready_pods()
        ]

    def set_labels(
        self, rollout: RolloutRef, pod_template_hash: str, labels: Mapping[str, str]
    ) -> None:
        runtime = self._sets.get((rollout, pod_template_hash))
        if runtime is None:
            raise PortError(f"no ReplicaSet {rollout.name}-{pod_template_hash} in {rollout}")
        runtime.info.labels = dict(labels)

    def snapshot(self) -> list[ReplicaSetStatus]:
        return [
            self._status(runtime, runtime.reported or runtime.counts())
            for runtime in self._sets.values()
        ]

    async def stop_all(self) -> None:
        for rollout, pod_template_hash in list(self._sets):
            await self.delete(rollout, pod_template_hash)

    def _changed_soon(self, runtime: ReplicaSetRuntime) -> None:
        """Pods that turn ready in the same loop turn make one status, not one each."""
        if not runtime.flush_pending:
            runtime.flush_pending = True
            asyncio.get_running_loop().call_soon(self._flush, runtime)

    def _flush(self, runtime: ReplicaSetRuntime) -> None:
        runtime.flush_pending = False
        self._changed(runtime)

    def _changed(self, runtime: ReplicaSetRuntime) -> None:
        counts = runtime.counts()
        if counts != runtime.reported:
            runtime.reported = counts
            self._hub.publish(self._status(runtime, counts))

    def _status(self, runtime: ReplicaSetRuntime, counts: Counts) -> ReplicaSetStatus:
        spec = runtime.info.spec
        replicas, ready, available = counts
        return ReplicaSetStatus(
            spec.rollout, spec.pod_template_hash, replicas, ready, available, self._now()
        )
