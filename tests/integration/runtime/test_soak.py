"""The short soak, five times in a row: SIGKILLs of the controller, the worker process and the
NATS server change nothing, duplicate nothing and leave nothing stuck.

`scripts/soak.py` runs the full version (100 rollouts, 200 kills) by hand; this one runs 10
rollouts and 10 kills per run, each run compared with an undisturbed run of as many rounds.
The seed is printed; replay with ROLLOUTS_TEST_SEED=<seed>.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.soak.report import summary
from adapters.soak.run import Soak, SoakConfig
from tests.support.seeds import seeded_random

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RUNS = 5


async def test_five_short_soaks_in_a_row_end_with_no_divergence_duplicate_or_stuck_rollout(
    tmp_path: Path,
) -> None:
    seeded = seeded_random("short soak")
    config = SoakConfig(
        rollouts=10, kills=10, rounds=2, round_timeout=120.0, gap=(0.05, 0.4), work_dir=tmp_path
    )
    soak = Soak(config)
    for attempt in range(RUNS):
        seed = seeded.rng.randrange(2**32)
        run, reference = await soak.disturbed(seed)
        lines, ok = summary(run, reference, seed)
        print("\n".join(lines))
        assert ok, f"{seeded.tag}, run {attempt + 1}:\n" + "\n".join(lines)
        assert sum(run.kills.values()) == config.kills, seeded.tag
