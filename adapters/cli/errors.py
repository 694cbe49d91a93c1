"""Errors a command raises for a user mistake, and the translation of known failures into them.

Every failure a user can act on (no server, no controller, a refused command, a bad file) ends
as one `error: ...` line on stderr and exit code 1; the translation lives here so every command
reports the same failure the same way.
"""

from __future__ import annotations

from nats.errors import Error as NatsError

from adapters.runtime.auth import CredentialsError
from adapters.runtime.client import ControllerUnavailable
from adapters.runtime.connect import NoServer, NotAuthorized, ServerUnreachable
from adapters.runtime.embedded import EmbeddedNatsError
from adapters.runtime.pause_settings import PauseSettingError
from events.input_codec import MalformedInput
from events.subjects import InvalidSubject
from rollouts.errors import DomainError, InvalidSpec
from rollouts.ports import PortError

INTERRUPTED = 130


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RolloutNotFound(CliError):
    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(f"rollout {namespace}/{name} not found")


def explain(exc: BaseException) -> CliError | None:
    """The one-line error for a failure the user can act on; None for a bug (a traceback)."""
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, InvalidSpec):
        return CliError("invalid spec:\n" + "\n".join(f"  {p}" for p in exc.problems))
    if isinstance(
        exc,
        NoServer
        | ServerUnreachable
        | NotAuthorized
        | CredentialsError
        | ControllerUnavailable
        | DomainError
        | EmbeddedNatsError
        | PauseSettingError,
    ):
        return CliError(str(exc))
    if isinstance(exc, PortError | InvalidSubject | MalformedInput):
        return CliError(str(exc))  # a name or argument beyond what the bus carries
    if isinstance(exc, ConnectionRefusedError):
        return CliError(f"cannot connect to NATS: {exc.strerror or exc}")
    if isinstance(exc, NatsError):
        return CliError(f"NATS: {exc}")
    if isinstance(exc, TimeoutError):
        return CliError("timed out talking to NATS; is the server up?")
    return None
