"""Delivery metrics computed from simulated histories, checked against the scenario's clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.history.stats import DeliveryStats, mean, median, overall, rollout_stats
from adapters.history.stats_render import render_json, render_table
from events.phases import RolloutPhase
from tests.unit.history.histories import RecordingSim, blue_green, canary_abort_retry_promote


@pytest.fixture(scope="module")
def scenarios() -> tuple[RecordingSim, RecordingSim]:
    return canary_abort_retry_promote(), blue_green()


@pytest.fixture
def per_rollout(scenarios: tuple[RecordingSim, RecordingSim]) -> list[DeliveryStats]:
    now = max(sim.now for sim in scenarios)
    return [rollout_stats(sim.stored(), now=now) for sim in scenarios]


def test_canary_metrics(per_rollout: list[DeliveryStats]) -> None:
    demo = per_rollout[0]
    assert len(demo.revisions) == 4 and demo.deployments_per_day == 4.0
    assert demo.deployments_by_day == {"2026-01-01": 4}
    # revision 2 was aborted (then retried), revision 3 was rolled back by the undo
    assert demo.failed == 2 and demo.change_failure_rate == 0.5
    # aborted 01:00:30, Healthy again when revision 2 completed at 01:11:00
    assert demo.restore_seconds == [630.0] and demo.unresolved == 0
    assert demo.lead_seconds == [0.0, 660.0, 0.0]
    phases = demo.mean_phase_seconds()
    assert phases[RolloutPhase.DEGRADED] == 270.0  # 01:00:30 -> 01:05:00 retry
    assert phases[RolloutPhase.PAUSED] == pytest.approx((30 + 300 + 60 + 1800) / 4)


def test_blue_green_metrics(per_rollout: list[DeliveryStats]) -> None:
    shop = per_rollout[1]
    assert [r.outcome for r in shop.revisions] == ["completed", "completed", "aborted"]
    assert shop.failed == 1 and shop.unresolved == 1 and shop.restore_seconds == []
    assert shop.lead_seconds == [0.0, 1200.0]
    assert shop.incidents[0].trigger.startswith("revision 3 aborted: Rollout aborted update")


def test_overall_adds_the_rollouts_up(per_rollout: list[DeliveryStats]) -> None:
    now = per_rollout[0].now
    total = overall(per_rollout, now=now)
    assert (len(total.revisions), total.failed, total.unresolved) == (7, 3, 1)
    assert total.change_failure_rate == pytest.approx(3 / 7)
    assert mean(total.lead_seconds) == pytest.approx((660 + 1200) / 5)
    assert per_rollout[0].revisions != total.revisions  # merging copies, never aliases


def test_since_counts_only_later_revisions_and_clips_phases(
    scenarios: tuple[RecordingSim, RecordingSim],
) -> None:
    sim = scenarios[0]
    since = sim.now.replace(hour=1, minute=30, second=0)
    later = rollout_stats(sim.stored(), now=sim.now, since=since)
    assert [r.revision for r in later.revisions] == [3, 4]
    assert later.incidents == [] and later.failed == 1
    # the Healthy interval 01:11 -> 02:00 counts from 01:30 only
    assert later.phase_seconds[RolloutPhase.HEALTHY] == [30 * 60.0]


def test_days_span_the_calendar_window(scenarios: tuple[RecordingSim, RecordingSim]) -> None:
    sim = scenarios[0]
    week = rollout_stats(sim.stored(), now=sim.now + timedelta(days=6))
    assert week.days == 7 and week.deployments_per_day == pytest.approx(4 / 7)


def test_renderings(per_rollout: list[DeliveryStats]) -> None:
    total = overall(per_rollout, now=per_rollout[0].now)
    table = render_table(per_rollout, total, None).splitlines()
    assert table[1].split()[:8] == [
        "ROLLOUT",
        "DEPLOYS",
        "PER",
        "DAY",
        "FAILED",
        "CFR",
        "MTTR",
        "OPEN",
    ]
    assert table[2].split()[:8] == ["default/demo", "4", "4.00", "2", "50%", "10m30s", "0", "3m40s"]
    assert table[4].split()[:3] == ["overall", "7", "7.00"]
    assert table[-1] == "deployments by day: 2026-01-01: 7"
    document = render_json(per_rollout, total, None)
    assert document["overall"]["deployments"] == 7
    assert document["overall"]["time_to_restore_seconds"] == {
        "mean": 630.0,
        "median": 630.0,
        "restored": 1,
        "unresolved": 1,
    }
    demo = document["rollouts"][0]
    assert [r["failed"] for r in demo["revisions"]] == [False, True, True, False]
    assert demo["mean_seconds_in_phase"]["Degraded"] == 270.0


def test_mean_and_median() -> None:
    assert (mean([]), median([])) == (None, None)
    assert (mean([1, 2, 6]), median([1, 6, 2]), median([4, 1, 2, 3])) == (3, 2, 2.5)
