"""Building blocks shared by every Argo-compatible spec model.

Argo's manifests are read by Go's JSON decoder, where `null` means "not set"; the base model drops
null keys before validation so `pause:` (empty) behaves like an absent field, exactly as in Argo.
Unknown keys are errors (a typo such as `setWieght` must never be silently ignored), and fields
Argo has but this project does not implement yet are rejected by name (the `Unsupported` type).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

API_VERSION: Final = "argoproj.io/v1alpha1"

# Messages for fields that exist in Argo but are not implemented here, keyed by the YAML name
# (or "ModelName.yamlName" where the same name means different things in different places).
UNSUPPORTED_FEATURES: dict[str, str] = {
    "experiment": "experiment steps are not supported yet",
    "plugin": "plugin steps are not supported yet",
    "MetricProvider.plugin": "metric provider plugins are not supported yet",
    "pingPong": "pingPong is not supported yet; use canaryService and stableService",
    "ambassador": "the Ambassador traffic router is not supported yet",
    "appMesh": "the App Mesh traffic router is not supported yet",
    "apisix": "the APISIX traffic router is not supported yet",
    "kayenta": "the kayenta metric provider is not supported yet",
    "wavefront": "the wavefront metric provider is not supported yet",
    "graphite": "the graphite metric provider is not supported yet",
    "influxdb": "the influxdb metric provider is not supported yet",
    "skywalking": "the skywalking metric provider is not supported yet",
}


def _drop_nulls(data: Any) -> Any:
    """Runs for every spec model validated; most have no null, and keep their dict (`in`
    only tells whether to filter, which `is not None` then does)."""
    if isinstance(data, dict) and None in data.values():
        return {key: value for key, value in data.items() if value is not None}
    return data


class SpecModel(BaseModel):
    """Frozen, camelCase on the wire, snake_case in Python, strict about unknown keys."""

    model_config = ConfigDict(
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        defer_build=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _nulls_mean_absent(cls, data: Any) -> Any:
        return _drop_nulls(data)


def _reject_unsupported(value: Any, info: ValidationInfo) -> Any:
    alias = to_camel(info.field_name or "")
    model = (info.config or {}).get("title", "")
    message = UNSUPPORTED_FEATURES.get(
        f"{model}.{alias}", UNSUPPORTED_FEATURES.get(alias, f"{alias} is not supported yet")
    )
    raise PydanticCustomError("not_supported", message)


# The type of a field Argo accepts but this project rejects by name; declare it with
# `unsupported_field()` so that leaving it out is fine and any value is an error.
Unsupported = Annotated[Any, BeforeValidator(_reject_unsupported)]


def unsupported_field() -> Any:
    return Field(default=None, exclude=True, repr=False)


def _int_or_string(value: object) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError(
            "int_or_string",
            "must be an integer or a string, got {kind}",
            {"kind": type(value).__name__},
        )
    return value


# Kubernetes' IntOrString: `maxSurge: 1` and `maxSurge: "25%"` are both valid.
IntOrString = Annotated[int | str, PlainValidator(_int_or_string)]


class ObjectMeta(SpecModel):
    """The parts of Kubernetes metadata the controller uses; server-set fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    name: str
    namespace: str | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    generation: int | None = None


class PodMetadata(SpecModel):
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}


class LabelSelectorRequirement(SpecModel):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        if self.operator == "In":
            return labels.get(self.key) in self.values
        if self.operator == "NotIn":
            return labels.get(self.key) not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels


class LabelSelector(SpecModel):
    match_labels: dict[str, str] = {}
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: dict[str, str]) -> bool:
        if any(labels.get(key) != value for key, value in self.match_labels.items()):
            return False
        return all(requirement.matches(labels) for requirement in self.match_expressions)
