"""AnalysisTemplate and ClusterAnalysisTemplate (argo-semantics §3.1-3.3)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator

from rollouts.durations import parse_go_duration
from rollouts.spec.analysis_refs import AnalysisTemplateRef, DryRun, FieldRef, MeasurementRetention
from rollouts.spec.base import API_VERSION, IntOrString, ObjectMeta, SpecModel
from rollouts.spec.judge import JudgeThresholds, MetricJudge
from rollouts.spec.providers import MetricProvider

_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def is_templated(text: str) -> bool:
    """True when the value contains an argument placeholder such as `{{args.interval}}`."""
    return "{{" in text


def _duration_or_none(text: str) -> float | None:
    if not text or is_templated(text):
        return None
    return parse_go_duration(text)


def literal_int(value: int | str | None) -> int | None:
    """The integer a count/limit stands for, or None when it is a placeholder or absent.

    Go's IntOrString.IntValue() reads numeric strings too, so `"3"` counts as 3.
    """
    if value is None or isinstance(value, int):
        return value
    text = value.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return None


class SecretKeyRef(SpecModel):
    name: str
    key: str


class ValueFrom(SpecModel):
    secret_key_ref: SecretKeyRef | None = None
    field_ref: FieldRef | None = None


class Argument(SpecModel):
    """A template argument; neither value nor value_from means the caller must supply it."""

    name: str
    value: str | None = None
    value_from: ValueFrom | None = None

    @property
    def required(self) -> bool:
        return self.value is None and self.value_from is None


class Metric(SpecModel):
    name: str
    # Go duration strings, kept as written (they may hold `{{args.*}}` placeholders).
    interval: str = ""
    initial_delay: str = ""
    count: IntOrString | None = None
    success_condition: str = ""
    failure_condition: str = ""
    failure_limit: IntOrString = 0
    inconclusive_limit: IntOrString = 0
    consecutive_error_limit: IntOrString = 4
    consecutive_success_limit: IntOrString = 0
    provider: MetricProvider
    # Our extension (docs/judge.md): compare canary with baseline instead of fixed conditions.
    judge: MetricJudge | None = None

    @field_validator("interval", "initial_delay")
    @classmethod
    def _go_duration(cls, text: str) -> str:
        _duration_or_none(text)
        return text

    @property
    def interval_seconds(self) -> float | None:
        """None when no interval is set or it is still a placeholder."""
        return _duration_or_none(self.interval)

    @property
    def initial_delay_seconds(self) -> float | None:
        return _duration_or_none(self.initial_delay)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every `{{...}}` tag in the metric, in order of appearance."""
        return tuple(_PLACEHOLDER.findall(self.model_dump_json(by_alias=True)))


class AnalysisTemplateSpec(SpecModel):
    metrics: tuple[Metric, ...] = ()
    args: tuple[Argument, ...] = ()
    dry_run: tuple[DryRun, ...] = ()
    measurement_retention: tuple[MeasurementRetention, ...] = ()
    # Other templates whose metrics and args are merged into this one.
    templates: tuple[AnalysisTemplateRef, ...] = ()
    # Our extension (docs/judge.md): score thresholds of the metrics that have a `judge` block.
    judge: JudgeThresholds | None = None


class AnalysisTemplate(SpecModel):
    api_version: Literal["argoproj.io/v1alpha1"] = API_VERSION
    kind: Literal["AnalysisTemplate"] = "AnalysisTemplate"
    metadata: ObjectMeta
    spec: AnalysisTemplateSpec

    @property
    def name(self) -> str:
        return self.metadata.name


class ClusterAnalysisTemplate(SpecModel):
    api_version: Literal["argoproj.io/v1alpha1"] = API_VERSION
    kind: Literal["ClusterAnalysisTemplate"] = "ClusterAnalysisTemplate"
    metadata: ObjectMeta
    spec: AnalysisTemplateSpec

    @property
    def name(self) -> str:
        return self.metadata.name
