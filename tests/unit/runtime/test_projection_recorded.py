"""The projection's subscription brings back the decisions this process's controller recorded:
those are known by their sequence and not decoded again; anything newer still is."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import pytest
from nats.aio.msg import Msg

import adapters.runtime.following as following_module
from adapters.runtime.projection import StateProjection
from events.memory import InMemoryEventStore
from events.quarantine import decode_stored
from events.subjects import event_subject
from tests.unit.history.histories import canary_abort_retry_promote


@dataclass
class _Delivery:
    subject: str
    sequence: int
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes = b"not an event"

    @property
    def metadata(self) -> Any:
        return SimpleNamespace(sequence=SimpleNamespace(stream=self.sequence))


async def test_a_recorded_decision_is_not_decoded_again(monkeypatch: pytest.MonkeyPatch) -> None:
    store = InMemoryEventStore()
    version = 0
    for decision in canary_abort_retry_promote("shop").decisions:
        version = await store.append("default", "shop", decision, expected_version=version)
    projection = StateProjection(store)
    await projection.rebuild()
    decoded: list[int] = []

    def counting(codec: Any, subject: str, sequence: int, *rest: Any) -> Any:
        decoded.append(sequence)
        return decode_stored(codec, subject, sequence, *rest)

    monkeypatch.setattr(following_module, "decode_stored", counting)
    subject = event_subject("default", "shop", "SpecApplied")
    for sequence in (1, version // 2, version):
        await projection.follower.on_message(cast(Msg, _Delivery(subject, sequence)))
    assert decoded == [] and projection.unreadable == 0
    await projection.follower.on_message(cast(Msg, _Delivery(subject, version + 1)))
    assert decoded == [version + 1] and projection.unreadable == 1  # newer: decoded (garbage)
    assert projection.entry(("default", "shop"))[1] == version + 1
