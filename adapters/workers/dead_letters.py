"""Inputs the controller cannot take, parked with the reason instead of redelivered forever.

An input that does not decode, names no rollout (`rollouts.in.default`), names one beyond
Kubernetes' limits, or keeps failing its handler would otherwise stay unacknowledged: it would
be redelivered without end, and enough of them fill the consumer's `max_ack_pending` until the
controller receives nothing at all. So each is copied to `ROLLOUT_INPUTS_DLQ`
(`rollouts.deadletter.inputs`) with its original headers and payload plus four headers saying
why, counted (`rollouts_inputs_dead_lettered_total{kind}`), logged on one line, and only then
acknowledged. The copy's `Nats-Msg-Id` is the original's stream sequence, so a redelivered bad
input is parked once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import structlog
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from adapters.runtime.observability import RolloutMetrics
from events.quarantine import one_line
from events.streams import DEAD_INPUTS_STREAM, DEAD_INPUTS_SUBJECT
from events.subjects import published_input_subject

log = structlog.get_logger("rollouts.dead_letters")

Kind = Literal["unroutable", "invalid_name", "malformed", "failed"]
H_KIND = "rollouts-dead-kind"
H_REASON = "rollouts-dead-reason"
H_SUBJECT = "rollouts-dead-subject"
H_SEQUENCE = "rollouts-dead-sequence"
PARK_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class DeadInput:
    """One parked input as read back (tests, an operator's look at the stream)."""

    kind: str
    reason: str
    subject: str
    sequence: int
    headers: Mapping[str, str]
    data: bytes


class DeadInputs:
    def __init__(self, js: JetStreamContext, metrics: RolloutMetrics | None = None) -> None:
        self._js = js
        self._metrics = metrics

    def handler_failed(self) -> None:
        """Count a failed decision (logged with its traceback by the caller)."""
        if self._metrics is not None:
            self._metrics.handler_errors.labels("controller").inc()

    async def park(self, msg: Msg, kind: Kind, reason: str) -> None:
        """Copy `msg` to the dead-letter stream, then acknowledge it. If the copy cannot be
        written, the message is still terminated: a bad input must never hold the consumer."""
        reason = one_line(ValueError(reason))
        sequence = _sequence(msg)
        log.warning(
            "input.dead_lettered", kind=kind, subject=msg.subject, sequence=sequence, reason=reason
        )
        if self._metrics is not None:
            self._metrics.inputs_dead_lettered.labels(kind).inc()
        try:
            await self._copy(msg, kind, reason, sequence)
        except Exception as error:
            log.error("input.dead_letter_failed", subject=msg.subject, error=repr(error))
            with contextlib.suppress(Exception):
                await msg.term()
            return
        with contextlib.suppress(Exception):  # a lost ack redelivers it: parked once more, no harm
            await msg.ack()

    async def _copy(self, msg: Msg, kind: Kind, reason: str, sequence: int) -> None:
        why = {
            H_KIND: kind,
            H_REASON: reason,
            H_SUBJECT: published_input_subject(msg.subject)[:1024],
            H_SEQUENCE: str(sequence),
            "Nats-Msg-Id": f"dead-input-{sequence}" if sequence else "",
        }
        original = {k: v for k, v in (msg.headers or {}).items() if not k.startswith("Nats-")}
        for headers in ({**original, **why}, why):  # the original headers may not re-encode
            try:
                await self._js.publish(
                    DEAD_INPUTS_SUBJECT,
                    msg.data,
                    headers={k: v for k, v in headers.items() if v},
                    stream=DEAD_INPUTS_STREAM,
                    timeout=PARK_TIMEOUT,
                )
                return
            except (ValueError, TypeError):
                continue
        raise ValueError("the input's headers cannot be stored")


def _sequence(msg: Msg) -> int:
    with contextlib.suppress(Exception):
        return int(msg.metadata.sequence.stream)
    return 0


async def read_dead_inputs(js: JetStreamContext, limit: int = 10_000) -> list[DeadInput]:
    """The parked inputs, oldest first."""
    info = await js.stream_info(DEAD_INPUTS_STREAM)
    letters: list[DeadInput] = []
    first, last = info.state.first_seq, info.state.last_seq
    for sequence in range(max(first, 1), min(last, first + limit - 1) + 1):
        with contextlib.suppress(Exception):  # a gap: deleted by the age or size limit
            message = await js.get_msg(DEAD_INPUTS_STREAM, sequence, direct=True)
            headers = {k: str(v) for k, v in (message.headers or {}).items()}
            letters.append(
                DeadInput(
                    kind=headers.get(H_KIND, ""),
                    reason=headers.get(H_REASON, ""),
                    subject=headers.get(H_SUBJECT, ""),
                    sequence=int(headers.get(H_SEQUENCE, "0") or 0),
                    headers=headers,
                    data=message.data or b"",
                )
            )
    return letters
