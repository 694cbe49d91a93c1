"""The live panel of the terminal view: the same facts as the status line, laid out.

Rendering only; the display decides when to redraw. Recent events sit under the panel so the
viewer sees the cause (the event) right below its effect (the panel).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from adapters.demo.split import TrafficSplit
from adapters.demo.view import image_tag, replica_sets, step_progress, weights
from rollouts.state import RolloutState

PHASE_STYLES = {"Healthy": "green", "Progressing": "cyan", "Paused": "yellow", "Degraded": "red"}
VERSION_STYLES = {"v1": "blue", "v2": "green", "v3": "red"}
BAR_WIDTH = 40


def version_style(version: str) -> str:
    return VERSION_STYLES.get(version, "white")


def phase_text(state: RolloutState) -> Text:
    phase = state.phase.value if state.phase else "-"
    text = Text(phase, style=f"bold {PHASE_STYLES.get(phase, 'white')}")
    if state.message:
        text.append(f"  {state.message}", style="dim")
    return text


def replica_set_table(state: RolloutState) -> Table:
    table = Table.grid(padding=(0, 2))
    for role, rs in replica_sets(state):
        version = image_tag(rs)
        pods = Text("■" * rs.ready, style=version_style(version))
        pods.append("□" * max(rs.desired - rs.ready, 0), style="dim")
        table.add_row(
            f"rev {rs.revision}",
            Text(version, style=version_style(version)),
            role,
            f"{rs.ready}/{rs.desired} ready",
            pods,
        )
    return table


def traffic_text(split: TrafficSplit) -> Text:
    """The last second of answers, or fewer: the window starts again when the weights change."""
    if not split.total:
        return Text("waiting for answers", style="dim")
    bar = Text()
    for version in split.versions:
        width = round(BAR_WIDTH * split.share(version) / 100)
        bar.append("█" * width, style=version_style(version))
    bar.append("  ")
    for version in split.versions:
        bar.append(f"{version} {split.share(version):.0f}%  ", style=version_style(version))
    error_style = "bold red" if split.errors else "green"
    bar.append(f"errors {split.error_rate:.1f}%", style=error_style)
    return bar


def render(
    state: RolloutState, split: TrafficSplit, recent: Sequence[str], title: str
) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Phase", phase_text(state))
    grid.add_row("Step", step_progress(state))
    grid.add_row("Weight", weights(state))
    grid.add_row("ReplicaSets", replica_set_table(state))
    grid.add_row("Traffic", traffic_text(split))
    panel = Panel(grid, title=title, border_style="blue")
    log = Text("\n".join(recent), style="dim", no_wrap=True, overflow="ellipsis")
    return Group(panel, log)
