"""Fleet rollouts on real NATS servers: a hub, four regions as leaf nodes, one controller each.

Every test first takes v1 through the fleet (a new rollout is Healthy at once in each region),
then rolls v2 out with canary steps, so each wave has something to wait for.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from events import fleet as ev
from events import models as rev
from events.inputs import Abort, Promote
from rollouts.fleet.state import FleetState
from tests.integration.fleet.fleetspec import fleet_manifest
from tests.support.fleet import REGIONS, Fleet, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STAGING, APAC, US, EU = REGIONS
FLEET = "payments"


async def apply(fleet: Fleet, manifest: dict[str, Any], input_id: str) -> None:
    outcome = await fleet.client.send(FLEET, ev.ApplyFleet(input_id=input_id, manifest=manifest))
    assert outcome.status == "accepted", outcome


async def start_v2(fleet: Fleet, **spec: Any) -> FleetState:
    """v1 everywhere, then v2 applied; returns the fleet state right after the v2 apply."""
    await apply(fleet, fleet_manifest("payments:v1", **spec), "apply-v1")
    await fleet.wait_fleet(FLEET, lambda s: s.phase == "Healthy", "Healthy on v1")
    await apply(fleet, fleet_manifest("payments:v2", **spec), "apply-v2")
    return await fleet.state(FLEET)


def _spec_applied_at(history: list[Any], image: str) -> Any:
    for event in history:
        if isinstance(event, rev.SpecApplied) and image in str(event.manifest):
            return event.at
    return None


def _completed_at(history: list[Any], revision: int) -> Any:
    done = [e.at for e in history if isinstance(e, rev.RolloutCompleted) and e.revision == revision]
    return done[0] if done else None


async def test_wave_two_starts_only_after_apac_is_healthy(fleet: Fleet) -> None:
    state = await start_v2(fleet)
    v2 = state.template_hash
    await fleet.wait_fleet(FLEET, lambda s: s.phase == "Healthy" and s.revision == 2, "on v2")
    assert all(fleet.regions[r].on(v2) for r in REGIONS)
    staging = await fleet.regions[STAGING].history()
    apac = await fleet.regions[APAC].history()
    apac_started, apac_done = _spec_applied_at(apac, "payments:v2"), _completed_at(apac, 2)
    assert _completed_at(staging, 2) <= apac_started
    for region in (US, EU):
        started = _spec_applied_at(await fleet.regions[region].history(), "payments:v2")
        assert started >= apac_done, f"{region} got v2 at {started}, APAC Healthy at {apac_done}"
    waves = [
        e.wave
        for s in await fleet.client.history(FLEET)
        if isinstance(e := s.event, ev.FleetWaveStarted) and e.revision == 2
    ]
    assert waves == [0, 1, 2]


async def test_a_failure_aborts_every_in_progress_cluster_in_one_decision(fleet: Fleet) -> None:
    state = await start_v2(fleet, pause="")
    v2 = state.template_hash
    for region in (STAGING, APAC):
        await wait_for(functools.partial(_paused_on, fleet, region, v2), f"{region} paused on v2")
        await fleet.regions[region].send(Promote(input_id=f"promote-{region}"))
    for region in (US, EU):
        await wait_for(functools.partial(_paused_on, fleet, region, v2), f"{region} paused on v2")
    await fleet.regions[US].send(Abort(input_id="local-abort"))
    aborted = await fleet.wait_fleet(FLEET, lambda s: s.phase == "Degraded", "Degraded")
    assert aborted.abort is not None
    assert (aborted.abort.reason, aborted.abort.cluster) == ("Degraded", US)
    assert set(aborted.abort.clusters) == {US, EU}
    assert set(aborted.abort.rollbacks) == {STAGING, APAC}, "Healthy on v2: sent back to v1"
    history = [s.event for s in await fleet.client.history(FLEET)]
    (request,) = [e for e in history if isinstance(e, ev.FleetAbortRequested)]
    failure = next(
        e
        for e in history
        if isinstance(e, ev.FleetClusterObserved) and e.cluster == US and e.aborted
    )
    assert request.cause == failure.cause  # the same decision saw the failure and aborted all
    await wait_for(lambda: _aborted(fleet, EU), "EU aborted with canary weight 0")
    await fleet.wait_fleet(FLEET, lambda s: not s.abort_pending, "abort acknowledged everywhere")
    v1 = aborted.stable.template_hash if aborted.stable else ""
    assert fleet.regions[STAGING].on(v1) and fleet.regions[APAC].on(v1)


async def test_a_failure_in_apac_never_lets_wave_two_start(fleet: Fleet) -> None:
    state = await start_v2(fleet, pause="")
    v2 = state.template_hash
    await wait_for(lambda: _paused_on(fleet, STAGING, v2), "staging paused on v2")
    await fleet.regions[STAGING].send(Promote(input_id="promote-staging"))
    await wait_for(lambda: _paused_on(fleet, APAC, v2), "APAC paused on v2")
    await fleet.regions[APAC].send(Abort(input_id="apac-fails"))
    aborted = await fleet.wait_fleet(FLEET, lambda s: s.phase == "Degraded", "Degraded")
    assert aborted.abort is not None and aborted.abort.clusters == (APAC,)
    assert US not in aborted.updates and EU not in aborted.updates
    for region in (US, EU):
        assert _spec_applied_at(await fleet.regions[region].history(), "payments:v2") is None


async def test_a_duplicate_fleet_abort_has_no_second_effect(fleet: Fleet) -> None:
    state = await start_v2(fleet, pause="")
    await wait_for(lambda: _paused_on(fleet, STAGING, state.template_hash), "staging on v2")
    first = await fleet.client.send(FLEET, ev.AbortFleet(input_id="abort-1", reason="stop"))
    again = await fleet.client.send(FLEET, ev.AbortFleet(input_id="abort-1"))
    other = await fleet.client.send(FLEET, ev.AbortFleet(input_id="abort-2"))
    assert (first.status, again.status, other.status) == ("accepted", "unchanged", "unchanged")
    await wait_for(lambda: _aborted(fleet, STAGING), "staging aborted")
    await fleet.wait_fleet(FLEET, lambda s: not s.abort_pending, "abort acknowledged")
    history = await fleet.regions[STAGING].history()
    assert len([e for e in history if isinstance(e, rev.RolloutAborted)]) == 1
    requests = [
        s for s in await fleet.client.history(FLEET) if isinstance(s.event, ev.FleetAbortRequested)
    ]
    assert len(requests) == 1


def _paused_on(fleet: Fleet, region: str, pod_hash: str) -> bool:
    state = fleet.regions[region].state()
    return bool(
        state
        and state.current_pod_hash == pod_hash
        and state.phase is not None
        and state.phase.value == "Paused"
        and state.traffic.applied_canary
    )


def _aborted(fleet: Fleet, region: str) -> bool:
    state = fleet.regions[region].state()
    return bool(state and state.abort and state.traffic.applied_canary == 0)
