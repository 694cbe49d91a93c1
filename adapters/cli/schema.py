"""`rollouts schema events`: write the published contract (JSON Schemas, index, AsyncAPI).

Needs no server: the files come from the models of this installation. The repository keeps
the output under `docs/schema/` (regenerate with `rollouts schema events -o docs/schema`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adapters.history.schema import write_schema

schema_app = typer.Typer(
    name="schema", help="The event contract as files.", no_args_is_help=True, add_completion=False
)


@schema_app.command(name="events")
def events_schema_command(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Directory to write into (created if needed).")
    ] = Path("schema"),
) -> None:
    """Write a JSON Schema per event and input type, an index and an AsyncAPI 3.0 document."""
    written = write_schema(output)
    typer.echo(f"wrote {len(written)} files to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")
