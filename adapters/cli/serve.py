"""`rollouts serve`: the controller and every worker in one process.

`--platform local` (the default): everything on a laptop. The embedded NATS server, the
controller and every worker, and the local platform (pods are loopback HTTP servers, each
rollout gets a weighted proxy). It prints where things are and the proxy URL of each rollout
as it appears, and runs until Ctrl-C or SIGTERM.

`--platform kubernetes`: a drop-in for Argo Rollouts' controller in a cluster. It watches
Rollout objects (and analysis templates), drives ReplicaSets, Services and traffic routers
through the API, and writes each Rollout's status in Argo's shape. It connects to
`--nats-url` (or the server of a `rollouts serve` for --data-dir); it starts an embedded NATS
server only with `--embedded-nats`. The cluster comes from `--kubeconfig`/`--context`, the
pod's service account when running in a pod, else $KUBECONFIG or ~/.kube/config.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from adapters.cli import session
from adapters.cli.cluster import (
    CONTEXT,
    EMBEDDED_NATS,
    KUBECONFIG,
    NAMESPACED,
    PLATFORM,
    WATCH_NAMESPACE,
    Cluster,
    PlatformName,
    watch_scope,
)
from adapters.cli.errors import CliError
from adapters.cli.options import with_settings
from adapters.cli.processes import (
    HTTP_ADDRESS,
    HTTP_PORT,
    LOG_FORMAT,
    NOTIFICATION_SECRETS,
    NOTIFICATIONS,
    LogFormat,
    notification_config,
    run_until_signal,
    server_url,
)
from adapters.kubernetes.config import KubernetesConfigError, load_api_client
from adapters.local import LocalPlatform
from adapters.local.workloads import LocalWorkloads
from adapters.notify.config import NotificationConfig
from adapters.runtime.embedded import discover
from adapters.runtime.observability import ALL_INTERFACES, LOOPBACK, configure_logging
from adapters.runtime.projection import Key
from adapters.runtime.settings import Settings
from adapters.workers.app import DEFAULT_WORKERS, AppFailed, create_app
from adapters.workers.kubernetes_root import create_kubernetes_app
from adapters.workers.workloads import WorkloadReconciler
from rollouts.ports import PortError, RolloutRef
from rollouts.state import RolloutState


async def run_on_kubernetes(
    settings: Settings,
    cluster: Cluster,
    workers: Sequence[str],
    *,
    console: Console,
    stop: asyncio.Event,
    http_port: int | None = None,
    http_address: str | None = None,
    notifications: NotificationConfig | None = None,
    watch_templates: bool | None = None,
) -> None:
    """Run `workers` against the cluster until `stop` is set."""
    try:
        api_client = await load_api_client(cluster.kubeconfig, cluster.context)
    except KubernetesConfigError as error:
        raise CliError(str(error)) from None
    app = create_kubernetes_app(
        settings,
        api_client,
        workers=workers,
        namespaces=cluster.namespaces or None,
        cluster_templates=not cluster.namespaced,
        watch_templates=watch_templates,
        notifications=notifications,
        start_embedded=cluster.embedded_nats,
        http_port=http_port,
        http_address=http_address or ALL_INTERFACES,
    )
    try:
        await app.start()
        scope = ", ".join(cluster.namespaces) or "all namespaces"
        scope += ", namespace-scoped: no ClusterAnalysisTemplates" if cluster.namespaced else ""
        console.print(f"NATS:       {server_url(app.app.connection, settings)}", markup=False)
        console.print(f"Kubernetes: {api_client.configuration.host} ({scope})", markup=False)
        console.print(f"workers:    {', '.join(workers)}", markup=False)
        if app.app.health is not None:
            console.print(f"controller metrics: {app.app.health.url}/metrics", markup=False)
        console.print("serving; press Ctrl-C to stop", markup=False)
        await app.run_until(stop)
        console.print("stopping...", markup=False)
    except AppFailed as failure:
        raise CliError(f"stopped: {failure}") from None
    finally:
        await app.stop()
        await api_client.close()
    console.print("stopped", markup=False)


class ProxyAnnouncer:
    """Opens each rollout's proxy once, when its first event is seen, and prints the URL."""

    def __init__(self, platform: LocalPlatform, console: Console) -> None:
        self._platform = platform
        self._console = console
        self._seen: set[Key] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def on_event(self, key: Key, state: RolloutState) -> None:
        self.open(key)

    def open(self, key: Key) -> None:
        if key in self._seen:
            return
        self._seen.add(key)
        task = asyncio.get_running_loop().create_task(self._open(RolloutRef(*key)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _open(self, ref: RolloutRef) -> None:
        try:
            url = await self._platform.open_proxy(ref)
        except PortError as exc:
            self._console.print(f"rollout {ref}: no proxy ({exc})", markup=False)
            return
        self._console.print(f"rollout {ref}: proxy {url}", markup=False)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def serve(
    settings: Settings,
    *,
    ready_delay: float,
    console: Console,
    stop: asyncio.Event,
    http_port: int | None = None,
    http_address: str | None = None,
    notifications: NotificationConfig | None = None,
) -> None:
    """Run the embedded system until `stop` is set; everything started is stopped again."""
    if not settings.nats.url and (running := discover(settings.data_dir)):
        raise CliError(f"a rollouts server already runs for {settings.data_dir} at {running}")
    platform = LocalPlatform(ready_delay=ready_delay)
    await platform.start()
    workers = (*DEFAULT_WORKERS, "notifier") if notifications else DEFAULT_WORKERS
    app = create_app(
        settings,
        workers=workers,
        notifications=notifications,
        platform=platform,
        router=platform,
        start_embedded=True,
        http_port=http_port,
        http_address=http_address or LOOPBACK,
    )
    announcer = ProxyAnnouncer(platform, console)
    workloads = WorkloadReconciler(LocalWorkloads())
    try:
        await app.start()
        assert app.projection is not None
        app.projection.on_event(workloads.on_state)
        workloads.resync(list(app.projection.states.values()))
        console.print(f"NATS:     {server_url(app.connection, settings)}", markup=False)
        console.print(f"data dir: {settings.data_dir}", markup=False)
        console.print(f"pod metrics: {platform.metrics_url()}", markup=False)
        if app.health is not None:
            console.print(f"controller metrics: {app.health.url}/metrics", markup=False)
        console.print("serving; press Ctrl-C to stop", markup=False)
        app.projection.on_event(announcer.on_event)
        for key in list(app.projection.states):
            announcer.open(key)
        await app.run_until(stop)
        console.print("stopping...", markup=False)
    except AppFailed as failure:
        raise CliError(f"stopped: {failure}") from None
    finally:
        await announcer.close()
        await workloads.stop()
        await app.stop()
        await platform.stop()
    console.print("stopped", markup=False)


@with_settings
def serve_command(
    settings: Settings,
    *,
    ready_delay: Annotated[
        float,
        typer.Option("--ready-delay", min=0, help="Seconds a local pod takes to become ready."),
    ] = 0.2,
    http_port: Annotated[int, HTTP_PORT] = 8090,
    http_address: Annotated[str | None, HTTP_ADDRESS] = None,
    log_format: Annotated[LogFormat, LOG_FORMAT] = LogFormat.CONSOLE,
    notifications: Annotated[Path | None, NOTIFICATIONS] = None,
    notification_secrets: Annotated[Path | None, NOTIFICATION_SECRETS] = None,
    platform: Annotated[PlatformName, PLATFORM] = PlatformName.LOCAL,
    kubeconfig: Annotated[Path | None, KUBECONFIG] = None,
    context: Annotated[str | None, CONTEXT] = None,
    watch_namespace: Annotated[list[str] | None, WATCH_NAMESPACE] = None,
    namespaced: Annotated[bool, NAMESPACED] = False,
    embedded_nats: Annotated[bool, EMBEDDED_NATS] = False,
) -> None:
    """Run the controller and every worker: on this machine (the embedded server and the
    local platform), or with --platform kubernetes on a cluster, in place of Argo Rollouts."""
    configure_logging(json_logs=log_format is LogFormat.JSON)
    config = notification_config(notifications, notification_secrets)
    console = session.stdout_console()
    port = None if http_port < 0 else http_port
    if platform is PlatformName.KUBERNETES:
        scope = watch_scope(watch_namespace, namespaced)
        cluster = Cluster(kubeconfig, context, scope, embedded_nats, namespaced)
        workers = (*DEFAULT_WORKERS, "notifier") if config else DEFAULT_WORKERS
        run_until_signal(
            lambda stop: run_on_kubernetes(
                settings,
                cluster,
                workers,
                console=console,
                stop=stop,
                http_port=port,
                http_address=http_address,
                notifications=config,
                watch_templates=True,
            )
        )
        return
    run_until_signal(
        lambda stop: serve(
            settings,
            ready_delay=ready_delay,
            console=console,
            stop=stop,
            http_port=port,
            http_address=http_address,
            notifications=config,
        )
    )


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve_command)
