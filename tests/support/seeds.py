"""Seeds for randomised tests: printed, and accepted back, so a failure can be replayed.

Every randomised test takes its generator from `seeded_random(label)`. The seed comes from
the environment variable `ROLLOUTS_TEST_SEED` when it is set (`ROLLOUTS_TEST_SEED=1234 pytest
...` replays a run), else from the OS. It is printed (pytest shows a failing test's output)
and should appear in the test's assertion messages too, via `Seeded.tag`.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

ENV = "ROLLOUTS_TEST_SEED"


@dataclass(frozen=True)
class Seeded:
    seed: int
    rng: random.Random

    @property
    def tag(self) -> str:
        """For assertion messages: how to replay this run."""
        return f"seed {self.seed} (replay with {ENV}={self.seed})"


def chosen_seed(*legacy_env: str) -> int:
    """The seed from `ROLLOUTS_TEST_SEED` (or an older variable a test documented), else a
    fresh one."""
    for name in (ENV, *legacy_env):
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return int(value)
            except ValueError:
                raise ValueError(f"{name} must be an integer seed, got {value!r}") from None
    return random.SystemRandom().randrange(2**32)


def seeded_random(label: str, *legacy_env: str) -> Seeded:
    """A generator for the test named `label`, its seed printed for replay."""
    seed = chosen_seed(*legacy_env)
    print(f"{label}: seed {seed} (replay with {ENV}={seed})", flush=True)
    return Seeded(seed, random.Random(seed))
