"""The imperative commands: promote, abort, retry, pause, resume, set image, undo.

Each one is first decided locally against the current state with the controller's own rules
(`precheck`): a refusal prints the reason and publishes nothing. Then the command is sent and
the controller's answer is final. Messages follow `kubectl argo rollouts`.
"""

from __future__ import annotations

from typing import Annotated

import typer

import events.inputs as inp
from adapters.cli import session
from adapters.cli.errors import CliError, UsageError
from adapters.cli.options import with_settings
from adapters.runtime.client import new_input_id
from adapters.runtime.settings import Settings
from events.base import Command
from events.input_codec import InputOutcome
from rollouts.spec.image_ref import image_problem

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Rollout name.")]
ROLLOUT_WORDS = ("rollout", "rollouts", "ro")


async def send_command(settings: Settings, name: str, item: Command) -> InputOutcome:
    namespace = settings.namespace
    async with session.open_client(settings) as client:
        state = await session.require_state(client, namespace, name)
        client.precheck(state, item)
        out = session.stdout_console()
        with session.waiting(out, f"waiting for the controller ({type(item).__name__})..."):
            outcome = await client.send(namespace, name, item)
    if outcome.status in ("refused", "invalid"):
        raise CliError(outcome.message or f"{type(item).__name__} was {outcome.status}")
    return outcome


def execute(settings: Settings, name: str, item: Command, done: str) -> None:
    outcome = session.run_async(send_command(settings, name, item))
    out = session.stdout_console()
    if outcome.status == "unchanged":
        note = f": {outcome.message}" if outcome.message else ""
        out.print(f"rollout '{name}' unchanged{note}", markup=False)
    else:
        out.print(done, markup=False)


def _ids(settings: Settings) -> dict[str, str]:
    return {"input_id": new_input_id(), "actor": settings.actor}


@with_settings
def promote_command(
    settings: Settings,
    name: NameArg,
    full: Annotated[
        bool, typer.Option("--full", help="Skip all remaining steps, pauses and analysis.")
    ] = False,
) -> None:
    """Promote a paused rollout to its next step (or all the way with --full)."""
    item = inp.Promote(full=full, **_ids(settings))
    execute(settings, name, item, f"rollout '{name}' {'fully ' if full else ''}promoted")


@with_settings
def abort_command(settings: Settings, name: NameArg) -> None:
    """Abort the update: traffic and replicas go back to the stable revision."""
    execute(settings, name, inp.Abort(**_ids(settings)), f"rollout '{name}' aborted")


@with_settings
def retry_command(
    settings: Settings,
    name: Annotated[
        list[str],
        typer.Argument(metavar="[rollout] NAME", help="`retry rollout NAME` or `retry NAME`."),
    ],
) -> None:
    """Retry an aborted rollout from its first step."""
    rollout = rollout_name(name)
    execute(settings, rollout, inp.Retry(**_ids(settings)), f"rollout '{rollout}' retried")


def rollout_name(words: list[str]) -> str:
    """The NAME of `rollout NAME` or of a bare `NAME`."""
    if len(words) == 2 and words[0] in ROLLOUT_WORDS:
        return words[1]
    if len(words) == 1 and words[0] not in ROLLOUT_WORDS:
        return words[0]
    raise UsageError("[rollout] NAME: expected `rollout NAME` or `NAME`")


@with_settings
def pause_command(settings: Settings, name: NameArg) -> None:
    """Pause a rollout (a user pause, lifted with `resume` or `promote`)."""
    execute(settings, name, inp.Pause(**_ids(settings)), f"rollout '{name}' paused")


@with_settings
def resume_command(settings: Settings, name: NameArg) -> None:
    """Lift a user pause and the controller's pauses without skipping a step."""
    execute(settings, name, inp.Resume(**_ids(settings)), f"rollout '{name}' resumed")


@with_settings
def set_image_command(
    settings: Settings,
    name: NameArg,
    assignment: Annotated[
        str, typer.Argument(metavar="CONTAINER=IMAGE", help="CONTAINER may be * for all.")
    ],
) -> None:
    """Update the image of one container (or of all with `*=IMAGE`)."""
    container, sep, image = assignment.partition("=")
    if not sep or not container or not image:
        raise UsageError(f"CONTAINER=IMAGE: expected CONTAINER=IMAGE, got {assignment!r}")
    problem = image_problem(image)
    if problem:
        raise UsageError(f"CONTAINER=IMAGE: {problem}")
    item = inp.SetImage(container=container, image=image, **_ids(settings))
    execute(settings, name, item, f'rollout "{name}" image updated')


@with_settings
def undo_command(
    settings: Settings,
    name: NameArg,
    to_revision: Annotated[
        int | None,
        typer.Option("--to-revision", min=1, help="Revision to go back to (default: previous)."),
    ] = None,
) -> None:
    """Roll back to the previous revision (or to --to-revision)."""
    item = inp.Undo(to_revision=to_revision, **_ids(settings))
    execute(settings, name, item, f"rollout '{name}' undo")


def register(app: typer.Typer) -> None:
    app.command(name="promote")(promote_command)
    app.command(name="abort")(abort_command)
    app.command(name="retry")(retry_command)
    app.command(name="pause")(pause_command)
    app.command(name="resume")(resume_command)
    app.command(name="undo")(undo_command)
    setter = typer.Typer(name="set", help="Update a field of a rollout.", no_args_is_help=True)
    setter.command(name="image")(set_image_command)
    app.add_typer(setter)
