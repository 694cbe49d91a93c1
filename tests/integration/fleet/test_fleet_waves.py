"""Fleet rollouts on real NATS servers: a hub, four regions as leaf nodes, one controller each."""

from __future__ import annotations

import pytest

from events import fleet as ev
from tests.integration.fleet.fleetspec import fleet_manifest
from tests.support.fleet import REGIONS, Fleet

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_a_revision_goes_through_every_wave_in_order(fleet: Fleet) -> None:
    outcome = await fleet.client.send(
        "payments", ev.ApplyFleet(input_id="a1", manifest=fleet_manifest("payments:v1"))
    )
    assert outcome.status == "accepted", outcome
    await fleet.wait_fleet("payments", lambda s: s.phase == "Healthy", "Healthy on v1")
    for region in REGIONS:
        state = fleet.regions[region].state()
        assert state is not None and state.phase is not None and state.phase.value == "Healthy"
