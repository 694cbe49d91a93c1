"""Entry point of the `rollouts` command (pyproject: `rollouts = "adapters.cli.main:run"`).

Commands register themselves on `app` from their own modules. Failures a user can act on are
turned into one line and an exit code by the root group (`handler.RolloutsGroup`); `run()`
only catches what is left, which is a bug.
"""

from __future__ import annotations

import os
import sys

import typer

from adapters.cli import (
    actions,
    apply,
    audit,
    demo,
    event_log,
    export,
    fleet,
    get,
    lint,
    listing,
    replay,
    schema,
    serve,
    stats,
    status,
    worker,
)
from adapters.cli.errors import INTERRUPTED, CliError
from adapters.cli.handler import RolloutsGroup

app = typer.Typer(
    name="rollouts",
    cls=RolloutsGroup,
    help="Progressive delivery (canary, blue-green) driven by Argo Rollouts manifests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Progressive delivery (canary, blue-green) driven by Argo Rollouts manifests."""


for module in (serve, worker, apply, get, listing, status, actions, event_log, replay, lint, demo):
    module.register(app)
for module in (audit, export, stats, schema, fleet):
    module.register(app)

DEBUG_ENV = "ROLLOUTS_DEBUG"


def run() -> None:
    """Console entry point: a user mistake is one line on stderr and exit 1, never a traceback.

    Set ROLLOUTS_DEBUG=1 to see the traceback of an unexpected error.
    """
    try:
        app()
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        print(
            f"error: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)",
            file=sys.stderr,
        )
        sys.exit(1)
