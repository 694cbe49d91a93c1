"""Taking one measurement of a metric: secrets in, provider called, secrets masked out.

A measurement never raises: a missing secret, a provider that fails, hangs past its time limit
or raises is an Error measurement with a message, and every secret value read for it is masked
(`*****`) in the error, the metadata and a text value before anything leaves this module.

A judge metric (docs/judge.md) is measured by sampling its baseline and canary queries with its
provider (`SamplingMetricProvider`); the value is `{"baseline": [...], "canary": [...]}`, which
the core judges.

Given the measurement's `MeasurementScope`, a provider that takes one (`ScopedMetricProvider`,
such as the Kubernetes `job` provider) is told which measurement it is taking.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from adapters.analysis.job import cut_output
from adapters.analysis.providers import (
    MeasurementScope,
    SamplingMetricProvider,
    ScopedMetricProvider,
    TerminableMetricProvider,
)
from adapters.analysis.secrets import SecretNotFound, SecretStore, mask_secrets
from rollouts.analysis.runspec.build import RunSpecError, substitute
from rollouts.durations import parse_go_duration
from rollouts.ports import Clock, Measurement, MetricProvider

log = structlog.get_logger("rollouts.analysis")

GUARD_SECONDS = 120.0
"""Longest a provider may take before the measurement is an Error anyway. Providers have their
own, shorter limits (Prometheus 30 s, Web 10 s); this catches one that ignores them."""
JOB_GUARD_MARGIN = 10.0
DEFAULT_JUDGE_WINDOW = 300.0
"""Seconds a judge metric samples when neither its provider nor its `interval` says (5m, as
Datadog's default look-back)."""


@dataclass(frozen=True)
class TakenMeasurement:
    started_at: datetime
    finished_at: datetime
    value: Any = None
    error: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


class MeasurementRunner:
    def __init__(
        self,
        secrets: SecretStore,
        providers: MetricProvider,
        clock: Clock,
        *,
        guard_seconds: float = GUARD_SECONDS,
    ) -> None:
        self._secrets = secrets
        self._providers = providers
        self._clock = clock
        self._guard = guard_seconds

    def now(self) -> datetime:
        return self._clock.now()

    async def terminate(self, scope: MeasurementScope) -> None:
        """Let the providers clean up after a measurement cut short by its run's end."""
        if isinstance(self._providers, TerminableMetricProvider):
            await self._providers.terminate(scope)

    async def take(
        self,
        namespace: str,
        metric: Mapping[str, Any],
        secret_args: Mapping[str, Mapping[str, str]],
        *,
        scope: MeasurementScope | None = None,
    ) -> TakenMeasurement:
        started = self._clock.now()
        values: dict[str, str] = {}
        try:
            values = await self.read_secrets(namespace, secret_args)
            resolved = substitute(metric, values)
            if isinstance(resolved.get("judge"), Mapping):
                measurement = await self._judge_samples(resolved, started)
            else:
                measurement = await self._measure(resolved.get("provider") or {}, started, scope)
        except (SecretNotFound, RunSpecError) as problem:
            measurement = Measurement(error=str(problem))
        except Exception as error:  # a provider bug must not stop the analysis
            log.warning("measurement.provider_raised", error_type=type(error).__name__)
            measurement = Measurement(error=f"metric provider failed: {type(error).__name__}")
        return self._masked(measurement, started, values.values())

    async def read_secrets(
        self, namespace: str, secret_args: Mapping[str, Mapping[str, str]]
    ) -> dict[str, str]:
        """Every secret argument's value (all of them, as Argo reads them all)."""
        values = {}
        for arg, ref in secret_args.items():
            values[arg] = await self._secrets.get(
                namespace, ref.get("name", ""), ref.get("key", "")
            )
        return values

    async def _measure(
        self, provider: Mapping[str, Any], now: datetime, scope: MeasurementScope | None
    ) -> Measurement:
        guard = self._guard_for(provider)
        providers = self._providers
        try:
            async with asyncio.timeout(guard):
                if scope is not None and isinstance(providers, ScopedMetricProvider):
                    return await providers.measure_for(scope, provider, now)
                return await providers.measure(provider, now)
        except TimeoutError:
            if guard is None:
                return Measurement(error="metric provider timed out")
            return Measurement(error=f"metric provider did not answer within {guard:g}s")

    async def _judge_samples(self, metric: Mapping[str, Any], now: datetime) -> Measurement:
        """A judge metric's baseline and canary samples, each query run by the metric's
        provider over the same window (docs/judge.md); the first failure is the error."""
        providers = self._providers
        if not isinstance(providers, SamplingMetricProvider):
            return Measurement(error="judge metrics need a provider that can take samples")
        judge, provider = metric["judge"], metric.get("provider") or {}
        window = judge_window_seconds(metric)
        value: dict[str, Any] = {}
        for side in ("baseline", "canary"):
            block = with_query(provider, str(judge.get(side) or ""))
            try:
                async with asyncio.timeout(self._guard):
                    taken = await providers.samples(block, now, window)
            except TimeoutError:
                taken = Measurement(error=f"metric provider did not answer within {self._guard:g}s")
            if taken.error is None and not isinstance(taken.value, list):
                taken = Measurement(error=f"the provider gave {type(taken.value).__name__}")
            if taken.error is not None:
                return Measurement(error=f"judge {side} query: {taken.error}")
            value[side] = taken.value
        return Measurement(value=value)

    def _guard_for(self, provider: Mapping[str, Any]) -> float | None:
        """A Job bounds itself: by its `activeDeadlineSeconds` when it has one, else it runs as
        long as Argo lets a Job run (until it ends or is deleted; locally, the runner's own
        default deadline), so no outer limit cuts a long check short into an Error."""
        job = provider.get("job")
        if not isinstance(job, Mapping):
            return self._guard
        spec = job.get("spec")
        deadline = spec.get("activeDeadlineSeconds") if isinstance(spec, Mapping) else None
        if isinstance(deadline, int | float) and not isinstance(deadline, bool) and deadline > 0:
            return max(self._guard, float(deadline) + JOB_GUARD_MARGIN)
        return None

    def _masked(
        self, measurement: Measurement, started: datetime, secrets: Any
    ) -> TakenMeasurement:
        known = [str(secret) for secret in secrets]
        error = measurement.error
        return TakenMeasurement(
            started_at=started,
            finished_at=self._clock.now(),
            value=mask_value(measurement.value, known),
            error=None if error is None else mask_secrets(error, known),
            # Mask, then cut: a secret cut in two first would no longer be recognised.
            metadata=cut_output(
                {k: mask_secrets(str(v), known) for k, v in measurement.metadata.items()}
            ),
        )


def judge_window_seconds(metric: Mapping[str, Any]) -> float:
    """The window a judge metric samples when its provider sets none: the metric's `interval`
    (the time since its previous measurement, so successive judgments see fresh samples), or
    DEFAULT_JUDGE_WINDOW without one."""
    interval = metric.get("interval")
    if isinstance(interval, str) and interval:
        with contextlib.suppress(ValueError):
            seconds = parse_go_duration(interval)
            if seconds > 0:
                return seconds
    return DEFAULT_JUDGE_WINDOW


def with_query(provider: Mapping[str, Any], query: str) -> dict[str, Any]:
    """The provider block with `query` as its query (a judge metric leaves it empty)."""
    return {
        key: {**block, "query": query} if isinstance(block, Mapping) else block
        for key, block in provider.items()
    }


def mask_value(value: Any, secrets: list[str]) -> Any:
    """Texts inside a value with secrets masked (an endpoint may echo what it was sent)."""
    if not secrets:
        return value
    if isinstance(value, str):
        return mask_secrets(value, secrets)
    if isinstance(value, list | tuple):
        return [mask_value(item, secrets) for item in value]
    if isinstance(value, Mapping):
        return {mask_secrets(str(k), secrets): mask_value(v, secrets) for k, v in value.items()}
    return value
