"""Watch streams of the fake API server.

A watch without `resourceVersion` (or with "0") starts with a synthetic ADDED event for every
matching object, then streams changes; with a resourceVersion it replays the retained changes
after it (410 Gone if they are no longer retained) and streams on. Selectors apply to each
change as the real server applies them: an object that stops matching is reported DELETED to
that watch, one that starts matching ADDED. A stream ends after `timeoutSeconds` (a BOOKMARK
with the current resourceVersion first, if the client allowed bookmarks), when a test calls
`end_all()` (a dropped connection, or `expired=True`: a 410 ERROR event, as a server whose
watch cache fell behind sends), or when the server stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from tests.support.kube_errors import KubeError
from tests.support.kube_resources import ResourceType
from tests.support.kube_selectors import Matcher
from tests.support.kube_store import Change, Obj, Store

POLL = 0.5
END = object()
EXPIRED = object()


@dataclass(frozen=True, slots=True)
class WatchRequest:
    resource: ResourceType
    namespace: str | None
    labels: Matcher
    fields: Matcher
    resource_version: str | None
    timeout: float
    bookmarks: bool = False
    bookmark_interval: float | None = None

    def matches(self, obj: Obj) -> bool:
        namespace = (obj.get("metadata") or {}).get("namespace", "")
        in_scope = self.namespace is None or namespace == self.namespace
        return in_scope and self.labels(obj) and self.fields(obj)

    def event_for(self, change: Change) -> dict[str, Any] | None:
        if change.resource != self.resource:
            return None
        now = self.matches(change.obj)
        before = change.old is not None and self.matches(change.old)
        if change.type == "MODIFIED":
            kind = {(True, True): "MODIFIED", (False, True): "ADDED", (True, False): "DELETED"}
            chosen = kind.get((before, now))
        else:
            chosen = change.type if now else None
        return None if chosen is None else {"type": chosen, "object": change.obj}


class WatchStream:
    def __init__(self, watches: Watches, request: WatchRequest, initial: list[dict[str, Any]]):
        self.request = request
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self._watches = watches
        self._initial = initial

    async def events(
        self, alive: Callable[[], bool] = lambda: True
    ) -> AsyncIterator[dict[str, Any]]:
        """Every event for this stream, until it times out, is ended, or `alive()` says the
        client has gone (checked at least every POLL seconds)."""
        try:
            for event in self._initial:
                yield event
            async for event in self._live(alive):
                yield event
        finally:
            self._watches.discard(self)

    async def _live(self, alive: Callable[[], bool]) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.request.timeout
        interval = self.request.bookmark_interval if self.request.bookmarks else None
        next_bookmark = loop.time() + interval if interval else deadline
        while (remaining := deadline - loop.time()) > 0 and alive():
            wait = min(remaining, POLL, max(next_bookmark - loop.time(), 0.0))
            try:
                item = await asyncio.wait_for(self.queue.get(), wait)
            except TimeoutError:
                if interval and loop.time() >= next_bookmark and deadline > loop.time():
                    next_bookmark = loop.time() + interval
                    yield self._bookmark()
                continue
            if item is END:
                return
            if item is EXPIRED:
                yield _expired(self._watches.store)
                return
            yield item
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if isinstance(item, dict):
                yield item
        if self.request.bookmarks:
            yield self._bookmark()

    def _bookmark(self) -> dict[str, Any]:
        resource = self.request.resource
        version = str(self._watches.store.version)
        obj = {"kind": resource.kind, "apiVersion": resource.api_version}
        return {"type": "BOOKMARK", "object": {**obj, "metadata": {"resourceVersion": version}}}


class Watches:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._streams: set[WatchStream] = set()
        self._closed = False
        store.subscribe(self._on_change)

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    def open(self, request: WatchRequest) -> WatchStream:
        """Raises KubeError (410 Gone, 400) before anything is streamed."""
        stream = WatchStream(self, request, self._initial(request))
        if self._closed:
            stream.queue.put_nowait(END)
        self._streams.add(stream)
        return stream

    def discard(self, stream: WatchStream) -> None:
        self._streams.discard(stream)

    def end_all(self, *, expired: bool = False) -> None:
        for stream in self._streams:
            stream.queue.put_nowait(EXPIRED if expired else END)

    def close(self) -> None:
        self._closed = True
        self.end_all()
        self.store.unsubscribe(self._on_change)

    def _initial(self, request: WatchRequest) -> list[dict[str, Any]]:
        version = request.resource_version
        if version in (None, "", "0"):
            objects = self.store.list(request.resource, request.namespace)
            return [{"type": "ADDED", "object": obj} for obj in objects if request.matches(obj)]
        try:
            since = int(str(version))
        except ValueError:
            raise KubeError.bad_request(f"invalid resource version {version!r}") from None
        changes = self.store.changes_after(since)
        return [event for change in changes if (event := request.event_for(change))]

    def _on_change(self, change: Change) -> None:
        for stream in self._streams:
            event = stream.request.event_for(change)
            if event is not None:
                stream.queue.put_nowait(event)


def _expired(store: Store) -> dict[str, Any]:
    """What a server whose watch cache moved past this watch sends before closing it."""
    return {"type": "ERROR", "object": KubeError.gone(store.version, store.version + 1).status()}
