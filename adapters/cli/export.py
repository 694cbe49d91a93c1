"""`rollouts export` and `rollouts import`: the raw event stream as CloudEvents JSON Lines.

An export is a backup, a hand-over to another cluster or a fixture for a bug report; an
import recreates the histories, with the same event ids, times and payloads, in a stream that
does not have those rollouts yet, so replaying it folds to the same states.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from adapters.cli import session
from adapters.cli.audit import jetstream
from adapters.cli.errors import CliError
from adapters.cli.options import with_settings
from adapters.history.restore import ImportReport, RestoreError, export_events, import_records
from adapters.history.transfer import ImportFileError, Rollout, export_line, read_export
from adapters.runtime.settings import Settings
from events.store import StoredEvent


def rollout_keys(names: list[str], namespace: str) -> list[Rollout] | None:
    """`NAME` (in the namespace option) or `NAMESPACE/NAME`; None (everything) when empty."""
    if not names:
        return None
    keys = []
    for text in names:
        space, _, name = text.rpartition("/")
        keys.append((space or namespace, name))
    return keys


async def _export(settings: Settings, rollouts: list[Rollout] | None) -> list[StoredEvent]:
    async with session.open_client(settings) as client:
        try:
            return await export_events(client.store, rollouts)
        except RestoreError as missing:
            raise CliError(str(missing)) from None


@with_settings
def export_command(
    settings: Settings,
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="[NAME]...", help="Rollouts (NAME or NAMESPACE/NAME); default all."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write; default stdout.")
    ] = None,
) -> None:
    """Write the event stream as JSON Lines, one CloudEvent (structured mode) per line."""
    stored = session.run_async(_export(settings, rollout_keys(names or [], settings.namespace)))
    lines = [export_line(event) for event in stored]
    count = len({(s.envelope.namespace, s.envelope.name) for s in stored})
    if output is None:
        for line in lines:
            typer.echo(line)
        return
    output.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    typer.echo(f"exported {len(lines)} events of {count} rollout(s) to {output}", err=True)


def _read(source: str) -> list[str]:
    if source == "-":
        return sys.stdin.read().splitlines()
    try:
        return Path(source).read_text(encoding="utf-8").splitlines()
    except OSError as failure:
        raise CliError(f"cannot read {source}: {failure.strerror or failure}") from None


async def _import(settings: Settings, source: str) -> ImportReport:
    try:
        records = read_export(_read(source))
    except ImportFileError as bad:
        raise CliError(f"{source}: {bad}; nothing was imported") from None
    if not records:
        raise CliError(f"{source} holds no events; nothing was imported")
    async with session.open_client(settings) as client:
        try:
            return await import_records(jetstream(client), records)
        except RestoreError as refused:
            raise CliError(str(refused)) from None


@with_settings
def import_command(
    settings: Settings,
    source: Annotated[
        str,
        typer.Option("-f", "--file", help="JSON Lines file from `rollouts export` (- = stdin)."),
    ],
) -> None:
    """Recreate histories from an export, in a stream that does not have those rollouts."""
    report = session.run_async(_import(settings, source))
    typer.echo(
        f"imported {report.events} events of {report.rollouts} rollout(s) "
        f"in {report.batches} decision(s)"
    )


def register(app: typer.Typer) -> None:
    app.command(name="export")(export_command)
    app.command(name="import")(import_command)
