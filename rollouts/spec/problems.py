"""Problems found in a manifest, addressed by Argo-style field paths.

Paths read like Argo's own validation messages (`spec.strategy.canary.steps[2].setWeight`), so a
user can find the field in the YAML without knowing anything about this implementation.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Severity = Literal["error", "warning"]
# Problems reported from one document's schema errors before the rest are only counted.
MAX_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class SpecProblem:
    path: str
    message: str
    source: str = ""
    document: int | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.source + (f"#{self.document}" if self.document is not None else "")
        return ": ".join(part for part in (where, self.path, self.message) if part)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def located(self, source: str, document: int | None) -> SpecProblem:
        return replace(self, source=source, document=document)


def join_path(*parts: str | int) -> str:
    """`join_path("spec", "steps", 2, "setWeight")` -> `spec.steps[2].setWeight`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part:
            text += f".{part}" if text else part
    return text


class ProblemList:
    """Collects problems while validation walks a spec; validation never stops at the first."""

    def __init__(self) -> None:
        self._items: list[SpecProblem] = []

    def error(self, path: str, message: str) -> None:
        self._items.append(SpecProblem(path=path, message=message))

    def warning(self, path: str, message: str) -> None:
        self._items.append(SpecProblem(path=path, message=message, severity="warning"))

    def extend(self, problems: Iterable[SpecProblem]) -> None:
        self._items.extend(problems)

    def freeze(self) -> tuple[SpecProblem, ...]:
        return tuple(self._items)


def problems_from_validation_error(
    error: ValidationError, *, prefix: Sequence[str | int] = (), vocabulary: Iterable[str] = ()
) -> tuple[SpecProblem, ...]:
    """One problem per pydantic error; `vocabulary` feeds "did you mean" hints for typos.

    At most MAX_PROBLEMS, then one line counting the rest: a document with thousands of bad
    fields would otherwise take seconds of hint searching and bury the first problems."""
    known = sorted(set(vocabulary))
    errors = error.errors(include_url=False)
    shown = tuple(
        SpecProblem(
            path=join_path(*prefix, *_clean_loc(details["loc"])),
            message=_message(details, known),
        )
        for details in errors[:MAX_PROBLEMS]
    )
    if len(errors) <= MAX_PROBLEMS:
        return shown
    rest = SpecProblem(
        path=join_path(*prefix), message=f"{len(errors) - MAX_PROBLEMS} more problem(s) not shown"
    )
    return (*shown, rest)


def _clean_loc(loc: tuple[str | int, ...]) -> list[str | int]:
    # Drop pydantic's union/validator tags such as "function-plain[...]" from the location.
    return [part for part in loc if isinstance(part, int) or "[" not in part]


_TYPE_MESSAGES = {
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "dict_type": "must be a mapping",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


def _message(details: ErrorDetails, known: Sequence[str]) -> str:
    kind = details["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_field_message(details["loc"], known)
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]}, got {_describe(details.get('input'))}"
    message = details["msg"]
    for noise in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(noise)
    return message.replace("Input should be", "must be")


def _unknown_field_message(loc: tuple[str | int, ...], known: Sequence[str]) -> str:
    name = str(loc[-1]) if loc else ""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown field{hint}"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def field_vocabulary(*models: type[BaseModel]) -> frozenset[str]:
    """The YAML names of every field reachable from the given models."""
    names: set[str] = set()
    pending = list(models)
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
            pending.extend(_nested_models(info.annotation))
    return frozenset(names)


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()):
        found.extend(_nested_models(arg))
    return found
