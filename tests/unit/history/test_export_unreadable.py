"""An export leaves out what no reader can decode: an import could not write it back."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.history.restore import export_events
from events.memory import InMemoryEventStore
from events.models import RolloutAborted


async def test_unreadable_messages_are_not_exported() -> None:
    store = InMemoryEventStore()
    event = RolloutAborted(cause="c", at=datetime(2026, 1, 1, tzinfo=UTC), message="m", revision=1)
    await store.append("ns", "web", [event], expected_version=0)
    store.publish_raw("rollouts.evt.ns.web.RolloutAborted", {}, b"{}")
    for rollouts in (None, [("ns", "web")]):
        exported = await export_events(store, rollouts)
        assert [type(s.event).__name__ for s in exported] == ["RolloutAborted"]
