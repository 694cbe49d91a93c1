"""The HTTP face of the fake API server (aiohttp): requests in, Kubernetes answers out.

Every request is logged (`requests`), routed, passed through the fault rules, then served from
the store. Responses have the real server's shapes and codes: 201 on create, `<Kind>List` with
a `metadata.resourceVersion` on list, a `Status` on errors and on deleting a built-in kind (a
custom resource's DELETE answers the deleted object), chunked JSON lines on watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from tests.support.kube_errors import KubeError
from tests.support.kube_eviction import evict_pod
from tests.support.kube_faults import Call, Faults
from tests.support.kube_openapi import openapi
from tests.support.kube_patch import APPLY, apply_body, content_kind
from tests.support.kube_resources import PODS
from tests.support.kube_routes import Target, discovery, parse, verb
from tests.support.kube_scale import get_scale, patch_scale, replace_scale
from tests.support.kube_schema import field_validation
from tests.support.kube_selectors import field_matcher, label_matcher
from tests.support.kube_store import Obj, Store
from tests.support.kube_table import table_answer, table_events, table_version
from tests.support.kube_watch import Watches, WatchRequest

TRUE = ("true", "True", "TRUE", "1", "t", "T")


@dataclass(frozen=True, slots=True)
class KubeRequest:
    """One request the fake received, for tests that assert how the API was used."""

    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: Any
    call: Call | None
    user_agent: str = ""

    @property
    def verb(self) -> str:
        return self.call.verb if self.call else ""


@dataclass
class WatchSettings:
    default_timeout: float = 1800.0
    """Seconds a watch without `timeoutSeconds` stays open (the real server picks 30-60 min)."""
    bookmark_interval: float | None = None
    """If set, watches that allow bookmarks also get one this often (else only at timeout)."""
    expired_as_event: bool = True
    """How a too-old resourceVersion is refused: a 200 stream with one ERROR event (as the
    watch cache does) or, if False, a plain HTTP 410 Status response."""


class KubeHttp:
    def __init__(self, store: Store, watches: Watches, faults: Faults, watch: WatchSettings):
        self.store = store
        self.watches = watches
        self.faults = faults
        self.watch = watch
        self.requests: list[KubeRequest] = []
        self.warnings: list[tuple[str, str]] = []
        """(path, text) of every `Warning` header sent: unknown fields dropped (kube_schema)."""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        try:
            return await self._serve(request, body)
        except KubeError as error:
            return web.json_response(error.status(), status=error.code)

    async def _serve(self, request: web.Request, body: Any) -> web.StreamResponse:
        registry = self.store.registry
        document = discovery(registry, request.path) or openapi(registry, request.path)
        if document is not None and request.method == "GET":
            self._log(request, body, None)
            return web.json_response(document)
        try:
            target = parse(self.store.registry, request.path)
        except KubeError:
            self._log(request, body, None)
            raise
        watching = request.query.get("watch", "") in TRUE
        call = Call(
            verb(request.method, target, watching),
            target.resource,
            target.namespace,
            target.name,
            target.subresource,
        )
        self._log(request, body, call)
        dry_run = request.query.get("dryRun")
        if dry_run not in (None, "All"):
            raise KubeError.bad_request(
                f'dryRun: Unsupported value: "{dry_run}": supported values: "All"'
            )
        if delay := self.faults.delay_for(call):
            await asyncio.sleep(delay)
        if error := self.faults.take(call):
            raise error
        if call.verb == "watch":
            return await self._watch(request, target)
        self.store.warnings = []
        self.store.validation = field_validation(request.query.get("fieldValidation"))
        try:
            with self.store.dry_run() if dry_run else contextlib.nullcontext():
                status, answer = self._dispatch(call, target, request, body)
        finally:
            self.store.validation = "Ignore"
        headers = CIMultiDict(("Warning", _warning(text)) for text in self.store.warnings)
        self.warnings += [(request.path, text) for text in self.store.warnings]
        version = table_version(request.headers.get("Accept", ""))
        if version is not None and call.verb in ("get", "list") and target.subresource is None:
            answer = table_answer(target.resource, answer, version, request.query)
        return web.json_response(answer, status=status, headers=headers)

    def _log(self, request: web.Request, body: Any, call: Call | None) -> None:
        content_type = request.headers.get("Content-Type", "")
        self.requests.append(
            KubeRequest(
                request.method,
                request.path,
                dict(request.query),
                content_type,
                body,
                call,
                request.headers.get("User-Agent", ""),
            )
        )

    def _dispatch(
        self, call: Call, target: Target, request: web.Request, body: Any
    ) -> tuple[int, Obj]:
        if target.subresource is not None:
            return 200, self._subresource(call.verb, target, request, body)
        resource, namespace = target.resource, target.namespace or ""
        if call.verb == "list":
            return 200, self._list(target, request)
        if call.verb == "create":
            if target.namespace is None:
                raise KubeError.method_not_allowed("POST", str(resource))
            return 201, self.store.create(resource, namespace, body)
        if call.verb == "deletecollection":
            return 200, self._delete_collection(target, request)
        if call.verb == "get":
            return 200, self.store.get(resource, namespace, target.name)
        if call.verb == "update":
            return 200, self.store.replace(resource, namespace, target.name, body)
        if call.verb == "patch":
            return self._patch(target, request, body)
        return 200, self._delete(target, body)

    def _patch(self, target: Target, request: web.Request, body: Any) -> tuple[int, Obj]:
        """A patch; an apply patch (server-side apply) of a missing object creates it."""
        resource, namespace, name = target.resource, target.namespace or "", target.name
        content_type = request.headers.get("Content-Type", "")
        if content_kind(content_type) == APPLY:
            if not request.query.get("fieldManager"):
                raise KubeError.bad_request(
                    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                    "is required for apply patch"
                )
            if self.store.find(resource, namespace, name) is None:
                obj = apply_body(body, name)
                return 201, self.store.create(resource, namespace, obj)
        return 200, self.store.patch(resource, namespace, name, content_type, body)

    def _subresource(self, verb_name: str, target: Target, request: web.Request, body: Any) -> Obj:
        resource, namespace, name = target.resource, target.namespace or "", target.name
        content_type = request.headers.get("Content-Type", "")
        if target.subresource == "scale" and resource.scale is not None:
            if verb_name == "get":
                return get_scale(self.store, resource, namespace, name)
            if verb_name == "update":
                return replace_scale(self.store, resource, namespace, name, body)
            if verb_name == "patch":
                return patch_scale(
                    self.store, resource, namespace, name, content_type=content_type, patch=body
                )
        if target.subresource == "eviction" and resource is PODS and verb_name == "create":
            return evict_pod(self.store, namespace, name)
        if target.subresource == "status" and resource.status:
            if verb_name == "get":
                return self.store.get(resource, namespace, name)
            if verb_name == "update":
                return self.store.replace(resource, namespace, name, body, status=True)
            if verb_name == "patch":
                return self.store.patch(resource, namespace, name, content_type, body, status=True)
        raise KubeError.not_found_resource(f"{resource.qualified}/{target.subresource}")

    def _list(self, target: Target, request: web.Request) -> Obj:
        labels = label_matcher(request.query.get("labelSelector"))
        fields = field_matcher(request.query.get("fieldSelector"))
        items = self.store.list(target.resource, target.namespace, labels, fields)
        if target.resource.builtin:
            for item in items:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return {
            "apiVersion": target.resource.api_version,
            "kind": f"{target.resource.kind}List",
            "metadata": {"resourceVersion": str(self.store.version)},
            "items": items,
        }

    def _delete(self, target: Target, options: Any) -> Obj:
        preconditions = options.get("preconditions") if isinstance(options, dict) else None
        resource = target.resource
        gone = self.store.delete(resource, target.namespace or "", target.name, preconditions)
        if not resource.builtin:
            return gone
        details = {"name": target.name, "kind": resource.plural, "uid": gone["metadata"]["uid"]}
        if resource.group:
            details["group"] = resource.group
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": details}  # fmt: skip

    def _delete_collection(self, target: Target, request: web.Request) -> Obj:
        listed = self._list(target, request)
        for item in listed["items"]:
            metadata = item["metadata"]
            self.store.delete(target.resource, metadata.get("namespace", ""), metadata["name"])
        return listed

    async def _watch(self, request: web.Request, target: Target) -> web.StreamResponse:
        query = request.query
        timeout = float(query.get("timeoutSeconds") or self.watch.default_timeout)
        watch_request = WatchRequest(
            resource=target.resource,
            namespace=target.namespace,
            labels=label_matcher(query.get("labelSelector")),
            fields=field_matcher(query.get("fieldSelector")),
            resource_version=query.get("resourceVersion"),
            timeout=timeout,
            bookmarks=query.get("allowWatchBookmarks", "") in TRUE,
            bookmark_interval=self.watch.bookmark_interval,
        )
        try:
            stream = self.watches.open(watch_request)
        except KubeError as error:
            if error.code != 410 or not self.watch.expired_as_event:
                raise
            return await _stream(request, [{"type": "ERROR", "object": error.status()}])
        events = stream.events(lambda: _connected(request))
        version = table_version(request.headers.get("Accept", ""))
        if version is not None:
            events = table_events(target.resource, events, version, query)
        return await _stream(request, events)


async def _stream(request: web.Request, events: Any) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        if isinstance(events, list):
            for event in events:
                await response.write(json.dumps(event).encode() + b"\n")
        else:
            async with contextlib.aclosing(events) as live:
                async for event in live:
                    await response.write(json.dumps(event).encode() + b"\n")
        await response.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass
    return response


def _warning(text: str) -> str:
    """A `Warning` header value (RFC 7234: code, agent, quoted text with escapes)."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{quoted}"'


def _connected(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()


async def _body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
