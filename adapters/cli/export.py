"""`rollouts export` and `rollouts import`: the raw event stream as CloudEvents JSON Lines.

An export is a backup, a hand-over to another cluster or a fixture for a bug report; an
import recreates the histories, with the same event ids, times and payloads, in a stream that
does not have those rollouts yet, so replaying it folds to the same states. The export carries
the AnalysisTemplates and ClusterAnalysisTemplates too, so the histories can go on, and with
--notifications the notification configuration `serve` runs with (without its Secrets); the
import writes that to a file for `serve --notifications`.

Import is all or nothing, under fences (`adapters.history.restore`). With no server running
for the data directory and no --nats-url, it starts the embedded server for its own duration;
with `serve` running, it imports into that one, and the controller waits for it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from adapters.analysis.templates import (
    KvTemplateStore,
    key_of,
    template_document,
    template_from_document,
    template_namespace,
)
from adapters.cli import session
from adapters.cli.errors import CliError, NotFound, file_problem
from adapters.cli.options import with_settings
from adapters.history.restore import ImportReport, RestoreError, export_events, import_records
from adapters.history.transfer import (
    ExportContents,
    ImportFileError,
    Rollout,
    export_line,
    notifications_line,
    read_file,
    template_line,
)
from adapters.notify.config import config_from_documents
from adapters.runtime.connect import Connection, ServerUnreachable, connect
from adapters.runtime.embedded import EmbeddedNatsError
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


async def _export(
    settings: Settings, rollouts: list[Rollout] | None
) -> tuple[list[StoredEvent], list[str]]:
    """The events, and the template lines (every template: runs may name any of them)."""
    async with session.open_client(settings) as client:
        try:
            stored = await export_events(client.store, rollouts)
        except RestoreError as missing:
            raise CliError(str(missing)) from None
        templates = await client.templates.list()
    return stored, [template_line(template_document(t)) for t in templates]


def notification_documents(path: Path) -> list[Any]:
    """The configuration's YAML documents without its Secrets, checked to load."""
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except (OSError, yaml.YAMLError) as error:
        raise CliError(f"cannot read notification config {path}: {error}") from None
    kept = [d for d in documents if not (isinstance(d, dict) and d.get("kind") == "Secret")]
    try:
        config_from_documents(kept)
    except ValueError as error:
        raise CliError(f"invalid notification config {path}: {error}") from None
    return kept


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
    notifications: Annotated[
        Path | None,
        typer.Option(
            "--notifications",
            help="Include this notification config (the file given to serve; Secrets dropped).",
        ),
    ] = None,
) -> None:
    """Write templates and the event stream as JSON Lines, one CloudEvent per line."""
    keys = rollout_keys(names or [], settings.namespace)
    config = [notifications_line(notification_documents(notifications))] if notifications else []
    stored, templates = session.run_async(_export(settings, keys))
    lines = [*config, *templates, *(export_line(event) for event in stored)]
    count = len({(s.envelope.namespace, s.envelope.name) for s in stored})
    if output is None:
        for line in lines:
            typer.echo(line)
        return
    output.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    typer.echo(
        f"exported {len(stored)} events of {count} rollout(s) and {len(templates)} "
        f"template(s) to {output}",
        err=True,
    )


def _read(source: str) -> list[str]:
    if source == "-":
        return sys.stdin.read().splitlines()
    try:
        return Path(source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as failure:
        kind = NotFound if isinstance(failure, FileNotFoundError) else CliError
        raise kind(f"cannot read {source}: {file_problem(failure)}") from None


def _contents(source: str) -> ExportContents:
    try:
        contents = read_file(_read(source))
    except ImportFileError as bad:
        raise CliError(f"{source}: {bad}; nothing was imported") from None
    if not contents.records:
        raise CliError(f"{source} holds no events; nothing was imported")
    try:
        for document in contents.templates:
            template_from_document(document)
    except ValueError as bad:
        raise CliError(f"{source}: a template does not validate: {bad}") from None
    return contents


async def _connect(settings: Settings) -> Connection:
    """The running server (serve's, or --nats-url), else the embedded one for the import's
    duration: an import needs no `serve`."""
    try:
        return await connect(settings, start_embedded=True, identity="admin")  # writes history
    except (ServerUnreachable, EmbeddedNatsError, OSError) as unreachable:
        raise CliError(str(unreachable)) from None


async def _templates_conflicting(store: KvTemplateStore, contents: ExportContents) -> list[str]:
    """Templates of the file the target holds with other content (checked before writing)."""
    clashes = []
    for document in contents.templates:
        template = template_from_document(document)
        held = await store.get(template.kind, template_namespace(template), template.name)
        if held is not None and template_document(held) != template_document(template):
            clashes.append(key_of(template))
    return clashes


def _notifications_target(
    settings: Settings, contents: ExportContents, target: Path | None
) -> tuple[Path, str] | None:
    """Where the file's notification configuration goes, and its YAML (None: it has none);
    a different file already there refuses the import before anything is written."""
    if contents.notifications is None:
        return None
    path = target or settings.data_dir / "notifications.yaml"
    text = yaml.safe_dump_all(contents.notifications, sort_keys=False)
    if path.exists() and path.read_text(encoding="utf-8") != text:
        raise CliError(
            f"{path} exists with another notification configuration; pass "
            "--notifications-out to write it elsewhere (nothing was imported)"
        )
    return path, text


async def _import(
    settings: Settings, source: str, notifications_out: Path | None
) -> tuple[ImportReport, int, Path | None]:
    contents = _contents(source)
    notifications = _notifications_target(settings, contents, notifications_out)
    connection = await _connect(settings)
    try:
        templates = KvTemplateStore(connection.js)
        clashes = await _templates_conflicting(templates, contents)
        if clashes:
            raise CliError(
                f"the target holds other versions of template(s) {', '.join(clashes)}; "
                "nothing was imported"
            )
        try:
            report = await import_records(connection.js, contents.records)
        except RestoreError as refused:
            raise CliError(str(refused)) from None
        for document in contents.templates:  # after the events: a failed import wrote none
            await templates.put(template_from_document(document))
        if notifications is not None:
            notifications[0].parent.mkdir(parents=True, exist_ok=True)
            notifications[0].write_text(notifications[1], encoding="utf-8")
        return report, len(contents.templates), notifications[0] if notifications else None
    finally:
        await connection.close()


@with_settings
def import_command(
    settings: Settings,
    source: Annotated[
        str,
        typer.Option("-f", "--file", help="JSON Lines file from `rollouts export` (- = stdin)."),
    ],
    notifications_out: Annotated[
        Path | None,
        typer.Option(
            "--notifications-out",
            help="Where to write the file's notification config; default "
            "DATA_DIR/notifications.yaml.",
        ),
    ] = None,
) -> None:
    """Recreate histories (and templates) from an export, all or nothing, in a stream that
    does not have those rollouts; starts the embedded server if none runs."""
    report, templates, written = session.run_async(_import(settings, source, notifications_out))
    resumed = f" ({report.resumed} stored by an earlier try)" if report.resumed else ""
    typer.echo(
        f"imported {report.events} events of {report.rollouts} rollout(s){resumed}, "
        f"{report.decisions} decision(s) in {report.batches} atomic batch(es), "
        f"and {templates} template(s)"
    )
    if written is not None:
        typer.echo(f"notification config written to {written} (serve --notifications {written})")


def register(app: typer.Typer) -> None:
    app.command(name="export")(export_command)
    app.command(name="import")(import_command)
