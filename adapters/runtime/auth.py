"""Who may write what on the embedded server: one NATS user per role, permissions per role.

Without this, anyone who reaches the server can append to any history or purge it. The embedded
server is started with a generated configuration (`auth/nats.conf`) whose `authorization` block
lists one user per identity below; each identity's password is generated once with `secrets`
and kept in `auth/<identity>.json`. The directory is mode 0700 and every file in it 0600: the OS
user who owns the data directory is the trust boundary, the roles keep each process to what its
workers need, and the server refuses everyone else (no credentials: no connection).

Permissions are enforced by the server, per subject. Reads (subscribe) are open to every
identity; writes are allow-listed per role, and stream deletes and purges are denied to all:

- only the controller (and `admin`, for `rollouts import`) publish events (`rollouts.evt.>`);
- the workers that report observations, the controller's Kubernetes watcher and the CLI publish
  inputs (`rollouts.in.>`); the notifier publishes none;
- nobody deletes one of the project's streams or buckets, or purges a stream or deletes one of
  its messages, through the JetStream API; only identities that run the controller (or import)
  may change the project's streams' settings or delete another stream (an import's staging).

Inputs of every type share `rollouts.in.<ns>.<name>` (the type is the `ce-type` header), so
the server cannot tell a worker's observation from a command: any identity allowed to publish
inputs may publish any input type. That is the documented limit of subject permissions here.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

from events.streams import DEAD_INPUTS_STREAM, EVENTS_STREAM, INPUTS_STREAM

AUTH_DIR = "auth"
CONFIG_FILE = "nats.conf"

EVENTS = "rollouts.evt.>"
INPUTS = "rollouts.in.>"
CLIENT = ("$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "_INBOX.>", "$SYS.REQ.USER.INFO")
"""What every identity publishes: JetStream API requests (stream and consumer info, consumer
create, fetch, direct get, KV reads), acks and flow control, replies to inboxes (the controller
answers commands there), and the server's "who am I" request."""

ROLE_PUBLISH: dict[str, tuple[str, ...]] = {
    "controller": (
        EVENTS,
        INPUTS,  # the Kubernetes watcher: spec changes and status-patch commands
        "rollouts.deadletter.>",
        "$KV.ROLLOUT_LEASES.>",
        "$KV.ROLLOUT_TEMPLATES.>",
        "$KV.ROLLOUT_SNAPSHOTS.>",  # the snapshot writer (adapters/runtime/snapshot_writer.py)
        "$KV.ROLLOUT_IMPORTS.>",  # finishing a committed import at start (lifts its fences)
    ),
    "traffic": (INPUTS,),
    "scaler": (INPUTS,),
    "timer": (INPUTS,),
    "analysis": (INPUTS, "$KV.ROLLOUT_TEMPLATES.>"),  # and the template watcher
    "notifier": ("rollouts.dlq.>", "$KV.ROLLOUT_NOTIFICATIONS_SENT.>"),
    "cli": (INPUTS, "$KV.ROLLOUT_TEMPLATES.>"),
    "admin": (
        EVENTS,
        INPUTS,
        "$KV.ROLLOUT_TEMPLATES.>",
        "$KV.ROLLOUT_IMPORTS.>",
        "rollouts.staging.>",  # an import's staging stream (adapters.history.staging)
    ),
}
"""Subjects each role may publish besides `CLIENT`."""

STREAM_ADMINS = frozenset({"controller", "admin"})
"""Roles that create or update the project's streams (the others create only missing ones)."""

WORKER_ROLES = ("controller", "traffic", "scaler", "timer", "analysis", "notifier")
COMPOSITES: dict[str, tuple[str, ...]] = {
    "serve": WORKER_ROLES,
    "workers": tuple(role for role in WORKER_ROLES if role != "controller"),
}
"""One process, one connection, one identity: a process running several roles connects as the
composite that covers them (the union of their permissions), never as several users."""

IDENTITIES = (*ROLE_PUBLISH, *COMPOSITES)

PROTECTED_STREAMS = (
    EVENTS_STREAM,
    INPUTS_STREAM,
    DEAD_INPUTS_STREAM,
    *(
        f"KV_{bucket}"
        for bucket in (
            "ROLLOUT_LEASES",
            "ROLLOUT_TEMPLATES",
            "ROLLOUT_SNAPSHOTS",
            "ROLLOUT_NOTIFICATIONS_SENT",
            "ROLLOUT_IMPORTS",
        )
    ),
)
"""The project's streams and KV buckets: nobody deletes them."""
NEVER = (
    *(f"$JS.API.STREAM.DELETE.{name}" for name in PROTECTED_STREAMS),
    "$JS.API.STREAM.PURGE.>",
    "$JS.API.STREAM.MSG.DELETE.>",
)
ANY_DELETE = "$JS.API.STREAM.DELETE.>"
"""Denied to all but the stream admins, who delete an import's staging stream
(`ROLLOUT_IMPORT_<digest>`, adapters.history.staging) once it is copied or abandoned."""
STREAM_SETTINGS = tuple(
    f"$JS.API.STREAM.UPDATE.{name}" for name in (EVENTS_STREAM, INPUTS_STREAM, DEAD_INPUTS_STREAM)
)


class CredentialsError(RuntimeError):
    """The embedded server's credentials are missing or unreadable; the message says which."""


def identity_for(roles: Sequence[str]) -> str:
    """The identity of a process running `roles`: the role itself when alone, else `serve`
    when the controller is among them, else `workers`."""
    if len(roles) == 1 and roles[0] in ROLE_PUBLISH:
        return roles[0]
    unknown = sorted(set(roles) - set(WORKER_ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}")
    return "serve" if "controller" in roles else "workers"


def roles_of(identity: str) -> tuple[str, ...]:
    return COMPOSITES.get(identity, (identity,))


def manages_streams(identity: str) -> bool:
    return bool(STREAM_ADMINS.intersection(roles_of(identity)))


def permissions(identity: str) -> dict[str, dict[str, list[str]]]:
    """The server-side permissions of one identity (the `permissions` block of its user)."""
    allow: list[str] = list(CLIENT)
    for role in roles_of(identity):
        allow += [s for s in ROLE_PUBLISH[role] if s not in allow]
    deny = list(NEVER) if manages_streams(identity) else [*NEVER, ANY_DELETE, *STREAM_SETTINGS]
    return {"publish": {"allow": allow, "deny": deny}, "subscribe": {"allow": [">"]}}


def auth_dir(data_dir: Path) -> Path:
    return data_dir / AUTH_DIR


def private_write(path: Path, text: str) -> None:
    """Write `text` to a file only its owner can read (0600 from the first byte: the file is
    created with that mode, and an existing file's mode is set again)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def ensure_credentials(data_dir: Path, identities: Iterable[str] = IDENTITIES) -> None:
    """Generate each identity's password once (kept across restarts, so running processes
    and written configurations stay valid)."""
    directory = auth_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)
    for identity in identities:
        path = directory / f"{identity}.json"
        if not path.exists():
            secret = secrets.token_urlsafe(32)
            private_write(path, json.dumps({"user": identity, "password": secret}) + "\n")


def credentials(data_dir: Path, identity: str) -> tuple[str, str]:
    """(user, password) of `identity` for the embedded server of `data_dir`."""
    path = auth_dir(data_dir) / f"{identity}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return str(document["user"]), str(document["password"])
    except (OSError, ValueError, KeyError, TypeError):
        raise CredentialsError(
            f"cannot read the {identity!r} credentials of the embedded server ({path}); "
            "run the command as the user who runs `rollouts serve`"
        ) from None


def server_config(data_dir: Path, store: Path, port: int) -> str:
    """nats-server configuration: loopback, JetStream under `store`, one user per identity."""
    users = []
    for identity in IDENTITIES:
        user, password = credentials(data_dir, identity)
        entry = {"user": user, "password": password, "permissions": permissions(identity)}
        users.append(json.dumps(entry))
    return "\n".join(
        [
            f"listen: {json.dumps(f'127.0.0.1:{port}')}",
            f"jetstream: {{ store_dir: {json.dumps(str(store))} }}",
            "authorization: {",
            "  users: [",
            *(f"    {user}" for user in users),
            "  ]",
            "}",
            "",
        ]
    )


def write_server_config(data_dir: Path, store: Path, port: int) -> Path:
    """Generate missing credentials and (re)write the configuration, both 0600."""
    ensure_credentials(data_dir)
    path = auth_dir(data_dir) / CONFIG_FILE
    private_write(path, server_config(data_dir, store, port))
    return path
