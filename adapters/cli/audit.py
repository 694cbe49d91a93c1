"""`rollouts audit NAME`: every transition of a rollout with its cause, grouped by revision.

Causes come from the ROLLOUT_INPUTS stream while it still holds the inputs (a week), else from
the events. `-o markdown` is written to paste into a post-incident review.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from nats.js.client import JetStreamContext

from adapters.cli import session
from adapters.cli.errors import CliError
from adapters.cli.options import with_settings
from adapters.history.audit_markdown import render_markdown
from adapters.history.audit_render import render_json, render_text
from adapters.history.causes import RecordedInput
from adapters.history.inputs import InputsUnavailable, recorded_inputs
from adapters.history.timeline import Audit, build_audit
from adapters.history.window import BadTime, parse_time
from adapters.runtime.client import RolloutsClient
from adapters.runtime.settings import Settings
from events.store import StoredEvent


class AuditFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


def window(since: str | None, until: str | None, now: datetime) -> tuple[datetime | None, ...]:
    try:
        return tuple(None if text is None else parse_time(text, now) for text in (since, until))
    except BadTime as bad:
        raise CliError(str(bad), exit_code=2) from None


def jetstream(client: RolloutsClient) -> JetStreamContext:
    return client.js


async def _inputs(
    client: RolloutsClient, namespace: str, name: str, history: list[StoredEvent]
) -> dict[str, RecordedInput]:
    wanted = {stored.envelope.causationid for stored in history}
    try:
        return await recorded_inputs(jetstream(client), namespace, name, wanted)
    except InputsUnavailable:
        return {}


async def load_audit(
    settings: Settings,
    name: str,
    *,
    since: datetime | None,
    until: datetime | None,
    everything: bool,
    now: datetime,
) -> Audit:
    namespace = settings.namespace
    async with session.open_client(settings) as client:
        history = await session.load_history(client, namespace, name)
        inputs = await _inputs(client, namespace, name, history)
    return build_audit(
        history, now=now, inputs=inputs, since=since, until=until, everything=everything
    )


def render(audit: Audit, output: AuditFormat) -> str:
    if output is AuditFormat.JSON:
        return json.dumps(render_json(audit), indent=2, ensure_ascii=False) + "\n"
    if output is AuditFormat.MARKDOWN:
        return render_markdown(audit)
    return render_text(audit)


@with_settings
def audit_command(
    settings: Settings,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Rollout name.")],
    *,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only from this time: ISO 8601, or a duration ago (12h, 7d)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Only up to this time: ISO 8601, or a duration ago."),
    ] = None,
    output: Annotated[
        AuditFormat, typer.Option("-o", "--output", help="table, json, or markdown.")
    ] = AuditFormat.TABLE,
    everything: Annotated[
        bool,
        typer.Option("--all", help="Also list mechanics (scaling, counts, router reports)."),
    ] = False,
) -> None:
    """Show every transition of a rollout with its cause, grouped by revision."""
    now = datetime.now(UTC)
    start, end = window(since, until, now)
    audit = session.run_async(
        load_audit(settings, name, since=start, until=end, everything=everything, now=now)
    )
    typer.echo(render(audit, output), nl=False)


def register(app: typer.Typer) -> None:
    app.command(name="audit")(audit_command)
