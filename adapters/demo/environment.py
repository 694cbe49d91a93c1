"""Start and stop everything the demo runs on, in one process, leaving nothing behind.

The demo always uses the embedded default with a fresh temporary data directory, whatever the
user's settings point at: it must be repeatable and must not touch real rollouts. Each piece
registers its own stop on the exit stack as soon as it exists, so a failure (or Ctrl-C) at any
point stops exactly what was started, in reverse order, and the directory is removed last.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from adapters.analysis.templates import KvTemplateStore, TemplateStore
from adapters.demo.context import Demo
from adapters.demo.display import make_display
from adapters.demo.manifests import IMAGES, ROLLOUT_NAME
from adapters.demo.split import TrafficWindow
from adapters.demo.timings import DemoTimings
from adapters.demo.watch import RolloutWatch
from adapters.local import LoadGenerator, LocalPlatform
from adapters.runtime.client import RolloutsClient
from adapters.runtime.connect import connect
from adapters.runtime.settings import Settings
from adapters.workers.app import create_app
from rollouts.ports import RolloutRef
from rollouts.state import initial_state

DEFAULT_ACTOR = "demo"


def demo_settings(settings: Settings, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        namespace=settings.namespace,
        actor=settings.actor or DEFAULT_ACTOR,
    )


async def start_platform(stack: contextlib.AsyncExitStack, timings: DemoTimings) -> LocalPlatform:
    platform = LocalPlatform(ready_delay=timings.ready_delay)
    stack.push_async_callback(platform.stop)
    await platform.start()
    for image in IMAGES:
        platform.set_behaviour(image.image, error_rate=image.error_rate, latency=image.latency)
    return platform


async def start_system(
    stack: contextlib.AsyncExitStack, settings: Settings, platform: LocalPlatform
) -> tuple[RolloutsClient, TemplateStore]:
    """The app (controller and workers, embedded NATS) and a client on its own connection,
    with the template store the analysis worker reads."""
    app = create_app(settings, platform=platform, router=platform, start_embedded=True)
    stack.push_async_callback(app.stop)
    await app.start()
    connection = await connect(settings)
    stack.push_async_callback(connection.close)
    return RolloutsClient(connection), KvTemplateStore(connection.js)


async def start_demo(
    stack: contextlib.AsyncExitStack, settings: Settings, console: Console, timings: DemoTimings
) -> Demo:
    data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rollouts-demo-")))
    settings = demo_settings(settings, data_dir)
    platform = await start_platform(stack, timings)
    client, templates = await start_system(stack, settings, platform)
    ref = RolloutRef(settings.namespace, ROLLOUT_NAME)
    load = LoadGenerator(await platform.open_proxy(ref), timings.rps, timeout=5.0)
    stack.push_async_callback(load.stop)
    watch = RolloutWatch(client, initial_state(ref.namespace, ref.name))
    stack.push_async_callback(watch.stop)
    window = TrafficWindow(load)
    started = datetime.now(UTC)
    display = make_display(console, lambda: watch.state, window, started)
    watch.on_event(display.event)
    display.start()
    stack.push_async_callback(display.stop)
    console.print(f"embedded NATS and local platform running; data in {data_dir} (temporary)")
    return Demo(
        ref=ref,
        actor=settings.actor,
        timings=timings,
        platform=platform,
        client=client,
        watch=watch,
        load=load,
        window=window,
        display=display,
        started=started,
        templates=templates,
    )
