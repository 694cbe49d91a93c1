"""What the long-running commands (`serve`, `worker`) share: running until a signal.

The async cores take the stop event as a parameter, so tests run them in-process and stop them
by setting it; the commands wire SIGINT/SIGTERM to the same event.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path

import typer

from adapters.cli.errors import CliError, NotFound, file_problem, one_line
from adapters.notify.config import NotificationConfig, load_config, load_secrets
from adapters.runtime.connect import Connection
from adapters.runtime.settings import Settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


HTTP_PORT = typer.Option(
    "--http-port", help="Port of /metrics, /healthz and /readyz (0 = any free port, -1 = off)."
)
HTTP_ADDRESS_ENV = "ROLLOUTS_HTTP_ADDRESS"


def _http_address(value: str | None) -> str | None:
    if value is None or value == "localhost":
        return value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an IP address (127.0.0.1 for this machine only, 0.0.0.0 for all)"
        ) from None
    return value


HTTP_ADDRESS = typer.Option(
    "--http-address",
    envvar=HTTP_ADDRESS_ENV,
    show_envvar=True,
    callback=_http_address,
    help=(
        "Address /metrics, /healthz and /readyz listen on [default: 127.0.0.1 on the local "
        "platform, 0.0.0.0 with --platform kubernetes]."
    ),
)
NOTIFICATIONS = typer.Option(
    "--notifications",
    help="Argo-style notification config (a ConfigMap YAML or its data); enables the notifier.",
)
NOTIFICATION_SECRETS = typer.Option(
    "--notification-secrets", help="Secret values for the notification config ($key), YAML or JSON."
)


def notification_config(path: Path | None, secrets: Path | None) -> NotificationConfig | None:
    """The notifier's configuration, or None when no file was given (no notifier runs)."""
    if path is None:
        return None
    try:
        return load_config(path, load_secrets(secrets) if secrets else None)
    except (OSError, UnicodeDecodeError) as error:
        kind = NotFound if isinstance(error, FileNotFoundError) else CliError
        raise kind(f"cannot read notification config {path}: {file_problem(error)}") from None
    except ValueError as error:
        raise CliError(f"invalid notification config {path}: {one_line(str(error))}") from None


LOG_FORMAT = typer.Option(
    "--log-format", help="Logs on stderr: console for people, json for machines."
)


def run_until_signal(core: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `core(stop)` in a fresh loop; SIGINT/SIGTERM set `stop` for a clean shutdown."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed = []
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
        try:
            await core(stop)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    asyncio.run(main())


def server_url(connection: Connection | None, settings: Settings) -> str:
    """The NATS URL the process is connected to, as other processes would give it."""
    if connection is not None and connection.embedded is not None:
        return connection.embedded.url
    url = connection.nc.connected_url if connection is not None else None
    if url is not None and url.hostname:
        return f"{url.scheme}://{url.hostname}:{url.port}"
    return settings.nats.url or "?"
