"""Exit codes, the errors a command raises for a user mistake, and the translation of failures.

Every failure a user can act on ends as one `error: ...` line on stderr and one exit code from
`EXIT_CODES`, so a script can tell a typo (2) from a missing rollout (3), a timeout (4) or a
server it cannot reach (5). The table is data: the README and `tests/unit/cli/test_exit_codes.py`
read it. The types this module translates are imported inside `explain`, when a failure has
happened: importing them here would load NATS and the domain for `rollouts --help`.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    NOT_FOUND = 3
    TIMEOUT = 4
    UNAVAILABLE = 5
    PENDING = 6
    INTERRUPTED = 130


EXIT_CODES: dict[Exit, str] = {
    Exit.OK: "success (`status`: the rollout is Healthy)",
    Exit.FAILED: "refused or failed: the controller's rules refused the command, a file or "
    "spec is invalid, or (`status`) the rollout is Degraded",
    Exit.USAGE: "usage error: unknown command or option, a malformed argument, name or "
    "environment variable",
    Exit.NOT_FOUND: "not found: no such rollout, fleet rollout, event or file",
    Exit.TIMEOUT: "timed out: `status --timeout` passed before Healthy or Degraded",
    Exit.UNAVAILABLE: "connection failure: no server, NATS unreachable or refusing the "
    "credentials, no controller answering",
    Exit.PENDING: "`status --no-watch`: still Progressing or Paused",
    Exit.INTERRUPTED: "interrupted (Ctrl-C, SIGINT)",
}

INTERRUPTED = Exit.INTERRUPTED


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = Exit.FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, Exit.USAGE)


class NotFound(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, Exit.NOT_FOUND)


class Unavailable(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, Exit.UNAVAILABLE)


class RolloutNotFound(NotFound):
    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(f"rollout {namespace}/{name} not found")


def one_line(text: str) -> str:
    """A multi-line library message (YAML's marks, pydantic's dumps) as one line."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def not_utf8(exc: UnicodeDecodeError) -> str:
    """Where the bytes stop being UTF-8: line (counted in the bytes before) and byte offset."""
    data = exc.object if isinstance(exc.object, bytes) else bytes(exc.object)
    line = data[: exc.start].count(b"\n") + 1
    return f"not UTF-8 text (line {line}, byte {exc.start}: 0x{data[exc.start]:02x})"


def file_problem(exc: BaseException) -> str:
    """Why a file the user named could not be read or parsed, in one line."""
    if isinstance(exc, UnicodeDecodeError):
        return not_utf8(exc)
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    mark = getattr(exc, "problem_mark", None)  # a YAML syntax error
    if mark is not None:
        what = getattr(exc, "problem", None) or "syntax error"
        return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {what}"
    return one_line(str(exc))


def explain(exc: BaseException) -> CliError | None:
    """The one-line error for a failure the user can act on; None for a bug (a traceback)."""
    if isinstance(exc, CliError):
        return exc
    return _explain_unavailable(exc) or _explain_refused(exc)


def _explain_unavailable(exc: BaseException) -> CliError | None:
    from nats.errors import Error as NatsError

    from adapters.runtime.auth import CredentialsError
    from adapters.runtime.client import ControllerUnavailable
    from adapters.runtime.connect import NoServer, NotAuthorized, ServerUnreachable
    from adapters.runtime.embedded import EmbeddedNatsError

    if isinstance(
        exc,
        NoServer
        | ServerUnreachable
        | NotAuthorized
        | CredentialsError
        | ControllerUnavailable
        | EmbeddedNatsError,
    ):
        return Unavailable(str(exc))
    if isinstance(exc, ConnectionRefusedError):
        return Unavailable(f"cannot connect to NATS: {exc.strerror or exc}")
    if isinstance(exc, NatsError):
        return Unavailable(f"NATS: {exc}")
    if isinstance(exc, TimeoutError):
        return Unavailable("timed out talking to NATS; is the server up?")
    return None


def _explain_refused(exc: BaseException) -> CliError | None:
    from adapters.runtime.pause_settings import PauseSettingError
    from adapters.runtime.settings import SettingsError
    from events.input_codec import MalformedInput
    from events.subjects import InvalidSubject
    from rollouts.errors import DomainError, InvalidSpec
    from rollouts.ports import PortError

    if isinstance(exc, InvalidSpec):
        return CliError("invalid spec:\n" + "\n".join(f"  {p}" for p in exc.problems))
    if isinstance(exc, DomainError | PortError):
        return CliError(str(exc))
    if isinstance(exc, SettingsError | PauseSettingError):
        return UsageError(str(exc))  # an environment variable the process cannot use
    if isinstance(exc, InvalidSubject | MalformedInput):
        return UsageError(str(exc))  # a name or argument beyond what the bus carries
    return _explain_input(exc)


def _explain_input(exc: BaseException) -> CliError | None:
    """A file the user named, or a value a model refused: one line, no exception name or URL."""
    from pydantic import ValidationError

    if isinstance(exc, OSError) and exc.filename:
        failure = NotFound if isinstance(exc, FileNotFoundError) else CliError
        return failure(f"{exc.filename}: {exc.strerror or exc}")
    if isinstance(exc, UnicodeDecodeError):
        return CliError(f"an input is {not_utf8(exc)}")
    if isinstance(exc, ValidationError):
        problems = (
            f"{'.'.join(str(part) for part in error['loc']) or exc.title}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        return CliError(f"invalid {exc.title}: " + "; ".join(problems))
    return None
