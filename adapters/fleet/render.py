"""Text views of a fleet for the CLI and the demo: `fleet get`, `fleet events`, status lines."""

from __future__ import annotations

from typing import Any

from events import fleet as ev
from events.base import Event
from rollouts.fleet.state import ClusterView, FleetState


def status_line(state: FleetState) -> str:
    phase = state.phase or "Unknown"
    parts = [f"{phase}", f"revision {state.revision}"]
    if state.wave is not None and state.fleet is not None:
        parts.append(f"wave {state.wave + 1}/{len(state.fleet.waves)}")
    if state.gate is not None:
        parts.append(f"waiting at the gate before wave {state.gate}")
    if state.score is not None:
        parts.append(f"score {state.score:.2f}")
    if state.abort is not None:
        a = state.abort
        cause = f"{a.reason} in {a.cluster}" if a.cluster else a.reason
        detail = f" ({a.metric}={a.value})" if a.metric else (f" ({a.value})" if a.value else "")
        parts.append(f"aborted: {cause}{detail}")
    if state.abort_pending:
        parts.append("abort pending: " + ", ".join(state.abort_pending))
    return " - ".join(parts)


def _cluster_status(state: FleetState, name: str, view: ClusterView | None) -> str:
    if name in state.abort_pending:
        return "abort pending"
    if name not in state.updates:
        return "waiting"
    if view is None or view.pod_hash != state.template_hash:
        return "sent"
    if view.healthy_on(state.template_hash):
        return "done"
    return "aborted" if view.aborted else "rolling"


def cluster_rows(state: FleetState) -> list[dict[str, Any]]:
    """One row per cluster, wave by wave: what `fleet get` shows."""
    rows: list[dict[str, Any]] = []
    if state.fleet is None:
        return rows
    for k, wave in enumerate(state.fleet.waves):
        for cluster in wave.clusters:
            view = state.clusters.get(cluster.name)
            rows.append(
                {
                    "wave": k,
                    "cluster": cluster.name,
                    "fleet": _cluster_status(state, cluster.name, view),
                    "phase": view.phase.value if view and view.phase else "-",
                    "weight": "-" if not view or view.canary_weight is None else view.canary_weight,
                    "step": "-" if not view or view.step_index is None else view.step_index,
                    "analysis": view.analysis.value if view and view.analysis else "-",
                    "score": "-" if not view or view.score is None else f"{view.score:.2f}",
                }
            )
    return rows


def event_line(event: Event) -> str:
    """One line per fleet event, with the fields a reader needs."""
    at = event.at.strftime("%H:%M:%S.%f")[:-3]
    name = type(event).__name__
    detail = _details(event)
    return f"{at}  {name:<28} {detail}".rstrip()


def _details(event: Event) -> str:
    if isinstance(event, ev.FleetPhaseChanged):
        return f"{event.previous or '-'} -> {event.phase} ({event.trigger}) {event.message}"
    if isinstance(event, ev.FleetWaveStarted):
        return f"revision {event.revision} wave {event.wave}: {', '.join(event.clusters)}"
    if isinstance(event, ev.FleetClusterUpdateRequested):
        return f"{event.cluster} revision {event.revision}"
    if isinstance(event, ev.FleetClusterObserved):
        phase = event.phase.value if event.phase else "-"
        return f"{event.cluster} {phase} weight={event.canary_weight} aborted={event.aborted}"
    if isinstance(event, ev.FleetHealthScored):
        return f"revision {event.revision} score {event.score:.3f} {event.clusters}"
    if isinstance(event, ev.FleetAbortRequested):
        return (
            f"{event.reason} cluster={event.cluster or '-'} metric={event.metric or '-'} "
            f"value={event.value or '-'} -> abort {', '.join(event.clusters) or 'nothing'}"
        )
    if isinstance(event, ev.FleetSpecApplied):
        return f"revision {event.revision} template {event.template_hash}"
    fields = event.model_dump(exclude={"cause", "at", "manifest"})
    return " ".join(f"{k}={v}" for k, v in fields.items())
