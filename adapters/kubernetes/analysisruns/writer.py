"""Projects each rollout's analysis runs onto AnalysisRun objects, as Argo's controllers leave them.

A read model, never a source: the runs come from the stream (`RunLedger`, folded from the
rollout's events, loaded incrementally after the last one folded), the objects only show them.
Deleting an object changes nothing in the rollout; the watch reports the delete and the next
pass creates it again. A pass for one rollout: bring its ledger up to date, choose the runs
that keep an object (`split_kept`: the Rollout's history limits), create the missing objects,
merge-patch the ones that differ (conditional on their resourceVersion; a 409 reads again and
retries), delete the Jobs of pruned runs (Argo's Job provider leaves them to the run's owner
reference; ours have none), then the pruned objects, and forget the pruned runs.

Passes are asked for by the projection (a rollout's runs changed), the Rollout watcher (the
object changed: owner uid, selector, limits) and the AnalysisRun watch (an object changed or
went that this process did not write); one task per rollout runs them, as the status writer
does, with the same back-off. A rollout with no runs in its state and no objects costs no
history load. Like the status writer, every controller replica projects every rollout: the
writes are idempotent and conditional, so two replicas agree rather than fight.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import structlog

from adapters.kubernetes.analysisruns.document import analysis_run
from adapters.kubernetes.analysisruns.ledger import LedgerRun, RunLedger
from adapters.kubernetes.analysisruns.objects import OwnedRuns, RunObjects, owner_uid
from adapters.kubernetes.analysisruns.retention import HistoryLimits, split_kept
from adapters.kubernetes.analysisruns.sending import RunApi
from adapters.kubernetes.book import RolloutBook
from adapters.kubernetes.informer import Informer, InformerSet
from adapters.kubernetes.manifests import Owner
from adapters.kubernetes.objects import GROUP, VERSION, Key, Obj, key_of, uid_of
from adapters.kubernetes.passes import KeyedPasses
from adapters.kubernetes.retry import retry_on_conflict
from adapters.runtime.tasks import Spawn, spawn_task
from events.store import StoredEvent
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.kubernetes")

LoadHistory = Callable[..., Awaitable[list[StoredEvent]]]
DeleteJob = Callable[[str, str, str, str, int], Awaitable[None]]
"""(namespace, rollout, run, metric, measurement index): delete that measurement's Job."""


class States(Protocol):
    def state(self, namespace: str, name: str) -> RolloutState | None: ...

    def entry(self, key: Key) -> tuple[RolloutState, int]: ...


class AnalysisRunWriter(InformerSet):
    def __init__(
        self,
        custom: Any,
        book: RolloutBook,
        states: States,
        load: LoadHistory,
        *,
        delete_job: DeleteJob | None = None,
        namespaces: Sequence[str] | None = None,
        group: str = GROUP,
        version: str = VERSION,
        timeout_seconds: int = 300,
        request_timeout: float = 30.0,
        conflict_retries: int = 5,
        retry_delay: float = 0.5,
        max_in_flight: int = 16,
        report_crash: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        """`load(namespace, name, after=sequence)`: the rollout's events after `sequence`
        (EventStore.load); `delete_job`: how a pruned run's Jobs go (None: they stay)."""
        self._api = RunApi(custom, group, version, request_timeout)
        self._book, self._states, self._load = book, states, load
        self._delete_job = delete_job
        self._retries = conflict_retries
        self.objects = OwnedRuns()
        self._ledgers: dict[Key, RunLedger] = {}
        self._seen: dict[Key, object] = {}
        self._passes = KeyedPasses(
            self._project,
            name="analysisruns",
            task="analysisrun-writer",
            retry_delay=retry_delay,
            max_in_flight=max_in_flight,
            report_crash=report_crash,
        )
        self.writes = self.deletes = 0
        source = RunObjects(group, version)
        scopes: list[str | None] = [None] if namespaces is None else list(namespaces)
        super().__init__(
            [
                Informer(
                    custom,
                    source,
                    scope,
                    self._on_change,
                    timeout_seconds=timeout_seconds,
                    request_timeout=request_timeout,
                    retry_delay=retry_delay,
                )
                for scope in scopes
            ]
        )

    def start(self, spawn: Spawn = spawn_task) -> None:
        self._passes.running = True
        super().start(spawn)
        for key in self._book.known():
            self.request(key)

    async def stop(self) -> None:
        self._passes.running = False
        await super().stop()
        await self._passes.stop()

    def on_state(self, key: Key, state: RolloutState) -> None:
        """Projection listener: a pass when the rollout's runs changed."""
        if state.analysis_runs is not self._seen.get(key):
            self._seen[key] = state.analysis_runs
            self.request(key)

    def request(self, key: Key) -> None:
        if self._book.object(key) is not None:
            self._passes.mark(key)

    @property
    def idle(self) -> bool:
        return self._passes.idle

    def ledger(self, key: Key) -> RunLedger | None:
        return self._ledgers.get(key)

    async def _on_change(self, kind: str, old: Obj | None, new: Obj) -> None:
        if kind == "DELETED":
            rollout = self.objects.gone(new)
        elif self.objects.echo(new):
            return  # our own write, coming back
        else:
            rollout = self.objects.seen(new)
        if rollout is not None:
            self.request(rollout)

    async def _project(self, key: Key) -> None:
        rollout = self._book.object(key)
        if rollout is None or not uid_of(rollout):
            return
        ledger = await self._ledger(key)
        if ledger is None:
            return
        state = self._states.state(*key)
        current = set(state.current_runs.values()) if state is not None else set()
        kept, pruned = split_kept(ledger.runs(), current, HistoryLimits.of(rollout))
        owner = Owner.of(rollout)
        for run in kept:
            await self._put(key, analysis_run(run, owner, key[0]))
        for run in pruned:
            await self._delete_jobs(key, run)
        wanted = {run.name for run in kept}
        for name, found in self.objects.of(key).items():
            if name not in wanted and owner_uid(found) == owner.uid:
                await self._delete(found)
        ledger.forget(run.name for run in pruned)

    async def _ledger(self, key: Key) -> RunLedger | None:
        """The rollout's ledger, up to the projection's version of it; None (and no history
        loaded) while the rollout has neither runs in its state nor objects."""
        ledger = self._ledgers.get(key)
        if ledger is None:
            state = self._states.state(*key)
            if not (state is not None and state.analysis_runs) and not self.objects.has_any(key):
                return None
            ledger = self._ledgers[key] = RunLedger(*key)
        if ledger.version < self._states.entry(key)[1]:
            stored = await self._load(*key, after=ledger.version)
            ledger.fold((item.stream_sequence, item.event) for item in stored)
        return ledger

    async def _put(self, key: Key, wanted: Obj) -> None:
        name = wanted["metadata"]["name"]

        async def attempt() -> None:
            found = self.objects.of(key).get(name)
            written = await self._api.write(wanted, found)
            if written is not None:
                self.writes += 1
                self.objects.seen(written)

        async def reread() -> None:
            fresh = await self._api.read(key[0], name)
            if fresh is not None:
                self.objects.seen(fresh)

        await retry_on_conflict(
            f"write AnalysisRun {key[0]}/{name}",
            attempt,
            retries=self._retries,
            lost_create=True,
            on_conflict=reread,
        )

    async def _delete(self, found: Obj) -> None:
        namespace, name = key_of(found)
        await self._api.delete(namespace, name, uid_of(found))
        self.deletes += 1
        self.objects.gone(found)
        log.info("kubernetes.analysisrun_pruned", run=f"{namespace}/{name}")

    async def _delete_jobs(self, key: Key, run: LedgerRun) -> None:
        if self._delete_job is None:
            return
        jobs = {str(m.get("name")) for m in run.facts.metrics if _job_metric(m)}
        for metric in run.state.metrics:
            if metric.name in jobs:
                for index in range(1, metric.taken + 1):
                    await self._delete_job(key[0], key[1], run.name, metric.name, index)


def _job_metric(metric: Any) -> bool:
    provider = metric.get("provider") if isinstance(metric, dict) else None
    return isinstance(provider, dict) and "job" in provider
