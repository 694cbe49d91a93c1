"""`ReplicaSetPlatform` on a Kubernetes cluster: ReplicaSets, Services and their status.

The caller builds and closes the `kubernetes_asyncio` ApiClient (from a kubeconfig, in-cluster
config, or a `Configuration(host=...)`); nothing connects at import or construction.
`start()` begins watching ReplicaSets (required for `statuses()` to report anything; the
writes work without it), `stop()` ends the watch and every status stream.

Which namespace a rollout's objects live in is `namespace_of(ref)` (default: the ref's own
namespace). A status names its rollout from the ReplicaSet's controller reference (a Rollout),
else from the `label` the adapter sets (`rollouts.argoproj.io/rollout: <name>`); its namespace
is the ReplicaSet's, unless a `rollouts.argoproj.io/rollout-ref` annotation (written when
`namespace_of` maps the namespace) says otherwise. ReplicaSets naming no rollout are ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from kubernetes_asyncio import client

from adapters.kubernetes.informer import Informer, InformerSet, ReplicaSets
from adapters.kubernetes.manifests import POD_TEMPLATE_HASH, ROLLOUT_LABEL, ROLLOUT_REF, Naming
from adapters.kubernetes.objects import GROUP, VERSION, Obj
from adapters.kubernetes.pods import PodEvictions
from adapters.kubernetes.replicaset_counts import StatusBook
from adapters.kubernetes.replicasets import ReplicaSetWriter
from adapters.kubernetes.services import switch_service
from adapters.runtime.statuses import StatusHub
from adapters.runtime.tasks import Spawn, spawn_task
from events.restart import RestartPod
from rollouts.ports import Clock, Eviction, ReplicaSetSpec, ReplicaSetStatus, RolloutRef


class KubernetesPlatform:
    def __init__(
        self,
        api_client: client.ApiClient,
        *,
        namespace_of: Callable[[RolloutRef], str] | None = None,
        namespaces: Sequence[str] | None = None,
        label: str = ROLLOUT_LABEL,
        clock: Clock | None = None,
        request_timeout: float = 30.0,
        watch_timeout: int = 300,
        retry_delay: float = 0.5,
        conflict_retries: int = 5,
        rollout_api: tuple[str, str] = (GROUP, VERSION),
    ) -> None:
        """`namespaces`: where to watch ReplicaSets (None: the whole cluster).
        `watch_timeout`: seconds each watch request asks the server to keep it open.
        `rollout_api`: (group, version) of the Rollout resource, read to own new ReplicaSets."""
        self._apps: Any = client.AppsV1Api(api_client)
        self._core: Any = client.CoreV1Api(api_client)
        self._namespace_of = namespace_of or (lambda ref: ref.namespace)
        self._label = label
        self._clock = clock
        self._request_timeout = request_timeout
        self._writer = ReplicaSetWriter(
            self._apps,
            self._core,
            client.CustomObjectsApi(api_client),
            request_timeout=request_timeout,
            conflict_retries=conflict_retries,
            rollout_api=rollout_api,
        )
        self._evictions = PodEvictions(
            self._core, self._namespace_of, request_timeout=request_timeout, now=self._now
        )
        self._hub = StatusHub()
        self._book = StatusBook(self._hub, self._rollout_of, self._now)
        self._informers = InformerSet(
            [
                Informer(
                    self._apps,
                    ReplicaSets(POD_TEMPLATE_HASH),
                    namespace,
                    self._observe,
                    timeout_seconds=watch_timeout,
                    request_timeout=request_timeout,
                    retry_delay=retry_delay,
                )
                for namespace in _scopes(namespaces)
            ]
        )

    async def start(self, spawn: Spawn = spawn_task) -> None:
        if self._informers.running:
            return
        self._hub.reopen()
        self._informers.start(spawn)

    async def stop(self) -> None:
        await self._informers.stop()
        self._hub.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ReplicaSetPlatform

    async def scale(self, spec: ReplicaSetSpec) -> None:
        await self._writer.scale(spec, self._naming(spec.rollout))

    async def delete(self, rollout: RolloutRef, pod_template_hash: str) -> None:
        name = f"{rollout.name}-{pod_template_hash}"
        await self._writer.delete(self._namespace_of(rollout), name)

    async def switch_service(
        self, rollout: RolloutRef, service: str, pod_template_hash: str
    ) -> None:
        await switch_service(
            self._core,
            self._namespace_of(rollout),
            rollout,
            service,
            pod_template_hash,
            request_timeout=self._request_timeout,
        )

    def statuses(self) -> AsyncIterator[ReplicaSetStatus]:
        return self._hub.subscribe(self._book.snapshot())

    # PodRestarter (`spec.restartAt`)

    async def list_pods(
        self, rollout: RolloutRef, pod_template_hashes: Sequence[str], min_ready_seconds: int
    ) -> list[RestartPod]:
        return await self._evictions.list_pods(rollout, pod_template_hashes, min_ready_seconds)

    async def evict_pod(self, rollout: RolloutRef, pod: str) -> Eviction:
        return await self._evictions.evict_pod(rollout, pod)

    # internals

    def _naming(self, rollout: RolloutRef) -> Naming:
        namespace = self._namespace_of(rollout)
        reference = None if namespace == rollout.namespace else str(rollout)
        return Naming(namespace, self._label, reference)

    async def _observe(self, kind: str, old: Obj | None, rs: Obj) -> None:
        """A ReplicaSet change from the informer (a relist's differences included)."""
        self._book.observe(kind, rs)

    def _rollout_of(self, rs: Mapping[str, Any]) -> RolloutRef | None:
        metadata = rs.get("metadata") or {}
        reference = (metadata.get("annotations") or {}).get(ROLLOUT_REF, "")
        namespace, _, name = str(reference).partition("/")
        if namespace and name:
            return RolloutRef(namespace, name)
        owners = metadata.get("ownerReferences") or []
        controller = next((ref for ref in owners if ref.get("controller")), None)
        if controller is not None:
            name = str(controller.get("name", "")) if controller.get("kind") == "Rollout" else ""
        else:
            name = str((metadata.get("labels") or {}).get(self._label, ""))
        return RolloutRef(str(metadata.get("namespace", "")), name) if name else None

    def _now(self) -> datetime:
        return self._clock.now() if self._clock is not None else datetime.now(UTC)


def _scopes(namespaces: Sequence[str] | None) -> list[str | None]:
    """One watch per namespace, or one over the whole cluster."""
    return [None] if namespaces is None else list(namespaces)
