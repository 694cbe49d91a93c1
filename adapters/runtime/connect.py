"""One NATS connection for a process, to the configured server or the embedded one.

On the embedded server a process connects as its identity (`adapters.runtime.auth`): the role
it runs, a composite for several roles, `cli` for a command. With a URL the credentials are the
ones configured (ROLLOUTS_NATS_*), unchanged. Either way the connection learns from the server
which user it authenticated as (`$SYS.REQ.USER.INFO`): that name, not a flag, goes into the
actor of the commands it sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from adapters.runtime.auth import credentials, manages_streams
from adapters.runtime.embedded import EmbeddedNats, discover
from adapters.runtime.lazy_log import LazyLogger
from adapters.runtime.replication import replicate
from adapters.runtime.settings import NatsSettings, Settings
from adapters.runtime.subscriptions import connection_helpers, end_helpers
from events import nats_client
from events.jetstream import ensure_streams
from events.streams import EVENTS_STREAM

if TYPE_CHECKING:  # FastStream costs a CLI command ~90 ms of imports it never uses
    from adapters.runtime.broker import ProcessBroker

WHOAMI = "$SYS.REQ.USER.INFO"

log = LazyLogger("rollouts.nats")


class NoServer(RuntimeError):
    """No NATS URL was given and no embedded server is running for this data directory."""


class ServerUnreachable(RuntimeError):
    """Nothing answers at the configured NATS URL."""


def server_list(url: str) -> list[str]:
    """`nats://a:4222,nats://b:4222` (one URL per cluster server) as nats-py's server pool.
    Given one server, the client still learns the others from the cluster and fails over."""
    return [server.strip() for server in url.split(",") if server.strip()]


async def probe(url: str, timeout: float = 3.0) -> None:
    """Fail fast when no server listens at `url`: nats-py, told to reconnect forever (which a
    long-running worker wants), would also retry a first connection forever."""
    reasons = []
    for server in server_list(url):
        parts = urlsplit(server if "://" in server else f"nats://{server}")
        host, port = parts.hostname or "127.0.0.1", parts.port or 4222
        try:
            async with asyncio.timeout(timeout):
                _, writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError) as exc:
            reasons.append(f"{host}:{port}: {getattr(exc, 'strerror', None) or 'timed out'}")
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return
    raise ServerUnreachable(f"cannot connect to NATS at {url} ({'; '.join(reasons)})")


@dataclass
class Connection:
    nc: Client
    js: JetStreamContext
    embedded: EmbeddedNats | None = None
    nats: NatsSettings = field(default_factory=NatsSettings)
    """The settings this connection used, credentials included."""
    user: str = ""
    """The NATS user the server authenticated, as the server reports it ("" when it has no
    authentication)."""

    async def close(self) -> None:
        if not self.nc.is_closed:
            helpers = connection_helpers(self.nc)
            await self.nc.drain()
            await end_helpers(helpers)
        if self.embedded is not None:
            await self.embedded.stop()


def connect_options(settings: NatsSettings) -> dict[str, Any]:
    """nats-py options for the credentials given (creds file, token, user/password, TLS)."""
    options: dict[str, Any] = {}
    if settings.creds_file:
        options["user_credentials"] = settings.creds_file
    if settings.token:
        options["token"] = settings.token
    if settings.user:
        options["user"] = settings.user
        options["password"] = settings.password or ""
    if settings.tls_ca or settings.tls_cert:
        context = ssl.create_default_context(cafile=settings.tls_ca)
        if settings.tls_cert:
            context.load_cert_chain(settings.tls_cert, settings.tls_key)
        options["tls"] = context
    return options


class NotAuthorized(RuntimeError):
    """The server refused the credentials (or their absence)."""


class _Errors:
    """nats-py's error callback: quiet (the processes log their own errors), except that a
    refused first connection ends the attempt; nats-py, told to reconnect forever, would
    otherwise retry wrong credentials forever."""

    def __init__(self, nc: Client) -> None:
        self.connected = False
        self._nc = nc

    async def report(self, error: Exception) -> None:
        if not self.connected and "authorization violation" in str(error).lower():
            raise NotAuthorized(f"the NATS server refused the credentials ({error})")

    async def disconnected(self) -> None:
        """A server lost: in a cluster the client moves to another; say when, to explain the
        pause in deciding an operator sees meanwhile."""
        if self.connected and self._nc.is_reconnecting:  # not a close of our own
            log.warning("nats.disconnected")

    async def reconnected(self) -> None:
        url = self._nc.connected_url
        log.info("nats.reconnected", server=f"{url.hostname}:{url.port}" if url else "")


async def resolve_url(
    settings: Settings, *, start_embedded: bool
) -> tuple[str, EmbeddedNats | None]:
    if settings.nats.url:
        return settings.nats.url, None
    url = discover(settings.data_dir)
    if url is not None:
        return url, None
    if not start_embedded:
        raise NoServer(
            f"no rollouts server is running for {settings.data_dir}; start one with "
            "`rollouts serve`, or pass --nats-url / set ROLLOUTS_NATS_URL"
        )
    embedded = EmbeddedNats(settings.data_dir)
    return await embedded.start(), embedded


def identity_settings(settings: Settings, url: str, identity: str) -> NatsSettings:
    """The NATS settings to connect with: the configured ones with a URL, else the embedded
    server's generated credentials for `identity`."""
    if settings.nats.url:
        return settings.nats
    user, password = credentials(settings.data_dir, identity)
    return settings.nats.model_copy(update={"url": url, "user": user, "password": password})


async def whoami(nc: Client, fallback: str = "") -> str:
    """The user the server authenticated this connection as."""
    try:
        reply = await nc.request(WHOAMI, b"", timeout=2.0)
        user = json.loads(reply.data).get("data", {}).get("user", fallback)
    except (NatsError, TimeoutError, ValueError, AttributeError):
        return fallback
    return str(user) if user else fallback


async def prepare_streams(js: JetStreamContext, identity: str, replicas: int = 1) -> None:
    """Stream owners create or update the streams and give every stream of ours `replicas`
    copies; other identities only create them when the server has none yet (they may not
    change an existing stream's settings)."""
    if not manages_streams(identity):
        try:
            await js.stream_info(EVENTS_STREAM)
        except NotFoundError:
            pass
        else:
            return
    await ensure_streams(js, replicas=replicas)
    if manages_streams(identity):
        await replicate(js, replicas)


async def connect(
    settings: Settings,
    *,
    start_embedded: bool = False,
    identity: str = "cli",
    broker: ProcessBroker | None = None,
) -> Connection:
    """Connect as `identity` (on the embedded server; see `adapters.runtime.auth`). Given a
    `broker`, the broker opens the connection (with these options) and holds it: the process
    then has one connection, the broker's (`adapters.runtime.broker`)."""
    url, embedded = await resolve_url(settings, start_embedded=start_embedded)
    await probe(url)
    nc = nats_client.FastHeaderClient()
    errors = _Errors(nc)
    try:
        nats = identity_settings(settings, url, identity)
        options = connect_options(nats)
        options.update(max_reconnect_attempts=-1, reconnect_time_wait=0.5, connect_timeout=5)
        options.update(
            error_cb=errors.report,
            disconnected_cb=errors.disconnected,
            reconnected_cb=errors.reconnected,
        )

        async def dial() -> Client:
            await nc.connect(server_list(url), **options)
            return nc

        if broker is None:
            await dial()
        else:
            broker.dial_with(dial)
            await broker.connect()
    except Exception:
        with contextlib.suppress(Exception):
            await nc.close()
        if embedded is not None:
            await embedded.stop()
        raise
    errors.connected = True
    js = nc.jetstream()
    user = await whoami(nc, nats.user or "")
    await prepare_streams(js, identity, settings.nats.replicas)
    return Connection(nc=nc, js=js, embedded=embedded, nats=nats, user=user)
