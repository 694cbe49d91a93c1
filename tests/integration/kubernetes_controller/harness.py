"""The controller on the fake Kubernetes API with a real NATS server, and what tests read.

`System` starts and stops the Kubernetes composition (`create_kubernetes_app`) against the
fake, restartable in place; `plugin` is `kubectl argo rollouts`; `health(obj)` is Argo CD's
verdict (our Lua restatement of its check, run in Lua 5.1 as Argo CD runs it).
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import yaml

import events.inputs as inp
from adapters.local.memory import InMemoryRouter
from adapters.runtime.client import RolloutsClient
from adapters.runtime.connect import Connection, connect
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import NatsSettings, Settings
from adapters.workers.kubernetes_app import KubernetesApp, WatchOptions
from adapters.workers.kubernetes_root import create_kubernetes_app
from events.base import Event
from events.phases import AnalysisPhase, AnalysisRunKind
from tests.conftest import DATA
from tests.integration.kubernetes_controller.plugin import Plugin
from tests.support.kube import FakeKube, api_client_for

Obj = dict[str, Any]
SEED = DATA / "conformance" / "seed"
lua51: Any = importlib.import_module("lupa.lua51")
HEALTH_LUA = (Path(__file__).parent / "argocd_health.lua").read_text()
WORKERS = ("controller", "traffic", "scaler", "timer")
"""No analysis worker: tests report run outcomes themselves, as an outside analysis would."""
NS = "production"
NAME = "payments-api"


def seed(file: str) -> Obj:
    loaded: Obj = yaml.safe_load((SEED / file).read_text())
    return loaded


def payments(
    *, replicas: int | None = None, steps: Sequence[Mapping[str, Any]] | None = None
) -> Obj:
    """The seed's payments-api Rollout, optionally with fewer replicas or other steps."""
    rollout = seed("payments-api-rollout.yaml")
    if replicas is not None:
        rollout["spec"]["replicas"] = replicas
    if steps is not None:
        rollout["spec"]["strategy"]["canary"]["steps"] = [dict(step) for step in steps]
    return rollout


def template(name: str, namespace: str = NS) -> Obj:
    """A minimal AnalysisTemplate (the seed names three but ships one)."""
    metric = {"name": "probe", "provider": {"web": {"url": "http://probe.invalid/"}}}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"args": [{"name": "service", "value": "x"}], "metrics": [metric]},
    }


def health(obj: Obj) -> tuple[str, str]:
    lua = lua51.LuaRuntime(unpack_returned_tuples=True)
    lua.globals().obj = lua.table_from(copy.deepcopy(obj), recursive=True)
    status, message = lua.execute(HEALTH_LUA)
    return str(status), str(message or "")


def status(obj: Obj | None) -> Obj:
    return dict((obj or {}).get("status") or {})


class System:
    def __init__(self, kube: FakeKube, nats_url: str, data_dir: Path) -> None:
        self.kube = kube
        self.settings = Settings(data_dir=data_dir, nats=NatsSettings(url=nats_url))
        self.router = InMemoryRouter(verifiable=False)
        self.app: KubernetesApp | None = None
        self._api: Any = None
        self._session: aiohttp.ClientSession | None = None
        self.plugin: Plugin
        self._conn: Connection | None = None
        self.client: RolloutsClient
        self.starts = 0

    async def open(self) -> None:
        self._session = aiohttp.ClientSession()
        self.plugin = Plugin(self._session, self.kube.url)
        self._conn = await connect(self.settings)
        self.client = RolloutsClient(self._conn)

    async def start(
        self, *, namespaces: list[str] | None = None, workers: Sequence[str] = WORKERS
    ) -> KubernetesApp:
        self._api = api_client_for(self.kube.url)
        options = WatchOptions(namespaces=namespaces, retry_delay=0.05, timeout_seconds=30)
        self.app = create_kubernetes_app(
            self.settings,
            self._api,
            workers=workers,
            traffic_router=self.router,
            watch_templates=True,
            options=options,
        )
        await self.app.start()
        await self.app.synced(10)
        self.starts += 1
        return self.app

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is not None:
            await app.stop()
        if self._api is not None:
            await self._api.close()
            self._api = None

    async def close(self) -> None:
        await self.stop()
        if self._conn is not None:
            await self._conn.close()
        if self._session is not None:
            await self._session.close()

    async def wait(
        self, predicate: Callable[[Obj], bool], name: str = NAME, timeout: float = 15.0
    ) -> Obj:
        """The Rollout object once `predicate(object)` holds (on timeout: what it was)."""
        try:
            found = await self.kube.wait_for(
                "rollouts", NS, name, lambda obj: obj is not None and predicate(obj), timeout
            )
        except TimeoutError:
            last = status(self.kube.get("rollouts", NS, name))
            tail = [type(event).__name__ for event in (await self.events(name))[-12:]]
            raise AssertionError(f"timed out; status {last}; last events {tail}") from None
        assert found is not None
        return found

    async def events(self, name: str = NAME) -> list[Event]:
        return [stored.event for stored in await self.client.history(NS, name)]

    async def report_step_run(self, phase: AnalysisPhase, name: str = NAME) -> str:
        """Report the current step run's outcome, as an outside analysis controller would."""
        state = await self.client.state(NS, name)
        assert state is not None
        run = state.run(AnalysisRunKind.STEP)
        assert run is not None, "no step analysis run is current"
        observed = inp.AnalysisRunObserved(
            input_id=f"test:{run.name}:{phase.value}", run_name=run.name, phase=phase
        )
        assert self._conn is not None
        await InputPublisher(self._conn.js)(NS, name, observed)
        return run.name

    def replica_sets(self, name: str = NAME, namespace: str = NS) -> list[Obj]:
        return [
            rs
            for rs in self.kube.objects("replicasets", namespace)
            if rs["metadata"]["name"].startswith(f"{name}-")
        ]
