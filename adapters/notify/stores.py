"""Durable memory of the notifier: idempotency keys already handled, and dead letters.

`ROLLOUT_NOTIFICATIONS_SENT` is a JetStream key-value bucket (key = idempotency key, kept 7
days): a redelivered event skips every notification already delivered or dead-lettered.
`ROLLOUT_NOTIFICATIONS_DLQ` is a stream of notifications given up on
(`rollouts.dlq.<namespace>.<name>`), each carrying its key as `Nats-Msg-Id`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal, Protocol

from nats.js.api import KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError, KeyDeletedError, KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import BaseModel, ConfigDict

from adapters.runtime.replication import stream_replicas
from events.subjects import encode_name

SENT_BUCKET = "ROLLOUT_NOTIFICATIONS_SENT"
SENT_TTL_SECONDS = 7 * 24 * 3600.0
DLQ_STREAM = "ROLLOUT_NOTIFICATIONS_DLQ"
DLQ_PREFIX = "rollouts.dlq"
DLQ_MAX_AGE_SECONDS = 30 * 24 * 3600.0
STREAM_NAME_IN_USE = 10058

Outcome = Literal["delivered", "dead-lettered"]


class DeadLetter(BaseModel):
    """A notification the notifier gave up on. Secrets are masked before it is built."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    key: str
    namespace: str
    name: str
    event_id: str
    event_type: str
    trigger: str
    service: str
    service_type: str
    recipient: str
    error: str
    attempts: int
    parked_at: datetime


class SentKeys(Protocol):
    async def outcome(self, key: str) -> Outcome | None: ...

    async def remember(self, key: str, outcome: Outcome) -> None: ...


class DeadLetters(Protocol):
    async def park(self, letter: DeadLetter) -> None: ...


class MemorySentKeys:
    def __init__(self) -> None:
        self.keys: dict[str, Outcome] = {}

    async def outcome(self, key: str) -> Outcome | None:
        return self.keys.get(key)

    async def remember(self, key: str, outcome: Outcome) -> None:
        self.keys[key] = outcome


class MemoryDeadLetters:
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    async def park(self, letter: DeadLetter) -> None:
        self.letters.append(letter)


class JetStreamSentKeys:
    def __init__(self, bucket: KeyValue) -> None:
        self._bucket = bucket

    async def outcome(self, key: str) -> Outcome | None:
        try:
            entry = await self._bucket.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        value = (entry.value or b"").decode()
        return "dead-lettered" if value == "dead-lettered" else "delivered"

    async def remember(self, key: str, outcome: Outcome) -> None:
        await self._bucket.put(key, outcome.encode())


def dead_letter_subject(namespace: str, name: str) -> str:
    return f"{DLQ_PREFIX}.{encode_name(namespace)}.{encode_name(name)}"


class JetStreamDeadLetters:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def park(self, letter: DeadLetter) -> None:
        await self._js.publish(
            dead_letter_subject(letter.namespace, letter.name),
            letter.model_dump_json().encode(),
            stream=DLQ_STREAM,
            headers={"Nats-Msg-Id": letter.key, "Content-Type": "application/json"},
        )


async def read_dead_letters(js: JetStreamContext, limit: int = 1000) -> list[DeadLetter]:
    """Every parked letter, oldest first (for tests and for an operator's `dlq` view)."""
    info = await js.stream_info(DLQ_STREAM)
    letters = []
    last = info.state.last_seq
    for sequence in range(info.state.first_seq, min(last, info.state.first_seq + limit - 1) + 1):
        if sequence == 0:
            continue
        message = await js.get_msg(DLQ_STREAM, sequence)
        letters.append(DeadLetter.model_validate(json.loads(message.data or b"{}")))
    return letters


async def ensure_notification_storage(
    js: JetStreamContext, *, sent_ttl: float = SENT_TTL_SECONDS
) -> tuple[JetStreamSentKeys, JetStreamDeadLetters]:
    """Create (or open) the bucket and the stream; safe to call from every notifier."""
    replicas = await stream_replicas(js)
    try:
        bucket = await js.create_key_value(
            KeyValueConfig(
                bucket=SENT_BUCKET,
                ttl=sent_ttl,
                history=1,
                storage=StorageType.FILE,
                replicas=replicas,
            )
        )
    except BadRequestError as exists:
        if exists.err_code != STREAM_NAME_IN_USE:
            raise
        bucket = await js.key_value(SENT_BUCKET)
    stream = StreamConfig(
        name=DLQ_STREAM,
        subjects=[f"{DLQ_PREFIX}.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        max_age=DLQ_MAX_AGE_SECONDS,
        duplicate_window=120.0,
        num_replicas=replicas,
    )
    try:
        await js.add_stream(stream)
    except BadRequestError as exists:
        if exists.err_code != STREAM_NAME_IN_USE:
            raise
        await js.update_stream(stream)
    return JetStreamSentKeys(bucket), JetStreamDeadLetters(js)
