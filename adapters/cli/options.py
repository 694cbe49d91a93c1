"""Connection and namespace options shared by every command, and the rollout NAME argument.

`kubectl argo rollouts status demo -n prod` puts `-n` after the command, so the options are
added to each command: `@with_settings` appends them to a command's signature and hands the
command a `Settings` built by `settings_from_env` instead. `-n` is also accepted before the
command (`rollouts -n prod get rollout demo`, kept by the root in `ctx.meta`), and a command's
`name` argument may be `NAMESPACE/NAME`; both are checked as Kubernetes names here, so a bad one
is one line naming the argument. Settings are imported when a command runs, not at import.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer
from typer._click.globals import get_current_context

from adapters.cli.errors import UsageError

if TYPE_CHECKING:
    from adapters.runtime.settings import Settings

PANEL = "Connection"
ROOT_NAMESPACE = "rollouts.namespace"
"""Key of `ctx.meta` where the root keeps a `-n` given before the command."""
NAME_LIMIT = 253
NAMESPACE_LIMIT = 63
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_NAMESPACE = re.compile(_LABEL)
_NAME = re.compile(rf"{_LABEL}(\.{_LABEL})*")


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


def _check_length(value: str, argument: str, limit: int) -> None:
    """A name past the limit is shown cut short: echoing 300 characters helps nobody."""
    if len(value) > limit:
        shown = value[:32] + "…"
        raise UsageError(
            f"{argument}: {shown!r} is {len(value)} characters long; Kubernetes allows at most "
            f"{limit}"
        )


def check_namespace(value: str, argument: str = "-n/--namespace") -> str:
    """A namespace is a DNS-1123 label, as Kubernetes requires."""
    _check_length(value, argument, NAMESPACE_LIMIT)
    if not _NAMESPACE.fullmatch(value):
        raise UsageError(
            f"{argument}: {value!r} is not a valid namespace (lowercase letters, digits and '-', "
            f"starting and ending with a letter or digit, at most {NAMESPACE_LIMIT} characters)"
        )
    return value


def check_name(value: str, argument: str = "NAME") -> str:
    """A rollout name is a DNS-1123 subdomain, as Kubernetes requires."""
    _check_length(value, argument, NAME_LIMIT)
    if not _NAME.fullmatch(value):
        raise UsageError(
            f"{argument}: {value!r} is not a valid name (lowercase letters, digits, '-' and '.', "
            f"starting and ending with a letter or digit, at most {NAME_LIMIT} characters)"
        )
    return value


def split_name(value: str, namespace: str | None) -> tuple[str | None, str]:
    """`NAMESPACE/NAME` or `NAME`, checked; the namespace is None when the value names none."""
    if "/" not in value:
        return namespace, check_name(value)
    given, _, name = value.partition("/")
    check_namespace(given, "NAMESPACE/NAME")
    check_name(name, "NAMESPACE/NAME")
    if namespace is not None and namespace != given:
        raise UsageError(f"NAMESPACE/NAME: {value!r} is in {given!r} but -n says {namespace!r}")
    return given, name


def _root_namespace() -> str | None:
    context = get_current_context(silent=True)
    if context is None:
        return None
    value: str | None = context.find_root().meta.get(ROOT_NAMESPACE)
    return value


def check_nats_url(value: str) -> str:
    """Each server of a comma-separated list must parse as a URL with a host."""
    for server in value.split(","):
        address = server.strip() if "://" in server else f"nats://{server.strip()}"
        try:  # nats-py reads `host:port` as nats://host:port
            parsed = urlsplit(address)
            parsed.port  # noqa: B018 - raises on a port that is not a number
        except ValueError as bad:
            raise UsageError(f"--nats-url: {server.strip()!r} is not a URL ({bad})") from None
        if not parsed.hostname:
            raise UsageError(f"--nats-url: {server.strip()!r} has no host (nats://HOST:PORT)")
    return value


def build_settings(values: dict[str, Any]) -> Settings:
    """Settings from the shared options (None means "not given": env and defaults apply)."""
    from adapters.runtime.settings import settings_from_env

    if values.get("nats_url"):
        check_nats_url(values["nats_url"])

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


def _namespace(after: str | None, before: str | None) -> str | None:
    """`-n` after the command wins over `-n` before it (the closer one is the intended one)."""
    value = after if after is not None else before
    return None if value is None else check_namespace(value)


def with_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give `command` the shared options; it receives `settings: Settings` in their place."""
    own = inspect.signature(command, eval_str=True)
    parameters = [p for name, p in own.parameters.items() if name != "settings"]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        shared = {name: kwargs.pop(name) for name in GLOBAL_NAMES}
        shared["namespace"] = _namespace(shared.get("namespace"), _root_namespace())
        words = kwargs.get("name")
        if isinstance(words, str):
            shared["namespace"], kwargs["name"] = split_name(words, shared["namespace"])
        elif isinstance(words, list) and words:  # `retry rollout NAME`: the NAME is last
            shared["namespace"], words[-1] = split_name(words[-1], shared["namespace"])
        return command(settings=build_settings(shared), **kwargs)

    # Typer reads the signature; the annotations are resolved objects, not strings.
    wrapper.__signature__ = own.replace(  # type: ignore[attr-defined]
        parameters=[*parameters, *GLOBAL_PARAMETERS]
    )
    wrapper.__annotations__ = {}
    del wrapper.__wrapped__
    return wrapper
