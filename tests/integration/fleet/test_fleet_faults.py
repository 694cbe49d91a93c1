"""Faults in the fleet topology: a region cut off from the hub, the coordinator SIGKILLed."""

from __future__ import annotations

import functools
import json
import time

import pytest

from events import models as rev
from events.fleet import FleetWaveStarted
from events.inputs import Promote
from tests.integration.fleet.test_fleet_waves import FLEET, _paused_on, start_v2
from tests.support.fleet import REGIONS, Fleet, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STAGING, APAC, US, EU = REGIONS
CATCH_UP_BOUND = 8.0
"""Seconds from a region's link returning until the coordinator has seen what the region did
meanwhile: the leaf reconnect (1 s in region.conf), at most two source checks (1 s apart, see
adapters.fleet.links), and the transfer."""


async def _hub_count(fleet: Fleet, region: str) -> int:
    assert fleet.hub is not None
    request = json.dumps({"subjects_filter": f"fleet.evt.{region}.>"}).encode()
    reply = await fleet.hub.request("$JS.API.STREAM.INFO.FLEET_REGIONS", request, timeout=2)
    subjects = json.loads(reply.data)["state"].get("subjects") or {}
    return sum(subjects.values())


async def test_a_region_cut_off_mid_wave_goes_on_and_the_fleet_catches_up(fleet: Fleet) -> None:
    state = await start_v2(fleet, pause="2s")
    v2 = state.template_hash
    apac = fleet.regions[APAC]
    await wait_for(lambda: _paused_on(fleet, APAC, v2), "APAC in its v2 canary")
    await fleet.servers.links[APAC].cut()
    await wait_for(lambda: apac.on(v2), "APAC Healthy on v2 under its own controller")
    cut_off = await fleet.state(FLEET)
    assert cut_off.wave == 1 and US not in cut_off.updates, "the fleet cannot know yet"
    assert not cut_off.clusters[APAC].healthy_on(v2)
    restored = time.monotonic()
    await fleet.servers.links[APAC].start()
    await fleet.wait_fleet(
        FLEET, lambda s: s.clusters[APAC].healthy_on(v2), "aware of APAC", CATCH_UP_BOUND + 5
    )
    catch_up = time.monotonic() - restored
    print(f"fleet caught up with APAC {catch_up:.2f} s after the link returned")
    assert catch_up < CATCH_UP_BOUND
    await fleet.wait_fleet(FLEET, lambda s: s.phase == "Healthy" and s.revision == 2, "done")
    history = await apac.history()
    assert await _hub_count(fleet, APAC) == len(history), "every APAC event reached the hub"


async def test_sigkill_of_the_coordinator_neither_repeats_nor_skips_a_wave(fleet: Fleet) -> None:
    state = await start_v2(fleet, pause="")
    v2 = state.template_hash
    await wait_for(lambda: _paused_on(fleet, STAGING, v2), "staging in its v2 canary")
    fleet.coordinator.kill()
    await fleet.regions[STAGING].send(Promote(input_id="promote-staging"))
    await wait_for(lambda: fleet.regions[STAGING].on(v2), "staging Healthy on v2")
    fleet.coordinator.start()
    for wave in ([APAC], [US, EU]):
        for region in wave:
            await wait_for(functools.partial(_paused_on, fleet, region, v2), f"{region} on v2")
        if wave == [APAC]:
            fleet.coordinator.kill()
            fleet.coordinator.start()
        for region in wave:
            await fleet.regions[region].send(Promote(input_id=f"promote-{region}"))
    done = await fleet.wait_fleet(FLEET, lambda s: s.phase == "Healthy" and s.revision == 2, "done")
    assert done.wave == 2
    history = [s.event for s in await fleet.client.history(FLEET)]
    started = [(e.revision, e.wave) for e in history if isinstance(e, FleetWaveStarted)]
    assert started == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]
    for region in REGIONS:
        applied = [
            e
            for e in await fleet.regions[region].history()
            if isinstance(e, rev.SpecApplied) and "payments:v2" in str(e.manifest)
        ]
        assert len(applied) == 1, f"{region} was sent v2 {len(applied)} times"
