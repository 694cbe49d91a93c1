"""The soak's command line and report: `scripts/soak.py` calls `main`."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from adapters.soak.run import RunResult, Soak, SoakConfig, divergences

SEED_ENV_HINT = "replay with --seed"


def parse(argv: Sequence[str] | None) -> tuple[SoakConfig, int]:
    parser = argparse.ArgumentParser(
        prog="scripts/soak.py",
        description="SIGKILL the controller, the worker process or NATS while rollouts update; "
        "compare with an undisturbed run. Exit 0 only with no divergence, duplicate or stuck.",
    )
    parser.add_argument("--rollouts", type=int, default=100)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="at least this many updates")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="disturbed runs in a row")
    parser.add_argument("--round-timeout", type=float, default=240.0)
    parser.add_argument("--max-gap", type=float, default=2.0, help="max seconds between kills")
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    for option in ("rollouts", "rounds", "repeat"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    if args.kills < 0:
        parser.error("--kills must not be negative")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    config = SoakConfig(
        rollouts=args.rollouts,
        kills=args.kills,
        rounds=args.rounds,
        seed=seed,
        round_timeout=args.round_timeout,
        gap=(min(0.2, args.max_gap), args.max_gap),
        work_dir=args.work_dir,
    )
    return config, args.repeat


def summary(run: RunResult, reference: RunResult, seed: int) -> tuple[list[str], bool]:
    """The report's lines, and whether the run met the target (0 of every failure)."""
    diverged = divergences(run.outcomes, reference.outcomes)
    kills = sum(run.kills.values())
    by_role = ", ".join(f"{role} {n}" for role, n in sorted(run.kills.items())) or "none"
    lines = [
        f"seed {seed} ({SEED_ENV_HINT} {seed})",
        f"rollouts {len(run.outcomes)}, rounds {run.rounds}, wall {run.seconds:.0f} s "
        f"(reference {reference.seconds:.0f} s)",
        f"kills {kills} ({by_role}); unplanned exits {dict(run.unplanned_exits) or 0}",
        f"divergences {len(diverged)}",
        f"duplicated effects {len(run.duplicates)}",
        f"stuck rollouts {len(run.stuck)}",
        f"dead-lettered inputs {run.dead_letters}",
    ]
    lines += [f"  diverged: {line}" for line in diverged[:10]]
    lines += [f"  duplicate: {line}" for line in run.duplicates[:10]]
    lines += [f"  stuck: {name}" for name in run.stuck[:10]]
    ok = not (diverged or run.duplicates or run.stuck or run.dead_letters or reference.stuck)
    return lines, ok


async def soak(config: SoakConfig, repeat: int) -> bool:
    runner = Soak(config)
    print(f"soak: seed {config.seed}, work dir {runner.base}", flush=True)
    for attempt in range(1, repeat + 1):
        seed = config.seed + attempt - 1
        run, reference = await runner.disturbed(seed)
        lines, ok = summary(run, reference, seed)
        print(f"run {attempt}/{repeat}: {'ok' if ok else 'FAILED'}", flush=True)
        for line in lines:
            print(f"  {line}", flush=True)
        if not ok:
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    config, repeat = parse(argv)
    started = time.monotonic()
    ok = asyncio.run(soak(config, repeat))
    print(f"soak {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
