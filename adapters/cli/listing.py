"""`rollouts list [rollouts]`: one line per rollout, like `kubectl argo rollouts list rollouts`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from adapters.cli import session
from adapters.cli.actions import ROLLOUT_WORDS
from adapters.cli.errors import CliError
from adapters.cli.options import with_settings
from adapters.cli.render import age, styled
from adapters.cli.view import RolloutView, build_view
from adapters.runtime.folding import evolve_readable
from adapters.runtime.settings import Settings
from events.deletion import RolloutDeleted
from events.quarantine import Unreadable
from rollouts.state import RolloutState, initial_state

COLUMNS = (
    "NAMESPACE",
    "NAME",
    "STRATEGY",
    "STATUS",
    "STEP",
    "SET-WEIGHT",
    "READY",
    "AVAILABLE",
    "AGE",
)
Key = tuple[str, str]


async def load_states(settings: Settings) -> list[tuple[RolloutState, datetime]]:
    """Every rollout's state and the time its life began, sorted by namespace and name; a
    deleted rollout is gone, as a deleted object is from `kubectl get`."""
    states: dict[Key, RolloutState] = {}
    first_seen: dict[Key, datetime] = {}
    async with session.open_client(settings) as client:
        stored_events = await client.store.load_all()
    for stored in stored_events:
        if isinstance(stored.event, Unreadable):  # skipped; no rollout is listed for it alone
            continue
        key = (stored.envelope.namespace, stored.envelope.name)
        state = states.get(key) or initial_state(*key)
        states[key] = evolve_readable(state, stored.event)
        first_seen.setdefault(key, stored.envelope.time)
        if isinstance(stored.event, RolloutDeleted):  # a new life starts its age again
            del first_seen[key]
    live = sorted(key for key, state in states.items() if not state.deleted)
    return [(states[key], first_seen[key]) for key in live]


def rollout_row(view: RolloutView, created: datetime, now: datetime) -> list[str]:
    desired, _, _, ready, available = view.replicas
    return [
        view.namespace,
        view.name,
        view.strategy,
        view.status,
        view.step or "-",
        view.set_weight or "-",
        f"{ready}/{desired}",
        str(available),
        age(created, now),
    ]


def rollouts_table(rows: list[tuple[RolloutState, datetime]], now: datetime) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    for column in COLUMNS:
        table.add_column(column, no_wrap=True)
    for state, created in rows:
        cells = rollout_row(build_view(state), created, now)
        table.add_row(*cells[:3], styled(cells[3]), *cells[4:])
    return table


@with_settings
def list_command(
    settings: Settings,
    kind: Annotated[
        str | None, typer.Argument(metavar="[rollouts]", help="What to list (only rollouts).")
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("-A", "--all-namespaces", help="List rollouts of every namespace.")
    ] = False,
) -> None:
    """List rollouts of the namespace (-n, default "default") or of all (-A)."""
    if kind is not None and kind not in ROLLOUT_WORDS:
        raise CliError(f"unknown kind {kind!r}: only `list rollouts` exists", exit_code=2)
    rows = session.run_async(load_states(settings))
    if not all_namespaces:
        rows = [row for row in rows if row[0].namespace == settings.namespace]
    if not rows:
        where = "any namespace" if all_namespaces else f"{settings.namespace} namespace"
        session.stderr_console().print(f"No resources found in {where}.", markup=False)
        return
    session.stdout_console().print(rollouts_table(rows, datetime.now(UTC)))


def register(app: typer.Typer) -> None:
    app.command(name="list")(list_command)
