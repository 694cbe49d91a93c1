"""Taking one measurement of a metric: secrets in, provider called, secrets masked out.

A measurement never raises: a missing secret, a provider that fails, hangs past its time limit
or raises is an Error measurement with a message, and every secret value read for it is masked
(`*****`) in the error, the metadata and a text value before anything leaves this module.

Given the measurement's `MeasurementScope`, a provider that takes one (`ScopedMetricProvider`,
such as the Kubernetes `job` provider) is told which measurement it is taking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from adapters.analysis.job import cut_output
from adapters.analysis.providers import (
    MeasurementScope,
    ScopedMetricProvider,
    TerminableMetricProvider,
)
from adapters.analysis.secrets import SecretNotFound, SecretStore, mask_secrets
from rollouts.analysis.runspec import RunSpecError, substitute
from rollouts.ports import Clock, Measurement, MetricProvider

log = structlog.get_logger("rollouts.analysis")

GUARD_SECONDS = 120.0
"""Longest a provider may take before the measurement is an Error anyway. Providers have their
own, shorter limits (Prometheus 30 s, Web 10 s); this catches one that ignores them."""
JOB_GUARD_MARGIN = 10.0


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
