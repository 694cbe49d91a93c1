"""What the judge is told about each metric and the run: the knobs of Kayenta's NetflixACAJudge.

Defaults are Kayenta's: a 98% confidence level (the level NetflixACAJudge hard-codes), allowed
increase and decrease of 1.0 (any significant change in the bad direction counts), direction
`either`. The score thresholds default to those of Argo's own Kayenta provider examples
(marginal 75, pass 90).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from events.judgment import JudgeDirection

DEFAULT_CONFIDENCE = 0.98
DEFAULT_MARGINAL = 75.0
DEFAULT_PASS = 90.0


class MetricCriteria(BaseModel):
    """How one metric is compared; `allowed_*` bound the canary/baseline ratio of the means."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = Field(min_length=1)
    direction: JudgeDirection = "either"
    weight: float = Field(default=1.0, gt=0)
    critical: bool = False
    confidence: float = Field(default=DEFAULT_CONFIDENCE, gt=0, lt=1)
    allowed_increase: float = Field(default=1.0, ge=1.0)
    allowed_decrease: float = Field(default=1.0, gt=0, le=1.0)

    @property
    def alpha(self) -> float:
        """The largest p-value that still counts as a significant difference (exclusive)."""
        return 1 - self.confidence


class Thresholds(BaseModel):
    """Score below `marginal` fails, from `marginal` up to `pass_score` is Inconclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    marginal: float = Field(default=DEFAULT_MARGINAL, ge=0, le=100)
    pass_score: float = Field(default=DEFAULT_PASS, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.marginal > self.pass_score:
            raise ValueError(
                f"marginal ({self.marginal:g}) must not exceed pass ({self.pass_score:g})"
            )
        return self


# Prometheus' own cap on the points of one range-query series; it also bounds the exact test's
# cost (8 values against 11,000: under 0.1 s) so one judgment cannot stall a decision.
MAX_SAMPLES = 11_000


class MetricSamples(BaseModel):
    """The baseline's and the canary's values of one metric over the same window."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    criteria: MetricCriteria
    baseline: tuple[float, ...] = Field(max_length=MAX_SAMPLES)
    canary: tuple[float, ...] = Field(max_length=MAX_SAMPLES)

    @classmethod
    def of(
        cls, criteria: MetricCriteria, baseline: Sequence[float], canary: Sequence[float]
    ) -> MetricSamples:
        return cls(criteria=criteria, baseline=tuple(baseline), canary=tuple(canary))
