"""How long the global abort took to reach each cluster of the fleet demo.

From the moment v3 is applied, each cluster is watched every few milliseconds: when it first
runs v3, and when it is settled again (its proxy gives the canary nothing after its abort, or
v2 is stable again after a rollback). Times are measured from the failing measurement, as
recorded in APAC's own history.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from adapters.fleet.demo_region import CLUSTERS, NAMESPACE, ROLLOUT, DemoRegion
from adapters.runtime.tasks import cancel_and_wait
from events import models as rev
from events.jetstream import JetStreamEventStore
from events.phases import AnalysisPhase, RolloutPhase
from rollouts.fleet.state import FleetState
from rollouts.state import RolloutState

POLL = 0.005
APAC = "prod-ap-southeast-1"


class SettleWatch:
    def __init__(self, regions: dict[str, DemoRegion], good_hash: str) -> None:
        self.regions = regions
        self.good = good_hash
        self.took_bad: dict[str, datetime] = {}
        self.settled: dict[str, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._poll())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)

    def _settled(self, state: RolloutState) -> bool:
        if state.abort and state.traffic.applied_canary == 0:
            return True
        back = state.stable_rs == self.good and state.current_pod_hash == self.good
        return back and state.phase is RolloutPhase.HEALTHY

    async def _poll(self) -> None:
        while True:
            now = datetime.now(UTC)
            for name, region in self.regions.items():
                state = region.state()
                if state is None:
                    continue
                if name not in self.took_bad and state.current_pod_hash not in (None, self.good):
                    self.took_bad[name] = now
                if name in self.took_bad and name not in self.settled and self._settled(state):
                    self.settled[name] = now
            await asyncio.sleep(POLL)

    async def failing_measurement(self) -> rev.MeasurementRecorded | None:
        nc = self.regions[APAC].nc
        assert nc is not None
        history = await JetStreamEventStore(nc.jetstream()).load(NAMESPACE, ROLLOUT)
        failed = [
            s.event
            for s in history
            if isinstance(s.event, rev.MeasurementRecorded)
            and s.event.phase is AnalysisPhase.FAILED
        ]
        return failed[0] if failed else None

    async def report(self, say: Callable[[str], None], state: FleetState) -> None:
        failed = await self.failing_measurement()
        abort = state.abort
        if abort is not None:
            say(
                f"  fleet abort: {abort.reason} in {abort.cluster}, "
                f"{abort.metric}={abort.value}; abort {list(abort.clusters)}, "
                f"roll back {list(abort.rollbacks)}"
            )
        if failed is None or failed.finished_at is None:
            say("  no failing measurement found in APAC's history")
            return
        origin = failed.finished_at
        say(
            f"  failing measurement in APAC: {failed.metric}={failed.value} at {origin:%H:%M:%S.%f}"
        )
        for name in CLUSTERS:
            if name not in self.took_bad:
                say(f"  {name:<22} never received v3: nothing to abort")
            elif name in self.settled:
                how = (
                    "canary weight 0 at its proxy"
                    if name == abort_cluster(state)
                    else "v2 stable again"
                )
                took = (self.settled[name] - origin).total_seconds()
                say(f"  {name:<22} {how} {took:.3f} s after the failing measurement")
            else:
                say(f"  {name:<22} NOT settled")

    def verdict(self, say: Callable[[str], None], state: FleetState) -> bool:
        problems = [n for n in self.took_bad if n not in self.settled]
        for name, region in self.regions.items():
            current = region.state()
            if current is None or current.stable_rs != self.good:
                problems.append(f"{name} does not run v2 as stable")
        if state.phase != "Degraded" or state.abort is None or state.abort.cluster != APAC:
            problems.append("the fleet did not abort on APAC's analysis")
        for problem in problems:
            say(f"  FAIL: {problem}")
        if not problems:
            say("\nevery cluster ended where it should: v2 stable everywhere, v3 nowhere")
        return not problems


def abort_cluster(state: FleetState) -> str:
    return state.abort.cluster if state.abort else ""
