"""`rollouts worker controller|traffic|scaler|timer|analysis|notifier ...`: some workers alone.

For splitting the system over processes that share one NATS server (given with --nats-url, or
the one `rollouts serve` runs for --data-dir). With `--platform local` (the default) traffic
and scaler drive an in-process local platform. With `--platform kubernetes` they drive the
cluster (`--kubeconfig`, `--context`, or the pod's service account); the controller also
watches the Rollout objects and writes their status, the analysis worker also watches the
analysis templates.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from adapters.cli import session
from adapters.cli.cluster import (
    CONTEXT,
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
from adapters.cli.serve import run_on_kubernetes
from adapters.local import LocalPlatform
from adapters.notify.config import NotificationConfig
from adapters.runtime.observability import LOOPBACK, configure_logging
from adapters.runtime.settings import Settings
from adapters.workers.app import AppFailed, create_app

PLATFORM_NOTE = (
    "note: traffic and scaler drive an in-process local platform "
    "(--platform kubernetes drives a cluster)"
)


class WorkerName(StrEnum):
    CONTROLLER = "controller"
    TRAFFIC = "traffic"
    SCALER = "scaler"
    TIMER = "timer"
    ANALYSIS = "analysis"
    NOTIFIER = "notifier"


async def run_workers(
    settings: Settings,
    names: list[WorkerName],
    *,
    ready_delay: float,
    console: Console,
    stop: asyncio.Event,
    http_port: int | None = None,
    http_address: str | None = None,
    notifications: NotificationConfig | None = None,
    cluster: Cluster | None = None,
) -> None:
    """On the local platform, or on Kubernetes when `cluster` is given."""
    workers = tuple(dict.fromkeys(name.value for name in names))
    if "notifier" in workers and notifications is None:
        raise CliError("the notifier needs --notifications FILE")
    if cluster is not None:
        await run_on_kubernetes(
            settings,
            cluster,
            workers,
            console=console,
            stop=stop,
            http_port=http_port,
            http_address=http_address,
            notifications=notifications,
        )
        return
    platform = None
    if {"traffic", "scaler"} & set(workers):
        console.print(PLATFORM_NOTE, markup=False)
        platform = LocalPlatform(ready_delay=ready_delay)
        await platform.start()
    app = create_app(
        settings,
        workers=workers,
        notifications=notifications,
        platform=platform,
        router=platform,
        start_embedded=False,
        http_port=http_port,
        http_address=http_address or LOOPBACK,
    )
    try:
        await app.start()
        url = server_url(app.connection, settings)
        console.print(f"workers {', '.join(workers)} running on {url}", markup=False)
        await app.run_until(stop)
    except AppFailed as failure:
        raise CliError(f"stopped: {failure}") from None
    finally:
        await app.stop()
        if platform is not None:
            await platform.stop()
    console.print("stopped", markup=False)


@with_settings
def worker_command(
    settings: Settings,
    names: Annotated[list[WorkerName], typer.Argument(metavar="WORKER...", help="Workers to run.")],
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
) -> None:
    """Run the listed workers against a running server (--nats-url or `rollouts serve`)."""
    configure_logging(json_logs=log_format is LogFormat.JSON)
    config = notification_config(notifications, notification_secrets)
    console = session.stdout_console()
    port = None if http_port < 0 else http_port
    cluster = None
    if platform is PlatformName.KUBERNETES:
        scope = watch_scope(watch_namespace, namespaced)
        cluster = Cluster(kubeconfig, context, scope, namespaced=namespaced)
    run_until_signal(
        lambda stop: run_workers(
            settings,
            names,
            ready_delay=ready_delay,
            console=console,
            stop=stop,
            http_port=port,
            http_address=http_address,
            notifications=config,
            cluster=cluster,
        )
    )


def register(app: typer.Typer) -> None:
    app.command(name="worker")(worker_command)
