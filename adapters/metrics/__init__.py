"""Metric providers (Prometheus, Web, Datadog, New Relic, CloudWatch) behind MetricProvider.

Each takes an injected `httpx.AsyncClient`, parses its block with the Argo-compatible spec models,
and returns one `Measurement`: a raw value or an error message, never a verdict.
"""

from __future__ import annotations

from adapters.metrics.aws import AwsCredentials
from adapters.metrics.cloudwatch import CloudWatchProvider
from adapters.metrics.credentials import (
    DatadogCredentials,
    MetricSettings,
    NewRelicCredentials,
)
from adapters.metrics.datadog import DatadogProvider
from adapters.metrics.dispatch import MetricProviders, standard_providers
from adapters.metrics.masking import MASK
from adapters.metrics.newrelic import NewRelicProvider
from adapters.metrics.oauth2 import OAuth2Tokens
from adapters.metrics.prometheus import PrometheusProvider
from adapters.metrics.static import StaticMetricProvider
from adapters.metrics.values import value_text
from adapters.metrics.web import WebProvider

__all__ = [
    "MASK",
    "AwsCredentials",
    "CloudWatchProvider",
    "DatadogCredentials",
    "DatadogProvider",
    "MetricProviders",
    "MetricSettings",
    "NewRelicCredentials",
    "NewRelicProvider",
    "OAuth2Tokens",
    "PrometheusProvider",
    "StaticMetricProvider",
    "WebProvider",
    "standard_providers",
    "value_text",
]
