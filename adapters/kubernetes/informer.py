"""List-then-watch of one resource type, with a cache, handing each change to a handler.

Like client-go's reflector: a list gives every object and a resourceVersion, watches resume
from the last version seen (an event's or a BOOKMARK's) and reopen when they end (the server's
timeout, a dropped connection, a read timeout). Only a 410 Gone lists again; a relist is
compared with the cache so the handler sees what changed meanwhile (ADDED, MODIFIED, DELETED)
and nothing twice. Other failures back off exponentially and retry.

The handler gets `(type, old, new)` in the order the API reports changes; `old` is the cached
version before the change (None when the object is new to this process). A handler that raises
is logged and the informer goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import structlog

from adapters.kubernetes import bounded_json
from adapters.kubernetes.errors import KubernetesError, call_json, from_status, unreachable
from adapters.kubernetes.objects import Key, Obj, key_of, version_of
from adapters.runtime.tasks import Running, Spawn, spawn_task

log = structlog.get_logger("rollouts.kubernetes")

Handler = Callable[[str, Obj | None, Obj], Awaitable[None]]
MAX_DELAY = 30.0
CONNECT_TIMEOUT = 10.0
READ_GRACE = 15.0


class Source(Protocol):
    """What an informer lists and watches: `call` is the generated client's list method (which
    also watches, given `watch=True`) for one namespace or, with None, all of them."""

    @property
    def namespaced(self) -> bool: ...

    @property
    def name(self) -> str: ...

    def call(self, api: Any, namespace: str | None, **options: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class CustomResource:
    group: str
    version: str
    plural: str
    namespaced: bool = True

    @property
    def name(self) -> str:
        return f"{self.plural}.{self.group}"

    def call(self, api: Any, namespace: str | None, **options: Any) -> Any:
        if namespace is None:
            return api.list_cluster_custom_object(self.group, self.version, self.plural, **options)
        return api.list_namespaced_custom_object(
            self.group, self.version, namespace, self.plural, **options
        )


@dataclass(frozen=True, slots=True)
class ReplicaSets:
    """apps/v1 ReplicaSets carrying the label `selector` (the rollouts' pod-template hash)."""

    selector: str
    namespaced: bool = True
    name: str = "replicasets.apps"

    def call(self, api: Any, namespace: str | None, **options: Any) -> Any:
        if namespace is None:
            return api.list_replica_set_for_all_namespaces(label_selector=self.selector, **options)
        return api.list_namespaced_replica_set(namespace, label_selector=self.selector, **options)


class Informer:
    def __init__(
        self,
        api: Any,
        resource: Source,
        namespace: str | None,
        handler: Handler,
        *,
        timeout_seconds: int = 300,
        request_timeout: float = 30.0,
        retry_delay: float = 0.5,
    ) -> None:
        """`namespace`: None watches every namespace (or a cluster-scoped resource)."""
        self._api = api
        self.resource = resource
        self.namespace = namespace if resource.namespaced else None
        self._handler = handler
        self._timeout = timeout_seconds
        self._request_timeout = request_timeout
        self._retry_delay = retry_delay
        self.cache: dict[Key, Obj] = {}
        self.version: str | None = None
        self.synced = asyncio.Event()
        self.lists = 0
        self.watches = 0

    @property
    def where(self) -> str:
        scope = f"namespace {self.namespace}" if self.namespace else "all namespaces"
        return f"{self.resource.name} in {scope}"

    async def run(self) -> None:
        failures = 0
        while True:
            listed = self.version is None
            try:
                if listed:
                    await self._list()
                await self._watch()
                failures = 0
                continue
            except KubernetesError as error:
                if error.expired:
                    self.version = None
                    if not listed:
                        log.info("kubernetes.watch_expired", where=self.where)
                        continue
                failures += 1
                log.warning("kubernetes.watch_failed", where=self.where, error=str(error))
            except Exception as error:  # a malformed answer: list again rather than stop
                failures += 1
                self.version = None
                log.error("kubernetes.watch_crashed", where=self.where, error=repr(error))
            await asyncio.sleep(min(self._retry_delay * 2 ** (failures - 1), MAX_DELAY))

    def _call(self, **options: Any) -> Any:
        return self.resource.call(self._api, self.namespace, **options)

    async def _list(self) -> None:
        request = self._call(_preload_content=False, _request_timeout=self._request_timeout)
        listed = await call_json(f"list {self.where}", request)
        self.lists += 1
        items = [item for item in listed.get("items") or [] if isinstance(item, dict)]
        await self._replace(items)
        self.version = str((listed.get("metadata") or {}).get("resourceVersion") or "") or None
        self.synced.set()

    async def _replace(self, items: list[Obj]) -> None:
        seen: set[Key] = set()
        for item in items:
            key = key_of(item)
            seen.add(key)
            old = self.cache.get(key)
            if old is None:
                await self._deliver("ADDED", item)
            elif version_of(old) != version_of(item):
                await self._deliver("MODIFIED", item)
        for key in [key for key in self.cache if key not in seen]:
            await self._deliver("DELETED", self.cache[key])

    async def _watch(self) -> None:
        action = f"watch {self.where}"
        self.watches += 1
        try:
            response = await self._call(
                watch=True,
                allow_watch_bookmarks=True,
                resource_version=self.version,
                timeout_seconds=self._timeout,
                _preload_content=False,
                _request_timeout=(CONNECT_TIMEOUT, self._timeout + READ_GRACE),
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise unreachable(action, error) from None
        async with response:
            if response.status != 200:
                raise from_status(action, response.status, await response.read(), response.reason)
            await self._read(action, response)

    async def _read(self, action: str, response: Any) -> None:
        while True:
            try:
                line = await response.content.readline()
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                raise unreachable(action, error) from None
            if not line:
                return
            try:
                event = bounded_json.loads(line)  # a too-deep object: refused later, alone
            except ValueError:
                raise KubernetesError(f"{action}: the API sent a line that is not JSON") from None
            await self._event(action, event)

    async def _event(self, action: str, event: dict[str, Any]) -> None:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            raise from_status(action, int(obj.get("code") or 500), obj)
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            await self._deliver(str(kind), obj)
        if version := version_of(obj):
            self.version = version

    async def _deliver(self, kind: str, obj: Obj) -> None:
        key = key_of(obj)
        old = self.cache.get(key)
        if kind == "DELETED":
            self.cache.pop(key, None)
        else:
            self.cache[key] = obj
        try:
            await self._handler(kind, old, obj)
        except Exception as error:  # a bug in the handler must not end the watch
            log.error("kubernetes.handler_failed", where=self.where, error=repr(error))


class InformerSet:
    """Informers that run together (one per watched namespace and resource): started, synced
    and stopped as one."""

    def __init__(self, informers: Sequence[Informer]) -> None:
        self.informers = list(informers)
        self._tasks: list[Running] = []

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def start(self, spawn: Spawn = spawn_task) -> None:
        """A restarted informer resumes from its cache and last resourceVersion."""
        if not self._tasks:
            self._tasks = [
                spawn(f"watch-{informer.where}", informer.run) for informer in self.informers
            ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await asyncio.gather(*(task.stop() for task in tasks))

    async def synced(self, timeout: float = 30.0) -> None:
        """Until every informer has listed once."""
        async with asyncio.timeout(timeout):
            for informer in self.informers:
                await informer.synced.wait()
