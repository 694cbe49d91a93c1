"""`rollouts stats`: delivery metrics (deployments per day, change failure rate, time to
restore, lead time, time in each phase) per rollout and overall, from the whole stream."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from adapters.cli import session
from adapters.cli.audit import window
from adapters.cli.options import with_settings
from adapters.history.decisions import by_rollout
from adapters.history.stats import DeliveryStats, overall, rollout_stats
from adapters.history.stats_render import render_json, render_table
from adapters.runtime.settings import Settings


class StatsFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


async def load_stats(
    settings: Settings, since: datetime | None, now: datetime
) -> list[DeliveryStats]:
    async with session.open_client(settings) as client:
        stored = await client.store.load_all()
    histories = by_rollout(stored)
    return [rollout_stats(histories[key], now=now, since=since) for key in sorted(histories)]


@with_settings
def stats_command(
    settings: Settings,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only from this time: ISO 8601, or a duration ago (30d)."),
    ] = None,
    output: Annotated[
        StatsFormat, typer.Option("-o", "--output", help="table or json.")
    ] = StatsFormat.TABLE,
) -> None:
    """Delivery metrics per rollout and overall, derived from the event stream."""
    now = datetime.now(UTC)
    start = window(since, None, now)[0]
    per_rollout = session.run_async(load_stats(settings, start, now))
    total = overall(per_rollout, now=now)
    if start is not None:
        total.start = start
    if output is StatsFormat.JSON:
        document = render_json(per_rollout, total, start)
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_table(per_rollout, total, start), nl=False)


def register(app: typer.Typer) -> None:
    app.command(name="stats")(stats_command)
