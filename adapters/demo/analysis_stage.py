"""The demo's analysis: its template, what its measurements said, and the automated rollback.

The template is applied before the Rollout that names it, as a user would (`rollouts apply -f`
with the template first). A good version passes the analysis step and goes on; a bad one fails
its first measurement and the controller aborts by itself. The demo shows the metric, the value
it measured and the condition that decided, then how long the proxy took to send the canary
nothing after that measurement finished.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import events.models as ev
from adapters.demo.context import Demo
from adapters.demo.manifests import METRIC_NAME, SUCCESS_CONDITION, analysis_template
from adapters.demo.waiting import ScenarioFailed
from events.phases import AnalysisPhase
from rollouts.ports import WeightRequest
from rollouts.spec import AnalysisTemplate

POLL_INTERVAL = 0.002


async def apply_analysis_template(demo: Demo) -> None:
    manifest = analysis_template(demo.platform.stats_url())
    manifest["metadata"]["namespace"] = demo.ref.namespace
    template = AnalysisTemplate.model_validate(manifest)
    await demo.templates.put(template)
    demo.display.note(
        f"analysistemplate {demo.ref.namespace}/{template.name} configured: "
        f"{METRIC_NAME} must stay {SUCCESS_CONDITION} (3 measurements, 1s apart)"
    )


def recorded_measurements(demo: Demo, after: int) -> list[ev.MeasurementRecorded]:
    return [
        stored.event
        for stored in demo.watch.events
        if stored.stream_sequence > after and isinstance(stored.event, ev.MeasurementRecorded)
    ]


def describe_analysis(demo: Demo, after: int) -> str:
    """`error-rate: 0, 0, 0 -> Successful` for the measurements recorded since `after`."""
    recorded = [m for m in recorded_measurements(demo, after) if m.metric == METRIC_NAME]
    if not recorded:
        return f"analysis {METRIC_NAME}: no measurement recorded"
    values = ", ".join(m.value or "-" for m in recorded)
    phases = {m.phase for m in recorded}
    verdict = "every one Successful" if phases == {AnalysisPhase.SUCCESSFUL} else "mixed"
    return f"analysis {METRIC_NAME} ({SUCCESS_CONDITION}): {values} -> {verdict}"


async def failing_measurement(demo: Demo, after: int) -> ev.MeasurementRecorded:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + demo.timings.wait_timeout
    while loop.time() < deadline:
        for measurement in recorded_measurements(demo, after):
            if measurement.phase is AnalysisPhase.FAILED:
                return measurement
        await asyncio.sleep(0.01)
    raise ScenarioFailed(
        "the analysis of the bad version",
        f"a Failed measurement of {METRIC_NAME}",
        describe_analysis(demo, after),
    )


async def proxy_at_zero(demo: Demo, zero: WeightRequest) -> datetime:
    """When the proxy first holds 0% canary (polled from now on)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + demo.timings.wait_timeout
    while not await demo.platform.verify_weight(zero):
        if loop.time() > deadline:
            raise ScenarioFailed(
                "automated rollback at the proxy",
                "the proxy to hold 0% canary",
                "the proxy still sends traffic to the canary",
            )
        await asyncio.sleep(POLL_INTERVAL)
    return datetime.now(UTC)


async def rollback_measured(demo: Demo, after: int) -> float:
    """Seconds from the failing measurement's end to 0% canary at the proxy."""
    state = demo.state
    zero = WeightRequest(demo.ref, 0, 100, state.current_pod_hash or "", state.stable_rs or "")
    zero_at = await proxy_at_zero(demo, zero)
    failed = await failing_measurement(demo, after)
    demo.display.note(
        f"measurement {failed.index} of {failed.metric}: value {failed.value} -> "
        f"{failed.phase.value} ({failed.message or SUCCESS_CONDITION})",
        style="red",
    )
    finished = failed.finished_at or failed.at
    latency = max(0.0, (zero_at - finished).total_seconds())
    demo.measurements["failing measurement -> proxy at 0% canary"] = latency
    return latency
