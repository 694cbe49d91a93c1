"""Phase vocabularies shared by the domain and by anyone reading the stream.

The strings are Argo Rollouts' own, so a dashboard written for Argo reads ours unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class RolloutPhase(StrEnum):
    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    PAUSED = "Paused"
    DEGRADED = "Degraded"


class AnalysisPhase(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def completed(self) -> bool:
        return self in _COMPLETED


_COMPLETED = frozenset(
    {
        AnalysisPhase.SUCCESSFUL,
        AnalysisPhase.FAILED,
        AnalysisPhase.ERROR,
        AnalysisPhase.INCONCLUSIVE,
    }
)

# Argo's ordering when a run or a rollout needs "the worst" of several phases.
ANALYSIS_SEVERITY: dict[AnalysisPhase, int] = {
    AnalysisPhase.SUCCESSFUL: 0,
    AnalysisPhase.RUNNING: 1,
    AnalysisPhase.PENDING: 2,
    AnalysisPhase.INCONCLUSIVE: 3,
    AnalysisPhase.ERROR: 4,
    AnalysisPhase.FAILED: 5,
}


class PauseReason(StrEnum):
    CANARY_PAUSE_STEP = "CanaryPauseStep"
    BLUE_GREEN_PAUSE = "BlueGreenPause"
    INCONCLUSIVE_ANALYSIS_RUN = "InconclusiveAnalysisRun"


class AnalysisRunKind(StrEnum):
    STEP = "Step"
    BACKGROUND = "Background"
    PRE_PROMOTION = "PrePromotion"
    POST_PROMOTION = "PostPromotion"
