"""Choosing the provider for a metric's `provider` block (a registry keyed by YAML name).

Messages match Argo's: an empty block is `no provider specified`, two providers are `multiple
providers specified`, and a provider Argo knows but this process has not registered (job,
kayenta, a provider without credentials configured…) is `<name> provider is not supported yet`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from adapters.metrics.cloudwatch import CloudWatchProvider
from adapters.metrics.credentials import (
    DatadogCredentialSource,
    MetricSettings,
    NewRelicCredentialSource,
)
from adapters.metrics.datadog import DatadogProvider
from adapters.metrics.newrelic import NewRelicProvider
from adapters.metrics.oauth2 import OAuth2Tokens
from adapters.metrics.prometheus import PrometheusProvider
from adapters.metrics.web import WebProvider
from rollouts.ports import Measurement, MetricProvider

NO_PROVIDER = "no provider specified"
MULTIPLE_PROVIDERS = "multiple providers specified"


class MetricProviders:
    """A `MetricProvider` that hands each block to the provider registered under its key."""

    def __init__(self, providers: Mapping[str, MetricProvider]) -> None:
        self._providers = dict(providers)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._providers)

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        chosen = self._chosen(provider)
        if isinstance(chosen, Measurement):
            return chosen
        return await chosen.measure(provider, now)

    async def samples(
        self, provider: Mapping[str, Any], now: datetime, window: float
    ) -> Measurement:
        """A judge metric's samples over `window` seconds, from a provider that can take them
        (Prometheus, Datadog); the value is a list of numbers."""
        chosen = self._chosen(provider)
        if isinstance(chosen, Measurement):
            return chosen
        sample = getattr(chosen, "samples", None)
        if sample is None:
            name = next(key for key, block in provider.items() if block is not None)
            return Measurement(error=f"{name} provider cannot take judge samples")
        measurement: Measurement = await sample(provider, now, window)
        return measurement

    def _chosen(self, provider: Mapping[str, Any]) -> MetricProvider | Measurement:
        """The provider for the block, or the Error measurement saying why there is none."""
        if not isinstance(provider, Mapping):
            return Measurement(error=NO_PROVIDER)
        named = [key for key, block in provider.items() if block is not None]
        if not named:
            return Measurement(error=NO_PROVIDER)
        if len(named) > 1:
            return Measurement(error=MULTIPLE_PROVIDERS)
        chosen = self._providers.get(named[0])
        if chosen is None:
            return Measurement(error=f"{named[0]} provider is not supported yet")
        return chosen


def standard_providers(
    client: httpx.AsyncClient,
    settings: MetricSettings,
    *,
    insecure_client: httpx.AsyncClient | None = None,
    datadog: DatadogCredentialSource | None = None,
    new_relic: NewRelicCredentialSource | None = None,
) -> MetricProviders:
    """Every built-in HTTP provider, wired with `settings` (the composition root's helper)."""
    tokens = OAuth2Tokens()
    return MetricProviders(
        {
            "prometheus": PrometheusProvider(
                client,
                insecure_client=insecure_client,
                default_address=settings.prometheus_address,
                oauth2=tokens,
                aws=settings.aws,
            ),
            "web": WebProvider(client, insecure_client=insecure_client, oauth2=tokens),
            "datadog": DatadogProvider(client, datadog or settings.datadog),
            "newRelic": NewRelicProvider(client, new_relic),
            "cloudWatch": CloudWatchProvider(
                client, settings.aws, endpoint_url=settings.cloudwatch_endpoint
            ),
        }
    )
