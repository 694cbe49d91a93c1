"""`rollouts restart NAME [--in 10s]`: restart every pod of a rollout, with no new revision.

As `kubectl argo rollouts restart`: `spec.restartAt` becomes now (or now + `--in`, a Go
duration), in UTC with whole seconds, and the controller recreates every pod created before
it, at most maxUnavailable at a time. The output is the plugin's: `rollout 'NAME' restarts
in 10s`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

import events.inputs as inp
from adapters.cli.actions import NameArg, execute
from adapters.cli.errors import UsageError
from adapters.cli.options import with_settings
from adapters.runtime.client import new_input_id
from adapters.runtime.settings import Settings
from rollouts.durations import parse_go_duration


def go_duration_text(seconds: float) -> str:
    """Go's Duration.String for whole and fractional seconds: 0s, 10s, 1m30s, 2h0m0s."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    return f"{int(minutes)}m{text}" if minutes else text


def restart_delay(text: str) -> float:
    try:
        seconds = parse_go_duration(text)
    except ValueError as error:
        raise UsageError(f"--in: {error}") from None
    if seconds < 0:
        raise UsageError(f"--in: {text!r} is negative; a restart cannot be in the past")
    return seconds


@with_settings
def restart_command(
    settings: Settings,
    name: NameArg,
    in_: Annotated[
        str,
        typer.Option(
            "--in", metavar="DURATION", help="Restart after this long (Go duration: 10s, 5m)."
        ),
    ] = "0s",
) -> None:
    """Restart the pods of a rollout (spec.restartAt := now + --in), with no new revision."""
    delay = restart_delay(in_)
    at = datetime.now(UTC) + timedelta(seconds=delay)
    item = inp.Restart(restart_at=at, input_id=new_input_id(), actor=settings.actor)
    execute(settings, name, item, f"rollout '{name}' restarts in {go_duration_text(delay)}")


def register(app: typer.Typer) -> None:
    app.command(name="restart")(restart_command)
