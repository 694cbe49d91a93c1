"""How many copies of each stream and bucket the NATS cluster keeps.

The replica count is a setting (`ROLLOUTS_NATS_REPLICAS`, 1 by default, 3 in deploy/). The
processes that own the streams apply it at connect: the event and input streams get it, and
every other stream of ours that already exists is changed in place, up or down. Buckets and
streams created later (a lease bucket re-created after loss, an import's staging stream, the
notifier's bucket) copy the count from the event stream, so no code path that creates storage
needs to be told the setting, and none can scale a replicated stream back to one copy by
updating it without the count (the server reads a missing count as 1).
"""

from __future__ import annotations

from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from adapters.runtime.lazy_log import LazyLogger
from events.streams import EVENTS_STREAM

log = LazyLogger("rollouts.replication")


MAX_REPLICAS = 5
"""JetStream's own limit on a stream's replicas."""
PROJECT_PREFIXES = ("ROLLOUT", "KV_ROLLOUT_")
"""Every stream and bucket of ours is named so: ROLLOUTS, ROLLOUT_INPUTS(_DLQ),
ROLLOUT_NOTIFICATIONS_DLQ, ROLLOUT_IMPORT_<id>, KV_ROLLOUT_LEASES and the other buckets."""


async def stream_replicas(js: JetStreamContext) -> int:
    """The cluster's count for our storage: the event stream's (1 before it exists)."""
    try:
        info = await js.stream_info(EVENTS_STREAM)
    except NotFoundError:
        return 1
    return info.config.num_replicas or 1


async def replicate(js: JetStreamContext, replicas: int) -> list[str]:
    """Set every existing stream and bucket of ours to `replicas` copies; the names changed.

    Consumers that inherit the stream's count (all of ours) follow it."""
    changed = []
    for info in await js.streams_info():
        config = info.config
        if not (config.name or "").startswith(PROJECT_PREFIXES):
            continue
        if (config.num_replicas or 1) == replicas:
            continue
        config.num_replicas = replicas
        await js.update_stream(config)
        changed.append(config.name or "")
        log.info("stream.replicas_changed", stream=config.name, replicas=replicas)
    return changed
