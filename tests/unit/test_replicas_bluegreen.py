"""Blue-green replica counts (previewReplicaCount) from Argo's replicaset_test.go and friends."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from rollouts.replicas import (
    ReplicaSetCounts,
    bluegreen_new_rs_replicas,
    is_saturated,
    next_scale_up_preview_checkpoint,
    preview_saturated,
    ready_for_pause,
)

PREVIEW = "TestNewRSNewReplicasWitPreviewReplicaCount"


class PreviewCase(NamedTuple):
    active_is_other: bool
    is_current: bool
    checkpoint: bool
    promote_full: bool
    paused: bool
    expected: int


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            PreviewCase(False, True, False, False, False, 10), id=f"{PREVIEW}: no active RS"
        ),
        pytest.param(
            PreviewCase(False, True, False, False, False, 10), id=f"{PREVIEW}: active is new"
        ),
        pytest.param(
            PreviewCase(True, False, True, False, False, 1), id=f"{PREVIEW}: hash differs"
        ),
        pytest.param(
            PreviewCase(True, True, True, False, False, 10), id=f"{PREVIEW}: unpaused, tripped"
        ),
        pytest.param(
            PreviewCase(True, True, False, False, False, 1), id=f"{PREVIEW}: preview value"
        ),
        pytest.param(
            PreviewCase(True, True, False, True, False, 10), id=f"{PREVIEW}: promote full"
        ),
        pytest.param(PreviewCase(True, True, True, False, True, 1), id="paused past checkpoint"),
    ],
)
def test_bluegreen_new_rs_replicas_with_preview(case: PreviewCase) -> None:
    got = bluegreen_new_rs_replicas(
        10,
        1,
        active_is_other_rs=case.active_is_other,
        promote_full=case.promote_full,
        new_rs_is_current=case.is_current,
        paused=case.paused,
        scale_up_preview_checkpoint=case.checkpoint,
    )
    assert got == case.expected


def test_bluegreen_without_preview_count_is_full_size() -> None:
    """TestNewRSNewReplicas: no previewReplicaCount means spec.replicas."""
    got = bluegreen_new_rs_replicas(
        7,
        None,
        active_is_other_rs=True,
        promote_full=False,
        new_rs_is_current=True,
        paused=True,
        scale_up_preview_checkpoint=False,
    )
    assert got == 7


class CheckpointCase(NamedTuple):
    preview: int | None
    checkpoint: bool
    analysis_done: bool
    pause_done: bool
    available: int
    expected: bool


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(CheckpointCase(None, True, True, True, 1, False), id="feature off"),
        pytest.param(CheckpointCase(2, True, False, False, 0, True), id="stays tripped"),
        pytest.param(CheckpointCase(2, False, False, True, 2, False), id="analysis pending"),
        pytest.param(CheckpointCase(2, False, True, False, 2, False), id="pause pending"),
        pytest.param(CheckpointCase(2, False, True, True, 1, False), id="not yet available"),
        pytest.param(CheckpointCase(2, False, True, True, 2, True), id="trips"),
        pytest.param(CheckpointCase(2, False, True, True, 3, False), id="exact count required"),
    ],
)
def test_next_scale_up_preview_checkpoint(case: CheckpointCase) -> None:
    got = next_scale_up_preview_checkpoint(
        case.preview,
        checkpoint=case.checkpoint,
        pre_promotion_analysis_done=case.analysis_done,
        pause_done=case.pause_done,
        new_rs_available=case.available,
    )
    assert got is case.expected


@pytest.mark.parametrize(
    ("rs", "expected"),
    [((2, 2), True), ((2, 1), False), ((3, 3), False), ((10, 2), False)],
)
def test_preview_saturated(rs: tuple[int, int], expected: bool) -> None:
    assert preview_saturated(2, ReplicaSetCounts(replicas=rs[0], available=rs[1])) is expected


@pytest.mark.parametrize(
    ("rs", "annotation", "expected"),
    [
        ((5, 5), 5, True),
        ((5, 5), 4, False),  # sized for an older spec.replicas: a scaling event, not saturation
        ((5, 5), None, False),
        ((5, 4), 5, False),
        ((4, 5), 5, False),
        (None, 5, False),
    ],
)
def test_is_saturated(rs: tuple[int, int] | None, annotation: int | None, expected: bool) -> None:
    counts = None if rs is None else ReplicaSetCounts(replicas=rs[0], available=rs[1])
    assert is_saturated(5, counts, annotation) is expected


@pytest.mark.parametrize(
    ("rs", "expected"),
    [
        pytest.param(None, False, id="TestReadyForPause: nil RS"),
        pytest.param((1, 1), True, id="TestReadyForPause: ready"),
        pytest.param((1, 0), False, id="TestReadyForPause: not ready"),
        pytest.param((2, 2), False, id="wrong size"),
    ],
)
def test_ready_for_pause(rs: tuple[int, int] | None, expected: bool) -> None:
    counts = None if rs is None else ReplicaSetCounts(replicas=rs[0], available=rs[1])
    assert ready_for_pause(counts, 1) is expected
