"""Restart: a controller process from its start to ready, with snapshots and without.

The ROLLOUTS stream is filled with N rollouts' real histories (the replay source's templates,
about 108 events each, published raw). Then, on the same server and in the same run:

1. full re-fold: `python -m adapters.workers controller` is started with no snapshot bucket, and
   timed from spawning the process to its "ready" line (streams opened, projection folded and
   following, partition leases taken: the first decision is possible). It runs until its
   snapshot writer has covered the whole stream (the checkpoint reaches the stream's end).
2. Then 1% more rollouts are appended (a tail the snapshots do not cover) and the controller is
   killed (SIGKILL: no last flush), as a crash would.
3. snapshot restart: the same command again, timed the same way; its log says how many
   rollouts it restored from snapshots and how many events of tail it folded.
4. first decisions: right after that "ready", an `Abort` for each of `PROBES` rollouts spread
   over the fleet, one after the other, each timed from publish to the controller's reply.
   A restarted process decodes each rollout's snapshot when first needed and the others in the
   background, so this says what "ready" is worth: a decision that waited for the rest of the
   start would show here. The first one also waits for the input partitions' leases, which the
   killed process held until they lapse (`LEASE_SECONDS` from its last renewal): that wait is
   a crash's, not the start's, and is reported apart (`leases_taken_after_ready_s`).

Both figures include the interpreter's start and imports, which is what an operator waits for.
Part of `rollouts bench`; alone: `python -m adapters.bench.restart [--quick]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from rich.console import Console

from adapters.bench.children import ending_with_this_process
from adapters.bench.replay_source import SHAPES, TEMPLATE_NAME, encode_history, rollout_name
from adapters.bench.server import BenchServer, bench_server
from adapters.bench.workload import NAMESPACE, rollout_history
from adapters.runtime.client import new_input_id
from adapters.runtime.publish import InputPublisher
from adapters.runtime.snapshots import BUCKET, CHECKPOINT, partition_checkpoint, start_position
from events.inputs import Abort
from events.store import Outgoing
from events.streams import EVENTS_STREAM, INPUT_PARTITIONS

UPDATES = 3
"""Updates per rollout after its creation: about 108 events each (the issue's 100)."""
FULL_ROLLOUTS = 10_000
QUICK_ROLLOUTS = 1_000
PUBLISH_CHUNK = 20_000
PROBES = 5
COVERED_TIMEOUT = 300.0
READY_TIMEOUT = 600.0


def templates() -> list[list[Outgoing]]:
    by_shape = {
        shape: encode_history(
            rollout_history(TEMPLATE_NAME, shape=shape, updates=UPDATES).decisions
        )
        for shape in dict.fromkeys(SHAPES)
    }
    return [by_shape[shape] for shape in SHAPES]


async def publish_rollouts(server: BenchServer, first: int, count: int) -> int:
    """Rollouts `first`.. as the controller would have appended them (raw, pipelined)."""
    cycle, template = templates(), TEMPLATE_NAME.encode()
    acks: list[Any] = []
    published = 0
    for number in range(first, first + count):
        name = rollout_name(number)
        for message in cycle[number % len(cycle)]:
            headers = {k: v.replace(TEMPLATE_NAME, name) for k, v in message.headers.items()}
            headers.pop("Nats-Msg-Id", None)  # template ids repeat: dedup would drop them
            subject = message.subject.replace(TEMPLATE_NAME, name)
            data = message.data.replace(template, name.encode())
            acks.append(await server.raw_js.publish_async(subject, data, headers=headers))
            if len(acks) >= PUBLISH_CHUNK:
                await asyncio.gather(*acks)
                published, acks = published + len(acks), []
    await asyncio.gather(*acks)
    return published + len(acks)


class ControllerRun:
    """`python -m adapters.workers controller`, timed from spawn to its "ready" line."""

    def __init__(self, server: BenchServer, label: str) -> None:
        self.server = server
        self.log = server.data_dir / f"restart-{label}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.ready_seconds = 0.0

    async def start(self) -> float:
        command = [sys.executable, "-m", "adapters.workers", "controller"]
        command += ["--nats-url", self.server.url, "--data-dir", str(self.server.data_dir)]
        started = time.perf_counter()
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=_root(),
                preexec_fn=ending_with_this_process(),
            )
        assert self.process.stdout is not None
        async with asyncio.timeout(READY_TIMEOUT):
            while line := await self.process.stdout.readline():
                if line.strip() == b"ready":
                    self.ready_seconds = time.perf_counter() - started
                    return self.ready_seconds
        raise RuntimeError(f"the controller exited before it was ready; see {self.log}")

    async def end(self, sig: int) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(sig)
            await self.process.wait()

    def leases_taken_after_ready(self) -> float:
        """Seconds from its `app.started` line to its last `lease.acquired` (0: none after)."""
        started = taken = None
        for line in self.log.read_text(errors="replace").splitlines():
            if '"app.started"' in line or '"lease.acquired"' in line:
                found = json.loads(line)
                at = datetime.fromisoformat(found["timestamp"].replace("Z", "+00:00"))
                if found["event"] == "app.started":
                    started = at
                else:
                    taken = at
        if started is None or taken is None:
            return 0.0
        return round(max(0.0, (taken - started).total_seconds()), 2)

    def restored(self) -> dict[str, Any]:
        """The `snapshots.restored` line of its log (rollouts, refolded, position)."""
        for line in self.log.read_text(errors="replace").splitlines():
            if '"snapshots.restored"' in line:
                found: dict[str, Any] = json.loads(line)
                return {k: found[k] for k in ("rollouts", "refolded", "position") if k in found}
        return {}


def _root() -> Path:
    return Path(__file__).resolve().parents[2]


async def wait_covered(server: BenchServer) -> float:
    """Until the snapshot checkpoints (the whole set's or every partition's) reach the stream's
    last sequence. (Their fingerprint is the controller's to check: this process may see other
    sources, in a tree being edited.)"""
    started = time.perf_counter()
    last = (await server.js.stream_info(EVENTS_STREAM)).state.last_seq
    names = [partition_checkpoint(partition) for partition in range(INPUT_PARTITIONS)]
    async with asyncio.timeout(COVERED_TIMEOUT):
        while True:
            with contextlib.suppress(Exception):  # not written yet
                kv = await server.js.key_value(BUCKET)
                whole, *parts = [await _position(kv, name) for name in (CHECKPOINT, *names)]
                if (start_position(whole, parts) or 0) >= last:
                    return time.perf_counter() - started
            await asyncio.sleep(0.25)


async def _position(kv: KeyValue, name: str) -> int | None:
    try:
        entry = await kv.get(name)
    except KeyNotFoundError:
        return None
    position: int = json.loads(entry.value or b"")["position"]
    return position


async def first_decisions(server: BenchServer, rollouts: int) -> list[float]:
    """Milliseconds from publishing each probe's `Abort` to the controller's reply (a refusal
    or a decision: either needs the rollout's state)."""
    publish, elapsed = InputPublisher(server.js), []
    for probe in range(PROBES):
        inbox = server.nc.new_inbox()
        subscription = await server.nc.subscribe(inbox, max_msgs=1)
        started = time.perf_counter()
        name = rollout_name(probe * rollouts // PROBES + probe)
        await publish(NAMESPACE, name, Abort(input_id=new_input_id()), reply_to=inbox)
        await subscription.next_msg(READY_TIMEOUT)
        elapsed.append(round((time.perf_counter() - started) * 1000, 1))
    return elapsed


async def measure_restart(server: BenchServer, *, quick: bool, console: Console) -> dict[str, Any]:
    """The restart section of `rollouts bench` (10,000 rollouts; quick mode 1,000)."""
    rollouts = QUICK_ROLLOUTS if quick else FULL_ROLLOUTS
    started = time.perf_counter()
    events = await publish_rollouts(server, 0, rollouts)
    console.print(f"    {events} events published in {time.perf_counter() - started:.1f} s")
    full, snap = ControllerRun(server, "full"), ControllerRun(server, "snapshots")
    try:
        full_seconds = await full.start()
        console.print(f"    full re-fold: ready in {full_seconds:.2f} s")
        covered = await wait_covered(server)
        tail_rollouts = max(1, rollouts // 100)
        tail = await publish_rollouts(server, rollouts, tail_rollouts)
        await full.end(signal.SIGKILL)  # a crash: no last flush
        snap_seconds = await snap.start()
        probes = await first_decisions(server, rollouts)
        restored, lease_wait = snap.restored(), snap.leases_taken_after_ready()
    finally:
        await full.end(signal.SIGKILL)
        await snap.end(signal.SIGTERM)
    console.print(f"    from snapshots: ready in {snap_seconds:.2f} s ({restored})")
    console.print(
        f"    first decisions after ready: {probes} ms (the killed controller's leases "
        f"lapsed, and were taken, {lease_wait} s after ready)"
    )
    return {
        "rollouts": rollouts,
        "events": events,
        "events_per_rollout": round(events / rollouts, 1),
        "full_refold_ready_s": round(full_seconds, 2),
        "snapshot_ready_s": round(snap_seconds, 2),
        "speedup": round(full_seconds / snap_seconds, 1),
        "first_decisions_ms": probes,
        "leases_taken_after_ready_s": lease_wait,
        "tail_rollouts": tail_rollouts,
        "tail_events": tail,
        "restored": restored,
        "snapshots_written_within_s": round(covered, 1),
    }


async def _main(quick: bool) -> None:
    async with bench_server() as server:
        print(json.dumps(await measure_restart(server, quick=quick, console=Console()), indent=1))


if __name__ == "__main__":  # `python -m adapters.bench.restart [--quick]`: this section alone
    asyncio.run(_main("--quick" in sys.argv[1:]))
