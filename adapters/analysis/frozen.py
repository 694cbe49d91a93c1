"""Finding a run's frozen spec (its metrics and secret arguments) to take a measurement.

The controller keeps the spec of each run in the rollout's state once `AnalysisRunStarted` is
folded; when the state does not carry it (an older state shape), the `AnalysisRunStarted` event
itself is read back from the rollout's history. A run's spec never changes, so it is cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

import events.models as ev
from events.store import StoredEvent
from rollouts.analysis.runspec.substitute import placeholder_names
from rollouts.state import RolloutState

History = Callable[[str, str], Awaitable[list[StoredEvent]]]
CACHED_RUNS = 1024


@dataclass(frozen=True)
class FrozenRun:
    metrics: dict[str, dict[str, Any]]
    """Metric documents (camelCase) by name."""
    secret_args: dict[str, dict[str, str]]


class FrozenRuns:
    def __init__(self, history: History | None = None) -> None:
        self._history = history
        self._cache: OrderedDict[tuple[str, str, str], FrozenRun] = OrderedDict()

    async def find(
        self, namespace: str, name: str, run_name: str, state: RolloutState | None
    ) -> FrozenRun | None:
        key = (namespace, name, run_name)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        found = from_state(state, run_name) or await self._from_history(namespace, name, run_name)
        if found is not None:
            self._cache[key] = found
            if len(self._cache) > CACHED_RUNS:
                self._cache.popitem(last=False)
        return found

    async def _from_history(self, namespace: str, name: str, run_name: str) -> FrozenRun | None:
        if self._history is None:
            return None
        for stored in reversed(await self._history(namespace, name)):
            event = stored.event
            if isinstance(event, ev.AnalysisRunStarted) and event.run_name == run_name:
                return FrozenRun(
                    metrics={str(m.get("name")): dict(m) for m in event.metrics},
                    secret_args={k: dict(v) for k, v in event.secret_args.items()},
                )
        return None


def from_state(state: RolloutState | None, run_name: str) -> FrozenRun | None:
    """The spec as the state holds it, read by shape: runs keep `metrics` (items with a `spec`
    Metric, or metric documents) and, when the state has them, `secret_args`."""
    run = state.analysis_runs.get(run_name) if state is not None else None
    metrics = getattr(run, "metrics", None)
    if run is None or not metrics:
        return None
    documents = [_document(item) for item in _values(metrics)]
    secret_args = getattr(run, "secret_args", None)
    if secret_args is None and any(placeholder_names(doc) for doc in documents):
        return None  # placeholders of secrets this state does not name: ask the history
    return FrozenRun(
        metrics={str(doc.get("name")): doc for doc in documents if doc},
        secret_args={k: dict(v) for k, v in dict(secret_args or {}).items()},
    )


def _values(metrics: Any) -> list[Any]:
    return list(metrics.values()) if isinstance(metrics, Mapping) else list(metrics)


def _document(item: Any) -> dict[str, Any]:
    spec = getattr(item, "spec", item)
    if isinstance(spec, BaseModel):
        return spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return dict(spec) if isinstance(spec, Mapping) else {}
