"""The composition root on Kubernetes: the app of `create_app` on a cluster, plus what makes it
a drop-in replacement for Argo Rollouts' controller there.

`create_kubernetes_app(settings, api_client, workers=..., namespaces=...)` wires:
- the platform: `KubernetesPlatform` (ReplicaSets, Services, their status watch) for the
  scaler; the traffic router (`adapters.traffic`, or the one given) for the traffic worker;
- with the controller: the Rollout watcher (spec generations -> ApplySpec, the plugin's and
  Argo CD's status patches -> commands) and the status writer (state -> `.status`);
- with `watch_templates` (default: when the analysis worker runs here): the AnalysisTemplate
  and ClusterAnalysisTemplate watcher feeding the template store;
- with the analysis worker: the `job` metric provider runs Kubernetes Jobs
  (`KubernetesJobProvider`; in ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE if set, as Argo) and
  `secretKeyRef` arguments are read from the cluster's Secrets (`KubernetesSecretStore`).

Start order: platform watch, app (NATS, projection rebuilt, workers), status writer, Rollout
watcher (it needs the rebuilt projection to check inputs and the connection to publish them),
template watcher. Stop is the reverse. The caller owns (and closes) the ApiClient.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kubernetes_asyncio import client

from adapters.analysis.kubernetes_job import KubernetesJobProvider
from adapters.analysis.kubernetes_secrets import KubernetesSecretStore
from adapters.analysis.templates import KvTemplateStore, TemplateStore
from adapters.kubernetes.book import RolloutBook
from adapters.kubernetes.objects import GROUP, VERSION
from adapters.kubernetes.platform import KubernetesPlatform
from adapters.kubernetes.routing import default_router
from adapters.kubernetes.status_writer import StatusWriter
from adapters.kubernetes.template_watcher import TemplateWatcher
from adapters.kubernetes.watcher import RolloutWatcher
from adapters.notify import NotificationConfig
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import Settings
from adapters.workers.app import ALL_WORKERS, DEFAULT_WORKERS, RolloutsApp, create_app
from rollouts.ports import Clock, TrafficRouter

JOB_NAMESPACE_ENV = "ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE"


@dataclass(frozen=True, slots=True)
class WatchOptions:
    namespaces: Sequence[str] | None = None
    group: str = GROUP
    version: str = VERSION
    actor: str = "kubernetes"
    timeout_seconds: int = 300
    request_timeout: float = 30.0
    retry_delay: float = 0.5


@dataclass
class KubernetesApp:
    app: RolloutsApp
    api_client: client.ApiClient
    platform: KubernetesPlatform | None
    options: WatchOptions
    watch_rollouts: bool
    watch_templates: bool
    template_store: TemplateStore | None = None
    book: RolloutBook = field(default_factory=RolloutBook)
    writer: StatusWriter | None = None
    watcher: RolloutWatcher | None = None
    templates: TemplateWatcher | None = None

    @property
    def ready(self) -> bool:
        return self.app.ready

    async def start(self) -> None:
        if self.platform is not None:
            await self.platform.start()
        await self.app.start()
        custom: Any = client.CustomObjectsApi(self.api_client)
        if self.watch_rollouts:
            self._start_rollouts(custom)
        if self.watch_templates:
            assert self.app.connection is not None
            store = self.template_store or KvTemplateStore(self.app.connection.js)
            self.templates = TemplateWatcher(custom, store, **self._informer_options())
            self.templates.start()

    def _informer_options(self) -> dict[str, Any]:
        options = self.options
        return {
            "namespaces": options.namespaces,
            "group": options.group,
            "version": options.version,
            "timeout_seconds": options.timeout_seconds,
            "request_timeout": options.request_timeout,
            "retry_delay": options.retry_delay,
        }

    def _start_rollouts(self, custom: Any) -> None:
        app = self.app
        assert app.projection is not None and app.connection is not None
        options = self.options
        self.writer = StatusWriter(
            custom,
            self.book,
            app.projection,
            app.clock,
            group=options.group,
            version=options.version,
            request_timeout=options.request_timeout,
            retry_delay=options.retry_delay,
        )
        app.projection.on_event(self.writer.on_state)
        self.writer.start()
        self.watcher = RolloutWatcher(
            custom,
            self.book,
            app.projection,
            InputPublisher(app.connection.js),
            app.clock,
            status_wanted=self.writer.request,
            actor=options.actor,
            **self._informer_options(),
        )
        self.watcher.start()

    async def synced(self, timeout: float = 30.0) -> None:
        """Until every watch has listed once (the cluster's objects are known)."""
        for watcher in (self.watcher, self.templates):
            if watcher is not None:
                await watcher.synced(timeout)

    async def stop(self) -> None:
        for part in (self.templates, self.watcher, self.writer):
            if part is not None:
                with contextlib.suppress(Exception):
                    await part.stop()
        self.templates = self.watcher = None
        self.writer = None
        await self.app.stop()
        if self.platform is not None:
            await self.platform.stop()


def create_kubernetes_app(
    settings: Settings,
    api_client: client.ApiClient,
    *,
    workers: Sequence[str] = DEFAULT_WORKERS,
    namespaces: Sequence[str] | None = None,
    traffic_router: TrafficRouter | None = None,
    watch_templates: bool | None = None,
    template_store: TemplateStore | None = None,
    notifications: NotificationConfig | None = None,
    clock: Clock | None = None,
    start_embedded: bool = False,
    http_port: int | None = None,
    options: WatchOptions | None = None,
) -> KubernetesApp:
    """`namespaces`: where to watch Rollouts, templates and ReplicaSets (None: everywhere).
    `workers` may name `analysis`: its template watch runs here (the worker itself, once
    `create_app` knows it, is wired there)."""
    chosen = options or WatchOptions(namespaces=namespaces)
    platform = (
        KubernetesPlatform(
            api_client,
            namespaces=chosen.namespaces,
            clock=clock,
            rollout_api=(chosen.group, chosen.version),
        )
        if "scaler" in workers
        else None
    )
    router = None
    if "traffic" in workers:
        router = traffic_router or default_router(api_client)
    jobs, secrets = None, None
    if "analysis" in workers:
        secrets = KubernetesSecretStore(api_client, request_timeout=chosen.request_timeout)
        jobs = KubernetesJobProvider(
            api_client,
            job_namespace=os.environ.get(JOB_NAMESPACE_ENV) or None,
            request_timeout=chosen.request_timeout,
        )
    app = create_app(
        settings,
        workers=[w for w in workers if w in ALL_WORKERS or w != "analysis"],
        notifications=notifications,
        platform=platform,
        router=router,
        clock=clock,
        start_embedded=start_embedded,
        http_port=http_port,
        job_provider=jobs,
        secret_store=secrets,
    )
    return KubernetesApp(
        app=app,
        api_client=api_client,
        platform=platform,
        options=chosen,
        watch_rollouts="controller" in workers,
        watch_templates=("analysis" in workers) if watch_templates is None else watch_templates,
        template_store=template_store,
    )
