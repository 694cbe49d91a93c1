"""The composition root on Kubernetes: the app of `create_app` on a cluster, plus what makes it
a drop-in replacement for Argo Rollouts' controller there.

`create_kubernetes_app(settings, api_client, workers=..., namespaces=...)`
(`adapters.workers.kubernetes_root`) wires:
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
template watcher, each registered on a resource stack as it starts; stop is the stack's close,
in reverse. Every watch (ReplicaSets, Rollouts, templates) runs under the app's supervisor and
is restarted if it dies (an informer resumes from its cache and resourceVersion); a status
write that crashes is logged, counted and retried. The caller owns (and closes) the ApiClient.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import structlog
from kubernetes_asyncio import client

from adapters.analysis.kubernetes_job import KubernetesJobProvider, job_name
from adapters.analysis.providers import MeasurementScope
from adapters.analysis.templates import KvTemplateStore, TemplateStore
from adapters.kubernetes.analysisruns import AnalysisRunWriter
from adapters.kubernetes.book import RolloutBook
from adapters.kubernetes.objects import GROUP, VERSION
from adapters.kubernetes.platform import KubernetesPlatform
from adapters.kubernetes.pod_failures import KubernetesPodFailures
from adapters.kubernetes.status.writer import StatusWriter
from adapters.kubernetes.template_watcher import TemplateWatcher
from adapters.kubernetes.watcher import RolloutWatcher
from adapters.kubernetes.workloads import KubernetesWorkloadScaler, WorkloadWatch
from adapters.runtime.publish import InputPublisher
from adapters.runtime.supervisor import Supervisor
from adapters.workers.app import RolloutsApp
from adapters.workers.pod_failures import watch_pod_failures
from adapters.workers.workloads import WorkloadReconciler
from events.jetstream import JetStreamEventStore

log = structlog.get_logger("rollouts.kubernetes")

JOB_NAMESPACE_ENV = "ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE"
WORKLOADS_LISTED = 30.0
"""Seconds the Rollout watch waits for the first list of Deployments (and the other kinds a
workloadRef may name) before it starts anyway."""


@dataclass(frozen=True, slots=True)
class WatchOptions:
    namespaces: Sequence[str] | None = None
    group: str = GROUP
    version: str = VERSION
    actor: str = "kubernetes"
    timeout_seconds: int = 300
    request_timeout: float = 30.0
    retry_delay: float = 0.5
    cluster_templates: bool = True
    """Watch ClusterAnalysisTemplates (not in a namespace-scoped install: a Role cannot)."""


class KubernetesApp:
    """The app plus its Kubernetes parts, on one resource stack like the app's own: each part
    is registered as it starts, and `stop()` closes them in reverse order."""

    def __init__(
        self,
        app: RolloutsApp,
        api_client: client.ApiClient,
        platform: KubernetesPlatform | None,
        options: WatchOptions,
        *,
        watch_rollouts: bool,
        watch_templates: bool,
        template_store: TemplateStore | None = None,
    ) -> None:
        self.app = app
        self.api_client = api_client
        self.platform = platform
        self.options = options
        self.watch_rollouts = watch_rollouts
        self.watch_templates = watch_templates
        self.template_store = template_store
        self.book = RolloutBook()
        self.writer: StatusWriter | None = None
        self.runs: AnalysisRunWriter | None = None
        self.watcher: RolloutWatcher | None = None
        self.workloads: WorkloadWatch | None = None
        self.reconciler: WorkloadReconciler | None = None
        self.templates: TemplateWatcher | None = None
        self._stack: AsyncExitStack | None = None

    @property
    def ready(self) -> bool:
        return self.app.ready

    @property
    def supervisor(self) -> Supervisor:
        return self.app.supervisor

    async def start(self) -> None:
        stack = AsyncExitStack()
        try:
            await self._start(stack)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack

    async def _start(self, stack: AsyncExitStack) -> None:
        spawn = self.supervisor.spawner(self.app.config.supervision)
        if self.platform is not None:
            await self.platform.start(spawn)
            stack.push_async_callback(self.platform.stop)
        await self.app.start()
        stack.push_async_callback(self.app.stop)
        if self.platform is not None:  # the scaler's process: its role lists pods
            core = client.CoreV1Api(self.api_client)
            timeout = self.options.request_timeout
            source = KubernetesPodFailures(core, request_timeout=timeout)
            watch_pod_failures(self.app, source, stack, spawn)
        custom: Any = client.CustomObjectsApi(self.api_client)
        if self.watch_rollouts:
            await self._start_workloads(stack)
            self._start_rollouts(custom, stack)
        if self.watch_templates:
            assert self.app.connection is not None
            store = self.template_store or KvTemplateStore(self.app.connection.js)
            self.templates = TemplateWatcher(
                custom,
                store,
                cluster_templates=self.options.cluster_templates,
                **self._informer_options(),
            )
            self.templates.start(spawn)
            stack.push_async_callback(_quietly, self.templates.stop)

    async def run_until(self, stop: asyncio.Event) -> None:
        await self.app.run_until(stop)

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

    async def _start_workloads(self, stack: AsyncExitStack) -> None:
        """The workloads Rollouts reference (`workloadRef`): watched, and listed before the
        Rollouts are (so none is refused for a Deployment not read yet); `scaleDown` carried out
        through the Deployments' scale subresource."""
        app, options = self.app, self.options
        assert app.projection is not None
        apps: Any = client.AppsV1Api(self.api_client)
        apis = {"apps": apps, "core": client.CoreV1Api(self.api_client)}
        informer = {
            k: v for k, v in self._informer_options().items() if k not in ("group", "version")
        }
        self.workloads = WorkloadWatch(apis, self._workload_changed, **informer)
        self.workloads.start(self.supervisor.spawner(app.config.supervision))
        stack.push_async_callback(_quietly, self.workloads.stop)
        try:
            await self.workloads.synced(WORKLOADS_LISTED)
        except TimeoutError:
            log.warning("kubernetes.workloads_not_listed", detail="workloadRef lookups may fail")
        scaler = KubernetesWorkloadScaler(apps, request_timeout=options.request_timeout)
        self.reconciler = WorkloadReconciler(scaler, retry_delay=options.retry_delay)
        app.projection.on_event(self.reconciler.on_state)
        stack.push_async_callback(_quietly, self.reconciler.stop)
        stack.callback(app.projection.off_event, self.reconciler.on_state)
        self.reconciler.resync(list(app.projection.states.values()))

    async def _workload_changed(self, namespace: str, kind: str, name: str) -> None:
        if self.watcher is not None:
            await self.watcher.workload_changed(namespace, kind, name)

    def _start_rollouts(self, custom: Any, stack: AsyncExitStack) -> None:
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
            report_crash=self.supervisor.report,
        )
        app.projection.on_event(self.writer.on_state)
        self.writer.start()
        stack.push_async_callback(_quietly, self.writer.stop)
        stack.callback(app.projection.off_event, self.writer.on_state)
        self._start_runs(custom, stack)
        self.watcher = RolloutWatcher(
            custom,
            self.book,
            app.projection,
            InputPublisher(app.connection.js),
            app.clock,
            status_wanted=self._status_wanted,
            actor=options.actor,
            via=app.connection.user,
            workloads=self.workloads,
            **self._informer_options(),
        )
        self.watcher.start(self.supervisor.spawner(self.app.config.supervision))
        stack.push_async_callback(_quietly, self.watcher.stop)

    def _start_runs(self, custom: Any, stack: AsyncExitStack) -> None:
        """AnalysisRun objects, a read model of the stream's runs (issue 12): each pass of a
        rollout folds its new events and writes what differs; pruned runs take their Jobs."""
        app, options = self.app, self.options
        assert app.projection is not None and app.connection is not None
        self.runs = AnalysisRunWriter(
            custom,
            self.book,
            app.projection,
            JetStreamEventStore(app.connection.js).load,
            delete_job=_job_deleter(self.api_client, options.request_timeout),
            report_crash=self.supervisor.report,
            **self._informer_options(),
        )
        app.projection.on_event(self.runs.on_state)
        self.runs.start(self.supervisor.spawner(app.config.supervision))
        stack.push_async_callback(_quietly, self.runs.stop)
        stack.callback(app.projection.off_event, self.runs.on_state)

    def _status_wanted(self, key: tuple[str, str]) -> None:
        """The Rollout object changed: its status, and its runs' objects (owner, limits)."""
        for writer in (self.writer, self.runs):
            if writer is not None:
                writer.request(key)

    async def synced(self, timeout: float = 30.0) -> None:
        """Until every watch has listed once (the cluster's objects are known)."""
        for watcher in (self.workloads, self.watcher, self.runs, self.templates):
            if watcher is not None:
                await watcher.synced(timeout)

    async def stop(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()
        self.templates = self.watcher = self.workloads = None
        self.reconciler = None
        self.writer = self.runs = None


def _job_deleter(
    api_client: client.ApiClient, request_timeout: float
) -> Callable[[str, str, str, str, int], Awaitable[None]]:
    """Deletes one measurement's Job, named as the job provider names it (in
    ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE if set), for the runs the AnalysisRun writer prunes."""
    jobs = KubernetesJobProvider(api_client, request_timeout=request_timeout)
    job_namespace = os.environ.get(JOB_NAMESPACE_ENV) or None

    async def delete(namespace: str, rollout: str, run: str, metric: str, index: int) -> None:
        scope = MeasurementScope(namespace, rollout, run, metric, index)
        await jobs.delete(job_namespace or namespace, job_name(scope))

    return delete


async def _quietly(stop: Callable[[], Awaitable[None]]) -> None:
    """A watch or the status writer failing to stop must not keep the rest running."""
    try:
        await stop()
    except Exception as error:
        log.warning("kubernetes.stop_failed", error=repr(error))
