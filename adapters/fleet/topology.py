"""The hub's streams and the links between the hub and each cluster's streams.

Hub (JetStream domain `hub`):
- FLEET_EVENTS  `rollouts.evt.fleets.<fleet>.<Type>`: each fleet's history, written by the
  coordinator alone through the project's event store (atomic batches, optimistic
  concurrency), under the reserved namespace `fleets`. The leaf links deny `rollouts.>`, so
  these subjects never reach a cluster.
- FLEET_INPUTS  `fleet.in.<fleet>`: commands for the coordinator (apply, promote, abort).
- FLEET_CMDS    `fleet.cmd.<cluster>.<ns>.<name>`: the inputs the coordinator sends a cluster.
- FLEET_REGIONS no subjects of its own: it sources every cluster's ROLLOUTS through
  `$JS.<cluster>.API`, with a transform `rollouts.evt.> -> fleet.evt.<cluster>.>`.

Cluster (JetStream domain `<cluster>`): FLEET_INBOX sources FLEET_CMDS through `$JS.hub.API`,
taking only `fleet.cmd.<cluster>.*.*`, stored as `fleet.inbox.<ns>.<name>`; the cluster's
`InboxRelay` moves each command into ROLLOUT_INPUTS (`rollouts.in.<ns>.<name>`) with an acked
publish. Why not source straight into ROLLOUT_INPUTS: nats-server 2.15.1 refuses a source on a
stream that allows message schedules (error 10187, "stream source can not also schedule
messages"), and ROLLOUT_INPUTS schedules the controller's timers. A stream's RePublish does
not help either: republished messages are not stored by other streams (checked). Otherwise it
would work: the server applies a stream's own `subject_transform` (the input partitions) to
sourced messages as well, after the source's transform (checked on a stream without
schedules: a sourced command landed on `rollouts.in.<p>.<ns>.<name>`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection

from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.api import (
    ExternalStream,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
    SubjectTransform,
)
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError

from events.codec import EventCodec
from events.fleet import FLEET_EVENT_TYPES
from events.subjects import encode_name

HUB_DOMAIN = "hub"
FLEET_NAMESPACE = "fleets"
FLEET_EVENTS = "FLEET_EVENTS"
FLEET_INPUTS = "FLEET_INPUTS"
FLEET_CODEC = EventCodec(FLEET_EVENT_TYPES)
"""Reads and writes fleet events (their own registry: a rollout's readers never decode them)."""
FLEET_CMDS = "FLEET_CMDS"
FLEET_REGIONS = "FLEET_REGIONS"
FLEET_INBOX = "FLEET_INBOX"
INBOX_PREFIX = "fleet.inbox"
CLUSTER_EVENTS = "ROLLOUTS"
DUPLICATE_WINDOW = 120.0
INBOX_MAX_AGE = 7 * 24 * 3600.0
STREAM_NAME_IN_USE = 10058


def fleet_input_subject(fleet: str) -> str:
    return f"fleet.in.{encode_name(fleet)}"


def command_subject(cluster: str, namespace: str, name: str) -> str:
    return f"fleet.cmd.{encode_name(cluster)}.{encode_name(namespace)}.{encode_name(name)}"


def region_events_prefix(cluster: str) -> str:
    return f"fleet.evt.{encode_name(cluster)}"


def _stream(name: str, subjects: list[str], *, history: bool = False) -> StreamConfig:
    return StreamConfig(
        name=name,
        subjects=subjects,
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW,
        allow_direct=True,
        allow_atomic=history,
        deny_delete=history,
        deny_purge=history,
    )


async def ensure_hub_streams(js: JetStreamContext) -> None:
    """Create the hub's streams (idempotent; FLEET_REGIONS keeps the sources it has)."""
    configs = [
        _stream(FLEET_EVENTS, [f"rollouts.evt.{FLEET_NAMESPACE}.>"], history=True),
        _stream(FLEET_INPUTS, ["fleet.in.>"]),
        _stream(FLEET_CMDS, ["fleet.cmd.>"]),
    ]
    for config in configs:
        try:
            await js.add_stream(config)
        except BadRequestError as exists:
            if exists.err_code != STREAM_NAME_IN_USE:
                raise
            await js.update_stream(config)
    try:
        await js.add_stream(StreamConfig(name=FLEET_REGIONS, storage=StorageType.FILE))
    except BadRequestError as exists:
        if exists.err_code != STREAM_NAME_IN_USE:
            raise


async def source_clusters(js: JetStreamContext, clusters: list[str]) -> None:
    """Make FLEET_REGIONS source the ROLLOUTS stream of each cluster not sourced yet."""
    info = await js.stream_info(FLEET_REGIONS)
    config = info.config
    sources = list(config.sources or [])
    known = {s.external.api for s in sources if s.external is not None}
    added = [
        StreamSource(
            name=CLUSTER_EVENTS,
            external=ExternalStream(api=f"$JS.{cluster}.API"),
            subject_transforms=[
                SubjectTransform(src="rollouts.evt.>", dest=f"{region_events_prefix(cluster)}.>")
            ],
        )
        for cluster in clusters
        if f"$JS.{cluster}.API" not in known
    ]
    if added:
        config.sources = sources + added
        await js.update_stream(config)


def command_source(cluster: str) -> StreamSource:
    """The source of a cluster's FLEET_INBOX: its own commands from the hub's FLEET_CMDS."""
    token = encode_name(cluster)
    return StreamSource(
        name=FLEET_CMDS,
        external=ExternalStream(api=f"$JS.{HUB_DOMAIN}.API"),
        subject_transforms=[
            SubjectTransform(
                src=f"fleet.cmd.{token}.*.*",
                dest=INBOX_PREFIX + ".{{wildcard(1)}}.{{wildcard(2)}}",
            )
        ],
    )


async def link_cluster(cluster_js: JetStreamContext, cluster: str) -> bool:
    """Create the cluster's FLEET_INBOX, sourcing its commands from the hub; True if created.

    `cluster_js` reaches the cluster's JetStream, directly or from the hub through
    `$JS.<cluster>.API` (`nc.jetstream(domain=cluster)`). An existing inbox is left as it is:
    re-creating a source resumes after the last command it delivered anyway (checked)."""
    config = StreamConfig(
        name=FLEET_INBOX,
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        max_age=INBOX_MAX_AGE,
        sources=[command_source(cluster)],
    )
    try:
        await cluster_js.add_stream(config)
    except BadRequestError as exists:
        if exists.err_code != STREAM_NAME_IN_USE:
            raise
        return False
    return True


# Healing sources ------------------------------------------------------------------------------
# A source whose first attempt failed (the other side not reachable yet, its stream not created
# yet) is retried by the server with a backoff that reaches tens of seconds. Removing it and
# adding it back restarts it at once and resumes after the last message it delivered (checked
# on 2.15.1), so the links check their sources and restart the stale ones whose other side
# answers again: that is what bounds the catch-up after an outage.


def _api(domain: str | None) -> str:
    return f"$JS.{domain}.API" if domain else "$JS.API"


async def reachable(nc: Client, domain: str, timeout: float = 0.5) -> bool:
    """Whether the JetStream of `domain` answers (the leaf link is up)."""
    try:
        await nc.request(f"{_api(domain)}.INFO", b"", timeout=timeout)
    except (TimeoutError, NatsError):
        return False
    return True


async def stale_sources(
    nc: Client, stream: str, *, domain: str | None = None, timeout: float = 1.0
) -> list[str]:
    """The external APIs of the stream's sources that are failing or never became active."""
    reply = await nc.request(f"{_api(domain)}.STREAM.INFO.{stream}", b"", timeout=timeout)
    sources = json.loads(reply.data).get("sources") or []
    return [
        str((s.get("external") or {}).get("api", ""))
        for s in sources
        if s.get("error") or s.get("active", -1) == -1
    ]


async def restart_sources(js: JetStreamContext, stream: str, apis: Collection[str]) -> None:
    """Remove the sources reached through `apis`, then add them back as they were."""
    config = (await js.stream_info(stream)).config
    every = list(config.sources or [])
    restarted = [s for s in every if s.external is not None and s.external.api in apis]
    if not restarted:
        return
    config.sources = [s for s in every if s not in restarted]
    await js.update_stream(config)
    config.sources = every
    await js.update_stream(config)


class SourceHealer:
    """Restarts a stream's sources that stayed stale for two checks in a row while their
    other side answers (`answers(api)`)."""

    def __init__(self, nc: Client, stream: str, *, domain: str | None = None) -> None:
        self._nc = nc
        self._stream = stream
        self._domain = domain
        self._suspects: set[str] = set()
        self.restarts = 0

    async def check(self, answers: Callable[[str], Awaitable[bool]]) -> None:
        stale = set(await stale_sources(self._nc, self._stream, domain=self._domain))
        confirmed = {api for api in stale & self._suspects if await answers(api)}
        self._suspects = stale - confirmed
        if confirmed:
            js = self._nc.jetstream(domain=self._domain)
            await restart_sources(js, self._stream, confirmed)
            self.restarts += len(confirmed)
