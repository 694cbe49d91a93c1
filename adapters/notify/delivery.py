"""At-least-once delivery with retries, a durable memory of what was sent, and dead letters.

One attempt is "send, then remember the key", run as a task the caller's cancellation cannot
cut in half: a notifier stopped mid-delivery finishes the attempt in flight (`drain`) and so
never forgets a notification it sent. Retries back off exponentially with jitter, or wait what
`Retry-After` asks (seconds or an HTTP date), at most `max_delay`. After `max_attempts`, or at
once for a permanent failure, the notification is parked as a dead letter and remembered too,
so a redelivered event repeats neither deliveries nor dead letters.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import structlog

from adapters.notify.config import Masker
from adapters.notify.services import DeliveryError, NotificationService, Outgoing
from adapters.notify.stores import DeadLetter, DeadLetters, SentKeys
from rollouts.ports import Clock

log = structlog.get_logger("rollouts.notify")

Result = Literal["delivered", "dead-lettered", "skipped"]
Sleep = Callable[[float], Awaitable[None]]


class NotifierStopping(Exception):
    """The notifier is stopping: the event is left unacknowledged, to be redelivered."""


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 20.0
    """Also caps `Retry-After`: a handler holds its event unacknowledged while it waits."""
    request_timeout: float = 10.0
    jitter: float = 0.2


@dataclass(frozen=True)
class Job:
    """One notification to deliver, or a `problem` that makes delivery impossible."""

    outgoing: Outgoing
    service: NotificationService | None
    service_type: str
    event_type: str
    problem: str = ""


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


class Deliverer:
    def __init__(
        self,
        sent: SentKeys,
        dead_letters: DeadLetters,
        clock: Clock,
        policy: DeliveryPolicy,
        masker: Masker,
        *,
        sleep: Sleep = asyncio.sleep,
        on_outcome: Callable[[str, str], None] | None = None,
    ) -> None:
        self._on_outcome = on_outcome or (lambda service_type, outcome: None)
        self._sent = sent
        self._dead_letters = dead_letters
        self._clock = clock
        self.policy = policy
        self._mask = masker
        self._sleep = sleep
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def deliver(self, job: Job) -> Result:
        """Deliver one notification; `on_outcome(service_type, outcome)` hears of each
        delivery, failed attempt and dead letter (the process's metrics count them)."""
        result = await self._deliver(job)
        if result != "skipped":
            self._on_outcome(job.service_type, result)
        return result

    async def _deliver(self, job: Job) -> Result:
        key = job.outgoing.key
        if await self._sent.outcome(key) is not None:
            log.debug("notification.skipped", key=key, reason="already handled")
            return "skipped"
        if job.problem:
            await self._protected(self._park(job, job.problem, 0))
            return "dead-lettered"
        error, attempt = "", 0
        for attempt in range(1, self.policy.max_attempts + 1):
            if self._stopping:
                raise NotifierStopping()
            try:
                await self._protected(self._attempt(job))
            except DeliveryError as failure:
                error = self._mask(str(failure))
                self._log_failure(job, attempt, error)
                self._on_outcome(job.service_type, "failed-attempt")
                if not failure.retryable or attempt == self.policy.max_attempts:
                    break
                await self._sleep(self._delay(failure, attempt))
            else:
                return "delivered"
        await self._protected(self._park(job, error, attempt))
        return "dead-lettered"

    async def _attempt(self, job: Job) -> None:
        assert job.service is not None
        await job.service.send(job.outgoing)
        await self._sent.remember(job.outgoing.key, "delivered")
        log.info("notification.delivered", **self._describe(job))

    def _delay(self, failure: DeliveryError, attempt: int) -> float:
        asked = retry_after_seconds(failure.retry_after, self._clock.now())
        if asked is None:
            backoff = self.policy.base_delay * 2 ** (attempt - 1)
            asked = backoff * (1 + self.policy.jitter * random.random())
        return min(asked, self.policy.max_delay)

    async def _park(self, job: Job, error: str, attempts: int) -> None:
        outgoing = job.outgoing
        letter = DeadLetter(
            key=outgoing.key,
            namespace=outgoing.namespace,
            name=outgoing.name,
            event_id=outgoing.event_id,
            event_type=job.event_type,
            trigger=outgoing.trigger,
            service=outgoing.destination.service,
            service_type=job.service_type,
            recipient=self._mask(outgoing.destination.recipient),
            error=self._mask(error),
            attempts=attempts,
            parked_at=self._clock.now(),
        )
        await self._dead_letters.park(letter)
        await self._sent.remember(outgoing.key, "dead-lettered")
        log.error(
            "notification.dead_lettered",
            attempts=attempts,
            error=letter.error,
            **self._describe(job),
        )

    async def _protected(self, work: Awaitable[None]) -> None:
        """Run `work` to its end even if the caller is cancelled meanwhile."""
        if self._stopping:
            if asyncio.iscoroutine(work):
                work.close()
            raise NotifierStopping()
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._in_flight.add(task)
        task.add_done_callback(self._settled)
        await asyncio.shield(task)

    def _settled(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved here; the awaiting caller (if any) saw it too

    def _describe(self, job: Job) -> dict[str, str]:
        outgoing = job.outgoing
        return {
            "key": outgoing.key,
            "rollout": f"{outgoing.namespace}/{outgoing.name}",
            "trigger": outgoing.trigger,
            "service": outgoing.destination.service,
            "recipient": self._mask(outgoing.destination.recipient),
        }

    def _log_failure(self, job: Job, attempt: int, error: str) -> None:
        log.warning(
            "notification.attempt_failed", attempt=attempt, error=error, **self._describe(job)
        )

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def drain(self) -> None:
        """Refuse new attempts and wait for those already started."""
        self._stopping = True
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)
