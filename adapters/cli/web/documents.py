"""The JSON the page reads: one line per rollout, and one rollout in full at any event.

Everything is computed with the CLI's own pieces: the fold that skips unfoldable events
(`adapters.runtime.folding`), `get rollout`'s view (`adapters.cli.view`), `replay`'s choice of
events (`adapters.cli.replay.history_until`) and `events`' summaries. The page only lays it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.cli.replay import Point, history_until
from adapters.cli.summaries import summarize
from adapters.cli.view import RevisionRow, RolloutView, build_view
from adapters.cli.web.charts import metric_charts
from adapters.runtime.folding import fold_readable
from events.store import StoredEvent
from rollouts.state import RolloutState, initial_state


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def summary(state: RolloutState, events: list[Any] | None = None) -> dict[str, Any]:
    """What the list shows: phase, step and weights, as `get rollout` computes them."""
    view = build_view(state, events or ())
    return {
        "namespace": state.namespace,
        "name": state.name,
        "version": state.version,
        "phase": view.phase.value if view.phase else None,
        "status": view.status,
        "message": view.message,
        "strategy": view.strategy,
        "step": view.step,
        "set_weight": view.set_weight,
        "actual_weight": view.actual_weight,
        "aborted": state.abort,
    }


def _revision(row: RevisionRow) -> dict[str, Any]:
    return {
        "revision": row.revision,
        "replica_set": row.replica_set,
        "status": row.status,
        "roles": list(row.roles),
        "ready": row.ready,
        "desired": row.desired,
        "pods": row.pods,
        "created": _when(row.created),
        "runs": [
            {"name": run.name, "phase": run.phase.value, "kind": run.kind, "message": run.message}
            for run in row.runs
        ],
    }


def steps(state: RolloutState) -> list[dict[str, Any]]:
    """The canary steps with the current one marked (none for blue-green)."""
    canary = state.spec.spec.strategy.canary if state.spec else None
    if canary is None:
        return []
    current = state.current_step_index
    return [
        {
            "index": index,
            "text": step.describe(),
            "current": index == current,
            "done": current is not None and index < current,
        }
        for index, step in enumerate(canary.steps)
    ]


def _tree(view: RolloutView) -> dict[str, Any]:
    return {
        "images": [{"image": image, "roles": list(tags)} for image, tags in view.images],
        "replicas": dict(
            zip(("desired", "current", "updated", "ready", "available"), view.replicas, strict=True)
        ),
        "revisions": [_revision(row) for row in view.revisions],
    }


def timeline(history: list[StoredEvent], name: str) -> list[dict[str, Any]]:
    return [
        {
            "seq": stored.rollout_sequence,
            "type": type(stored.event).__name__,
            "at": stored.envelope.time.isoformat(),
            "summary": summarize(stored.event, name),
        }
        for stored in history
    ]


def detail(namespace: str, name: str, history: list[StoredEvent], point: Point) -> dict[str, Any]:
    """The rollout as it was after event `point` (None: now), with its whole timeline."""
    kept = history_until(history, point)
    events = [stored.event for stored in kept]
    state = fold_readable(initial_state(namespace, name), events)
    view = build_view(state, events)
    return {
        "rollout": summary(state, events),
        "at": kept[-1].rollout_sequence,
        "latest": history[-1].rollout_sequence,
        "tree": _tree(view),
        "steps": steps(state),
        "charts": metric_charts(state, events),
        "timeline": timeline(history, name),
    }
