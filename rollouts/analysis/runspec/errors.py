"""The error of building an analysis run's spec: its message is Argo's, word for word, because
it becomes the run's message (`AnalysisRunResolved.error`) and users search for it."""

from __future__ import annotations


class RunSpecError(ValueError):
    """The run cannot be built: missing template, unresolved or conflicting argument, ..."""
