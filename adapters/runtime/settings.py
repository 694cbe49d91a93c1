"""Process settings, read once by each composition root (never at import time).

With no NATS URL the processes use the embedded default: the pinned nats-server started from the
virtualenv, with its data under the user's data directory. With a URL, every credential option
is passed through to nats-py unchanged.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from adapters.runtime.pause_settings import pause_limit_from_env
from events.pause_limit import PauseLimit


class NatsSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    url: str | None = None
    creds_file: str | None = None
    token: str | None = None
    user: str | None = None
    password: str | None = None
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    replicas: int = 1
    """Copies of each stream and bucket in a JetStream cluster (`ROLLOUTS_NATS_REPLICAS`)."""

    @property
    def embedded(self) -> bool:
        return not self.url


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    nats: NatsSettings = NatsSettings()
    data_dir: Path
    namespace: str = "default"
    actor: str = ""
    max_pause: PauseLimit | None = None
    """The controller-wide maximum pause (`ROLLOUTS_MAX_PAUSE`, `ROLLOUTS_MAX_PAUSE_ACTION`)."""


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """XDG data home (or ~/.local/share) / rollouts."""
    base = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME", "~")) / ".local" / "share")
    return Path(base).expanduser() / "rollouts"


def os_user(environ: Mapping[str, str]) -> str:
    """The login of the person running the command (USER is unset under cron, sudo -i, ...)."""
    found = environ.get("USER") or environ.get("LOGNAME")
    if found:
        return found
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no passwd entry for the uid (a container)
        return f"uid-{os.getuid()}"


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ROLLOUTS_* variables; explicit `overrides` (CLI flags) win when not None."""
    env = os.environ if environ is None else environ
    nats_fields = {
        "url": env.get("ROLLOUTS_NATS_URL"),
        "creds_file": env.get("ROLLOUTS_NATS_CREDS"),
        "token": env.get("ROLLOUTS_NATS_TOKEN"),
        "user": env.get("ROLLOUTS_NATS_USER"),
        "password": env.get("ROLLOUTS_NATS_PASSWORD"),
        "tls_ca": env.get("ROLLOUTS_NATS_TLS_CA"),
        "tls_cert": env.get("ROLLOUTS_NATS_TLS_CERT"),
        "tls_key": env.get("ROLLOUTS_NATS_TLS_KEY"),
    }
    for key in list(nats_fields):
        if overrides.get(f"nats_{key}") is not None:
            nats_fields[key] = str(overrides[f"nats_{key}"])
    data_dir = overrides.get("data_dir") or env.get("ROLLOUTS_DATA_DIR") or default_data_dir(env)
    replicas = parse_replicas(env.get("ROLLOUTS_NATS_REPLICAS", "1"))
    return Settings(
        nats=NatsSettings(**nats_fields, replicas=replicas),
        data_dir=Path(str(data_dir)),
        namespace=str(overrides.get("namespace") or env.get("ROLLOUTS_NAMESPACE") or "default"),
        actor=str(overrides.get("actor") or env.get("ROLLOUTS_ACTOR") or os_user(env)),
        max_pause=pause_limit_from_env(env),
    )


class SettingsError(ValueError):
    """A setting with a value the process cannot use; the message names the variable."""


def parse_replicas(value: str) -> int:
    """JetStream keeps 1 to 5 copies; 3 survives the loss of any one server."""
    try:
        replicas = int(value)
    except ValueError:
        replicas = 0
    if not 1 <= replicas <= 5:
        raise SettingsError(
            f"ROLLOUTS_NATS_REPLICAS must be a whole number from 1 to 5 (got {value!r})"
        )
    return replicas
