"""The page's buttons: the same inputs as `rollouts promote|abort|retry|pause|resume`.

A button goes through the path `adapters.cli.actions.send_command` takes, on the dashboard's
client: the rollout must exist, `precheck` runs the controller's own `decide` (a refusal
publishes nothing), then `send` waits for the controller's answer. Failures become the CLI's
one-line messages through `adapters.cli.errors.explain`, so the page shows what the terminal
would print after `error:`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import events.inputs as inp
from adapters.cli import session
from adapters.cli.errors import CliError, Exit, explain
from adapters.runtime.client import RolloutsClient, new_input_id
from events.base import Command


@dataclass(frozen=True)
class Action:
    make: Callable[[str, str], Command]
    """(input id, actor) -> the command, built as the CLI builds it."""
    done: str
    """The CLI's message on success, with `{name}`."""


ACTIONS: dict[str, Action] = {
    "promote": Action(
        lambda i, a: inp.Promote(full=False, input_id=i, actor=a), "rollout '{name}' promoted"
    ),
    "promote-full": Action(
        lambda i, a: inp.Promote(full=True, input_id=i, actor=a), "rollout '{name}' fully promoted"
    ),
    "abort": Action(lambda i, a: inp.Abort(input_id=i, actor=a), "rollout '{name}' aborted"),
    "retry": Action(lambda i, a: inp.Retry(input_id=i, actor=a), "rollout '{name}' retried"),
    "pause": Action(lambda i, a: inp.Pause(input_id=i, actor=a), "rollout '{name}' paused"),
    "resume": Action(lambda i, a: inp.Resume(input_id=i, actor=a), "rollout '{name}' resumed"),
}


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str
    exit_code: int
    """The exit code the CLI would have ended with (`adapters.cli.errors.EXIT_CODES`)."""


async def _send(client: RolloutsClient, namespace: str, name: str, action: Action) -> str:
    state = await session.require_state(client, namespace, name)
    item = action.make(new_input_id(), client.actor or "")
    client.precheck(state, item)
    outcome = await client.send(namespace, name, item)
    if outcome.status in ("refused", "invalid"):
        raise CliError(outcome.message or f"{type(item).__name__} was {outcome.status}")
    if outcome.status == "unchanged":
        note = f": {outcome.message}" if outcome.message else ""
        return f"rollout '{name}' unchanged{note}"
    return action.done.format(name=name)


async def run_action(client: RolloutsClient, namespace: str, name: str, verb: str) -> Answer:
    """Send one button's command; a refusal is an answer, not an exception."""
    action = ACTIONS.get(verb)
    if action is None:
        known = ", ".join(ACTIONS)
        return Answer(False, f"action: unknown action {verb!r} (one of {known})", Exit.USAGE)
    try:
        return Answer(True, await _send(client, namespace, name, action), Exit.OK)
    except Exception as exc:
        failure = explain(exc)
        if failure is None:
            raise
        return Answer(False, str(failure), failure.exit_code)
