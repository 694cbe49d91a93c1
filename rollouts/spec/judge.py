"""Our extension of AnalysisTemplate: a metric judged by comparing canary with baseline samples.

Argo's own controller has no such field: it would prune `judge` and run the metric's provider
query against fixed conditions. So a judge metric keeps the provider (its address, range window
and credentials) but leaves the provider's query and the conditions empty, and names its two
queries in `judge`; validation rejects a judge metric that Argo could run as a plain threshold
metric. The schema is documented in docs/judge.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rollouts.spec.base import SpecModel

JUDGE_PROVIDERS = ("prometheus", "datadog")


class JudgeThresholds(SpecModel):
    """The score (0-100) below which a judgment fails, and from which it succeeds."""

    marginal: float = Field(default=75.0, ge=0, le=100)
    pass_score: float = Field(default=90.0, ge=0, le=100, alias="pass")


class MetricJudge(SpecModel):
    """How a metric's canary is compared with its baseline (Kayenta's metric settings)."""

    # Queries for the baseline (stable) pods and the canary pods, e.g. with
    # `{{args.stable-hash}}` and `{{args.canary-hash}}` selecting the pod template hash.
    baseline: str
    canary: str
    direction: Literal["increase", "decrease", "either"] = "either"
    weight: float = Field(default=1.0, gt=0)
    critical: bool = False
    confidence: float = Field(default=0.98, gt=0, lt=1)
    allowed_increase: float = Field(default=1.0, ge=1.0)
    allowed_decrease: float = Field(default=1.0, gt=0, le=1.0)
    # The score thresholds this metric's judgments are held to. Left unset in a template, it is
    # filled from the template's `spec.judge` when a run is resolved (defaults 75/90).
    thresholds: JudgeThresholds | None = None
