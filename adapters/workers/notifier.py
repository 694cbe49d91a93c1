"""The notifier worker: Argo-compatible notifications for every event of every rollout.

It consumes all event types (durable consumer "notifier") in order per rollout, folds its own
copy of each rollout's state to know the state before every event (`StateTracker`, rebuilt from
history after a restart), plans the notifications the event's Argo reasons trigger and delivers
them. The handler returns, and the event is acknowledged, only when every notification of the
event was delivered or parked as a dead letter; the idempotency keys of both are kept in
JetStream, so a redelivered event repeats nothing.

Events older than `max_event_age` are folded but not announced: a notifier whose durable
consumer is created on a stream with months of history must not page anyone about them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import httpx
import structlog
from nats.js.client import JetStreamContext

import events.models  # noqa: F401 - registers every event type in EVENT_TYPES
from adapters.notify.config import Masker, NotificationConfig
from adapters.notify.delivery import Deliverer, DeliveryPolicy, Result, Sleep
from adapters.notify.planner import Planner
from adapters.notify.services import ServiceSet, build_services
from adapters.notify.stores import DeadLetters, SentKeys, ensure_notification_storage
from adapters.notify.tracker import HistorySource, StateTracker
from events.base import EVENT_TYPES
from events.store import StoredEvent
from rollouts.ports import Clock

log = structlog.get_logger("rollouts.notifier")

ALL_EVENT_TYPES: tuple[str, ...] = tuple(sorted(EVENT_TYPES))
DEFAULT_MAX_EVENT_AGE = timedelta(hours=1)


class NotifierWorker:
    def __init__(
        self,
        history: HistorySource,
        config: NotificationConfig,
        services: ServiceSet,
        clock: Clock,
        dead_letters: DeadLetters,
        *,
        sent: SentKeys,
        policy: DeliveryPolicy | None = None,
        max_event_age: timedelta | None = DEFAULT_MAX_EVENT_AGE,
        sleep: Sleep = asyncio.sleep,
        owned_client: httpx.AsyncClient | None = None,
        on_outcome: Callable[[str, str], None] | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._tracker = StateTracker(history)
        self._planner = Planner(config, services)
        masker = Masker((*config.secret_values, *services.secrets()))
        self.deliverer = Deliverer(
            sent,
            dead_letters,
            clock,
            policy or DeliveryPolicy(),
            masker,
            sleep=sleep,
            on_outcome=on_outcome,
        )
        self._max_event_age = max_event_age
        self._owned_client = owned_client
        for warning in config.warnings:
            log.warning("notifier.config", problem=masker(warning))
        for name, problem in services.unavailable.items():
            log.warning("notifier.service_unavailable", service=name, problem=masker(problem))

    async def handle(self, stored: StoredEvent) -> None:
        step = await self._tracker.step(stored)
        now = self._clock.now()
        if self._max_event_age is not None and now - stored.event.at > self._max_event_age:
            return
        jobs = self._planner.jobs(step, now)
        if not jobs:
            return
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self.deliverer.deliver(job)) for job in jobs]
        results: list[Result] = [task.result() for task in tasks]
        log.debug("notifier.event_done", event_id=stored.envelope.id, results=results)

    def start(self) -> None:
        """Nothing runs on its own: the event subscription drives the notifier."""

    async def stop(self) -> None:
        """Finish the attempts in flight (so none is forgotten), then refuse new ones: their
        events stay unacknowledged and are redelivered to the next notifier."""
        await self.deliverer.drain()
        if self._owned_client is not None:
            await self._owned_client.aclose()
            self._owned_client = None


async def create_notifier(
    js: JetStreamContext,
    history: HistorySource,
    config: NotificationConfig,
    clock: Clock,
    *,
    client: httpx.AsyncClient | None = None,
    policy: DeliveryPolicy | None = None,
    max_event_age: timedelta | None = DEFAULT_MAX_EVENT_AGE,
    on_outcome: Callable[[str, str], None] | None = None,
) -> NotifierWorker:
    """A notifier on JetStream storage; it owns (and closes) the HTTP client if none is given."""
    policy = policy or DeliveryPolicy()
    sent, dead_letters = await ensure_notification_storage(js)
    owned = None if client is not None else httpx.AsyncClient(follow_redirects=False)
    services = build_services(config, client or owned, timeout=policy.request_timeout)  # type: ignore[arg-type]
    return NotifierWorker(
        history,
        config,
        services,
        clock,
        dead_letters,
        sent=sent,
        policy=policy,
        max_event_age=max_event_age,
        owned_client=owned,
        on_outcome=on_outcome,
    )
