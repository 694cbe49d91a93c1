"""Typed domain errors. Each one is a refusal a user can act on, with a message saying why."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes; the CLI prints the message and exits 1."""


class IllegalTransition(DomainError):
    """A phase change that the state machine table does not allow (a bug, or a bad command)."""

    def __init__(self, machine: str, trigger: str, source: str, dest: str | None = None) -> None:
        target = f" to {dest}" if dest else ""
        super().__init__(f"{machine}: '{trigger}' is not allowed from {source}{target}")
        self.machine = machine
        self.trigger = trigger
        self.source = source
        self.dest = dest


class CommandRejected(DomainError):
    """A command that makes no sense in the rollout's current state (promote when Healthy...)."""


class UnknownRollout(DomainError):
    """A command for a rollout that has never been applied."""


class InvalidSpec(DomainError):
    """A manifest that failed validation; `problems` lists every `path: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid spec: " + "; ".join(problems))
        self.problems = problems
