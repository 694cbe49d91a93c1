"""An in-process notification service that records what it was asked to send."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from adapters.notify.services import DeliveryError, Outgoing, ServiceSet


@dataclass
class FakeService:
    name: str
    kind: str = "slack"
    failures: list[DeliveryError] = field(default_factory=list)
    """Raised by the next sends, in order; then sends succeed."""
    sent: list[Outgoing] = field(default_factory=list)
    attempts: int = 0
    gate: asyncio.Event | None = None
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    secret: str = ""

    def secrets(self) -> tuple[str, ...]:
        return (self.secret,) if self.secret else ()

    async def send(self, outgoing: Outgoing) -> None:
        self.attempts += 1
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(outgoing)


def service_set(*services: FakeService, unavailable: Iterable[tuple[str, str]] = ()) -> ServiceSet:
    return ServiceSet({s.name: s for s in services}, dict(unavailable))
