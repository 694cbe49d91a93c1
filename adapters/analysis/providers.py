"""The metric providers an analysis worker measures with: every built-in HTTP provider plus
the `job` provider (a process on this machine, see `adapters.analysis.job`, unless another is
given, such as the Kubernetes Job runner of `adapters.analysis.kubernetes_job`).

The port `MetricProvider.measure(provider, now)` knows nothing of which measurement it takes,
which is all an HTTP query needs. A Kubernetes Job needs more: a namespace to run in, and a
name fixed by the measurement, so that a redelivered measurement finds the Job it created
before instead of starting a second one. Such a provider also implements `ScopedMetricProvider`,
and `AnalysisProviders` hands it the measurement's `MeasurementScope`; the others are called
through the port unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import httpx

from adapters.analysis.job import LocalJobProvider
from adapters.metrics import MetricProviders, MetricSettings, standard_providers
from rollouts.ports import Measurement, MetricProvider


@dataclass(frozen=True)
class MeasurementScope:
    """Which measurement is taken: measurement number `index` (1-based, as in `MeasurementDue`)
    of metric `metric` of run `run` of the rollout `namespace/rollout`."""

    namespace: str
    rollout: str
    run: str
    metric: str
    index: int


@runtime_checkable
class ScopedMetricProvider(Protocol):
    async def measure_for(
        self, scope: MeasurementScope, provider: Mapping[str, Any], now: datetime
    ) -> Measurement:
        """`MetricProvider.measure`, told which measurement it is taking."""
        ...


@runtime_checkable
class TerminableMetricProvider(Protocol):
    async def terminate(self, scope: MeasurementScope) -> None:
        """Clean up after a measurement whose run was terminated while it was being taken
        (Argo's Terminate: a Job is deleted). Must not raise."""
        ...


@runtime_checkable
class SamplingMetricProvider(Protocol):
    async def samples(
        self, provider: Mapping[str, Any], now: datetime, window: float
    ) -> Measurement:
        """Every sample of the block's query over a window ending at `now` (`window` seconds
        unless the block sets its own): a judge metric's samples, the value a list of numbers."""
        ...


class AnalysisProviders:
    """A `MetricProvider` (dispatch by key, Argo's messages) that also passes the scope on to
    the providers that take one."""

    def __init__(self, providers: Mapping[str, MetricProvider]) -> None:
        self._providers = dict(providers)
        self._dispatch = MetricProviders(providers)

    @property
    def keys(self) -> tuple[str, ...]:
        return self._dispatch.keys

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        return await self._dispatch.measure(provider, now)

    async def samples(
        self, provider: Mapping[str, Any], now: datetime, window: float
    ) -> Measurement:
        return await self._dispatch.samples(provider, now, window)

    async def measure_for(
        self, scope: MeasurementScope, provider: Mapping[str, Any], now: datetime
    ) -> Measurement:
        chosen = self._providers.get(_only_key(provider))
        if isinstance(chosen, ScopedMetricProvider):
            return await chosen.measure_for(scope, provider, now)
        return await self._dispatch.measure(provider, now)

    async def terminate(self, scope: MeasurementScope) -> None:
        """Each provider that leaves something behind cleans up after the measurement (a
        provider that took none of it has nothing to do)."""
        for provider in {id(p): p for p in self._providers.values()}.values():
            if isinstance(provider, TerminableMetricProvider):
                await provider.terminate(scope)


def _only_key(provider: Mapping[str, Any]) -> str:
    """The one provider named in the block ("" for none or several: dispatch says which)."""
    if not isinstance(provider, Mapping):
        return ""
    named = [str(key) for key, block in provider.items() if block is not None]
    return named[0] if len(named) == 1 else ""


def build_providers(
    settings: MetricSettings,
    client: httpx.AsyncClient,
    *,
    insecure_client: httpx.AsyncClient | None = None,
    job: MetricProvider | None = None,
) -> AnalysisProviders:
    """`standard_providers(...)` plus `job` (the local process runner unless one is given,
    e.g. a Kubernetes Job runner on a cluster)."""
    standard = standard_providers(client, settings, insecure_client=insecure_client)
    providers: dict[str, MetricProvider] = dict.fromkeys(standard.keys, standard)
    providers["job"] = job or LocalJobProvider()
    return AnalysisProviders(providers)
