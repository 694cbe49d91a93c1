"""List-then-watch of the rollouts' ReplicaSets, as a Kubernetes reflector does it.

One list gives the state and a resourceVersion; watches then resume from the last version
seen (each event's, or a BOOKMARK's). A watch that ends (the server's `timeoutSeconds`, a
dropped connection, no data for longer than the timeout) is reopened from that version; only a
410 Gone (an ERROR event or an HTTP 410: the server no longer has that version) makes it list
again (at once; with back-off if even a fresh list's version is refused). Other failures back
off exponentially (up to `MAX_DELAY`) and retry; nothing is lost because a resumed watch
replays what happened meanwhile, and a relist reconciles the rest.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import structlog

from adapters.kubernetes.errors import KubernetesError, call_json, from_status, unreachable
from adapters.kubernetes.statuses import StatusBook

log = structlog.get_logger("rollouts.kubernetes")
MAX_DELAY = 30.0
CONNECT_TIMEOUT = 10.0
READ_GRACE = 15.0


class ReplicaSetWatcher:
    def __init__(
        self,
        apps: Any,
        book: StatusBook,
        namespace: str | None,
        *,
        selector: str,
        timeout_seconds: int,
        request_timeout: float,
        retry_delay: float,
    ) -> None:
        self._apps = apps
        self._book = book
        self.namespace = namespace
        self._selector = selector
        self._timeout = timeout_seconds
        self._request_timeout = request_timeout
        self._retry_delay = retry_delay
        self.version: str | None = None
        self.lists = 0
        self.watches = 0

    @property
    def _where(self) -> str:
        return f"namespace {self.namespace}" if self.namespace else "all namespaces"

    async def run(self) -> None:
        failures = 0
        while True:
            listed = self.version is None
            try:
                if listed:
                    await self._list()
                await self._watch()
                failures = 0
            except KubernetesError as error:
                if error.expired:
                    self.version = None
                    if not listed:
                        continue
                failures += 1
                log.warning("kubernetes.watch_failed", where=self._where, error=str(error))
            except Exception as error:
                # A surprise (a malformed object...) must not end the statuses for good.
                failures += 1
                self.version = None
                log.error("kubernetes.watch_crashed", where=self._where, error=repr(error))
            else:
                continue
            await asyncio.sleep(min(self._retry_delay * 2 ** (failures - 1), MAX_DELAY))

    def _scope(self) -> tuple[Any, tuple[str, ...]]:
        """The list method (which also watches) and its positional arguments."""
        if self.namespace is None:
            return self._apps.list_replica_set_for_all_namespaces, ()
        return self._apps.list_namespaced_replica_set, (self.namespace,)

    async def _list(self) -> None:
        method, args = self._scope()
        listed = await call_json(
            f"list ReplicaSets in {self._where}",
            method(
                *args,
                label_selector=self._selector,
                _preload_content=False,
                _request_timeout=self._request_timeout,
            ),
        )
        self.lists += 1
        self._book.relist(self.namespace, listed.get("items") or [])
        self.version = str((listed.get("metadata") or {}).get("resourceVersion") or "") or None

    async def _watch(self) -> None:
        action = f"watch ReplicaSets in {self._where}"
        method, args = self._scope()
        self.watches += 1
        try:
            response = await method(
                *args,
                label_selector=self._selector,
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
        try:
            while line := await response.content.readline():
                self._handle(action, json.loads(line))
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise unreachable(action, error) from None
        except ValueError:
            raise KubernetesError(f"{action}: the API sent a line that is not JSON") from None

    def _handle(self, action: str, event: dict[str, Any]) -> None:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            raise from_status(action, int(obj.get("code") or 500), obj)
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if version:
            self.version = str(version)
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            self._book.observe(str(kind), obj)
