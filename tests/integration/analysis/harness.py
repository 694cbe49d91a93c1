"""A whole system for analysis tests: embedded NATS, the controller and every worker (the
analysis worker included) on the in-memory platform, the template bucket and secret files.

A test stores its templates, deploys v1, then updates to v2 whose canary steps run the
analysis, and waits for the rollout (or the run) to end where Argo would end it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import events.inputs as inp
import events.models as ev
from adapters.analysis.secrets import SECRETS_DIR
from adapters.analysis.templates import KvTemplateStore
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import Connection, connect
from adapters.runtime.settings import Settings
from adapters.workers.app import RolloutsApp, create_app
from events.phases import AnalysisPhase, RolloutPhase
from events.store import StoredEvent
from rollouts.run_state import AnalysisRunState
from rollouts.spec import AnalysisTemplate, ClusterAnalysisTemplate, parse_object
from rollouts.state import RolloutState
from tests.support.sim import rollout_manifest

NAME = "checkout"
WAIT = 60.0


def canary(steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"steps": steps}


class AnalysisSystem:
    def __init__(self, data_dir: Path) -> None:
        self.settings = Settings(data_dir=data_dir, actor="tester")
        self.platform = InMemoryPlatform()
        self.app: RolloutsApp | None = None
        self.connection: Connection | None = None
        self.client: RolloutsClient | None = None
        self.templates: KvTemplateStore | None = None

    async def start(self) -> None:
        await self.platform.start()
        self.app = create_app(self.settings, platform=self.platform, router=InMemoryRouter())
        await self.app.start()
        self.connection = await connect(self.settings)
        self.client = RolloutsClient(self.connection)
        self.templates = KvTemplateStore(self.connection.js)

    async def stop(self) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self.app is not None:
            await self.app.stop()
        await self.platform.stop()

    async def put_template(self, manifest: dict[str, Any]) -> None:
        assert self.templates is not None
        template, problems = parse_object(manifest)
        errors = [p for p in problems if p.is_error]
        assert isinstance(template, AnalysisTemplate | ClusterAnalysisTemplate), errors
        assert not errors, errors
        await self.templates.put(template)

    def put_secret(self, name: str, data: dict[str, str], namespace: str = "default") -> None:
        path = self.settings.data_dir / SECRETS_DIR / namespace / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data))

    async def apply(self, image: str, steps: list[dict[str, Any]]) -> None:
        assert self.client is not None
        manifest = rollout_manifest(NAME, image=image, replicas=5, canary=canary(steps))
        item = inp.ApplySpec(input_id=new_input_id(), actor="tester", manifest=manifest)
        outcome = await self.client.send("default", NAME, item)
        assert outcome.status == "accepted", outcome

    async def state(self) -> RolloutState:
        assert self.client is not None
        found = await self.client.state("default", NAME)
        assert found is not None
        return found

    async def until(
        self, what: str, predicate: Callable[[RolloutState], bool], timeout: float = WAIT
    ) -> RolloutState:
        deadline = time.monotonic() + timeout
        while True:
            state = await self.state()
            if predicate(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {describe(state)}")
            await asyncio.sleep(0.1)

    async def deploy_then_update(self, steps: list[dict[str, Any]]) -> None:
        """v1 healthy, then v2 with `steps` (the canary that the analysis judges)."""
        await self.apply("checkout:v1", steps)
        await self.until("v1 healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
        await self.apply("checkout:v2", steps)

    async def history(self) -> list[StoredEvent]:
        assert self.client is not None
        return await self.client.history("default", NAME)

    async def recorded(self) -> list[ev.MeasurementRecorded]:
        return [
            s.event for s in await self.history() if isinstance(s.event, ev.MeasurementRecorded)
        ]


def only_run(state: RolloutState) -> AnalysisRunState:
    (run,) = state.analysis_runs.values()
    return run


def run_ended(state: RolloutState) -> bool:
    return any(run.phase.completed for run in state.analysis_runs.values())


def promoted_to_v2(state: RolloutState) -> bool:
    stable = state.stable
    image = (stable.template["spec"]["containers"][0]["image"]) if stable else ""
    return state.fully_promoted and image == "checkout:v2" and state.phase is RolloutPhase.HEALTHY


def describe(state: RolloutState) -> str:
    runs = {name: (run.phase.value, run.message) for name, run in state.analysis_runs.items()}
    return (
        f"phase={state.phase} message={state.message!r} step={state.current_step_index} "
        f"abort={state.abort} runs={runs}"
    )


def phase_of_run(state: RolloutState) -> AnalysisPhase | None:
    runs = list(state.analysis_runs.values())
    return runs[-1].phase if runs else None
