"""`rollouts events NAME`: the history of a rollout, as a table or as CloudEvents JSON lines.

The table has fixed-width columns so `--follow` can keep printing rows as events arrive. JSON
output is one structured CloudEvent per line, exactly what is on the stream, for `jq` and for
tools that consume CloudEvents.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from adapters.cli import session
from adapters.cli.errors import CliError
from adapters.cli.options import with_settings
from adapters.cli.summaries import summarize
from adapters.runtime.settings import Settings
from events.base import EVENT_TYPES
from events.codec import DEFAULT_CODEC
from events.store import StoredEvent

TYPE_WIDTH = max(len(name) for name in EVENT_TYPES)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
TIME_WIDTH = len("2026-01-01T00:00:00.000Z")


class EventFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def table_header() -> str:
    return f"{'SEQ':>5}  {'TIME':<{TIME_WIDTH}}  {'TYPE':<{TYPE_WIDTH}}  SUMMARY"


def table_row(stored: StoredEvent) -> str:
    envelope = stored.envelope
    when = envelope.time.strftime(TIME_FORMAT)[:-3] + "Z"
    summary = summarize(stored.event, envelope.name)
    kind = envelope.type
    return f"{stored.rollout_sequence:>5}  {when:<{TIME_WIDTH}}  {kind:<{TYPE_WIDTH}}  {summary}"


def json_line(stored: StoredEvent) -> str:
    return json.dumps(DEFAULT_CODEC.to_structured(stored.envelope, stored.event))


def check_types(types: list[str]) -> set[str]:
    unknown = sorted(set(types) - set(EVENT_TYPES))
    if unknown:
        raise CliError(
            f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(sorted(EVENT_TYPES))}",
            exit_code=2,
        )
    return set(types)


async def print_events(
    settings: Settings,
    name: str,
    *,
    types: set[str],
    output: EventFormat,
    follow: bool,
) -> None:
    render = json_line if output is EventFormat.JSON else table_row
    namespace = settings.namespace
    async with session.open_client(settings) as client:
        history = await session.load_history(client, namespace, name)
        if output is EventFormat.TABLE:
            typer.echo(table_header())
        for stored in history:
            if not types or stored.envelope.type in types:
                typer.echo(render(stored))
        if not follow:
            return
        async for stored in client.follow(namespace, name, after=history[-1].stream_sequence):
            if not types or stored.envelope.type in types:
                typer.echo(render(stored))


@with_settings
def events_command(
    settings: Settings,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Rollout name.")],
    follow: Annotated[
        bool, typer.Option("-f", "--follow", help="Keep printing new events until Ctrl-C.")
    ] = False,
    types: Annotated[
        list[str] | None,
        typer.Option("--type", "-t", help="Only events of this type (repeatable)."),
    ] = None,
    output: Annotated[
        EventFormat,
        typer.Option("-o", "--output", help="table, or json (one CloudEvent per line)."),
    ] = EventFormat.TABLE,
) -> None:
    """Show the history of a rollout, oldest first (SEQ is the rollout's own sequence)."""
    wanted = check_types(types or [])
    session.run_async(print_events(settings, name, types=wanted, output=output, follow=follow))


def register(app: typer.Typer) -> None:
    app.command(name="events")(events_command)
