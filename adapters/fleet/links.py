"""Keeps every cluster of every fleet connected: sourced on the hub, its inbox linked.

The hub side (FLEET_REGIONS sourcing the cluster's ROLLOUTS) is set at once; the cluster side
(its FLEET_INBOX sourcing FLEET_CMDS) is created through `$JS.<cluster>.API` (the cluster's
relay creates it too, whichever comes first). Every `interval` the links check that each
source is flowing and restart the stale ones whose other side answers again
(`topology.SourceHealer`): without that, a source that failed while a link was down waits out
the server's retry backoff (tens of seconds) after the link returns.
"""

from __future__ import annotations

import asyncio

import structlog
from nats.aio.client import Client
from nats.errors import Error as NatsError

from adapters.fleet.topology import (
    FLEET_INBOX,
    FLEET_REGIONS,
    HUB_DOMAIN,
    SourceHealer,
    link_cluster,
    reachable,
    source_clusters,
)
from adapters.runtime.tasks import cancel_and_wait

log = structlog.get_logger("rollouts.fleet.links")


def domain_of(api: str) -> str:
    """`$JS.<domain>.API` -> `<domain>`."""
    return api.split(".")[1]


class ClusterLinks:
    def __init__(self, nc: Client, *, interval: float = 1.0, timeout: float = 2.0) -> None:
        self._nc = nc
        self._interval = interval
        self._timeout = timeout
        self.clusters: list[str] = []
        self.linked: set[str] = set()
        self._hub = SourceHealer(nc, FLEET_REGIONS)
        self._inboxes: dict[str, SourceHealer] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def restarts(self) -> int:
        return self._hub.restarts + sum(h.restarts for h in self._inboxes.values())

    async def add(self, clusters: list[str]) -> None:
        new = [c for c in clusters if c not in self.clusters]
        if not new:
            return
        self.clusters += new
        for cluster in new:
            self._inboxes[cluster] = SourceHealer(self._nc, FLEET_INBOX, domain=cluster)
        await source_clusters(self._nc.jetstream(), new)
        await asyncio.gather(*(self.link(c) for c in new))

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._loop())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)

    async def link(self, cluster: str) -> None:
        js = self._nc.jetstream(domain=cluster, timeout=self._timeout)
        try:
            await link_cluster(js, cluster)
        except (TimeoutError, NatsError) as error:
            log.debug("fleet.cluster_unreachable", cluster=cluster, error=str(error))
            return
        self.linked.add(cluster)

    async def check(self) -> None:
        """Link the clusters not linked yet, restart the stale sources on both sides."""
        await asyncio.gather(*(self.link(c) for c in self.clusters if c not in self.linked))
        checks = [self._hub.check(lambda api: reachable(self._nc, domain_of(api)))]
        checks += [
            healer.check(lambda api: reachable(self._nc, HUB_DOMAIN))
            for cluster, healer in self._inboxes.items()
            if cluster in self.linked
        ]
        for outcome in await asyncio.gather(*checks, return_exceptions=True):
            if isinstance(outcome, Exception):
                log.debug("fleet.link_check_failed", error=str(outcome))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.check()
