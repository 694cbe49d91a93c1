"""Entry point of the `rollouts` command (pyproject: `rollouts = "adapters.cli.main:run"`).

To add a command, add one line to `COMMANDS`:
    LazyCommand("NAME", "package.module", "One-line help shown by `rollouts --help`."),
where `package.module` has `register(app: typer.Typer)` defining NAME on `app`. The module is
imported only when NAME runs, so keep this module free of heavy imports: `rollouts --help`,
`get`, `list`, `abort` and `promote` must start in well under 300 ms
(`rollouts bench --only cli-start`; tests/unit/cli/test_lazy_imports.py guards the imports).

Failures a user can act on are turned into one line and an exit code by the root group
(`handler.RolloutsGroup`, codes in `errors.EXIT_CODES`); `run()` only catches what is left,
which is a bug.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from typing import Annotated, Any

import typer

from adapters.cli.errors import INTERRUPTED, CliError
from adapters.cli.handler import LazyCommand, RolloutsGroup
from adapters.cli.options import ROOT_NAMESPACE

COMMANDS = (
    LazyCommand(
        "serve",
        "adapters.cli.serve",
        "Run the controller and every worker, on this machine or on a cluster.",
    ),
    LazyCommand(
        "worker",
        "adapters.cli.worker",
        "Run the listed workers against a running server (--nats-url or `rollouts serve`).",
    ),
    LazyCommand(
        "apply",
        "adapters.cli.apply",
        "Create or update rollouts, AnalysisTemplates and ClusterAnalysisTemplates.",
    ),
    LazyCommand(
        "get",
        "adapters.cli.get",
        "Show a rollout: status, step, weights, images, replicas and its revisions as a tree.",
    ),
    LazyCommand(
        "list",
        "adapters.cli.listing",
        'List rollouts of the namespace (-n, default "default") or of all (-A).',
    ),
    LazyCommand(
        "status",
        "adapters.cli.status",
        "Show the status of a rollout; by default wait until it is Healthy or Degraded.",
    ),
    LazyCommand(
        "promote",
        "adapters.cli.actions",
        "Promote a paused rollout to its next step (or all the way with --full).",
    ),
    LazyCommand(
        "abort",
        "adapters.cli.actions",
        "Abort the update: traffic and replicas go back to the stable revision.",
    ),
    LazyCommand("retry", "adapters.cli.actions", "Retry an aborted rollout from its first step."),
    LazyCommand(
        "pause",
        "adapters.cli.actions",
        "Pause a rollout (a user pause, lifted with `resume` or `promote`).",
    ),
    LazyCommand(
        "resume",
        "adapters.cli.actions",
        "Lift a user pause and the controller's pauses without skipping a step.",
    ),
    LazyCommand(
        "undo", "adapters.cli.actions", "Roll back to the previous revision (or to --to-revision)."
    ),
    LazyCommand("set", "adapters.cli.actions", "Update a field of a rollout."),
    LazyCommand(
        "delete",
        "adapters.cli.deletion",
        "Delete a rollout: its timers and analysis stop; its history stays.",
    ),
    LazyCommand(
        "restart",
        "adapters.cli.restart",
        "Restart the pods of a rollout (spec.restartAt := now + --in), with no new revision.",
    ),
    LazyCommand(
        "events",
        "adapters.cli.event_log",
        "Show the history of a rollout, oldest first (SEQ is the rollout's own sequence).",
    ),
    LazyCommand(
        "replay",
        "adapters.cli.replay",
        "Show a rollout as it was after a given event (or at a given time).",
    ),
    LazyCommand(
        "lint",
        "adapters.cli.lint",
        "Validate Rollout, AnalysisTemplate and ClusterAnalysisTemplate manifests.",
    ),
    LazyCommand(
        "demo",
        "adapters.cli.demo",
        "Run a guided canary on the local platform: deploy, update, watch traffic shift.",
    ),
    LazyCommand(
        "bench",
        "adapters.cli.demo",
        "Measure event-store and controller throughput on this machine.",
    ),
    LazyCommand(
        "audit",
        "adapters.cli.audit",
        "Show every transition of a rollout with its cause, grouped by revision.",
    ),
    LazyCommand(
        "export",
        "adapters.cli.export",
        "Write templates and the event stream as JSON Lines, one CloudEvent per line.",
    ),
    LazyCommand(
        "import",
        "adapters.cli.export",
        "Recreate histories (and templates) from an export, all or nothing.",
    ),
    LazyCommand(
        "stats",
        "adapters.cli.stats",
        "Delivery metrics per rollout and overall, derived from the event stream.",
    ),
    LazyCommand(
        "schema",
        "adapters.cli.schema",
        "The event contract: JSON Schemas and AsyncAPI (stdout, or files with -o).",
    ),
    LazyCommand(
        "fleet", "adapters.cli.fleet", "Roll one Rollout out across clusters, wave by wave."
    ),
)


class Root(RolloutsGroup):
    lazy_commands = COMMANDS


app = typer.Typer(
    name="rollouts",
    cls=Root,
    help="Progressive delivery (canary, blue-green) driven by Argo Rollouts manifests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"rollouts {version('rollouts')}")
        except PackageNotFoundError:
            typer.echo("rollouts (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    namespace: Annotated[
        str | None,
        typer.Option(
            "-n",
            "--namespace",
            help="Namespace for the command (default: default); same as -n after it.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Progressive delivery (canary, blue-green) driven by Argo Rollouts manifests."""
    ctx.meta[ROOT_NAMESPACE] = namespace


DEBUG_ENV = "ROLLOUTS_DEBUG"
DEFERRED_MODULES = ("aiohttp",)
"""Imported by nats-py at start for its WebSocket transport only (~0.1 s); a command that talks
plain nats:// never touches it. The local platform and the Kubernetes adapters still get the
real module: it loads on their first use of an attribute."""


class DeferredModule(types.ModuleType):
    """Stands in `sys.modules` for a module not loaded yet; its first attribute read imports it.

    Not `importlib.util.LazyLoader`: on 3.11 a second `import aiohttp` reads the lazy module's
    `__spec__`, which loads it. Here `__spec__` is a plain attribute; any other read replaces
    this stand-in by the real module in `sys.modules` and answers from it, so `from aiohttp
    import web` and `aiohttp.ClientSession` behave as usual.
    """

    def __getattr__(self, attribute: str) -> Any:
        real = self.__dict__.get("_real_module")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_real_module"] = real
        return getattr(real, attribute)


def defer_imports(names: tuple[str, ...] = DEFERRED_MODULES) -> None:
    """Put a `DeferredModule` for each module not imported yet and installed."""
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        stand_in = DeferredModule(name)
        stand_in.__spec__ = spec
        sys.modules[name] = stand_in


def run() -> None:
    """Console entry point: a user mistake is one line on stderr and its exit code.

    Only a bug reaches the last branch. Set ROLLOUTS_DEBUG=1 to see its traceback.
    """
    defer_imports()
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
