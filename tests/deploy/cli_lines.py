"""Check a `rollouts` command line (a container's args, a compose command) against the real CLI.

Options and worker names the deploy files already use but the CLI does not have yet are listed in
PENDING; while the CLI lacks one it is set aside (and reported), once the CLI has it the line is
parsed with it. Anything else unknown fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import typer

from adapters.cli.main import app
from adapters.cli.worker import WorkerName

# Option -> does it take a value.
PENDING_OPTIONS = {"--platform": True}
PENDING_WORKERS = frozenset({"analysis", "notifier"})


@dataclass
class Parsed:
    params: dict[str, Any]
    pending: list[str] = field(default_factory=list)


def _command(name: str) -> Any:
    group = typer.main.get_command(app)
    assert name in group.commands, f"`rollouts {name}` does not exist"  # type: ignore[attr-defined]
    return group.get_command(None, name)  # type: ignore[attr-defined]  # loads it


def _known_options(command: Any) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def _known_workers() -> set[str]:
    return {worker.value for worker in WorkerName}


def _set_aside(args: list[str], known: set[str]) -> tuple[list[str], list[str]]:
    kept: list[str] = []
    pending: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        option = token.split("=", 1)[0]
        if option in PENDING_OPTIONS and option not in known:
            takes_value = PENDING_OPTIONS[option] and "=" not in token
            pending.append(" ".join(args[index : index + 1 + takes_value]))
            index += 1 + takes_value
            continue
        kept.append(token)
        index += 1
    return kept, pending


def parse(argv: list[str]) -> Parsed:
    """Parse `rollouts <argv>`; raises (click's errors) when the line is not valid."""
    name, *args = argv
    if argv == ["--help"]:
        return Parsed(params={})
    command = _command(name)
    args, pending = _set_aside(args, _known_options(command))
    if name == "worker":
        known = _known_workers()
        missing = [arg for arg in args if arg in PENDING_WORKERS and arg not in known]
        pending += [f"worker {worker}" for worker in missing]
        args = [arg for arg in args if arg not in missing]
        if missing and not any(arg in known for arg in args):
            args.insert(0, sorted(known)[0])
    context = command.make_context(name, args)
    return Parsed(params=dict(context.params), pending=pending)
