"""The demo's story, one stage per function, run in order by `STAGES`.

Each stage sends commands the way a user of the CLI would and waits, with a deadline, for the
rollout to get where Argo's semantics say it must: a first deploy, a canary that passes its
analysis and is promoted, a bad version aborted by hand, and a bad version whose analysis fails
and is rolled back automatically.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import events.inputs as inp
from adapters.demo.abort_probe import AbortProbe
from adapters.demo.analysis_stage import (
    apply_analysis_template,
    describe_analysis,
    rollback_measured,
)
from adapters.demo.context import Demo
from adapters.demo.manifests import (
    CONTAINER,
    REPLICAS,
    V1,
    V2,
    V3,
    V4,
    DemoImage,
    rollout_manifest,
)
from adapters.demo.predicates import aborted_to, canary_at_weight, healthy_on, paused_until_promoted
from adapters.demo.split import WINDOW_SECONDS
from adapters.demo.waiting import cancel_and_wait, poll_until
from adapters.runtime.client import new_input_id
from rollouts.ports import WeightRequest

Stage = Callable[[Demo], Awaitable[None]]


async def initial_deploy(demo: Demo) -> None:
    record = demo.begin(
        "initial", "initial deploy", f"1. Initial deploy of {V1.image} ({REPLICAS} replicas)"
    )
    await apply_analysis_template(demo)
    manifest = rollout_manifest(V1, demo.timings.pause_seconds)
    version = await demo.send(
        inp.ApplySpec(input_id=new_input_id(), actor=demo.actor, manifest=manifest), "apply"
    )
    await demo.watch.start()
    await demo.wait(healthy_on(V1), what="initial deploy", after=version)
    demo.end(record)
    await demo.load.start()
    demo.display.note(f"sending {demo.timings.rps:g} requests/s through {demo.load.url}")


async def set_image(demo: Demo, image: DemoImage) -> int:
    command = inp.SetImage(
        input_id=new_input_id(), actor=demo.actor, container=CONTAINER, image=image.image
    )
    return await demo.send(command, f"set image {image.image}")


async def canary_and_promote(demo: Demo) -> None:
    record = demo.begin(
        "v2", "canary of v2 and promotion", f"2. set image {V2.image}: the canary steps, live"
    )
    version = await set_image(demo, V2)
    await demo.wait(paused_until_promoted(V2), what="canary of v2", after=version)
    demo.display.note(describe_analysis(demo, after=version), style="green")
    demo.display.note("paused until promoted")
    await asyncio.sleep(demo.timings.settle)
    demo.display.stage("3. promote: setWeight 80, pause, then full promotion")
    version = await demo.send(inp.Promote(input_id=new_input_id(), actor=demo.actor), "promote")
    await demo.wait(healthy_on(V2), what="promotion of v2", after=version)
    demo.end(record)


async def bad_version_aborted(demo: Demo) -> None:
    record = demo.begin(
        "v3", "bad v3 and abort", f"4. set image {V3.image} (answers 20% errors), then abort"
    )
    version = await set_image(demo, V3)
    await demo.wait(canary_at_weight(V3, 20), what="canary of v3", after=version)
    await watch_errors(demo)
    latency = await abort_measured(demo)
    demo.display.note(f"abort -> proxy at 0% canary in {latency * 1000:.0f} ms", style="bold")
    await demo.wait(aborted_to(V2), what="abort of v3")
    demo.display.note(f"{demo.state.phase} - {demo.state.message}")
    await all_traffic_on(demo, V2)
    demo.end(record)


async def watch_errors(demo: Demo) -> None:
    """Let the viewer see the error rate rise before acting on it."""
    loop = asyncio.get_running_loop()
    began = loop.time()

    async def errors_seen() -> bool:
        split = demo.window.recent()
        return split.answers[V3.version] > 0 and split.errors > 0

    await poll_until(
        errors_seen,
        what="errors of v3",
        expected="errors from the v3 canary in the traffic",
        seen=lambda: demo.window.recent().describe(),
        timeout=demo.timings.wait_timeout,
    )
    await asyncio.sleep(max(0.0, demo.timings.observe - (loop.time() - began)))
    demo.display.note(f"error rate rising: {demo.window.recent().describe()}", style="red")


async def abort_measured(demo: Demo) -> float:
    state = demo.state
    zero = WeightRequest(demo.ref, 0, 100, state.current_pod_hash or "", state.stable_rs or "")
    probe = AbortProbe(demo.platform, demo.load, zero, V3.version)
    task = asyncio.create_task(probe.run(demo.timings.wait_timeout), name="demo: abort probe")
    try:
        await asyncio.sleep(0)
        await demo.send(inp.Abort(input_id=new_input_id(), actor=demo.actor), "abort")
        times = await task
    finally:
        await cancel_and_wait(task)
    assert times.proxy_zero is not None
    demo.measurements["abort -> proxy at 0% canary"] = times.proxy_zero
    if times.last_canary_answer is not None:
        demo.measurements["abort -> last answer from v3"] = times.last_canary_answer
    return times.proxy_zero


async def all_traffic_on(demo: Demo, image: DemoImage) -> None:
    async def only_image() -> bool:
        """A whole window (the weights' last change, or a second) of answers all from it."""
        split = demo.window.recent()
        whole = demo.window.span() >= WINDOW_SECONDS
        return whole and split.total > 0 and split.answers[image.version] == split.total

    await poll_until(
        only_image,
        what="traffic after the abort",
        expected=f"every answer from {image.version}",
        seen=lambda: demo.window.recent().describe(),
        timeout=demo.timings.wait_timeout,
    )
    demo.display.note(f"traffic: {demo.window.recent().describe()}", style="green")


async def bad_version_rolled_back(demo: Demo) -> None:
    record = demo.begin(
        "v4",
        "bad v4 caught by analysis",
        f"5. set image {V4.image} (answers 30% errors): analysis fails, automated rollback",
    )
    version = await set_image(demo, V4)
    await demo.wait(canary_at_weight(V4, 20), what="canary of v4", after=version)
    demo.display.note("20% on v4; the analysis step comes after the pause")
    latency = await rollback_measured(demo, after=version)
    demo.display.note(
        f"failing measurement -> proxy at 0% canary in {latency * 1000:.0f} ms", style="bold"
    )
    await demo.wait(aborted_to(V2), what="automated rollback of v4")
    demo.display.note(f"{demo.state.phase} - {demo.state.message}")
    await all_traffic_on(demo, V2)
    demo.end(record)


STAGES: tuple[Stage, ...] = (
    initial_deploy,
    canary_and_promote,
    bad_version_aborted,
    bad_version_rolled_back,
)
