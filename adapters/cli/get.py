"""`rollouts get rollout NAME [--watch]`: the rollout, its revisions and analysis runs.

The state is folded from the history here (no controller needed). With --watch the view is
re-rendered on every new event and every second (ages move) until Ctrl-C.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console, RenderableType
from rich.live import Live

from adapters.cli import session
from adapters.cli.actions import ROLLOUT_WORDS
from adapters.cli.errors import CliError
from adapters.cli.options import with_settings
from adapters.cli.render import render_rollout
from adapters.cli.view import build_view
from adapters.runtime.folding import evolve_readable, fold_readable
from adapters.runtime.settings import Settings
from events.base import Event
from rollouts.state import RolloutState, initial_state


def render_state(state: RolloutState, events: list[Event], note: str = "") -> RenderableType:
    return render_rollout(build_view(state, events), datetime.now(UTC), note)


async def show(settings: Settings, name: str, console: Console) -> None:
    async with session.open_client(settings) as client:
        history = await session.load_history(client, settings.namespace, name)
    events = [stored.event for stored in history]
    state = fold_readable(initial_state(settings.namespace, name), events)
    session.refuse_deleted(state)
    console.print(render_state(state, events))


async def watch(settings: Settings, name: str, console: Console) -> None:
    namespace = settings.namespace
    async with session.open_client(settings) as client:
        history = await session.load_history(client, namespace, name)
        events = [stored.event for stored in history]
        state = fold_readable(initial_state(namespace, name), events)
        session.refuse_deleted(state)
        updates = session.follow_with_ticks(
            client, namespace, name, after=history[-1].stream_sequence
        )
        if not console.is_terminal:
            console.print(render_state(state, events))
            async for stored in updates:
                if stored is not None:
                    events.append(stored.event)
                    state = evolve_readable(state, stored.event)
                    console.print(
                        render_state(state, events, f"\nevent #{stored.rollout_sequence}")
                    )
            return
        with Live(render_state(state, events), console=console, auto_refresh=False) as live:
            async for stored in updates:
                if stored is not None:
                    events.append(stored.event)
                    state = evolve_readable(state, stored.event)
                live.update(render_state(state, events), refresh=True)


@with_settings
def get_command(
    settings: Settings,
    kind: Annotated[str, typer.Argument(metavar="rollout", help="rollout (or ro).")],
    name: Annotated[str, typer.Argument(metavar="NAME", help="Rollout name.")],
    watch_: Annotated[
        bool, typer.Option("-w", "--watch", help="Keep the view live until Ctrl-C.")
    ] = False,
) -> None:
    """Show a rollout: status, step, weights, images, replicas and its revisions as a tree."""
    if kind not in ROLLOUT_WORDS:
        raise CliError(f"unknown kind {kind!r}: only `get rollout NAME` exists", exit_code=2)
    console = session.stdout_console()
    session.run_async((watch if watch_ else show)(settings, name, console))


def register(app: typer.Typer) -> None:
    app.command(name="get")(get_command)
