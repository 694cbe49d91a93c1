"""Upcasters: how an event written under an older schema is read as the current model.

The stream keeps every event forever, so a payload written years ago must still decode after
its model changed. Each upcaster moves one type's JSON object up by exactly one version; the
codec chains them from the version recorded in the envelope (`dataschemaversion`) to the type's
current `schema_version`. Upcasters work on plain dicts so that no old model class has to be
kept around, and they must be pure: replaying the same history always gives the same state.

Bumping a schema means: raise `schema_version` on the model, and register one upcaster from the
previous version here (or in the module that owns the model) in the same change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JsonObject = dict[str, Any]
Upcaster = Callable[[JsonObject], JsonObject]


class MissingUpcaster(LookupError):
    """A step of the chain is not registered, so an old event cannot be read."""

    def __init__(self, type_name: str, from_version: int) -> None:
        super().__init__(
            f"no upcaster registered for {type_name} from schema version {from_version}"
        )
        self.type_name = type_name
        self.from_version = from_version


class Upcasters:
    """A registry of one-step upcasters keyed by (type name, version they upgrade from)."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def add(self, type_name: str, from_version: int, upcaster: Upcaster) -> None:
        key = (type_name, from_version)
        if key in self._steps:
            raise ValueError(f"an upcaster for {type_name} from version {from_version} exists")
        self._steps[key] = upcaster

    def register(self, type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator form of `add`."""

        def decorate(upcaster: Upcaster) -> Upcaster:
            self.add(type_name, from_version, upcaster)
            return upcaster

        return decorate

    def upcast(
        self, type_name: str, data: JsonObject, *, from_version: int, to_version: int
    ) -> JsonObject:
        """Apply every step from `from_version` up to `to_version`, in order."""
        for version in range(from_version, to_version):
            step = self._steps.get((type_name, version))
            if step is None:
                raise MissingUpcaster(type_name, version)
            data = step(data)
        return data

    def __contains__(self, key: object) -> bool:
        return key in self._steps


UPCASTERS = Upcasters()
"""The registry the default codec reads. No event type has been bumped yet, so it is empty."""
