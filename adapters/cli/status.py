"""`rollouts status NAME`: wait for a rollout to finish, for scripts and CI.

As in `kubectl argo rollouts status`, it watches by default: one line per change of phase or
message, until the rollout is Healthy (exit 0) or Degraded (exit 1), or --timeout passes
(exit 4). `--no-watch` prints the current status once; it exits 0 when Healthy, 1 when
Degraded and 6 while Progressing or Paused, so a script can tell "not done yet" from "failed".
The codes are those of `errors.EXIT_CODES`, shared by every command (2 is always a usage error).
"""

from __future__ import annotations

import asyncio
from enum import IntEnum
from typing import Annotated

import typer
from rich.console import Console

from adapters.cli import session
from adapters.cli.errors import CliError, Exit
from adapters.cli.options import with_settings
from adapters.runtime.folding import evolve_readable, fold_readable
from adapters.runtime.settings import Settings
from events.phases import RolloutPhase
from rollouts.durations import parse_go_duration
from rollouts.phase import compute_phase
from rollouts.state import RolloutState, initial_state


class StatusExit(IntEnum):
    HEALTHY = Exit.OK
    DEGRADED = Exit.FAILED
    TIMED_OUT = Exit.TIMEOUT
    IN_PROGRESS = Exit.PENDING


def status_line(state: RolloutState) -> tuple[str, StatusExit]:
    view = compute_phase(state)
    phase = view.phase if view else state.phase
    message = view.message if view else state.message
    if phase is None:
        return "Unknown - no spec applied yet", StatusExit.IN_PROGRESS
    code = {
        RolloutPhase.HEALTHY: StatusExit.HEALTHY,
        RolloutPhase.DEGRADED: StatusExit.DEGRADED,
    }.get(phase, StatusExit.IN_PROGRESS)
    return (f"{phase.value} - {message}" if message else phase.value), code


def _check_timeout(value: str) -> str:
    _timeout(value)
    return value


def _timeout(value: str) -> float:
    try:
        seconds = parse_go_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if seconds < 0:
        raise typer.BadParameter("must not be negative")
    return seconds


async def follow_status(settings: Settings, name: str, timeout: float, console: Console) -> int:
    namespace = settings.namespace
    async with session.open_client(settings) as client:
        history = await session.load_history(client, namespace, name)
        state = fold_readable(initial_state(namespace, name), (stored.event for stored in history))
        last, code = status_line(state)
        console.print(last, markup=False)
        if code is not StatusExit.IN_PROGRESS:
            return code
        try:
            async with asyncio.timeout(timeout or None):
                with session.waiting(console, f"waiting for rollout {namespace}/{name}..."):
                    async for stored in client.follow(
                        namespace, name, after=history[-1].stream_sequence
                    ):
                        state = evolve_readable(state, stored.event)
                        line, code = status_line(state)
                        if line != last:
                            console.print(line, markup=False)
                            last = line
                        if code is not StatusExit.IN_PROGRESS:
                            return code
        except TimeoutError:
            raise CliError(
                f"timed out after {timeout:g}s waiting for rollout {namespace}/{name} ({last})",
                exit_code=StatusExit.TIMED_OUT,
            ) from None
    return StatusExit.IN_PROGRESS


async def print_status(settings: Settings, name: str, console: Console) -> int:
    async with session.open_client(settings) as client:
        state = await session.require_state(client, settings.namespace, name)
    line, code = status_line(state)
    console.print(line, markup=False)
    return code


@with_settings
def status_command(
    settings: Settings,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Rollout name.")],
    watch: Annotated[
        bool,
        typer.Option(
            "--watch/--no-watch",
            "-w",
            help="Follow until Healthy (0), Degraded (1) or timeout (4). --no-watch prints "
            "once: 0 Healthy, 1 Degraded, 6 Progressing or Paused.",
        ),
    ] = True,
    timeout: Annotated[
        str,
        typer.Option(
            "-t",
            "--timeout",
            callback=_check_timeout,
            help="Give up after this long (e.g. 30s, 5m); 0 = never.",
        ),
    ] = "0",
) -> None:
    """Show the status of a rollout; by default wait until it is Healthy or Degraded.

    Exit codes: 0 Healthy, 1 Degraded, 4 timed out, 6 Progressing/Paused (--no-watch); 2 usage
    error, 3 not found, 5 no server (see the table in the README).
    """
    seconds = _timeout(timeout)
    console = session.stdout_console()
    if watch:
        code = session.run_async(follow_status(settings, name, seconds, console))
    else:
        code = session.run_async(print_status(settings, name, console))
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(name="status")(status_command)
