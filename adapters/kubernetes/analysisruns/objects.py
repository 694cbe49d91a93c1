"""The AnalysisRun objects in the cluster that Rollouts own, by Rollout: what the writer compares
its wanted objects with.

Fed by an informer (label `rollout-type`, which every run a Rollout creates carries) and by the
writer's own answers, so a pass that follows a write compares with what the write left, not
with the older copy the watch has not delivered yet. An object belongs to the Rollout its
controller owner reference names (kind Rollout, same namespace). `echo` says whether a change
the watch reports is one this process already knows (its own write coming back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.kubernetes.objects import Key, Obj, key_of, metadata_of, newer, version_of

RUN_SELECTOR = "rollout-type"
"""Label selector of the informer: runs a Rollout created (Argo's, or ours)."""


def owner_key(obj: Mapping[str, Any]) -> Key | None:
    """(namespace, Rollout name) of the object's controlling Rollout, if any."""
    metadata = metadata_of(obj)
    for reference in metadata.get("ownerReferences") or []:
        if isinstance(reference, Mapping) and reference.get("controller"):
            if reference.get("kind") == "Rollout" and reference.get("name"):
                return str(metadata.get("namespace") or ""), str(reference["name"])
            return None
    return None


def owner_uid(obj: Mapping[str, Any]) -> str:
    for reference in metadata_of(obj).get("ownerReferences") or []:
        if isinstance(reference, Mapping) and reference.get("controller"):
            return str(reference.get("uid") or "")
    return ""


class OwnedRuns:
    def __init__(self) -> None:
        self._by_rollout: dict[Key, dict[str, Obj]] = {}

    def of(self, rollout: Key) -> dict[str, Obj]:
        """Run name -> object, for the Rollout `rollout`."""
        return dict(self._by_rollout.get(rollout) or {})

    def has_any(self, rollout: Key) -> bool:
        return bool(self._by_rollout.get(rollout))

    def echo(self, obj: Mapping[str, Any]) -> bool:
        """Whether this version of the object is already known here."""
        rollout = owner_key(obj)
        if rollout is None:
            return False
        known = (self._by_rollout.get(rollout) or {}).get(key_of(obj)[1])
        return known is not None and version_of(known) == version_of(obj)

    def seen(self, obj: Obj) -> Key | None:
        """An object as the API returned it (a watch event, a write's answer); its Rollout."""
        rollout = owner_key(obj)
        if rollout is None:
            return None
        runs = self._by_rollout.setdefault(rollout, {})
        name = key_of(obj)[1]
        if newer(obj, runs.get(name)):
            runs[name] = obj
        return rollout

    def gone(self, obj: Mapping[str, Any]) -> Key | None:
        """The object was deleted; its Rollout."""
        rollout = owner_key(obj)
        if rollout is None:
            return None
        runs = self._by_rollout.get(rollout) or {}
        known = runs.get(key_of(obj)[1])
        if known is not None and metadata_of(known).get("uid") == metadata_of(obj).get("uid"):
            del runs[key_of(obj)[1]]
        if not runs:
            self._by_rollout.pop(rollout, None)
        return rollout


@dataclass(frozen=True, slots=True)
class RunObjects:
    """The informer's source: AnalysisRuns labelled `rollout-type`, in a namespace or all."""

    group: str
    version: str
    plural: str = "analysisruns"
    namespaced: bool = True

    @property
    def name(self) -> str:
        return f"{self.plural}.{self.group}"

    def call(self, api: Any, namespace: str | None, **options: Any) -> Any:
        args = (self.group, self.version)
        if namespace is None:
            return api.list_cluster_custom_object(
                *args, self.plural, label_selector=RUN_SELECTOR, **options
            )
        return api.list_namespaced_custom_object(
            *args, namespace, self.plural, label_selector=RUN_SELECTOR, **options
        )
