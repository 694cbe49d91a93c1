"""Canary steps. Each step does exactly one thing; `CanaryStep.kind` says which."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    ModelWrapValidatorHandler,
    PrivateAttr,
    field_serializer,
    field_validator,
    model_validator,
)

from rollouts.durations import parse_pause_duration
from rollouts.spec.analysis_refs import RolloutAnalysis
from rollouts.spec.base import SpecModel, Unsupported, unsupported_field

StepKind = Literal[
    "setWeight", "pause", "analysis", "setCanaryScale", "setHeaderRoute", "setMirrorRoute"
]


class PauseStep(SpecModel):
    """`duration` is whole seconds (None: pause until promoted; 0: continue at once). The form it
    was written in (`10`, `"10s"`, `"1h30m"`) is kept too, as Argo keeps its IntOrString: dumps
    write it back unchanged and the step reads `pause: 10s` as in Argo's CanaryStepString."""

    duration: int | None = None
    _written: int | str | None = PrivateAttr(default=None)

    @field_validator("duration", mode="before")
    @classmethod
    def _to_seconds(cls, value: Any) -> int:
        return parse_pause_duration(value)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_written(cls, data: Any, handler: ModelWrapValidatorHandler[PauseStep]) -> PauseStep:
        step = handler(data)
        raw = data.get("duration") if isinstance(data, dict) else None
        if isinstance(raw, int | str) and not isinstance(raw, bool):
            step._written = raw
        return step

    @field_serializer("duration")
    def _as_written(self, seconds: int | None) -> int | str | None:
        return seconds if seconds is None or self._written is None else self._written

    @property
    def written(self) -> str:
        """The duration as written (Go's IntOrString.String()); "" for an indefinite pause."""
        if self.duration is None:
            return ""
        return str(self._written if self._written is not None else self.duration)


class SetCanaryScale(SpecModel):
    replicas: int | None = None
    weight: int | None = None
    match_traffic_weight: bool = False


class StringMatch(SpecModel):
    exact: str = ""
    prefix: str = ""
    regex: str = ""

    @property
    def set_kinds(self) -> tuple[str, ...]:
        pairs = (("exact", self.exact), ("prefix", self.prefix), ("regex", self.regex))
        return tuple(name for name, value in pairs if value)

    @property
    def chosen(self) -> tuple[str, str] | None:
        """(kind, value) when exactly one kind is set, as Argo requires; None otherwise."""
        kinds = self.set_kinds
        return (kinds[0], str(getattr(self, kinds[0]))) if len(kinds) == 1 else None


class HeaderRoutingMatch(SpecModel):
    header_name: str
    header_value: StringMatch | None = None


class SetHeaderRoute(SpecModel):
    # A step with a name and no match removes the route.
    name: str = ""
    match: tuple[HeaderRoutingMatch, ...] = ()


class RouteMatch(SpecModel):
    method: StringMatch | None = None
    path: StringMatch | None = None
    headers: dict[str, StringMatch] = {}


class SetMirrorRoute(SpecModel):
    name: str
    match: tuple[RouteMatch, ...] = ()
    percentage: int | None = None


class CanaryStep(SpecModel):
    set_weight: int | None = None
    pause: PauseStep | None = None
    analysis: RolloutAnalysis | None = None
    set_canary_scale: SetCanaryScale | None = None
    set_header_route: SetHeaderRoute | None = None
    set_mirror_route: SetMirrorRoute | None = None
    experiment: Unsupported = unsupported_field()
    plugin: Unsupported = unsupported_field()

    @property
    def actions(self) -> tuple[StepKind, ...]:
        present: tuple[tuple[StepKind, object], ...] = (
            ("setWeight", self.set_weight),
            ("pause", self.pause),
            ("analysis", self.analysis),
            ("setCanaryScale", self.set_canary_scale),
            ("setHeaderRoute", self.set_header_route),
            ("setMirrorRoute", self.set_mirror_route),
        )
        return tuple(name for name, value in present if value is not None)

    @property
    def kind(self) -> StepKind:
        """The step's single action; raises ValueError on a step validation would reject."""
        actions = self.actions
        if len(actions) != 1:
            raise ValueError(f"a canary step needs exactly one action, found {len(actions)}")
        return actions[0]

    def describe(self) -> str:
        """Short text in the style of Argo's `CanaryStepString` (`pause`, `pause: 10s`)."""
        kind = self.kind
        if kind == "pause" and self.pause is not None:
            written = self.pause.written
            return f"pause: {written}" if written else "pause"
        if kind == "analysis" and self.analysis is not None:
            names = ", ".join(self.analysis.template_names)
            return f"analysis: {names}" if names else "analysis"
        if kind == "setCanaryScale" and self.set_canary_scale is not None:
            return _describe_canary_scale(self.set_canary_scale)
        if kind == "setHeaderRoute" and self.set_header_route is not None:
            return f"setHeaderRoute: {self.set_header_route.name}"
        if kind == "setMirrorRoute" and self.set_mirror_route is not None:
            return f"setMirrorRoute: {self.set_mirror_route.name}"
        return f"setWeight: {self.set_weight}"


def _describe_canary_scale(scale: SetCanaryScale) -> str:
    if scale.weight is not None:
        return f"setCanaryScale{{weight: {scale.weight}}}"
    if scale.match_traffic_weight:
        return "setCanaryScale{matchTrafficWeight: true}"
    return f"setCanaryScale{{replicas: {scale.replicas}}}"
