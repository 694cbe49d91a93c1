"""AnalysisRun objects on Kubernetes: a read model of each rollout's analysis runs, projected
from the stream (`ledger` folds the events, `document` builds Argo's object, `retention`
applies the history limits, `writer` keeps the cluster in step)."""

from adapters.kubernetes.analysisruns.document import analysis_run
from adapters.kubernetes.analysisruns.ledger import LedgerRun, RunLedger
from adapters.kubernetes.analysisruns.retention import HistoryLimits, split_kept
from adapters.kubernetes.analysisruns.writer import AnalysisRunWriter

__all__ = [
    "AnalysisRunWriter",
    "HistoryLimits",
    "LedgerRun",
    "RunLedger",
    "analysis_run",
    "split_kept",
]
