"""The one place where a failure becomes an exit code.

The root group wraps every command: a failure the user can act on prints one `error:` line on
stderr and exits 1 (or the code it carries), Ctrl-C exits 130 without a word. It sits in the
group rather than in `run()` so that tests driving the app with CliRunner see the same lines
and codes a shell does; anything else is a bug and propagates (a traceback with
ROLLOUTS_DEBUG=1, one line from `run()` otherwise).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from adapters.cli.errors import INTERRUPTED, explain


class RolloutsGroup(TyperGroup):
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
            raise typer.Exit(error.exit_code) from None
