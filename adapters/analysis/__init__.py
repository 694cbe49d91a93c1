"""The analysis worker's pieces: where templates and secrets live, how a run is resolved and
how one measurement is taken (providers included)."""

from __future__ import annotations

from adapters.analysis.job import LocalJobProvider
from adapters.analysis.measure import MeasurementRunner, TakenMeasurement
from adapters.analysis.providers import (
    AnalysisProviders,
    MeasurementScope,
    ScopedMetricProvider,
    TerminableMetricProvider,
    build_providers,
)
from adapters.analysis.resolve import resolve_request
from adapters.analysis.secrets import (
    InMemorySecretStore,
    LocalSecretStore,
    SecretNotFound,
    SecretStore,
    mask_secrets,
)
from adapters.analysis.templates import (
    BUCKET,
    InMemoryTemplateStore,
    KvTemplateStore,
    TemplateStore,
    template_key,
)

__all__ = [
    "BUCKET",
    "AnalysisProviders",
    "InMemorySecretStore",
    "InMemoryTemplateStore",
    "KvTemplateStore",
    "LocalJobProvider",
    "LocalSecretStore",
    "MeasurementRunner",
    "MeasurementScope",
    "ScopedMetricProvider",
    "SecretNotFound",
    "SecretStore",
    "TakenMeasurement",
    "TemplateStore",
    "TerminableMetricProvider",
    "build_providers",
    "mask_secrets",
    "resolve_request",
    "template_key",
]
