"""`rollouts fleet ...`: fleet rollouts across clusters, through the hub's coordinator.

Every command talks to the hub NATS (`--hub`, or ROLLOUTS_FLEET_HUB). `status` exits like
`rollouts status`: 0 Healthy, 1 Degraded, 2 timed out, 3 still in progress (--no-watch).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import nats
import typer
import yaml
from nats.aio.client import Client
from rich.console import Console
from rich.table import Table

from adapters.cli import session
from adapters.cli.errors import CliError, NotFound, Unavailable, file_problem
from adapters.cli.status import StatusExit, _check_timeout, _timeout
from adapters.fleet.client import CoordinatorUnavailable, FleetClient
from adapters.fleet.render import cluster_rows, event_line, status_line
from adapters.runtime.connect import probe
from events import fleet as ev
from events.base import Input
from rollouts.fleet.state import FleetState
from rollouts.fleet.validate import parse_fleet

HubOption = Annotated[
    str,
    typer.Option("--hub", envvar="ROLLOUTS_FLEET_HUB", help="NATS URL of the fleet hub."),
]
NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="FleetRollout name.")]
DEFAULT_HUB = "nats://127.0.0.1:4222"

fleet_app = typer.Typer(
    name="fleet", help="Roll one Rollout out across clusters, wave by wave.", no_args_is_help=True
)


@contextlib.asynccontextmanager
async def hub_client(hub: str) -> AsyncIterator[FleetClient]:
    try:
        await probe(hub, 3.0)
        nc: Client = await nats.connect(hub, connect_timeout=3, allow_reconnect=False)
    except Exception as error:
        raise Unavailable(f"cannot connect to the fleet hub at {hub}: {error}") from None
    try:
        yield FleetClient(nc)
    finally:
        await nc.close()


async def _send(hub: str, fleet: str, item: Input) -> str:
    async with hub_client(hub) as client:
        try:
            outcome = await client.send(fleet, item)
        except CoordinatorUnavailable as error:
            raise Unavailable(str(error)) from None
    if outcome.status in ("refused", "invalid"):
        raise CliError(outcome.message)
    return outcome.status


def _load(path: Path) -> dict[str, Any]:
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        kind = NotFound if isinstance(error, FileNotFoundError) else CliError
        raise kind(f"cannot read {path}: {file_problem(error)}") from None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise CliError(f"{path}: expected one FleetRollout document")
    manifest: dict[str, Any] = documents[0]
    _, problems = parse_fleet(manifest)
    errors = [str(p) for p in problems if p.is_error]
    if errors:
        raise CliError("invalid FleetRollout:\n" + "\n".join(f"  {e}" for e in errors))
    return manifest


def _input_id() -> str:
    return str(uuid.uuid4())


@fleet_app.command("apply")
def apply_command(
    filename: Annotated[Path, typer.Option("-f", "--filename", help="FleetRollout manifest.")],
    hub: HubOption = DEFAULT_HUB,
) -> None:
    """Apply a FleetRollout: a new revision starts at wave 0."""
    manifest = _load(filename)
    name = str(manifest["metadata"]["name"])
    status = session.run_async(
        _send(hub, name, ev.ApplyFleet(input_id=_input_id(), manifest=manifest, actor="cli"))
    )
    typer.echo(f"fleetrollout {name} {'configured' if status == 'accepted' else status}")


@fleet_app.command("promote")
def promote_command(name: NameArgument, hub: HubOption = DEFAULT_HUB) -> None:
    """Open the manual gate the fleet waits at."""
    session.run_async(_send(hub, name, ev.PromoteFleet(input_id=_input_id(), actor="cli")))
    typer.echo(f"fleetrollout {name} promoted")


@fleet_app.command("abort")
def abort_command(
    name: NameArgument,
    hub: HubOption = DEFAULT_HUB,
    reason: Annotated[str, typer.Option("--reason", help="Recorded with the abort.")] = "",
) -> None:
    """Abort every in-progress rollout of the fleet, in every cluster."""
    item = ev.AbortFleet(input_id=_input_id(), reason=reason, actor="cli")
    status = session.run_async(_send(hub, name, item))
    typer.echo(f"fleetrollout {name} {'aborted' if status == 'accepted' else 'already aborted'}")


async def _state(hub: str, name: str) -> FleetState:
    async with hub_client(hub) as client:
        state = await client.state(name)
    if state is None:
        raise NotFound(f"fleetrollout {name} not found")
    return state


@fleet_app.command("get")
def get_command(name: NameArgument, hub: HubOption = DEFAULT_HUB) -> None:
    """Each wave and cluster: phase, canary weight, step, analysis and score."""
    state = session.run_async(_state(hub, name))
    console = session.stdout_console()
    console.print(f"Name: {name}\nStatus: {status_line(state)}", markup=False)
    table = Table(box=None, pad_edge=False)
    rows = cluster_rows(state)
    for column in ("wave", "cluster", "fleet", "phase", "weight", "step", "analysis", "score"):
        table.add_column(column.upper())
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)


@fleet_app.command("events")
def events_command(name: NameArgument, hub: HubOption = DEFAULT_HUB) -> None:
    """The fleet's history, one event a line."""

    async def history() -> list[str]:
        async with hub_client(hub) as client:
            return [event_line(stored.event) for stored in await client.history(name)]

    lines = session.run_async(history())
    if not lines:
        raise NotFound(f"fleetrollout {name} not found")
    for line in lines:
        typer.echo(line)


def _exit_code(state: FleetState) -> StatusExit:
    return {"Healthy": StatusExit.HEALTHY, "Degraded": StatusExit.DEGRADED}.get(
        state.phase or "", StatusExit.IN_PROGRESS
    )


async def _follow(hub: str, name: str, timeout: float, console: Console) -> int:
    last = ""
    try:
        async with asyncio.timeout(timeout or None):
            while True:
                state = await _state(hub, name)
                line = status_line(state)
                if line != last:
                    console.print(line, markup=False)
                    last = line
                code = _exit_code(state)
                if code is not StatusExit.IN_PROGRESS:
                    return code
                await asyncio.sleep(0.5)
    except TimeoutError:
        raise CliError(
            f"timed out after {timeout:g}s waiting for fleetrollout {name} ({last})",
            exit_code=StatusExit.TIMED_OUT,
        ) from None


@fleet_app.command("status")
def status_command(
    name: NameArgument,
    hub: HubOption = DEFAULT_HUB,
    watch: Annotated[bool, typer.Option("--watch/--no-watch", "-w")] = True,
    timeout: Annotated[
        str, typer.Option("-t", "--timeout", callback=_check_timeout, help="e.g. 5m; 0 = never.")
    ] = "0",
) -> None:
    """Wait until the fleet is Healthy (0) or Degraded (1); 4 on timeout, 6 --no-watch busy."""
    console = session.stdout_console()
    if watch:
        code = session.run_async(_follow(hub, name, _timeout(timeout), console))
    else:
        state = session.run_async(_state(hub, name))
        console.print(status_line(state), markup=False)
        code = _exit_code(state)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    from adapters.cli import fleet_run

    fleet_run.register(fleet_app)
    app.add_typer(fleet_app, name="fleet")
