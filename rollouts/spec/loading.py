"""Turn manifest text into validated spec objects plus a list of problems. Pure: no file IO.

`LoadResult.objects` holds every document that parsed into a model, including ones with semantic
errors (so cross-object checks still see them); callers that act on objects check `.ok` or the
problems first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from rollouts.spec.analysis import AnalysisTemplate, ClusterAnalysisTemplate
from rollouts.spec.base import API_VERSION
from rollouts.spec.limits import check_data_bounds
from rollouts.spec.problems import SpecProblem, field_vocabulary, problems_from_validation_error
from rollouts.spec.references import ObjectLocation, SpecObject, check_references
from rollouts.spec.rollout import Rollout
from rollouts.spec.traffic import GatewayAPIConfig
from rollouts.spec.validate.analysis import validate_analysis_template
from rollouts.spec.validate.rollout_spec import validate_rollout
from rollouts.spec.yaml_docs import parse_documents

__all__ = ["LoadResult", "ObjectLocation", "check_references", "load_manifests", "parse_object"]

_MODELS: dict[str, type[Rollout] | type[AnalysisTemplate] | type[ClusterAnalysisTemplate]] = {
    "Rollout": Rollout,
    "AnalysisTemplate": AnalysisTemplate,
    "ClusterAnalysisTemplate": ClusterAnalysisTemplate,
}
_NOT_YET = ("Experiment", "AnalysisRun")
_VOCABULARY = field_vocabulary(Rollout, AnalysisTemplate, GatewayAPIConfig)


@dataclass(frozen=True, slots=True)
class LoadResult:
    objects: tuple[SpecObject, ...]
    problems: tuple[SpecProblem, ...]
    # Where each object came from, parallel to `objects`.
    locations: tuple[ObjectLocation, ...] = ()

    @property
    def errors(self) -> tuple[SpecProblem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[SpecProblem, ...]:
        return tuple(p for p in self.problems if not p.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_manifests(
    text: str, *, source: str = "", ignore_unknown_kinds: bool = False
) -> LoadResult:
    objects: list[SpecObject] = []
    locations: list[ObjectLocation] = []
    problems: list[SpecProblem] = []
    for document in parse_documents(text):
        if document.error is not None:
            problems.append(
                SpecProblem(
                    path=document.error_path,
                    message=document.error,
                    source=source,
                    document=document.number,
                )
            )
            continue
        parsed, found = parse_object(document.data, ignore_unknown_kinds=ignore_unknown_kinds)
        problems.extend(problem.located(source, document.number) for problem in found)
        if parsed is not None:
            objects.append(parsed)
            locations.append(ObjectLocation(source=source, document=document.number))
    return LoadResult(objects=tuple(objects), problems=tuple(problems), locations=tuple(locations))


def parse_object(
    data: Any, *, ignore_unknown_kinds: bool = False
) -> tuple[SpecObject | None, tuple[SpecProblem, ...]]:
    """Parse and validate one decoded document; (None, problems) when it is not one of ours.

    Data decoded elsewhere (a bus input, a cluster object) is held to the loader's limits
    first: pydantic recurses once per level and would fail with a RecursionError."""
    if (exceeded := check_data_bounds(data)) is not None:
        return None, (SpecProblem(path=exceeded.path, message=exceeded.message),)
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        return None, (SpecProblem(path="", message=f"document is not a mapping (got {kind})"),)
    if data.get("kind") == "FleetRollout" and str(data.get("apiVersion")).startswith(
        "rollouts.dev/"
    ):
        # Imported here: rollouts.fleet builds on this package (and would import it circularly).
        from rollouts.fleet.validate import parse_fleet

        return None, parse_fleet(data)[1]
    model_or_problem = _model_for(data, ignore_unknown_kinds)
    if model_or_problem is None or isinstance(model_or_problem, SpecProblem):
        return None, (model_or_problem,) if model_or_problem else ()
    try:
        parsed = model_or_problem.model_validate(data)
    except ValidationError as exc:
        return None, problems_from_validation_error(exc, vocabulary=_VOCABULARY)
    if isinstance(parsed, Rollout):
        return parsed, validate_rollout(parsed)
    return parsed, validate_analysis_template(parsed)


def _model_for(
    data: Mapping[str, Any], ignore_unknown_kinds: bool
) -> type[Rollout] | type[AnalysisTemplate] | type[ClusterAnalysisTemplate] | SpecProblem | None:
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(kind, str) or not kind or not isinstance(api_version, str) or not api_version:
        missing = "kind" if not isinstance(kind, str) or not kind else "apiVersion"
        return SpecProblem(
            path=missing,
            message="required field is missing; every manifest needs apiVersion and kind",
        )
    is_argo = api_version.split("/", 1)[0] == "argoproj.io"
    if is_argo and kind in _NOT_YET:
        return SpecProblem(path="kind", message=f"kind {kind} is not supported yet")
    if is_argo and kind in _MODELS and api_version != API_VERSION:
        return SpecProblem(
            path="apiVersion",
            message=f"{kind} must use apiVersion {API_VERSION}, got {api_version!r}",
        )
    if api_version == API_VERSION and kind in _MODELS:
        return _MODELS[kind]
    if ignore_unknown_kinds:
        return None
    return SpecProblem(
        path="kind",
        message=(
            f"{kind} (apiVersion {api_version}) is not a Rollout, AnalysisTemplate or "
            "ClusterAnalysisTemplate; pass --ignore-unknown-kinds to skip it"
        ),
    )
