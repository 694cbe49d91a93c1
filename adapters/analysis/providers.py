"""The metric providers an analysis worker measures with: every built-in HTTP provider plus
the local `job` provider (a process on this machine; see `adapters.analysis.job`)."""

from __future__ import annotations

import httpx

from adapters.analysis.job import LocalJobProvider
from adapters.metrics import MetricProviders, MetricSettings, standard_providers
from rollouts.ports import MetricProvider


def build_providers(
    settings: MetricSettings,
    client: httpx.AsyncClient,
    *,
    insecure_client: httpx.AsyncClient | None = None,
    job: MetricProvider | None = None,
) -> MetricProviders:
    """`standard_providers(...)` plus `job` (the local process runner unless one is given,
    e.g. a Kubernetes Job runner on a cluster)."""
    standard = standard_providers(client, settings, insecure_client=insecure_client)
    providers: dict[str, MetricProvider] = dict.fromkeys(standard.keys, standard)
    providers["job"] = job or LocalJobProvider()
    return MetricProviders(providers)
