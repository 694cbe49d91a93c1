"""`rollouts replay NAME --at SEQ|TIME`: the rollout as it was at a point of its history.

The history is folded up to the chosen event and shown exactly like `get rollout`, with ages
as they were then. It answers "what did the rollout look like when the alert fired?".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from adapters.cli import session
from adapters.cli.errors import NotFound, UsageError
from adapters.cli.options import with_settings
from adapters.cli.render import render_rollout
from adapters.cli.view import build_view
from adapters.runtime.folding import fold_readable
from adapters.runtime.settings import Settings
from events.store import StoredEvent
from rollouts.state import initial_state

Point = int | datetime | None


def parse_point(text: str | None) -> Point:
    """A rollout sequence number, or an ISO 8601 time (UTC unless it carries an offset)."""
    if text is None:
        return None
    if text.strip().isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--at: bad value {text!r}: expected an event number (e.g. 12) or an ISO 8601 time "
            "(e.g. 2026-01-01T12:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def history_until(history: list[StoredEvent], point: Point) -> list[StoredEvent]:
    if point is None:
        return history
    if isinstance(point, int):
        lowest, highest = history[0].rollout_sequence, history[-1].rollout_sequence
        if not lowest <= point <= highest:
            raise NotFound(f"no event #{point}: the history has events #{lowest} to #{highest}")
        return [stored for stored in history if stored.rollout_sequence <= point]
    kept = [stored for stored in history if stored.envelope.time <= point]
    if not kept:
        first = history[0].envelope.time.isoformat()
        raise NotFound(f"no events at or before {point.isoformat()} (the first is at {first})")
    return kept


async def replay(settings: Settings, name: str, point: Point) -> None:
    async with session.open_client(settings) as client:
        history = await session.load_history(client, settings.namespace, name)
    kept = history_until(history, point)
    events = [stored.event for stored in kept]
    state = fold_readable(initial_state(settings.namespace, name), events)
    last = kept[-1]
    when = last.envelope.time.isoformat()
    note = f"as of event #{last.rollout_sequence} ({when}), latest #{history[-1].rollout_sequence}"
    view = build_view(state, events)
    session.stdout_console().print(render_rollout(view, last.envelope.time, note))


@with_settings
def replay_command(
    settings: Settings,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Rollout name.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="Event number (SEQ of `rollouts events`) or ISO 8601 time; default: now."
        ),
    ] = None,
) -> None:
    """Show a rollout as it was after a given event (or at a given time)."""
    point = parse_point(at)
    session.run_async(replay(settings, name, point))


def register(app: typer.Typer) -> None:
    app.command(name="replay")(replay_command)
