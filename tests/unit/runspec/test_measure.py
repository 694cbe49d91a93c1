"""One measurement: secrets substituted just in time, providers never raise, secrets masked."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from adapters.analysis.measure import MeasurementRunner
from adapters.analysis.secrets import InMemorySecretStore
from rollouts.ports import Measurement
from tests.unit.runspec.fakes import ScriptedProvider, TickingClock

SECRET = "s3cr3t-token"
METRIC: dict[str, Any] = {
    "name": "rate",
    "successCondition": "result < 1",
    "provider": {
        "web": {
            "url": "http://metrics/x?q={{args.query}}",
            "headers": [{"key": "Authorization", "value": "Bearer {{ args.token }}"}],
        }
    },
}
SECRET_ARGS = {"token": {"name": "creds", "key": "token"}}


def runner(provider: ScriptedProvider, *, guard: float = 5.0) -> MeasurementRunner:
    secrets = InMemorySecretStore({("shop", "creds"): {"token": SECRET}})
    return MeasurementRunner(secrets, provider, TickingClock(), guard_seconds=guard)


def echo(block: Mapping[str, Any]) -> Measurement:
    header = block["web"]["headers"][0]["value"]
    return Measurement(
        value={"echo": header},
        error=f"server said: {header}",
        metadata={"request": header},
    )


async def test_the_secret_reaches_the_provider_and_nothing_else() -> None:
    metric = {**METRIC, "provider": {"web": {**METRIC["provider"]["web"], "url": "http://m/x"}}}
    provider = ScriptedProvider(echo)
    taken = await runner(provider).take("shop", metric, SECRET_ARGS)
    assert provider.blocks[0]["web"]["headers"][0]["value"] == f"Bearer {SECRET}"
    assert taken.error == "server said: Bearer *****"
    assert taken.metadata == {"request": "Bearer *****"}
    assert taken.value == {"echo": "Bearer *****"}
    assert taken.finished_at > taken.started_at


async def test_a_missing_secret_is_an_error_measurement() -> None:
    taken = await runner(ScriptedProvider()).take(
        "shop", METRIC, {"token": {"name": "creds", "key": "nope"}}
    )
    assert taken.error == "key 'nope' does not exist in secret 'creds'"
    assert taken.value is None


async def test_an_unresolved_placeholder_is_an_error_measurement() -> None:
    taken = await runner(ScriptedProvider()).take("shop", METRIC, SECRET_ARGS)
    assert taken.error == "failed to resolve {{args.query}}"


async def test_a_provider_that_raises_or_hangs_gives_an_error() -> None:
    metric = {"name": "m", "provider": {"web": {"url": "http://m/x"}}}

    def explode(block: Mapping[str, Any]) -> Measurement:
        raise RuntimeError(f"boom {SECRET}")

    raised = await runner(ScriptedProvider(explode)).take("shop", metric, {})
    assert raised.error == "metric provider failed: RuntimeError"
    began = asyncio.get_running_loop().time()
    hung = await runner(ScriptedProvider(delay=30), guard=0.2).take("shop", metric, {})
    assert hung.error == "metric provider did not answer within 0.2s"
    assert asyncio.get_running_loop().time() - began < 5


async def test_values_pass_through_unchanged_without_secrets() -> None:
    metric = {"name": "m", "provider": {"web": {"url": "http://m/x"}}}
    provider = ScriptedProvider(lambda block: Measurement(value=[0.5, float("inf")]))
    taken = await runner(provider).take("shop", metric, {})
    assert taken.value == [0.5, float("inf")] and taken.error is None
