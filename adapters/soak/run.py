"""The soak run: the disturbed scenario, the undisturbed reference, and the comparison.

Rounds of image updates run until every kill is spent (and at least `--rounds`); the kills fall
at random moments, each on the controller, the worker process or the NATS server, which is
restarted after a short random pause. The reference runs as many rounds with no kills.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.soak.processes import Managed
from adapters.soak.scenario import duplicates, outcome, rollout_names
from adapters.soak.system import SoakSystem, dead_letters, fold_history

TARGETS: tuple[str, ...] = ("controller", "workers", "nats")
TARGET_WEIGHTS: tuple[float, ...] = (0.6, 0.25, 0.15)


@dataclass(frozen=True)
class SoakConfig:
    rollouts: int = 100
    kills: int = 200
    rounds: int = 2
    seed: int = 0
    round_timeout: float = 240.0
    gap: tuple[float, float] = (0.2, 2.0)
    """Seconds between one restart and the next kill (uniform)."""
    work_dir: Path | None = None


@dataclass
class RunResult:
    rounds: int = 0
    outcomes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)
    unplanned_exits: Counter[str] = field(default_factory=Counter)
    dead_letters: int = 0
    seconds: float = 0.0


class Chaos:
    """Kills and restarts until `budget` kills are done or `stop()` is called."""

    def __init__(self, system: SoakSystem, config: SoakConfig, rng: random.Random) -> None:
        self.system, self.config, self.rng = system, config, rng
        self.kills: Counter[str] = Counter()
        self.finished = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True

    async def run(self) -> None:
        try:
            while sum(self.kills.values()) < self.config.kills and not self._stopping:
                await asyncio.sleep(self.rng.uniform(*self.config.gap))
                if self._stopping:
                    break
                await self.revive()
                role = self.rng.choices(TARGETS, TARGET_WEIGHTS)[0]
                process = self.system.processes[role]
                await asyncio.to_thread(process.kill)
                self.kills[role] += 1
                await asyncio.sleep(self.rng.uniform(0.0, 0.5))
                await self.restart(process)
        finally:
            self.finished.set()

    async def revive(self) -> None:
        """Restart any process that ended by itself (counted as an unplanned exit)."""
        for process in self.system.processes.values():
            if not process.check_alive():
                await self.restart(process)

    @staticmethod
    async def restart(process: Managed, attempts: int = 5) -> None:
        """A start that fails (the process exits before it is ready) is counted and retried."""
        for attempt in range(attempts):
            try:
                await asyncio.to_thread(process.start)
                return
            except RuntimeError:
                process.unplanned_exits += 1
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(1.0)


async def run_scenario(
    config: SoakConfig, root: Path, *, rng: random.Random | None, rounds: int
) -> RunResult:
    """Disturbed when `rng` is given (rounds continue until the kills are spent)."""
    names = rollout_names(config.rollouts)
    result = RunResult()
    started = time.monotonic()
    system = SoakSystem(root)
    await system.start()
    chaos = Chaos(system, config, rng) if rng is not None else None
    killer = asyncio.create_task(chaos.run()) if chaos is not None else None
    try:
        await _rounds(system, names, config, rounds, chaos=chaos, result=result)
        if chaos is not None and killer is not None:
            chaos.stop()
            await killer
            await chaos.revive()
            result.kills = chaos.kills
            if not result.stuck:  # the last restart may still be catching up
                result.stuck = await system.wait_round(names, result.rounds, config.round_timeout)
        await _collect(system, names, result)
    finally:
        await _end(system, chaos, killer, result)
    result.seconds = time.monotonic() - started
    return result


async def _rounds(
    system: SoakSystem,
    names: list[str],
    config: SoakConfig,
    rounds: int,
    *,
    chaos: Chaos | None,
    result: RunResult,
) -> None:
    while result.rounds < rounds or (chaos is not None and not chaos.finished.is_set()):
        result.rounds += 1
        await system.apply_round(names, result.rounds)
        result.stuck = await system.wait_round(names, result.rounds, config.round_timeout)
        if result.stuck:
            return


async def _end(
    system: SoakSystem, chaos: Chaos | None, killer: asyncio.Task[None] | None, result: RunResult
) -> None:
    if chaos is not None:
        chaos.stop()
    if killer is not None:
        with contextlib.suppress(Exception):
            await killer
    result.unplanned_exits = Counter(
        {role: p.unplanned_exits for role, p in system.processes.items() if p.unplanned_exits}
    )
    await system.stop()


async def _collect(system: SoakSystem, names: list[str], result: RunResult) -> None:
    for name, history in (await system.histories(names)).items():
        result.outcomes[name] = outcome(fold_history(name, history))
        result.duplicates += [f"{name}: {problem}" for problem in duplicates(history)]
    assert system.connection is not None
    result.dead_letters = await dead_letters(system.connection)


def divergences(
    disturbed: dict[str, tuple[Any, ...]], reference: dict[str, tuple[Any, ...]]
) -> list[str]:
    found = []
    for name in sorted(set(disturbed) | set(reference)):
        if disturbed.get(name) != reference.get(name):
            found.append(f"{name}: {disturbed.get(name)} != reference {reference.get(name)}")
    return found


class Soak:
    """Disturbed runs, each compared with an undisturbed run of as many rounds (cached)."""

    def __init__(self, config: SoakConfig) -> None:
        self.config = config
        self._references: dict[int, RunResult] = {}
        base = config.work_dir or Path(tempfile.mkdtemp(prefix="rollouts-soak-"))
        self.base = base
        self._runs = 0

    async def reference(self, rounds: int) -> RunResult:
        if rounds not in self._references:
            root = self.base / f"reference-{rounds}"
            self._references[rounds] = await run_scenario(
                self.config, root, rng=None, rounds=rounds
            )
        return self._references[rounds]

    async def disturbed(self, seed: int) -> tuple[RunResult, RunResult]:
        self._runs += 1
        root = self.base / f"run-{self._runs}"
        rng = random.Random(seed)
        run = await run_scenario(self.config, root, rng=rng, rounds=self.config.rounds)
        return run, await self.reference(run.rounds)
