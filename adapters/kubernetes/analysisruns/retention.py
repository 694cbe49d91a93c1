"""Which runs keep an object: Argo's `successfulRunHistoryLimit` / `unsuccessfulRunHistoryLimit`
(argo-semantics §1, default 5 each) applied to the objects only; the stream keeps every run.

As Argo's rollout controller does: runs the rollout still refers to (its current runs) and runs
not yet completed are never deleted and count against neither limit; of the completed ones,
newest first, the first `successful` Successful runs and the first `unsuccessful` Failed, Error
or Inconclusive runs stay, the rest go. Pure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.kubernetes.analysisruns.ledger import LedgerRun
from events.phases import AnalysisPhase

DEFAULT_LIMIT = 5


@dataclass(frozen=True, slots=True)
class HistoryLimits:
    successful: int = DEFAULT_LIMIT
    unsuccessful: int = DEFAULT_LIMIT

    @classmethod
    def of(cls, rollout: Mapping[str, Any]) -> HistoryLimits:
        """From the Rollout object's `spec.analysis`; a value that is not a count >= 0 (the
        spec's validation reports it) leaves Argo's default."""
        spec = rollout.get("spec")
        analysis = spec.get("analysis") if isinstance(spec, Mapping) else None
        if not isinstance(analysis, Mapping):
            return cls()
        return cls(
            _count(analysis.get("successfulRunHistoryLimit")),
            _count(analysis.get("unsuccessfulRunHistoryLimit")),
        )


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return DEFAULT_LIMIT


def split_kept(
    runs: Sequence[LedgerRun], current: Collection[str], limits: HistoryLimits
) -> tuple[list[LedgerRun], list[LedgerRun]]:
    """(kept, pruned), each oldest first as `runs` is."""
    kept: list[LedgerRun] = []
    pruned: list[LedgerRun] = []
    successful = unsuccessful = 0
    for run in reversed(runs):
        phase = run.state.phase
        if run.name in current or not phase.completed:
            kept.append(run)
        elif phase is AnalysisPhase.SUCCESSFUL:
            successful += 1
            (kept if successful <= limits.successful else pruned).append(run)
        else:
            unsuccessful += 1
            (kept if unsuccessful <= limits.unsuccessful else pruned).append(run)
    return kept[::-1], pruned[::-1]
