"""Every (phase, trigger) pair of the fleet's table, the legal ones and the illegal ones."""

from __future__ import annotations

import pytest

from rollouts.errors import IllegalTransition
from rollouts.fleet.fsm import NEW, PHASES, fleet_next, fleet_triggers, mermaid

# phase -> trigger -> destination (None: illegal)
EXPECTED: dict[str, dict[str, str | None]] = {
    NEW: {"apply": "Pending", "start_wave": None, "gate": None, "promote": None,
          "abort": None, "complete": None},
    "Pending": {"apply": "Pending", "start_wave": "Progressing", "gate": "Paused",
                "promote": None, "abort": "Degraded", "complete": None},
    "Progressing": {"apply": "Pending", "start_wave": "Progressing", "gate": "Paused",
                    "promote": None, "abort": "Degraded", "complete": "Healthy"},
    "Paused": {"apply": "Pending", "start_wave": None, "gate": None,
               "promote": "Progressing", "abort": "Degraded", "complete": None},
    "Degraded": {"apply": "Pending", "start_wave": None, "gate": None, "promote": None,
                 "abort": None, "complete": None},
    "Healthy": {"apply": "Pending", "start_wave": None, "gate": None, "promote": None,
                "abort": None, "complete": None},
}  # fmt: skip

PAIRS = [(phase, trigger) for phase in (NEW, *PHASES) for trigger in fleet_triggers()]


def test_the_expectations_cover_every_pair() -> None:
    assert {(p, t) for p in EXPECTED for t in EXPECTED[p]} == set(PAIRS)


@pytest.mark.parametrize(("phase", "trigger"), PAIRS)
def test_pair(phase: str, trigger: str) -> None:
    source = None if phase == NEW else phase
    expected = EXPECTED[phase][trigger]
    if expected is None:
        with pytest.raises(IllegalTransition, match=f"'{trigger}' is not allowed from {phase}"):
            fleet_next(source, trigger)  # type: ignore[arg-type]
    else:
        assert fleet_next(source, trigger) == expected  # type: ignore[arg-type]


def test_mermaid_is_generated_from_the_table() -> None:
    text = mermaid()
    assert text.startswith("stateDiagram-v2")
    assert "Paused --> Progressing: promote" in text
    assert "Healthy --> Degraded" not in text
