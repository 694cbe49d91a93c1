"""The resource types the fake Kubernetes API serves, and how they are addressed.

A `ResourceType` says what the API server needs to know to serve a kind: where it lives
(group/version/plural), whether it is namespaced, whether it has the `/status` and `/scale`
subresources, and whether it is built in (which changes a few response shapes, see
`kube_store`). Tests may register more types with `FakeKube.register`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.support.kube_errors import KubeError


@dataclass(frozen=True, slots=True)
class ScalePaths:
    """Where the `/scale` subresource reads and writes, as dotted paths into the object.

    `selector` names either a LabelSelector object (`spec.selector`, as ReplicaSets have) or a
    string already in label-selector syntax (`status.selector`, as Rollouts publish it)."""

    spec_replicas: str = "spec.replicas"
    status_replicas: str = "status.replicas"
    selector: str = "spec.selector"


@dataclass(frozen=True, slots=True)
class PrinterColumn:
    """One of a CRD's `additionalPrinterColumns`: what `kubectl get` shows (see kube_table)."""

    name: str
    type: str
    json_path: str
    description: str = ""
    format: str = ""
    priority: int = 0


@dataclass(frozen=True, slots=True)
class ResourceType:
    """Equality and hashing use the address and shape only: a type re-registered from its CRD
    (with columns, short names and a schema) is the same key in the store as before."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    status: bool = True
    scale: ScalePaths | None = None
    builtin: bool = True
    columns: tuple[PrinterColumn, ...] | None = field(default=None, compare=False)
    """None: no CRD columns (the table is Name and Age, as for a CRD that declares none)."""
    short_names: tuple[str, ...] = field(default=(), compare=False)
    categories: tuple[str, ...] = field(default=(), compare=False)
    schema: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The CRD's openAPIV3Schema, when the type was registered from a CRD."""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`replicasets.apps`, `services`: how the API server names a resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def __str__(self) -> str:
        return f"{self.api_version}/{self.plural}"


def _core(
    plural: str, kind: str, short: str = "", *, namespaced: bool = True, status: bool = True
) -> ResourceType:
    """A core/v1 type; `short`: its short name in discovery (`kubectl get svc`)."""
    short_names = (short,) if short else ()
    return ResourceType(
        "", "v1", plural, kind, namespaced=namespaced, status=status, short_names=short_names
    )


def _custom(
    group: str,
    version: str,
    plural: str,
    kind: str,
    *,
    namespaced: bool = True,
    scale: ScalePaths | None = None,
) -> ResourceType:
    """A custom resource whose CRD enables the status subresource (as Argo's CRDs do)."""
    return ResourceType(group, version, plural, kind, namespaced, True, scale, builtin=False)


NAMESPACES = _core("namespaces", "Namespace", "ns", namespaced=False)
SERVICES = _core("services", "Service", "svc")
SECRETS = _core("secrets", "Secret", status=False)
CONFIGMAPS = _core("configmaps", "ConfigMap", "cm", status=False)
PODS = _core("pods", "Pod", "po")
CORE_EVENTS = _core("events", "Event", "ev", status=False)
PODTEMPLATES = _core("podtemplates", "PodTemplate", status=False)
REPLICASETS = ResourceType(
    "apps", "v1", "replicasets", "ReplicaSet", scale=ScalePaths(), short_names=("rs",)
)
DEPLOYMENTS = ResourceType(
    "apps", "v1", "deployments", "Deployment", scale=ScalePaths(), short_names=("deploy",)
)
JOBS = ResourceType("batch", "v1", "jobs", "Job")
INGRESSES = ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", short_names=("ing",))
EVENTS = ResourceType("events.k8s.io", "v1", "events", "Event", status=False, short_names=("ev",))
LEASES = ResourceType("coordination.k8s.io", "v1", "leases", "Lease", status=False)
CUSTOM_RESOURCE_DEFINITIONS = ResourceType(
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
    namespaced=False, short_names=("crd", "crds"), categories=("api-extensions",),
)  # fmt: skip

ARGO = "argoproj.io"
ROLLOUTS = _custom(
    ARGO, "v1alpha1", "rollouts", "Rollout",
    scale=ScalePaths("spec.replicas", "status.HPAReplicas", "status.selector"),
)  # fmt: skip
ANALYSIS_TEMPLATES = _custom(ARGO, "v1alpha1", "analysistemplates", "AnalysisTemplate")
CLUSTER_ANALYSIS_TEMPLATES = _custom(
    ARGO, "v1alpha1", "clusteranalysistemplates", "ClusterAnalysisTemplate", namespaced=False
)
ANALYSIS_RUNS = _custom(ARGO, "v1alpha1", "analysisruns", "AnalysisRun")
EXPERIMENTS = _custom(ARGO, "v1alpha1", "experiments", "Experiment")
VIRTUAL_SERVICES = _custom("networking.istio.io", "v1beta1", "virtualservices", "VirtualService")
DESTINATION_RULES = _custom("networking.istio.io", "v1beta1", "destinationrules", "DestinationRule")
TRAFFIC_SPLITS = tuple(
    _custom("split.smi-spec.io", version, "trafficsplits", "TrafficSplit")
    for version in ("v1alpha1", "v1alpha2", "v1alpha3")
)
HTTP_ROUTES = _custom("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute")
TRAEFIK_SERVICES = tuple(
    _custom(group, "v1alpha1", "traefikservices", "TraefikService")
    for group in ("traefik.io", "traefik.containo.us")
)

DEFAULT_RESOURCES: tuple[ResourceType, ...] = (
    NAMESPACES,
    SERVICES,
    SECRETS,
    CONFIGMAPS,
    PODS,
    CORE_EVENTS,
    PODTEMPLATES,
    REPLICASETS,
    DEPLOYMENTS,
    JOBS,
    INGRESSES,
    EVENTS,
    LEASES,
    CUSTOM_RESOURCE_DEFINITIONS,
    ROLLOUTS,
    ANALYSIS_TEMPLATES,
    CLUSTER_ANALYSIS_TEMPLATES,
    ANALYSIS_RUNS,
    EXPERIMENTS,
    VIRTUAL_SERVICES,
    DESTINATION_RULES,
    *TRAFFIC_SPLITS,
    HTTP_ROUTES,
    *TRAEFIK_SERVICES,
)


class Registry:
    """The served types, found by URL parts, by apiVersion+kind, or by a short name."""

    def __init__(self, resources: Iterable[ResourceType] = DEFAULT_RESOURCES) -> None:
        self._types: list[ResourceType] = []
        for resource in resources:
            self.register(resource)

    def register(self, resource: ResourceType) -> None:
        if self.find(resource.group, resource.version, resource.plural) is None:
            self._types.append(resource)

    def replace(self, resource: ResourceType) -> None:
        """Register `resource`, or replace the type at its address (a CRD applied again)."""
        found = self.find(resource.group, resource.version, resource.plural)
        if found is None:
            self._types.append(resource)
        else:
            self._types[self._types.index(found)] = resource

    def all(self) -> tuple[ResourceType, ...]:
        return tuple(self._types)

    def find(self, group: str, version: str, plural: str) -> ResourceType | None:
        for resource in self._types:
            if (resource.group, resource.version, resource.plural) == (group, version, plural):
                return resource
        return None

    def of_object(self, obj: dict[str, object]) -> ResourceType:
        """The type of a manifest, from its apiVersion and kind."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        for resource in self._types:
            if resource.api_version == api_version and resource.kind == kind:
                return resource
        raise KubeError.not_found_resource(f"{api_version} {kind}")

    def named(self, name: str | ResourceType) -> ResourceType:
        """`replicasets`, `replicasets.apps` or `apps/v1/replicasets`; ambiguity is an error."""
        if isinstance(name, ResourceType):
            return name
        matches = [resource for resource in self._types if _answers_to(resource, name)]
        if len(matches) != 1:
            state = "unknown" if not matches else "ambiguous: " + ", ".join(map(str, matches))
            raise ValueError(f"resource {name!r} is {state}")
        return matches[0]


def _answers_to(resource: ResourceType, name: str) -> bool:
    return name in (resource.plural, resource.qualified, str(resource)) or (
        not resource.group and name == f"v1/{resource.plural}"
    )
