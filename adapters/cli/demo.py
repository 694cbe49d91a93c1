"""`rollouts demo` and `rollouts bench`: thin entry points to `adapters.demo` / `adapters.bench`.

Both are imported when the command runs, not when the CLI starts, so every other command works
(and starts fast) whatever state those packages are in.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Annotated, Any

import typer
from rich.table import Table

from adapters.cli import session
from adapters.cli.errors import CliError
from adapters.cli.options import with_settings
from adapters.runtime.settings import Settings


def load(module: str, function: str) -> Any:
    try:
        found: ModuleType = importlib.import_module(module)
    except ImportError as exc:
        raise CliError(f"{module} is not available in this installation ({exc})") from None
    entry = getattr(found, function, None)
    if entry is None:
        raise CliError(f"{module} has no {function}(); the installation is incomplete")
    return entry


@with_settings
def demo_command(
    settings: Settings,
    fast: Annotated[
        bool, typer.Option("--fast", help="Short pauses and analysis, for a quick look.")
    ] = False,
) -> None:
    """Run a guided canary on the local platform: deploy, update, watch traffic shift."""
    run_demo = load("adapters.demo", "run_demo")
    code = session.run_async(run_demo(settings, session.stdout_console(), fast=fast))
    raise typer.Exit(int(code))


def flatten(results: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in results.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten(value, f"{name}.")
        elif isinstance(value, float):
            yield name, f"{value:,.3f}"
        else:
            yield name, str(value)


def bench_command(
    quick: Annotated[bool, typer.Option("--quick", help="Fewer, shorter runs.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Measure event-store and controller throughput on this machine."""
    run_bench = load("adapters.bench", "run_bench")
    console = session.stdout_console()
    results = session.run_async(run_bench(quick=quick, console=console))
    if as_json:
        typer.echo(json.dumps(results, indent=2, default=str))
    else:
        console.print(bench_table(results), width=min(console.width, TABLE_WIDTH))
    missed = missed_primary_targets(results)
    if missed:  # a pipeline can gate on the bench; context figures never fail it
        typer.echo(f"bench: primary targets missed: {', '.join(missed)}", err=True)
        raise typer.Exit(1)


TABLE_WIDTH = 100
"""The bench's table never grows past this, whatever the terminal: it is pasted into issues."""


def bench_table(results: Mapping[str, Any]) -> Table:
    """Every figure by its full key; a long value (a target's note) wraps under itself."""
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    table.add_column("MEASURE", no_wrap=True)
    table.add_column("VALUE", overflow="fold")
    for name, value in flatten(results):
        table.add_row(name, value)
    return table


def missed_primary_targets(results: Mapping[str, Any]) -> list[str]:
    targets = results.get("targets", {})
    return sorted(name for name, t in targets.items() if t["primary"] and not t["met"])


def register(app: typer.Typer) -> None:
    app.command(name="demo")(demo_command)
    app.command(name="bench")(bench_command)
