"""Rollout objects in the cluster -> inputs for the controller.

A new `metadata.generation` (a spec edit, `kubectl argo rollouts pause`, `set image`...) becomes
`ApplySpec` with the object's manifest; its input id is derived from uid and generation, so a
relist or a restart never applies a generation twice. The spec is first checked with the
core's own `decide` on the current state: an invalid spec publishes nothing and is reported in
the status instead (InvalidSpec, as Argo does), an unchanged one publishes nothing at all.

A status change that is not one of our writes is read for commands (`commands`): the
plugin's and Argo CD's patches. Commands are checked the same way before publishing; a refusal
(promote a healthy rollout...) is logged, and the next status write puts the field back. While
an input this watcher published is not yet decided, the state is behind the inputs' order, so
commands are published unchecked: the controller decides them after that input, in order.

A deleted Rollout becomes `DeleteRollout` (`adapters.kubernetes.deletions`): the controller
ends its life (`RolloutDeleted`) and its status is no longer written. Its ReplicaSets carry an
owner reference, so the cluster's garbage collector deletes them; its history stays in the
stream, and a Rollout created again under the name starts a new life.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import structlog

import events.inputs as inp
from adapters.kubernetes.book import RolloutBook
from adapters.kubernetes.commands import status_commands
from adapters.kubernetes.deletions import Deletions
from adapters.kubernetes.informer import CustomResource, Informer, InformerSet
from adapters.kubernetes.objects import (
    GROUP,
    VERSION,
    Key,
    Obj,
    generation_of,
    key_of,
    spec_input_id,
    status_input_id,
    status_of,
    uid_of,
)
from adapters.kubernetes.status.conditions import InvalidSpecNote
from adapters.kubernetes.status.document import rollout_status
from adapters.kubernetes.workloads import WorkloadWatch, referrers, resolve_object
from events.base import Input
from rollouts.decide import decide
from rollouts.errors import DomainError, InvalidSpec
from rollouts.ports import Clock
from rollouts.spec.workload_ref import WorkloadProblem
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.kubernetes")

Publish = Callable[[str, str, Input], Awaitable[None]]
FIELD_MANAGER = "rollouts-controller"


class States(Protocol):
    def state(self, namespace: str, name: str) -> RolloutState | None: ...


def actor_of(obj: Mapping[str, Any], subresource: str | None, default: str, via: str = "") -> str:
    """Who made the latest change, from managedFields where the API server keeps them (the
    field manager: `kubectl-argo-rollouts`, `argocd-controller`; the API server records no user
    there), then `@` the NATS user that publishes it (`via`), as the CLI's `alice@cli`."""
    who = _manager(obj, subresource, default)
    return f"{who}@{via}" if via else who


def _manager(obj: Mapping[str, Any], subresource: str | None, default: str) -> str:
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    changes = [
        entry
        for entry in entries
        if isinstance(entry, Mapping)
        and entry.get("subresource") == subresource
        and entry.get("manager") not in (None, "", FIELD_MANAGER)
    ]
    if not changes:
        return default
    latest = max(changes, key=lambda entry: str(entry.get("time") or ""))
    return f"{default}:{latest['manager']}"


class RolloutWatcher(InformerSet):
    def __init__(
        self,
        custom: Any,
        book: RolloutBook,
        states: States,
        publish: Publish,
        clock: Clock,
        *,
        status_wanted: Callable[[Key], None],
        namespaces: Sequence[str] | None = None,
        group: str = GROUP,
        version: str = VERSION,
        actor: str = "kubernetes",
        via: str = "",
        timeout_seconds: int = 300,
        request_timeout: float = 30.0,
        retry_delay: float = 0.5,
        workloads: WorkloadWatch | None = None,
    ) -> None:
        """`status_wanted(key)` asks the status writer to bring that object's status up to date;
        `namespaces`: where to watch (None: the whole cluster); `workloads`: where a Rollout's
        `workloadRef` is looked up (its changes come back through `workload_changed`)."""
        self._workloads = workloads
        self._book = book
        self._states = states
        self._publish = publish
        self._deletions = Deletions(publish)
        self._clock = clock
        self._status_wanted = status_wanted
        self._actor = actor
        self._via = via
        """The NATS user this process publishes as, appended to every actor."""
        self._applied: dict[Key, tuple[str, int, str]] = {}
        resource = CustomResource(group, version, "rollouts")
        scopes: list[str | None] = [None] if namespaces is None else list(namespaces)
        super().__init__(
            [
                Informer(
                    custom,
                    resource,
                    scope,
                    self._on_change,
                    timeout_seconds=timeout_seconds,
                    request_timeout=request_timeout,
                    retry_delay=retry_delay,
                )
                for scope in scopes
            ]
        )

    async def _on_change(self, kind: str, old: Obj | None, new: Obj) -> None:
        key = key_of(new)
        if kind == "DELETED":
            await self._deleted(key, new)
            return
        self._book.remember(key, new)
        commanded = False
        if not self._book.ours(key, new):
            commanded = await self._status_changed(key, old, new)
        await self._spec_changed(key, new)
        if not commanded:
            # After a command the state changes and the projection asks for the write; a write
            # now would put back, for a moment, the fields the user just patched.
            self._status_wanted(key)

    async def _deleted(self, key: Key, obj: Obj) -> None:
        self._book.forget(key)
        self._applied.pop(key, None)
        actor = actor_of({}, None, self._actor, self._via)
        await self._deletions.deleted(key, obj, self._states.state(*key), actor)

    async def workload_changed(self, namespace: str, kind: str, name: str) -> None:
        """A referenced Deployment (ReplicaSet, PodTemplate) changed: its Rollouts resolve again,
        and a new template is a new revision of each (Argo's workload-generation watch)."""
        objects = {key: obj for key in self._book.known() if (obj := self._book.object(key))}
        for key in referrers(objects, namespace, kind, name):
            await self._spec_changed(key, objects[key])
            self._status_wanted(key)

    async def _spec_changed(self, key: Key, obj: Obj) -> None:
        try:
            manifest, resolved = resolve_object(obj, self._workloads)
        except WorkloadProblem as problem:  # the referenced workload is missing or unusable
            self._applied.pop(key, None)
            self._book.mark_invalid(key, InvalidSpecNote(generation_of(obj), str(problem)))
            log.warning("kubernetes.spec_refused", rollout=_name(key), reason=str(problem))
            return
        marker = (uid_of(obj), generation_of(obj), resolved)
        if self._applied.get(key) == marker:
            return
        self._applied[key] = marker
        actor = actor_of(obj, None, self._actor, self._via)
        input_id = spec_input_id(obj) + (f":{resolved}" if resolved else "")
        item = inp.ApplySpec(input_id=input_id, actor=actor, manifest=manifest)
        state = self._deletions.base_state(key, self._states.state(*key))
        try:
            events = decide(state, item, self._clock.now())
        except DomainError as refusal:
            message = "; ".join(refusal.problems) if isinstance(refusal, InvalidSpec) else None
            note = InvalidSpecNote(marker[1], message or str(refusal))
            self._book.mark_invalid(key, note)
            log.warning("kubernetes.spec_refused", rollout=_name(key), reason=note.message)
            return
        self._book.mark_invalid(key, None)
        if not events:
            return
        self._book.expect(key, item.input_id)
        try:
            await self._publish(key[0], key[1], item)
        except BaseException:
            self._applied.pop(key, None)  # the next event of this object tries again
            raise
        log.info("kubernetes.spec_applied", rollout=_name(key), generation=marker[1], actor=actor)

    async def _status_changed(self, key: Key, old: Obj | None, new: Obj) -> bool:
        """Publish the commands the change asks for; True if any was published."""
        state = self._states.state(*key)
        if state is None or state.spec is None:
            return False
        now = self._clock.now()
        wanted = rollout_status(state, status_of(new), now, self._book.invalid(key)) or {}
        before = status_of(old) if old is not None else None
        found = status_commands(before, status_of(new), wanted, len(state.steps))
        actor = actor_of(new, "status", self._actor, self._via)
        behind = self._book.awaiting(key, state) > 0
        published = False
        for command in found:
            item = command.to_input(status_input_id(new, command.name), actor)
            try:
                if not behind:
                    decide(state, item, now)
            except DomainError as refusal:
                log.info(
                    "kubernetes.command_refused",
                    rollout=_name(key),
                    command=command.name,
                    reason=str(refusal),
                )
                continue
            self._book.expect(key, item.input_id)
            await self._publish(key[0], key[1], item)
            published = True
            log.info(
                "kubernetes.command",
                rollout=_name(key),
                command=command.name,
                why=command.reason,
                actor=actor,
            )
        return published


def _name(key: Key) -> str:
    return f"{key[0]}/{key[1]}"
