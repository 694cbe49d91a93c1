"""`rollouts delete NAME`: end a rollout's life, as deleting its Rollout object does.

Like the other imperative commands (`adapters.cli.actions`) it is decided locally first, then
sent; the controller records `RolloutDeleted`, terminates the analysis runs still going and
decides nothing more for the rollout. The ReplicaSets are not deleted: on Kubernetes their
owner reference hands them to the garbage collector once the Rollout object is deleted (delete
the object with `kubectl delete rollout NAME`: the controller sees that and records the same
event). The history stays: `rollouts events NAME` still shows it, and `rollouts apply` of the
same name starts a new life at revision 1.
"""

from __future__ import annotations

import typer

from adapters.cli.actions import NameArg, execute
from adapters.cli.options import with_settings
from adapters.runtime.client import new_input_id
from adapters.runtime.settings import Settings
from events.deletion import DeleteRollout


@with_settings
def delete_command(settings: Settings, name: NameArg) -> None:
    """Delete a rollout: its timers and analysis stop; its history stays."""
    item = DeleteRollout(input_id=new_input_id(), actor=settings.actor)
    execute(settings, name, item, f'rollout.argoproj.io "{name}" deleted')


def register(app: typer.Typer) -> None:
    app.command(name="delete")(delete_command)
