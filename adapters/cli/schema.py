"""`rollouts schema events`: write the published contract (JSON Schemas, index, AsyncAPI).

Needs no server: the files come from the models of this installation. Without `-o` nothing is
written: stdout gets one JSON object mapping each file's path to its document (pipe it to `jq`);
with `-o DIR` the files are written there. The repository keeps them under `docs/schema/`
(regenerate with `rollouts schema events -o docs/schema`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

schema_app = typer.Typer(
    name="schema",
    help="The event contract: JSON Schemas and AsyncAPI (stdout, or files with -o).",
    no_args_is_help=True,
    add_completion=False,
)


@schema_app.command(name="events")
def events_schema_command(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Directory to write the files into (created if needed); "
            "without it, one JSON object {path: document} goes to stdout.",
        ),
    ] = None,
) -> None:
    """A JSON Schema per event and input type, an index and an AsyncAPI 3.0 document."""
    from adapters.history.schema import documents, render, write_schema

    if output is None:
        typer.echo(render(documents()), nl=False)
        return
    written = write_schema(output)
    typer.echo(f"wrote {len(written)} files to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")
