"""The two JetStream streams of the project and how they are set up (server 2.12+).

`ensure_streams` is idempotent: it creates the streams or brings their options up to date, and
fails when the server silently ignores an option the store depends on (an old server drops
`allow_atomic`, and a "batch" would then be written partly).
"""

from __future__ import annotations

from nats.js.api import RetentionPolicy, StorageType, StreamConfig, SubjectTransform
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError

from events.store import EventStoreError
from events.subjects import EVENT_SUBJECTS, INPUT_SUBJECTS, partition_transform

EVENTS_STREAM = "ROLLOUTS"
INPUTS_STREAM = "ROLLOUT_INPUTS"
DEAD_INPUTS_STREAM = "ROLLOUT_INPUTS_DLQ"
DEAD_INPUTS_SUBJECT = "rollouts.deadletter.inputs"
"""Inputs the controller could not take (undecodable, no rollout's, names too long), kept with
the reason; a separate prefix, since `rollouts.dlq.>` is the notifier's."""
INPUT_PARTITIONS = 16
"""How many partitions the input stream spreads rollouts over (one lease, one consumer each): enough
for 16 controller replicas. Change it only with every controller stopped and their inputs drained,
since a rollout's inputs then land in another partition."""
DEAD_INPUTS_MAX_AGE = 30 * 24 * 3600.0
DEAD_INPUTS_MAX_BYTES = 256 * 1024 * 1024
"""A flood of bad inputs must not fill the disk: the oldest letters go first."""
DUPLICATE_WINDOW = 120.0
INPUTS_MAX_AGE = 7 * 24 * 3600.0
STREAM_NAME_IN_USE = 10058


async def ensure_streams(
    js: JetStreamContext,
    *,
    events_stream: str = EVENTS_STREAM,
    inputs_stream: str = INPUTS_STREAM,
    inputs_max_age: float = INPUTS_MAX_AGE,
    partitions: int = INPUT_PARTITIONS,
    replicas: int = 1,
) -> None:
    """Create or update both streams; fail if the server ignores options we rely on.

    Events are kept forever and may be neither deleted nor purged: the stream is the audit log.
    Both streams admit only well-formed subjects (`rollouts.evt.<ns>.<name>.<Type>`,
    `rollouts.in.<ns>.<name>`): a publish to any other subject is stored nowhere, so its
    publisher gets no acknowledgement, and no reader meets a message no rollout owns. An older
    stream's `>` wildcard is narrowed in place.
    Inputs use limits retention with an age limit, not a work queue: a week of inputs shows the
    input behind any event (`causationid`), and a work-queue stream would refuse a second
    consumer (a `tail`, a debugger) next to the controller's durable one. Inputs are stored as
    `rollouts.in.<partition>.<ns>.<name>` (the server's `partition()` mapping), so that each
    controller replica consumes only the partitions it holds (`adapters.runtime.leases`).
    Each stream keeps `replicas` copies across a JetStream cluster; an update always carries the
    count, since the server reads a missing one as 1.
    """
    source, destination = partition_transform(partitions)
    events = StreamConfig(
        name=events_stream,
        subjects=[EVENT_SUBJECTS],
        storage=StorageType.FILE,
        num_replicas=replicas,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW,
        allow_atomic=True,
        allow_direct=True,
        deny_delete=True,
        deny_purge=True,
    )
    inputs = StreamConfig(
        name=inputs_stream,
        subjects=[INPUT_SUBJECTS],
        subject_transform=SubjectTransform(src=source, dest=destination),
        storage=StorageType.FILE,
        num_replicas=replicas,
        retention=RetentionPolicy.LIMITS,
        max_age=inputs_max_age,
        duplicate_window=DUPLICATE_WINDOW,
        allow_direct=True,
        allow_msg_schedules=True,
    )
    dead = StreamConfig(
        name=DEAD_INPUTS_STREAM,
        subjects=[DEAD_INPUTS_SUBJECT],
        storage=StorageType.FILE,
        num_replicas=replicas,
        retention=RetentionPolicy.LIMITS,
        max_age=DEAD_INPUTS_MAX_AGE,
        max_bytes=DEAD_INPUTS_MAX_BYTES,
        duplicate_window=DUPLICATE_WINDOW,
        allow_direct=True,
    )
    for config in (events, inputs, dead):
        await _create_or_update(js, config)


async def _create_or_update(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        info = await js.add_stream(config)
    except BadRequestError as exists:
        if exists.err_code != STREAM_NAME_IN_USE:
            raise
        info = await js.update_stream(config)
    for option in ("allow_atomic", "allow_msg_schedules"):
        if getattr(config, option) and not getattr(info.config, option):
            raise EventStoreError(
                f"the NATS server ignored {option} on stream {config.name}: it needs 2.12+"
            )
