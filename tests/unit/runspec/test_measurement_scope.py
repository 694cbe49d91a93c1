"""Which measurement is taken reaches the providers that need it, and only those; the Kubernetes
Job name it gives is a DNS label fixed by the measurement."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest

from adapters.analysis.kubernetes_job import job_name
from adapters.analysis.measure import MeasurementRunner
from adapters.analysis.providers import AnalysisProviders, MeasurementScope
from adapters.analysis.secrets import InMemorySecretStore
from rollouts.ports import Measurement
from tests.unit.runspec.fakes import T0, ScriptedProvider, TickingClock

SCOPE = MeasurementScope("shop", "web", "web-6f7d-2-1", "smoke", 3)
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class ScopedProvider:
    """Records the scope it is given; `measure` is never the path taken with a scope."""

    def __init__(self) -> None:
        self.scopes: list[MeasurementScope] = []
        self.blocks: list[Mapping[str, Any]] = []

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        return Measurement(error="called without a scope")

    async def measure_for(
        self, scope: MeasurementScope, provider: Mapping[str, Any], now: datetime
    ) -> Measurement:
        self.scopes.append(scope)
        self.blocks.append(provider)
        return Measurement(value="Complete", metadata={"echo": str(provider["job"]["token"])})


def providers() -> tuple[AnalysisProviders, ScopedProvider, ScriptedProvider]:
    jobs, web = ScopedProvider(), ScriptedProvider()
    return AnalysisProviders({"job": jobs, "web": web}), jobs, web


async def test_a_scoped_provider_is_told_which_measurement_it_takes() -> None:
    chosen, jobs, web = providers()
    measurement = await chosen.measure_for(SCOPE, {"job": {"token": "t"}}, T0)
    assert measurement.value == "Complete"
    assert jobs.scopes == [SCOPE] and web.blocks == []


async def test_other_providers_are_called_through_the_port() -> None:
    chosen, jobs, web = providers()
    measurement = await chosen.measure_for(SCOPE, {"web": {"url": "http://m"}}, T0)
    assert measurement.value == 1.0
    assert web.blocks == [{"web": {"url": "http://m"}}] and jobs.scopes == []


@pytest.mark.parametrize(
    ("block", "error"),
    [
        ({}, "no provider specified"),
        ({"job": {}, "web": {}}, "multiple providers specified"),
        ({"kayenta": {}}, "kayenta provider is not supported yet"),
    ],
)
async def test_a_block_naming_no_single_provider_gets_dispatchs_message(
    block: dict[str, Any], error: str
) -> None:
    chosen, jobs, _ = providers()
    assert (await chosen.measure_for(SCOPE, block, T0)).error == error
    assert jobs.scopes == []


async def test_the_runner_passes_the_scope_and_masks_what_comes_back() -> None:
    chosen, jobs, _ = providers()
    secrets = InMemorySecretStore({("shop", "creds"): {"token": "s3cr3t"}})
    runner = MeasurementRunner(secrets, chosen, TickingClock())
    metric = {"name": "smoke", "provider": {"job": {"token": "{{args.token}}"}}}
    args = {"token": {"name": "creds", "key": "token"}}
    taken = await runner.take("shop", metric, args, scope=SCOPE)
    assert jobs.scopes == [SCOPE] and jobs.blocks[0]["job"]["token"] == "s3cr3t"
    assert taken.metadata == {"echo": "*****"}


async def test_without_a_scope_the_runner_uses_the_port() -> None:
    chosen, jobs, _ = providers()
    runner = MeasurementRunner(InMemorySecretStore({}), chosen, TickingClock())
    taken = await runner.take("shop", {"name": "smoke", "provider": {"job": {"token": 1}}}, {})
    assert taken.error == "called without a scope" and jobs.scopes == []


def scope(**change: Any) -> MeasurementScope:
    return MeasurementScope(**{**SCOPE.__dict__, **change})


@pytest.mark.parametrize(
    "changed",
    [
        scope(),
        scope(run="Web_Canary.Run-" + "x" * 120, metric="Error.Rate_p99"),
        scope(metric="-" * 70, run="---"),
        scope(index=123456),
        scope(run="a" * 63, metric="b" * 63),
    ],
)
def test_job_names_are_dns_labels_fixed_by_the_measurement(changed: MeasurementScope) -> None:
    name = job_name(changed)
    assert DNS_LABEL.match(name), name
    assert job_name(MeasurementScope(**changed.__dict__)) == name
    assert name.split("-")[-2] == str(changed.index)


def test_job_names_read_as_run_metric_and_number() -> None:
    assert job_name(SCOPE).startswith("web-6f7d-2-1-smoke-3-")


@pytest.mark.parametrize(
    "other",
    [
        scope(index=4),
        scope(namespace="other"),
        scope(rollout="api"),
        scope(metric="smoke2"),
        scope(run="web-6f7d-2-2"),
    ],
)
def test_any_other_measurement_gets_another_job_name(other: MeasurementScope) -> None:
    assert job_name(other) != job_name(SCOPE)


def test_names_cut_to_the_same_prefix_still_differ() -> None:
    long_run = "r" * 80
    assert job_name(scope(run=long_run, metric="a")) != job_name(scope(run=long_run, metric="b"))


@pytest.mark.parametrize(
    "spec", [{}, {"activeDeadlineSeconds": 1}, {"activeDeadlineSeconds": 0}], ids=str
)
async def test_a_job_is_not_cut_short_by_the_runners_guard(spec: dict[str, Any]) -> None:
    """A Job longer than the guard ends on its own terms: a Job has no answer to wait for, only
    an end, and Argo waits for it (bounded by its own activeDeadlineSeconds when set)."""
    slow = ScriptedProvider(delay=0.2)
    runner = MeasurementRunner(
        InMemorySecretStore({}),
        AnalysisProviders({"job": slow}),
        TickingClock(),
        guard_seconds=0.05,
    )
    taken = await runner.take("shop", {"name": "smoke", "provider": {"job": {"spec": spec}}}, {})
    assert taken.error is None and taken.value == 1.0


async def test_any_other_provider_is_cut_short_by_the_guard() -> None:
    slow = ScriptedProvider(delay=0.2)
    runner = MeasurementRunner(
        InMemorySecretStore({}),
        AnalysisProviders({"web": slow}),
        TickingClock(),
        guard_seconds=0.05,
    )
    taken = await runner.take("shop", {"name": "m", "provider": {"web": {"url": "http://m"}}}, {})
    assert taken.error == "metric provider did not answer within 0.05s"
