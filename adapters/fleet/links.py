"""Keeps every cluster of every fleet connected: sourced on the hub, its inputs linked.

The hub side (FLEET_REGIONS sourcing the cluster's ROLLOUTS) is set at once. The cluster side
(its FLEET_INBOX sourcing FLEET_CMDS) is created through `$JS.<cluster>.API` (the cluster's
relay creates it too, whichever comes first); an unreachable cluster is tried again every
`interval` until it answers.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from nats.aio.client import Client
from nats.errors import Error as NatsError

from adapters.fleet.topology import link_cluster, source_clusters

log = structlog.get_logger("rollouts.fleet.links")


class ClusterLinks:
    def __init__(self, nc: Client, *, interval: float = 1.0, timeout: float = 2.0) -> None:
        self._nc = nc
        self._interval = interval
        self._timeout = timeout
        self.clusters: list[str] = []
        self.linked: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def add(self, clusters: list[str]) -> None:
        new = [c for c in clusters if c not in self.clusters]
        if not new:
            return
        self.clusters += new
        await source_clusters(self._nc.jetstream(), new)
        await asyncio.gather(*(self.check(c) for c in new))

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._loop())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check(self, cluster: str) -> bool:
        js = self._nc.jetstream(domain=cluster, timeout=self._timeout)
        try:
            if await link_cluster(js, cluster):
                log.info("fleet.cluster_linked", cluster=cluster)
        except (TimeoutError, NatsError) as error:
            self.linked.discard(cluster)
            log.debug("fleet.cluster_unreachable", cluster=cluster, error=str(error))
            return False
        self.linked.add(cluster)
        return True

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await asyncio.gather(*(self.check(c) for c in self.clusters if c not in self.linked))
