"""How a Rollout asks for analysis: template references plus the arguments it passes.

Used by canary `analysis` steps, canary background analysis and blue-green pre/post-promotion.
"""

from __future__ import annotations

from typing import Literal

from rollouts.spec.base import PodMetadata, SpecModel


class AnalysisTemplateRef(SpecModel):
    template_name: str
    # True selects a ClusterAnalysisTemplate instead of a namespaced AnalysisTemplate.
    cluster_scope: bool = False

    @property
    def kind(self) -> Literal["AnalysisTemplate", "ClusterAnalysisTemplate"]:
        return "ClusterAnalysisTemplate" if self.cluster_scope else "AnalysisTemplate"


class FieldRef(SpecModel):
    field_path: str


class ArgumentValueFrom(SpecModel):
    pod_template_hash_value: Literal["Stable", "Latest"] | None = None
    field_ref: FieldRef | None = None


class AnalysisRunArgument(SpecModel):
    name: str
    value: str | None = None
    value_from: ArgumentValueFrom | None = None


class DryRun(SpecModel):
    # A regular expression over metric names.
    metric_name: str


class MeasurementRetention(SpecModel):
    metric_name: str
    limit: int


class AnalysisRunMetadata(PodMetadata):
    """Labels and annotations copied onto the AnalysisRuns a Rollout creates."""


class RolloutAnalysis(SpecModel):
    templates: tuple[AnalysisTemplateRef, ...] = ()
    args: tuple[AnalysisRunArgument, ...] = ()
    dry_run: tuple[DryRun, ...] = ()
    measurement_retention: tuple[MeasurementRetention, ...] = ()
    analysis_run_metadata: AnalysisRunMetadata | None = None

    @property
    def template_names(self) -> tuple[str, ...]:
        return tuple(ref.template_name for ref in self.templates)


class BackgroundAnalysis(RolloutAnalysis):
    """Canary analysis that runs alongside the steps, from `starting_step` on."""

    starting_step: int = 0
