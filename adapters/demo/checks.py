"""The outcome check and the summary: did the rollout do what Argo would, and how fast.

The stages already waited for each milestone; this looks back over the whole stream (phase
order per stage, nothing missed by the follower) and at the proxy itself, so a wrong turn that
happened to end in the right place is still caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from adapters.demo.context import Demo
from adapters.demo.manifests import V2
from adapters.demo.predicates import aborted_to
from adapters.demo.split import short_version
from adapters.demo.view import describe_state
from adapters.demo.waiting import ScenarioFailed
from events.phases import RolloutPhase
from rollouts.ports import WeightRequest

H, PR, PA, D = (
    RolloutPhase.HEALTHY,
    RolloutPhase.PROGRESSING,
    RolloutPhase.PAUSED,
    RolloutPhase.DEGRADED,
)
EXPECTED_PHASES = {
    "initial": (H,),
    "v2": (PR, PA, PR, H),
    "v3": (PR, D),
    "v4": (PR, D),
}
"""Phases each stage must go through, in this order (others may come in between)."""


def in_order(expected: Sequence[RolloutPhase], seen: Sequence[RolloutPhase]) -> bool:
    remaining = iter(seen)
    return all(any(phase is item for item in remaining) for phase in expected)


def names(phases: Sequence[RolloutPhase]) -> str:
    return " -> ".join(phase.value for phase in phases) or "no phase change"


def check_phases(demo: Demo) -> None:
    for key, expected in EXPECTED_PHASES.items():
        record = demo.stages.get(key)
        seen = record.phases if record else []
        if not in_order(expected, seen) or seen[-1:] != [expected[-1]]:
            raise ScenarioFailed(f"phases of stage {key!r}", names(expected), names(seen))


async def check_outcome(demo: Demo) -> None:
    check_phases(demo)
    expectation = aborted_to(V2)
    if not expectation.reached(demo.state):
        raise ScenarioFailed("final state", expectation.description, describe_state(demo.state))
    state = demo.state
    zero = WeightRequest(demo.ref, 0, 100, state.traffic.canary_hash, state.traffic.stable_hash)
    if not await demo.platform.verify_weight(zero):
        raise ScenarioFailed("proxy at the end", "0% canary", "the proxy holds another split")
    split = demo.window.recent()
    if split.answers[V2.version] != split.total:
        raise ScenarioFailed("traffic at the end", "every answer from v2", split.describe())
    history = await demo.client.history(demo.ref.namespace, demo.ref.name)
    seen = {stored.stream_sequence for stored in demo.watch.events}
    missed = [
        s
        for s in history
        if s.stream_sequence <= demo.watch.last_sequence and s.stream_sequence not in seen
    ]
    if missed:
        raise ScenarioFailed(
            "event stream", "the follower to see every event", f"{len(missed)} missed"
        )
    demo.measurements["events on the stream"] = len(history)


def summary(demo: Demo, total_seconds: float) -> list[str]:
    lines = [f"demo passed in {total_seconds:.1f}s"]
    for record in demo.stages.values():
        lines.append(f"  {record.label}: {record.seconds:.1f}s, phases {names(record.phases)}")
    for label, value in demo.measurements.items():
        if label.startswith("events"):
            lines.append(f"  {label}: {value:g}")
        else:
            lines.append(f"  {label}: {value * 1000:.0f} ms")
    by_version = Counter({short_version(name): n for name, n in demo.load.by_version().items()})
    answers = ", ".join(f"{version} {count}" for version, count in sorted(by_version.items()))
    errors = sum(
        count for status, count in demo.load.by_status().items() if not 200 <= status < 300
    )
    lines.append(f"  requests: {demo.load.sent} sent; answered by {answers}; {errors} errors")
    return lines
