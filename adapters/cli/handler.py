"""The root group: commands loaded on first use, and the one place a failure becomes an exit code.

Commands are registered by name with their one-line help (`LazyCommand`); the module that
implements one is imported only when that command runs, so `rollouts --help` or `rollouts get`
does not pay for kubernetes_asyncio, botocore or the condition grammar. `--help` lists the
placeholders as they are, without importing anything.

The group also wraps every command: a failure the user can act on prints one `error:` line on
stderr and exits with its code from `errors.EXIT_CODES`, Ctrl-C exits 130 without a word. It
sits in the group rather than in `run()` so that tests driving the app with CliRunner see the
same lines and codes a shell does; anything else is a bug and propagates (a traceback with
ROLLOUTS_DEBUG=1, one line from `run()` otherwise).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from adapters.cli.errors import INTERRUPTED, explain


@dataclass(frozen=True)
class LazyCommand:
    """A command known by name and help; `module.register(app)` defines it when it runs."""

    name: str
    module: str
    help: str

    def placeholder(self) -> _click.Command:
        return TyperCommand(self.name, help=self.help, short_help=self.help)


def load_commands(module_name: str) -> TyperGroup:
    """Every command `module.register` defines, as a group to pick them from."""
    module = importlib.import_module(module_name)
    sub = typer.Typer()
    module.register(sub)
    return typer.main.get_group(sub)


class RolloutsGroup(TyperGroup):
    lazy_commands: ClassVar[tuple[LazyCommand, ...]] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._lazy = {entry.name: entry for entry in self.lazy_commands}
        self._listing = False
        for entry in self.lazy_commands:
            self.commands.setdefault(entry.name, entry.placeholder())

    def get_command(self, ctx: Any, cmd_name: str) -> _click.Command | None:
        entry = self._lazy.get(cmd_name)
        if entry is None or self._listing:
            return super().get_command(ctx, cmd_name)
        command = load_commands(entry.module).get_command(ctx, cmd_name)
        if command is None:
            raise RuntimeError(f"{entry.module}.register defines no command {cmd_name!r}")
        self.commands[cmd_name] = command
        del self._lazy[cmd_name]
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """List the commands by their registered help, importing none of them."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except KeyboardInterrupt:
            raise typer.Exit(INTERRUPTED) from None
        except Exception as exc:
            error = explain(exc)
            if error is None:
                raise
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(int(error.exit_code)) from None
