"""A stream of many rollouts' histories, generated on the fly, for the controller to rebuild from.

A few template histories come from the real `decide` (a canary and a blue-green rollout, each
updated a few times) and are encoded once as the store encodes them. Rollout number n is a
template with its name swapped for one of the same length in the payload and in `ce-subject`
(the only header naming the rollout), decoded afresh by the real codec when read, so every
rollout's state is built from its own bytes, as `Controller.start()` builds it from JetStream.
Nothing but the current page is ever held.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

from adapters.bench.workload import NAMESPACE, Shape, rollout_history
from events.base import Event
from events.codec import DEFAULT_CODEC, H_SUBJECT
from events.store import REPLAY_PAGE, Outgoing, StoredEvent, decision_ids, encode_decision

TEMPLATE_NAME = "tmpl-000000"
SHAPES: tuple[Shape, ...] = ("canary", "canary", "canary", "bluegreen")
"""Three canaries for each blue-green: the mix most fleets have."""


def rollout_name(number: int) -> str:
    name = f"roll-{number:06d}"
    assert len(name) == len(TEMPLATE_NAME)
    return name


def encode_history(decisions: Sequence[Sequence[Event]]) -> list[Outgoing]:
    messages: list[Outgoing] = []
    for version, events in enumerate(decisions):
        ids = decision_ids(NAMESPACE, TEMPLATE_NAME, events, expected_version=version)
        messages.extend(
            encode_decision(
                DEFAULT_CODEC,
                NAMESPACE,
                TEMPLATE_NAME,
                events,
                ids=ids,
                first_rollout_sequence=len(messages) + 1,
            )
        )
    return messages


class TemplateReplay:
    """Implements the store's read side over `count` generated rollouts (appends refused)."""

    def __init__(self, count: int, updates: int, *, first: int = 0) -> None:
        self.count = count
        self.first = first
        self.templates = [
            encode_history(rollout_history(TEMPLATE_NAME, shape=shape, updates=updates).decisions)
            for shape in dict.fromkeys(SHAPES)
        ]
        by_shape = dict(zip(dict.fromkeys(SHAPES), self.templates, strict=True))
        self._cycle = [by_shape[shape] for shape in SHAPES]
        self._stream = self._messages()
        self._position = 0

    @property
    def events_per_rollout(self) -> float:
        return sum(len(t) for t in self._cycle) / len(self._cycle)

    def _messages(self) -> Iterator[StoredEvent]:
        sequence = 0
        template = TEMPLATE_NAME.encode()
        for number in range(self.first, self.first + self.count):
            name = rollout_name(number)
            wanted = name.encode()
            for message in self._cycle[number % len(self._cycle)]:
                sequence += 1
                headers = dict(message.headers)
                headers[H_SUBJECT] = headers[H_SUBJECT].replace(TEMPLATE_NAME, name)
                data = message.data.replace(template, wanted)
                envelope, event = DEFAULT_CODEC.decode(headers, data)
                yield StoredEvent(sequence, envelope.rolloutsequence, envelope, event)

    async def load_all(self, *, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        if after != self._position:
            raise ValueError("a template replay is read once, page after page, from the start")
        page = []
        for stored in self._stream:
            page.append(stored)
            if limit is not None and len(page) >= limit:
                break
        if page:
            self._position = page[-1].stream_sequence
        return page

    async def iter_all(
        self, *, after: int = 0, page: int = REPLAY_PAGE
    ) -> AsyncIterator[list[StoredEvent]]:
        while chunk := await self.load_all(after=after, limit=page):
            yield chunk
            after = chunk[-1].stream_sequence

    async def append(
        self, namespace: str, name: str, events: Sequence[Event], *, expected_version: int
    ) -> int:
        raise NotImplementedError("a template replay is read-only")

    async def load(self, namespace: str, name: str, *, after: int = 0) -> list[StoredEvent]:
        return []

    async def rollouts(self) -> list[tuple[str, str]]:
        return [(NAMESPACE, rollout_name(n)) for n in range(self.first, self.first + self.count)]

    async def last_sequence(self) -> int:
        return self._position
