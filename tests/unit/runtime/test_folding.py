"""Readers skip an event the fold refuses, as the projection does, instead of failing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.notify.tracker import Folded, fold_one
from adapters.runtime.folding import evolve_readable, fold_readable
from events.models import ManualPauseChanged, SpecApplied
from rollouts.evolve import evolve
from rollouts.state import initial_state

AT = datetime(2026, 1, 1, tzinfo=UTC)
FORGED = SpecApplied(cause="forged", at=AT, manifest={}, generation=1)
"""Decodes (the manifest is a free dict on the wire) but is no Rollout: the core refuses it."""


def test_the_core_refuses_the_forged_event() -> None:
    with pytest.raises(Exception, match="validation error"):
        evolve(initial_state("ns", "web"), FORGED)


def test_a_reader_skips_it_and_folds_the_rest() -> None:
    paused = ManualPauseChanged(cause="a", at=AT, paused=True)
    state = fold_readable(initial_state("ns", "web"), [FORGED, paused])
    assert state == evolve(initial_state("ns", "web"), paused)
    assert evolve_readable(state, FORGED) is state


def test_the_notifier_skips_it_too() -> None:
    """The notifier's tracker caught only unknown types, so this event stopped notifications."""
    paused = ManualPauseChanged(cause="a", at=AT, paused=True)
    folded = Folded(initial_state("ns", "web"), None, 0)
    after = fold_one(fold_one(folded, FORGED, 1), paused, 2)
    assert after.state == evolve(initial_state("ns", "web"), paused)
    assert after.rollout_sequence == 2
