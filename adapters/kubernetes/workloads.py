"""The workloads Rollouts reference (`spec.workloadRef`): watched, resolved, and scaled down.

- `WorkloadWatch` lists and watches Deployments, ReplicaSets and PodTemplates (one informer per
  kind and namespace) and tells the Rollout watcher when one changes, so a new Deployment
  template becomes a new revision of every Rollout that references it, as in Argo.
- `resolve_object` turns a Rollout object into the manifest the core decides on: the
  referenced template filled in (`rollouts.spec.workload_ref.resolve_manifest`), or the
  problem naming the field (a missing Deployment), which the watcher reports as InvalidSpec.
- `KubernetesWorkloadScaler` is the `WorkloadScaler` port: it sets a Deployment's replicas
  through its `/scale` subresource, only when they differ (a merge patch of one absolute value).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.kubernetes.errors import call_json, read_json
from adapters.kubernetes.informer import Informer, InformerSet
from adapters.kubernetes.objects import Key, Obj, key_of, spec_manifest
from rollouts.hashing import canonical_json, fnv32a
from rollouts.ports import PortError, WorkloadScale
from rollouts.spec.workload_ref import WorkloadProblem, reference_of, resolve_manifest

MERGE = "application/merge-patch+json"
Changed = Callable[[str, str, str], Awaitable[None]]
"""`(namespace, kind, name)` of a workload that was added, changed or deleted."""


@dataclass(frozen=True, slots=True)
class NativeResource:
    """A built-in resource an informer lists and watches with the generated client: `lister`
    and `all_lister` are the client's method names for one namespace and for all of them."""

    kind: str
    name: str
    lister: str
    all_lister: str
    namespaced: bool = True

    def call(self, api: Any, namespace: str | None, **options: Any) -> Any:
        if namespace is None:
            return getattr(api, self.all_lister)(**options)
        return getattr(api, self.lister)(namespace, **options)


RESOURCES = (
    (
        "apps",
        NativeResource(
            "Deployment",
            "deployments.apps",
            "list_namespaced_deployment",
            "list_deployment_for_all_namespaces",
        ),
    ),
    (
        "apps",
        NativeResource(
            "ReplicaSet",
            "replicasets.apps",
            "list_namespaced_replica_set",
            "list_replica_set_for_all_namespaces",
        ),
    ),
    (
        "core",
        NativeResource(
            "PodTemplate",
            "podtemplates",
            "list_namespaced_pod_template",
            "list_pod_template_for_all_namespaces",
        ),
    ),
)


class WorkloadWatch(InformerSet):
    def __init__(
        self,
        apis: dict[str, Any],
        on_change: Changed,
        *,
        namespaces: Sequence[str] | None = None,
        timeout_seconds: int = 300,
        request_timeout: float = 30.0,
        retry_delay: float = 0.5,
    ) -> None:
        """`apis`: the generated `AppsV1Api` as "apps" and `CoreV1Api` as "core"."""
        self._on_change = on_change
        self._by_kind: dict[str, list[Informer]] = {}
        scopes: list[str | None] = [None] if namespaces is None else list(namespaces)
        for api, resource in RESOURCES:
            for scope in scopes:
                informer = Informer(
                    apis[api],
                    resource,
                    scope,
                    self._handler(resource.kind),
                    timeout_seconds=timeout_seconds,
                    request_timeout=request_timeout,
                    retry_delay=retry_delay,
                )
                self._by_kind.setdefault(resource.kind, []).append(informer)
        super().__init__([i for found in self._by_kind.values() for i in found])

    def _handler(self, kind: str) -> Any:
        async def handle(change: str, old: Obj | None, new: Obj) -> None:
            namespace, name = key_of(new)
            await self._on_change(namespace, kind, name)

        return handle

    def get(self, namespace: str, kind: str, name: str) -> Obj | None:
        """The object as last seen, with its kind (list items carry none); None if unknown."""
        for informer in self._by_kind.get(kind, []):
            if informer.namespace in (None, namespace):
                found = informer.cache.get((namespace, name))
                if found is not None:
                    return {**found, "kind": kind}
        return None


def resolve_object(obj: Obj, watch: WorkloadWatch | None) -> tuple[Obj, str]:
    """The manifest to apply for a Rollout object, and a digest of what was resolved into it
    ("" without workloadRef): the same Rollout generation with another Deployment template is
    another input. Raises WorkloadProblem when the reference cannot be resolved."""
    manifest = spec_manifest(obj)
    ref = reference_of(manifest)
    if ref is None:
        return manifest, ""
    namespace, _ = key_of(obj)
    if watch is None:
        raise WorkloadProblem("spec.workloadRef", "workloads are not watched by this controller")
    resolved = resolve_manifest(manifest, watch.get(namespace, *ref))
    spec = resolved["spec"]
    digest = str(fnv32a(canonical_json([spec.get("template"), spec.get("selector")])))
    return resolved, digest


def referrers(objects: dict[Key, Obj], namespace: str, kind: str, name: str) -> list[Key]:
    """The Rollouts (keys of `objects`) in `namespace` whose workloadRef names kind/name."""
    return [
        key
        for key, obj in objects.items()
        if key[0] == namespace and reference_of(obj) == (kind, name)
    ]


class KubernetesWorkloadScaler:
    """The `WorkloadScaler` port on a cluster: Deployments through their scale subresource."""

    def __init__(self, apps: Any, *, request_timeout: float = 30.0) -> None:
        self._apps = apps
        self._timeout = request_timeout

    async def scale_workload(self, request: WorkloadScale) -> bool:
        if request.kind != "Deployment":
            raise PortError(f"scale {request}: only a Deployment is scaled down")
        if request.replicas < 0:
            raise PortError(f"scale {request}: replicas must not be negative")
        namespace, name = request.rollout.namespace, request.name
        action = f"read Deployment {namespace}/{name} scale"
        scale = await read_json(
            action,
            self._apps.read_namespaced_deployment_scale(
                name, namespace, _preload_content=False, _request_timeout=self._timeout
            ),
        )
        if scale is None:
            raise PortError(f"scale {request}: Deployment {namespace}/{name} not found")
        if (scale.get("spec") or {}).get("replicas") == request.replicas:
            return False
        await call_json(
            f"scale {request}",
            self._apps.patch_namespaced_deployment_scale(
                name,
                namespace,
                {"spec": {"replicas": request.replicas}},
                _content_type=MERGE,
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        return True
