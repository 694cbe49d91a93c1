"""A fake Kubernetes API server over real HTTP, for tests (no cluster, no kubeconfig).

Why not kmock: it is not a dependency of the project, and its storage has none of what the
code under test relies on (resourceVersion, uid, generation, conditional PUT, selectors,
resumable watches, real subresources); a subclass would replace nearly every verb while
depending on kmock's private modules. This server is aiohttp (a dependency already) over an
in-memory store with the API server's semantics; see `kube_store` and `kube_watch` for the
exact rules and tests/integration/kubernetes/test_fake_api.py for the tests that pin them.

Use it from pytest with the fixtures (import them in a conftest or test module):

    from tests.support.kube import fake_kube, kube_client  # noqa: F401

    async def test_something(fake_kube: FakeKube, kube_client: ApiClient) -> None:
        fake_kube.create({"apiVersion": "v1", "kind": "Service", ...})   # in-process seeding
        await CoreV1Api(kube_client).read_namespaced_service("demo", "default")  # over HTTP

or on its own: `async with FakeKube(ready_delay=0.1) as kube, api_client_for(kube.url) as c:`.

Quick reference (details in the methods' docstrings):
- served: core/v1 namespaces (cluster), services, secrets, configmaps, pods, events; apps/v1
  replicasets, deployments; batch/v1 jobs; networking.k8s.io/v1 ingresses; events.k8s.io/v1
  events; coordination.k8s.io/v1 leases; argoproj.io/v1alpha1 rollouts, analysistemplates,
  clusteranalysistemplates (cluster), analysisruns, experiments; networking.istio.io/v1beta1
  virtualservices, destinationrules; split.smi-spec.io/v1alpha1..3 trafficsplits;
  gateway.networking.k8s.io/v1 httproutes. More with `register(ResourceType(...))`.
- in-process: create(manifest, keep_status=), get, objects, patch (merge), set_status, delete,
  wait_for(resource, ns, name, predicate), resource_version, changes() (the history).
- watches: history_limit, compact(), end_watches(expired=), open_watches, and
  `FakeKube(watch=WatchSettings(default_timeout=, bookmark_interval=, expired_as_event=))`.
- faults: fail_next(code, times, verbs=, resource=, namespace=, name=, subresource=), slow(),
  latency; the log: requests, requests_for(verb, resource, subresource).
- pods/eviction (policy/v1): deletes the pod at once; the stand-in below replaces it
  (`kube_eviction`; a budget's refusal is `fail_next(429, subresource="eviction", ...)`).
- ReplicaSet controller + kubelet stand-in: `FakeKube(simulate_replicasets=, ready_delay=,
  min_ready_scale=)`, then `replicasets.hold(ns, name)` / `release`, `replicasets.enabled`.
- restart: stop() then start() serves the same store on the same port.
- CRDs: a created CustomResourceDefinition (`install_crds(paths)`) serves its type, printer
  columns and schema (kube_crds, kube_schema); kubectl works: OpenAPI v3 (kube_openapi),
  Tables for `kubectl get` (kube_table), client- and server-side apply (kube_patch).
Not modelled: server-side apply's field ownership (an apply patch merges),
finalizers and garbage collection (only the stand-in deletes a deleted ReplicaSet's pods),
paging (`limit`/`continue` are ignored), strategic merge by list keys (merged as a JSON
merge patch), admission and most validation, namespaces existing before use, authentication,
/openapi/v2.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest
from aiohttp import web
from kubernetes_asyncio.client import ApiClient, Configuration

from tests.support.kube_crds import CrdController, install_crds
from tests.support.kube_faults import ANY, READ_VERBS, WRITE_VERBS, Fault, Faults, Slowness
from tests.support.kube_http import KubeHttp, KubeRequest, WatchSettings
from tests.support.kube_replicasets import ReplicaSetController
from tests.support.kube_resources import DEFAULT_RESOURCES, Registry, ResourceType
from tests.support.kube_store import Change, Obj, Store
from tests.support.kube_watch import Watches

__all__ = [
    "ANY",
    "READ_VERBS",
    "WRITE_VERBS",
    "FakeKube",
    "api_client_for",
    "fake_kube",
    "kube_client",
]
Resource = str | ResourceType


class FakeKube:
    """The server, its store (for in-process reads and writes) and its test knobs.

    Knobs: `history_limit` (changes kept for watch resumption), `watch` (WatchSettings:
    default timeout, bookmark interval, how 410 is sent), `faults` (fail_next, slow, latency),
    `replicasets` (the ReplicaSet controller stand-in: ready_delay, hold/release, enabled).
    """

    def __init__(
        self,
        *,
        resources: Iterable[ResourceType] = DEFAULT_RESOURCES,
        history_limit: int = 1000,
        simulate_replicasets: bool = True,
        ready_delay: float = 0.05,
        min_ready_scale: float = 1.0,
        watch: WatchSettings | None = None,
    ) -> None:
        self.registry = Registry(resources)
        self.store = Store(self.registry, history_limit)
        self.store.subscribe(CrdController(self.store, self.registry))
        self.watches = Watches(self.store)
        self.faults = Faults()
        self.watch = watch or WatchSettings()
        self.http = KubeHttp(self.store, self.watches, self.faults, self.watch)
        self.replicasets = ReplicaSetController(
            self.store,
            ready_delay=ready_delay,
            min_ready_scale=min_ready_scale,
            enabled=simulate_replicasets,
        )
        self._runner: web.AppRunner | None = None
        self.port = 0

    # lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Self:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self.http.handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Ends every watch, then the server. The store is kept: `start()` serves it again
        (on the same port), which is how a test simulates an API server restart."""
        self.watches.end_all()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def close(self) -> None:
        self.replicasets.stop()
        self.watches.close()
        await self.stop()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # in-process access to the store (no HTTP, no faults, same semantics and watch events)

    def register(self, resource: ResourceType) -> None:
        self.registry.register(resource)

    def install_crds(self, paths: Iterable[Path]) -> list[Obj]:
        """Create or replace the CRDs in these YAML files: their types are served at once."""
        return install_crds(self.store, paths)

    def resource(self, name: Resource) -> ResourceType:
        return self.registry.named(name)

    def create(self, obj: Obj, *, keep_status: bool = False) -> Obj:
        """Create a manifest (type from apiVersion+kind, namespace from metadata, "default" if
        absent); `keep_status=True` keeps its status, to seed objects a controller wrote."""
        resource = self.registry.of_object(obj)
        namespace = (obj.get("metadata") or {}).get("namespace") or "default"
        return self.store.create(
            resource, namespace if resource.namespaced else "", obj, keep_status=keep_status
        )

    def get(self, resource: Resource, namespace: str, name: str) -> Obj | None:
        """The object, or None if it does not exist (namespace "" for cluster-scoped)."""
        return self.store.find(self.resource(resource), namespace, name)

    def objects(self, resource: Resource, namespace: str | None = None) -> list[Obj]:
        return self.store.list(self.resource(resource), namespace)

    def patch(self, resource: Resource, namespace: str, name: str, patch: Obj) -> Obj:
        """A JSON merge patch of the main resource (status is ignored, as over HTTP)."""
        merge = "application/merge-patch+json"
        return self.store.patch(self.resource(resource), namespace, name, merge, patch)

    def set_status(self, resource: Resource, namespace: str, name: str, status: Obj) -> Obj:
        """Replace the status, as the controller owning the object would."""
        kind = self.resource(resource)
        current = self.store.get(kind, namespace, name)
        return self.store.replace(kind, namespace, name, {**current, "status": status}, status=True)

    def delete(self, resource: Resource, namespace: str, name: str) -> Obj:
        return self.store.delete(self.resource(resource), namespace, name)

    @property
    def resource_version(self) -> int:
        """The last resourceVersion handed out (the global counter)."""
        return self.store.version

    def changes(self, resource: Resource | None = None) -> list[Change]:
        """The retained change history (bounded by history_limit), oldest first."""
        wanted = None if resource is None else self.resource(resource)
        return [c for c in self.store.history() if wanted in (None, c.resource)]

    async def wait_for(
        self,
        resource: Resource,
        namespace: str,
        name: str,
        predicate: Callable[[Obj | None], bool],
        timeout: float = 5.0,
    ) -> Obj | None:
        """The object once `predicate(obj or None)` holds; TimeoutError after `timeout`."""
        kind = self.resource(resource)
        async with asyncio.timeout(timeout):
            while not predicate(found := self.store.find(kind, namespace, name)):
                await asyncio.sleep(0.005)
        return found

    # watch and history knobs

    @property
    def history_limit(self) -> int:
        return self.store.history_limit

    @history_limit.setter
    def history_limit(self, limit: int) -> None:
        self.store.history_limit = limit

    def compact(self) -> None:
        """Forget the change history: watches from any earlier resourceVersion get 410."""
        self.store.compact()

    def end_watches(self, *, expired: bool = False) -> None:
        """End every open watch: as a dropped connection, or (expired) with a 410 ERROR."""
        self.watches.end_all(expired=expired)

    @property
    def open_watches(self) -> int:
        return self.watches.open_streams

    # faults and the request log

    def fail_next(self, code: int = 409, times: int = 1, **match: Any) -> Fault:
        """The next `times` matching requests fail with `code`. Match on verbs (default: the
        writes), resource (plural or plural.group), namespace, name, subresource."""
        return self.faults.fail_next(code, times, **match)

    def slow(self, seconds: float, **match: Any) -> Slowness:
        return self.faults.slow(seconds, **match)

    @property
    def latency(self) -> float:
        return self.faults.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.faults.latency = seconds

    @property
    def requests(self) -> list[KubeRequest]:
        return self.http.requests

    def requests_for(
        self, verb: str | None = None, resource: str | None = None, subresource: str | None = ANY
    ) -> list[KubeRequest]:
        """Logged requests by verb (get, list, watch, create, update, patch, delete...),
        resource (plural or plural.group) and subresource (ANY, None, "status", "scale")."""
        return [
            request
            for request in self.http.requests
            if request.call is not None
            and verb in (None, request.call.verb)
            and resource in (None, request.call.resource.plural, request.call.resource.qualified)
            and subresource in (ANY, request.call.subresource)
        ]


def api_client_for(url: str) -> ApiClient:
    """A kubernetes_asyncio client for `url`, built from a Configuration (no kubeconfig).
    Close it (`async with` or `await client.close()`); that is the caller's job."""
    configuration = Configuration(host=url)
    configuration.verify_ssl = False
    return ApiClient(configuration)


@pytest.fixture
async def fake_kube() -> AsyncIterator[FakeKube]:
    """A started fake API server with the ReplicaSet controller stand-in (ready in 0.05 s)."""
    async with FakeKube() as kube:
        yield kube


@pytest.fixture
async def kube_client(fake_kube: FakeKube) -> AsyncIterator[ApiClient]:
    async with api_client_for(fake_kube.url) as client:
        yield client
