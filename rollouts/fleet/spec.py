"""The FleetRollout resource: one Rollout, run by many clusters, rolled out wave by wave.

Two shapes are accepted for the clusters, because users arrive with either:

- `waves`: a list of waves, each a list of clusters (the natural form);
- `generators: [{list: {elements: [...]}}]`: Argo CD's ApplicationSet list generator, each element
  naming `cluster`, `canaryWeight` (a string there, as in the brief), `analysisTemplate` and the
  `wave` it belongs to (what Argo CD expresses with sync waves).

Both are normalised to `FleetSpec.waves`. Per-cluster overrides touch only the first `setWeight`
step and the analysis template names, so every cluster runs the same pod template (one hash).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import Field, field_validator, model_validator

from rollouts.durations import parse_pause_duration
from rollouts.hashing import pod_template_hash
from rollouts.spec.base import IntOrString, ObjectMeta, SpecModel
from rollouts.spec.problems import field_vocabulary

FLEET_API_VERSION: Final = "rollouts.dev/v1alpha1"
FLEET_KIND: Final = "FleetRollout"


class RolloutName(SpecModel):
    namespace: str = "default"
    name: str


class FleetCluster(SpecModel):
    """One cluster of a wave and its overrides."""

    name: str = Field(min_length=1)
    canary_weight: int | None = Field(default=None, ge=0, le=100)
    analysis_template: str | None = None
    weight: float = Field(default=1.0, ge=0)
    """The cluster's share in the health score when `healthPolicy.weighting` is `configured`,
    and its traffic share (multiplied by the canary weight) when it is `traffic`."""
    url: str | None = None


class Wave(SpecModel):
    clusters: tuple[FleetCluster, ...] = ()


class ListElement(SpecModel):
    """An ApplicationSet list-generator element, plus the wave it belongs to."""

    cluster: str = Field(min_length=1)
    wave: int = Field(ge=0)
    url: str | None = None
    canary_weight: IntOrString | None = None
    analysis_template: str | None = None
    weight: float = Field(default=1.0, ge=0)

    @field_validator("canary_weight")
    @classmethod
    def _weight(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValueError(f"must be a whole number from 0 to 100, got {value!r}")
        if value is not None and not 0 <= int(value) <= 100:
            raise ValueError(f"must be from 0 to 100, got {value}")
        return value


class ListGenerator(SpecModel):
    elements: tuple[ListElement, ...] = ()


class Generator(SpecModel):
    list: ListGenerator


class HealthPolicy(SpecModel):
    weighting: Literal["traffic", "configured"] = "traffic"
    abort_below: float = Field(default=0.5, ge=0, le=1)
    """The fleet aborts when its health score falls below this (0..1)."""


class FleetSpec(SpecModel):
    rollout: RolloutName
    template: dict[str, Any]
    """The Argo Rollout manifest every cluster runs (before its overrides)."""
    waves: tuple[Wave, ...] = ()
    generators: tuple[Generator, ...] = ()
    bake_time: IntOrString = 0
    manual_gates: tuple[int, ...] = ()
    """Waves that wait for `rollouts fleet promote` before they start."""
    health_policy: HealthPolicy = HealthPolicy()

    @field_validator("bake_time")
    @classmethod
    def _bake(cls, value: int | str) -> int | str:
        parse_pause_duration(value)
        return value

    @model_validator(mode="after")
    def _one_form(self) -> FleetSpec:
        if bool(self.waves) == bool(self.generators):
            raise ValueError("give the clusters either as waves or as generators, not both")
        return self

    @property
    def bake_seconds(self) -> int:
        return parse_pause_duration(self.bake_time)


class FleetRollout(SpecModel):
    api_version: Literal["rollouts.dev/v1alpha1"]
    kind: Literal["FleetRollout"]
    metadata: ObjectMeta
    spec: FleetSpec

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def waves(self) -> tuple[Wave, ...]:
        return normalised_waves(self.spec)

    def clusters(self) -> tuple[FleetCluster, ...]:
        return tuple(c for wave in self.waves for c in wave.clusters)

    def cluster(self, name: str) -> FleetCluster | None:
        return next((c for c in self.clusters() if c.name == name), None)

    def wave_of(self, cluster: str) -> int | None:
        for k, wave in enumerate(self.waves):
            if any(c.name == cluster for c in wave.clusters):
                return k
        return None

    @property
    def template_hash(self) -> str:
        """The pod template hash every cluster will report for this revision."""
        template = (self.spec.template.get("spec") or {}).get("template") or {}
        return pod_template_hash(template)


def normalised_waves(spec: FleetSpec) -> tuple[Wave, ...]:
    if spec.waves:
        return spec.waves
    elements = [e for g in spec.generators for e in g.list.elements]
    count = max((e.wave for e in elements), default=-1) + 1
    waves: list[list[FleetCluster]] = [[] for _ in range(count)]
    for e in elements:
        weight = None if e.canary_weight is None else int(e.canary_weight)
        waves[e.wave].append(
            FleetCluster(
                name=e.cluster,
                canary_weight=weight,
                analysis_template=e.analysis_template,
                weight=e.weight,
                url=e.url,
            )
        )
    return tuple(Wave(clusters=tuple(c)) for c in waves if c)


VOCABULARY = field_vocabulary(FleetRollout)
