"""Argo Rollouts-compatible spec models (argoproj.io/v1alpha1), their validation and loading.

Loading and validation (`load_manifests`, `parse_object`, `validate_*`) are imported on first
use (`__getattr__` below): they pull the condition grammar, which a process that only folds
events (`rollouts get`, `abort`) does not need at start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rollouts.spec.analysis import (
    AnalysisTemplate,
    AnalysisTemplateSpec,
    Argument,
    ClusterAnalysisTemplate,
    Metric,
    SecretKeyRef,
    ValueFrom,
    literal_int,
)
from rollouts.spec.analysis_refs import (
    AnalysisRunArgument,
    AnalysisRunMetadata,
    AnalysisTemplateRef,
    ArgumentValueFrom,
    BackgroundAnalysis,
    DryRun,
    FieldRef,
    MeasurementRetention,
    RolloutAnalysis,
)
from rollouts.spec.base import API_VERSION, LabelSelector, ObjectMeta, PodMetadata
from rollouts.spec.problems import SpecProblem
from rollouts.spec.providers import (
    CloudWatchMetric,
    DatadogMetric,
    JobMetric,
    MetricProvider,
    NewRelicMetric,
    PrometheusMetric,
    WebMetric,
)
from rollouts.spec.references import ObjectLocation, SpecObject, check_references
from rollouts.spec.rollout import (
    AnalysisRunStrategy,
    PodTemplateSpec,
    RollbackWindow,
    Rollout,
    RolloutSpec,
)
from rollouts.spec.steps import (
    CanaryStep,
    HeaderRoutingMatch,
    PauseStep,
    RouteMatch,
    SetCanaryScale,
    SetHeaderRoute,
    SetMirrorRoute,
    StepKind,
    StringMatch,
)
from rollouts.spec.strategies import (
    BlueGreenStrategy,
    CanaryStrategy,
    ReplicaProgressThreshold,
    RolloutStrategy,
)
from rollouts.spec.traffic import (
    GATEWAY_API_PLUGIN,
    GatewayAPIConfig,
    GatewayAPIRoute,
    IstioDestinationRule,
    IstioTrafficRouting,
    IstioVirtualService,
    ManagedRoute,
    NginxTrafficRouting,
    SMITrafficRouting,
    TrafficRouting,
)

if TYPE_CHECKING:
    from rollouts.spec.loading import LoadResult, load_manifests, parse_object
    from rollouts.spec.validate.analysis import validate_analysis_template
    from rollouts.spec.validate.rollout_spec import validate_rollout

_LAZY = {
    "LoadResult": "rollouts.spec.loading",
    "load_manifests": "rollouts.spec.loading",
    "parse_object": "rollouts.spec.loading",
    "validate_analysis_template": "rollouts.spec.validate.analysis",
    "validate_rollout": "rollouts.spec.validate.rollout_spec",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "API_VERSION",
    "GATEWAY_API_PLUGIN",
    "AnalysisRunArgument",
    "AnalysisRunMetadata",
    "AnalysisRunStrategy",
    "AnalysisTemplate",
    "AnalysisTemplateRef",
    "AnalysisTemplateSpec",
    "Argument",
    "ArgumentValueFrom",
    "BackgroundAnalysis",
    "BlueGreenStrategy",
    "CanaryStep",
    "CanaryStrategy",
    "CloudWatchMetric",
    "ClusterAnalysisTemplate",
    "DatadogMetric",
    "DryRun",
    "FieldRef",
    "GatewayAPIConfig",
    "GatewayAPIRoute",
    "HeaderRoutingMatch",
    "IstioDestinationRule",
    "IstioTrafficRouting",
    "IstioVirtualService",
    "JobMetric",
    "LabelSelector",
    "LoadResult",
    "ManagedRoute",
    "MeasurementRetention",
    "Metric",
    "MetricProvider",
    "NewRelicMetric",
    "NginxTrafficRouting",
    "ObjectLocation",
    "ObjectMeta",
    "PauseStep",
    "PodMetadata",
    "PodTemplateSpec",
    "PrometheusMetric",
    "ReplicaProgressThreshold",
    "RollbackWindow",
    "Rollout",
    "RolloutAnalysis",
    "RolloutSpec",
    "RolloutStrategy",
    "RouteMatch",
    "SMITrafficRouting",
    "SecretKeyRef",
    "SetCanaryScale",
    "SetHeaderRoute",
    "SetMirrorRoute",
    "SpecObject",
    "SpecProblem",
    "StepKind",
    "StringMatch",
    "TrafficRouting",
    "ValueFrom",
    "WebMetric",
    "check_references",
    "literal_int",
    "load_manifests",
    "parse_object",
    "validate_analysis_template",
    "validate_rollout",
]
