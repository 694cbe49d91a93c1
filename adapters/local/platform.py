"""The local platform: ReplicaSets, Services, a traffic router and metrics in one process.

It implements both `ReplicaSetPlatform` and `TrafficRouter` for any number of rollouts, with
real loopback HTTP servers as pods, one weighted proxy per rollout and a Prometheus endpoint
fed by the pods. Nothing listens before `start()`; `stop()` closes every server and task.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType

import aiohttp

from adapters.local import restart
from adapters.local.metrics import PodMetrics
from adapters.local.pods import Behaviours, Pod, VersionBehaviour
from adapters.local.proxy import RolloutProxy
from adapters.local.replicasets import ReplicaSets
from adapters.local.servers import LoopbackServer
from adapters.local.traffic import RolloutTraffic
from adapters.runtime.statuses import StatusHub
from events.restart import RestartPod
from rollouts.ports import (
    Clock,
    Eviction,
    ManagedRoute,
    PortError,
    ReplicaSetSpec,
    ReplicaSetStatus,
    RolloutRef,
    WeightRequest,
)
from rollouts.spec.traffic import TrafficRouting


class LocalPlatform:
    def __init__(
        self,
        *,
        ready_delay: float = 0.2,
        metrics_port: int = 0,
        proxy_timeout: float = 30.0,
        session: aiohttp.ClientSession | None = None,
        clock: Clock | None = None,
    ) -> None:
        if ready_delay < 0:
            raise PortError(f"ready_delay must not be negative, got {ready_delay}")
        self.metrics = PodMetrics()
        self._behaviours = Behaviours()
        self._hub = StatusHub()
        self._replica_sets = ReplicaSets(
            self._behaviours, self.metrics, self._hub, ready_delay, self._now
        )
        self._clock = clock
        self._metrics_server = LoopbackServer(
            self.metrics.app(), "metrics endpoint", port=metrics_port
        )
        self._proxy_timeout = proxy_timeout
        self._session = session
        self._owns_session = session is None
        self._traffic: dict[RolloutRef, RolloutTraffic] = {}
        self._proxies: dict[RolloutRef, RolloutProxy] = {}
        self._proxy_lock = asyncio.Lock()
        self._running = False

    # lifecycle

    async def start(self) -> None:
        if self._running:
            return
        await self._metrics_server.start()
        if self._owns_session:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000))
        self._hub.reopen()
        self._running = True

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self._hub.close()
        proxies, self._proxies = list(self._proxies.values()), {}
        for proxy in proxies:
            await proxy.stop()
        self._traffic.clear()
        await self._replica_sets.stop_all()
        await self._metrics_server.stop()
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> LocalPlatform:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ReplicaSetPlatform

    async def scale(self, spec: ReplicaSetSpec) -> None:
        self._require_running()
        await self._replica_sets.scale(spec)
        await self.open_proxy(spec.rollout)

    async def delete(self, rollout: RolloutRef, pod_template_hash: str) -> None:
        self._require_running()
        await self._replica_sets.delete(rollout, pod_template_hash)

    async def switch_service(
        self, rollout: RolloutRef, service: str, pod_template_hash: str
    ) -> None:
        self._require_running()
        self._traffic_of(rollout).switch_service(service, pod_template_hash)
        await self.open_proxy(rollout)

    def statuses(self) -> AsyncIterator[ReplicaSetStatus]:
        return self._hub.subscribe(self._replica_sets.snapshot())

    # PodRestarter (`spec.restartAt`)

    async def list_pods(
        self, rollout: RolloutRef, pod_template_hashes: Sequence[str], min_ready_seconds: int
    ) -> list[RestartPod]:
        return restart.list_pods(self._replica_sets, rollout, pod_template_hashes)

    async def evict_pod(self, rollout: RolloutRef, pod: str) -> Eviction:
        self._require_running()
        return await restart.evict_pod(self._replica_sets, rollout, pod)

    # TrafficRouter

    async def set_weight(self, request: WeightRequest) -> None:
        self._require_running()
        self._traffic_of(request.rollout).set_weight(request)
        await self.open_proxy(request.rollout)

    async def verify_weight(self, request: WeightRequest) -> bool | None:
        traffic = self._traffic.get(request.rollout)
        return traffic is not None and traffic.holds(request)

    async def read_weight(self, request: WeightRequest) -> int | None:
        traffic = self._traffic.get(request.rollout)
        held = traffic.request if traffic is not None else None
        return held.canary_weight if held is not None else None

    async def set_route(self, route: ManagedRoute) -> None:
        self._require_running()
        self._traffic_of(route.rollout).set_route(route)
        await self.open_proxy(route.rollout)

    async def remove_managed_routes(
        self, rollout: RolloutRef, routing: TrafficRouting | None
    ) -> None:
        traffic = self._traffic.get(rollout)
        if traffic is not None:
            traffic.clear_routes()

    # What only the local platform offers

    def set_behaviour(self, image: str, *, error_rate: float = 0.0, latency: float = 0.0) -> None:
        """How every pod running `image` answers from now on (a deterministic 500 share)."""
        self._behaviours.set(image, VersionBehaviour(error_rate=error_rate, latency=latency))

    def set_pod_labels(
        self, rollout: RolloutRef, pod_template_hash: str, labels: Mapping[str, str]
    ) -> None:
        """Replace the ephemeral labels (e.g. `version`) of a ReplicaSet's running pods."""
        self._replica_sets.set_labels(rollout, pod_template_hash, labels)

    def set_front_service(self, rollout: RolloutRef, service: str | None) -> None:
        """The Service the proxy stands for while the rollout has no traffic router."""
        self._traffic_of(rollout).front_service = service

    async def open_proxy(self, rollout: RolloutRef) -> str:
        """Start the rollout's proxy if it is not listening yet; returns its URL."""
        self._require_running()
        async with self._proxy_lock:
            proxy = self._proxies.get(rollout)
            if proxy is None:
                proxy = self._new_proxy(rollout)
                await proxy.start()
                self._proxies[rollout] = proxy
        return proxy.url

    def proxy_url(self, rollout: RolloutRef) -> str:
        proxy = self._proxies.get(rollout)
        if proxy is None:
            raise PortError(f"rollout {rollout} has no proxy yet: scale a ReplicaSet first")
        return proxy.url

    def metrics_url(self) -> str:
        return f"{self._metrics_server.url}/metrics"

    def stats_url(self) -> str:
        """Recent request statistics as JSON (`adapters.local.stats`), for `web` metrics."""
        return f"{self._metrics_server.url}/stats"

    def managed_routes(self, rollout: RolloutRef) -> tuple[str, ...]:
        traffic = self._traffic.get(rollout)
        return () if traffic is None else traffic.route_names

    def ready_pods(self, rollout: RolloutRef, pod_template_hash: str) -> tuple[Pod, ...]:
        return tuple(self._replica_sets.ready_pods(rollout, (pod_template_hash,)))

    # internals

    def _new_proxy(self, rollout: RolloutRef) -> RolloutProxy:
        if self._session is None:
            raise PortError("the local platform has no HTTP session: call start() first")
        return RolloutProxy(
            rollout,
            self._traffic_of(rollout),
            lambda hashes: self._replica_sets.ready_pods(rollout, hashes),
            self._session,
            self._proxy_timeout,
        )

    def _traffic_of(self, rollout: RolloutRef) -> RolloutTraffic:
        return self._traffic.setdefault(rollout, RolloutTraffic())

    def _require_running(self) -> None:
        if not self._running:
            raise PortError("the local platform is not started: call start() first")

    def _now(self) -> datetime:
        return self._clock.now() if self._clock is not None else datetime.now(UTC)
