"""An importer process that SIGKILLs itself at a chosen point, for the import crash tests.

Usage: python -m tests.integration.history.import_child URL USER PASSWORD FILE PHASE AT
It imports FILE (`import_records`, as `rollouts import` does) and kills itself, with SIGKILL
and no clean-up, at the AT-th message it sends to the server (publish or request) in PHASE:
`stage` counts from the start (fences, staging; an AT past them kills it just before the
commit marker is written), `copy` from the first batch into ROLLOUTS
(AT 0: right after the commit marker, before any copy). `none` runs to the end.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import nats

import events.models  # noqa: F401  (registers the event types the file names)
from adapters.history import restore
from adapters.history.restore import import_records
from adapters.history.transfer import read_export


async def main(argv: list[str]) -> None:
    url, user, password, path, phase, at = *argv[:5], int(argv[5])
    records = read_export(Path(path).read_text(encoding="utf-8").splitlines())
    client = await nats.connect(url, user=user, password=password, max_reconnect_attempts=0)
    state: dict[str, Any] = {"phase": "stage", "sent": 0}

    def count() -> None:
        state["sent"] += 1
        if state["phase"] == phase and state["sent"] >= at:
            os.kill(os.getpid(), signal.SIGKILL)

    real_publish, real_request = client.publish, client.request

    async def publish(*args: Any, **kwargs: Any) -> Any:
        count()
        return await real_publish(*args, **kwargs)

    async def request(*args: Any, **kwargs: Any) -> Any:
        count()
        return await real_request(*args, **kwargs)

    async def before_batch(index: int, _: int) -> None:
        if index == 0:
            state["phase"], state["sent"] = "copy", -1
            count()  # AT 0: killed before the first batch

    async def write_commit(*args: Any) -> None:
        if phase == "stage":  # AT past every message of staging: killed right before the marker
            os.kill(os.getpid(), signal.SIGKILL)
        await real_write_commit(*args)

    real_write_commit = restore.write_commit  # type: ignore[attr-defined]  # patched where used
    restore.write_commit = write_commit  # type: ignore[attr-defined,assignment]
    client.publish = publish  # type: ignore[method-assign]
    client.request = request  # type: ignore[method-assign]
    report = await import_records(client.jetstream(), records, before_batch=before_batch)
    print(f"imported {report.events} events in {report.batches} batches", flush=True)
    await client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:7]))
