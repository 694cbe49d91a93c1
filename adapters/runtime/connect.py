"""One NATS connection for a process, to the configured server or the embedded one."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from nats.aio.client import Client
from nats.js.client import JetStreamContext

from adapters.runtime.embedded import EmbeddedNats, discover
from adapters.runtime.settings import NatsSettings, Settings
from events import nats_client
from events.jetstream import ensure_streams


class NoServer(RuntimeError):
    """No NATS URL was given and no embedded server is running for this data directory."""


class ServerUnreachable(RuntimeError):
    """Nothing answers at the configured NATS URL."""


async def probe(url: str, timeout: float = 3.0) -> None:
    """Fail fast when no server listens at `url`: nats-py, told to reconnect forever (which a
    long-running worker wants), would also retry a first connection forever."""
    reasons = []
    for server in url.split(","):
        parts = urlsplit(server.strip() if "://" in server else f"nats://{server.strip()}")
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

    async def close(self) -> None:
        if not self.nc.is_closed:
            await self.nc.drain()
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


async def _quiet(error: Exception) -> None:
    """nats-py reports reconnects through this callback; the processes log their own errors."""


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


async def connect(settings: Settings, *, start_embedded: bool = False) -> Connection:
    url, embedded = await resolve_url(settings, start_embedded=start_embedded)
    await probe(url)
    try:
        nc = await nats_client.connect(
            url,
            error_cb=_quiet,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=5,
            **connect_options(settings.nats),
        )
    except Exception:
        if embedded is not None:
            await embedded.stop()
        raise
    js = nc.jetstream()
    await ensure_streams(js)
    return Connection(nc=nc, js=js, embedded=embedded)
