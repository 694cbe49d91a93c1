"""Replica counts for blue-green, mostly the previewReplicaCount feature."""

from __future__ import annotations

from rollouts.replicas.models import ReplicaSetCounts


def bluegreen_new_rs_replicas(
    spec_replicas: int,
    preview_replica_count: int | None,
    *,
    active_is_other_rs: bool,
    promote_full: bool,
    new_rs_is_current: bool,
    paused: bool,
    scale_up_preview_checkpoint: bool,
) -> int:
    """Argo: NewRSNewReplicas, blue-green branch.

    The preview stack runs at previewReplicaCount until promotion, then at full size. Full size
    applies when the feature is off, when no other RS is active (`active_is_other_rs` False:
    first deploy, or the new RS already serves), on a full promotion, or once the preview
    checkpoint has tripped and the rollout is not paused. A new RS whose hash differs from
    status.currentPodHash (`new_rs_is_current` False) belongs to a fresh update, so it starts
    small regardless of a checkpoint left over from the previous one.
    """
    if preview_replica_count is None or not active_is_other_rs or promote_full:
        return spec_replicas
    if not new_rs_is_current:
        return preview_replica_count
    if scale_up_preview_checkpoint and not paused:
        return spec_replicas
    return preview_replica_count


def next_scale_up_preview_checkpoint(
    preview_replica_count: int | None,
    *,
    checkpoint: bool,
    pre_promotion_analysis_done: bool,
    pause_done: bool,
    new_rs_available: int,
) -> bool:
    """Argo: calculateScaleUpPreviewCheckPoint (status.blueGreen.scaleUpPreviewCheckPoint).

    A one-way trip-wire: once the preview stack is fully available at previewReplicaCount and
    the pre-promotion analysis and pause are behind us, the new RS may grow to full size, and
    stays allowed to until the template changes or it is promoted (callers reset it then).
    """
    if preview_replica_count is None:
        return False
    if checkpoint:
        return True
    if not (pre_promotion_analysis_done and pause_done):
        return False
    return new_rs_available == preview_replica_count


def preview_saturated(preview_replica_count: int, new_rs: ReplicaSetCounts) -> bool:
    """Argo: the previewReplicaCount branch of skipPrePromotionAnalysisRun (negated).

    Pre-promotion analysis starts once the preview stack is exactly at its preview size and
    entirely available.
    """
    return new_rs.replicas == preview_replica_count and new_rs.available == preview_replica_count


def is_saturated(
    spec_replicas: int, rs: ReplicaSetCounts | None, desired_replicas_annotation: int | None
) -> bool:
    """Argo: annotations.IsSaturated.

    An RS is saturated when it was sized for the current spec.replicas (its
    `rollout.argoproj.io/desired-replicas` annotation; None when missing or unparsable), runs
    that many and has them all available. The annotation check keeps a pure scaling event from
    looking like a finished rollout.
    """
    if rs is None or desired_replicas_annotation is None:
        return False
    return (
        rs.replicas == spec_replicas
        and desired_replicas_annotation == spec_replicas
        and rs.available == spec_replicas
    )


def ready_for_pause(new_rs: ReplicaSetCounts | None, desired: int) -> bool:
    """Argo: ReadyForPause.

    The blue-green pause may begin only once the new RS has its desired size (from
    bluegreen_new_rs_replicas) and all of it is available.
    """
    return new_rs is not None and new_rs.replicas == desired and new_rs.available == desired
