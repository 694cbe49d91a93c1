"""Connection and namespace options shared by every command, given after the command name.

`kubectl argo rollouts status demo -n prod` puts `-n` after the command, so the options are
added to each command rather than to the root: `@with_settings` appends them to a command's
signature and hands the command a `Settings` built by `settings_from_env` instead.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from adapters.runtime.settings import Settings, settings_from_env

PANEL = "Connection"


def _global_options(
    *,
    nats_url: Annotated[
        str | None,
        typer.Option(
            "--nats-url",
            envvar="ROLLOUTS_NATS_URL",
            help="NATS server URL; without one, the server of `rollouts serve` for --data-dir.",
            rich_help_panel=PANEL,
            show_envvar=True,
        ),
    ] = None,
    nats_creds: Annotated[
        Path | None,
        typer.Option("--nats-creds", help="NATS credentials file.", rich_help_panel=PANEL),
    ] = None,
    nats_token: Annotated[
        str | None, typer.Option("--nats-token", help="NATS token.", rich_help_panel=PANEL)
    ] = None,
    nats_user: Annotated[
        str | None, typer.Option("--nats-user", help="NATS user.", rich_help_panel=PANEL)
    ] = None,
    nats_password: Annotated[
        str | None,
        typer.Option("--nats-password", help="NATS password.", rich_help_panel=PANEL),
    ] = None,
    nats_tls_ca: Annotated[
        Path | None,
        typer.Option("--nats-tls-ca", help="CA bundle for NATS TLS.", rich_help_panel=PANEL),
    ] = None,
    nats_tls_cert: Annotated[
        Path | None,
        typer.Option("--nats-tls-cert", help="Client certificate.", rich_help_panel=PANEL),
    ] = None,
    nats_tls_key: Annotated[
        Path | None,
        typer.Option("--nats-tls-key", help="Client certificate key.", rich_help_panel=PANEL),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Data directory of the embedded server (default: $XDG_DATA_HOME/rollouts).",
            rich_help_panel=PANEL,
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "-n", "--namespace", help="Namespace (default: default).", rich_help_panel=PANEL
        ),
    ] = None,
) -> None:
    """Never called: its signature is the template of the shared options."""


GLOBAL_PARAMETERS = tuple(
    parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)
    for parameter in inspect.signature(_global_options, eval_str=True).parameters.values()
)
GLOBAL_NAMES = frozenset(parameter.name for parameter in GLOBAL_PARAMETERS)


def build_settings(values: dict[str, Any]) -> Settings:
    """Settings from the shared options (None means "not given": env and defaults apply)."""
    overrides = {
        "nats_url": values.get("nats_url"),
        "nats_creds_file": values.get("nats_creds"),
        "nats_token": values.get("nats_token"),
        "nats_user": values.get("nats_user"),
        "nats_password": values.get("nats_password"),
        "nats_tls_ca": values.get("nats_tls_ca"),
        "nats_tls_cert": values.get("nats_tls_cert"),
        "nats_tls_key": values.get("nats_tls_key"),
        "data_dir": values.get("data_dir"),
        "namespace": values.get("namespace"),
    }
    return settings_from_env(**overrides)


def with_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give `command` the shared options; it receives `settings: Settings` in their place."""
    own = inspect.signature(command, eval_str=True)
    parameters = [p for name, p in own.parameters.items() if name != "settings"]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        shared = {name: kwargs.pop(name) for name in GLOBAL_NAMES}
        return command(settings=build_settings(shared), **kwargs)

    # Typer reads the signature; the annotations are resolved objects, not strings.
    wrapper.__signature__ = own.replace(  # type: ignore[attr-defined]
        parameters=[*parameters, *GLOBAL_PARAMETERS]
    )
    wrapper.__annotations__ = {}
    del wrapper.__wrapped__
    return wrapper
