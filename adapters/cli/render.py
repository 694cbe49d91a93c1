"""The Rich rendering of a `RolloutView`, laid out like `kubectl argo rollouts get rollout`.

A header of `Label: value` lines, then a tree of revisions (newest first), each with its
ReplicaSet and its analysis runs. The tree is a borderless table so the columns line up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from adapters.cli.view import RevisionRow, RolloutView

LABEL_WIDTH = 16
ANALYSIS_RUN_ICON = "\u03b1"  # Greek alpha, as in kubectl argo rollouts
STYLES = {"✔": "green", "॥": "yellow", "◌": "cyan", "✖": "red", "⚠": "yellow", "•": "dim"}


def age(since: datetime | None, now: datetime | None) -> str:
    """Kubernetes-style short durations: 45s, 3m12s, 2h, 4d."""
    if since is None or now is None:
        return ""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m"
    if days < 2:
        return f"{hours}h"
    return f"{days}d" if days >= 8 else f"{days}d{hours % 24}h"


def styled(status: str) -> Text:
    return Text(status, style=STYLES.get(status[:1], ""))


def _line(label: str, value: str | Text = "") -> Text:
    text = Text(f"{label:<{LABEL_WIDTH}}")
    text.append(value if isinstance(value, Text) else Text(value))
    return text


def header(view: RolloutView) -> list[Text]:
    lines = [
        _line("Name:", view.name),
        _line("Namespace:", view.namespace),
        _line("Status:", styled(view.status)),
    ]
    if view.message:
        lines.append(_line("Message:", view.message))
    lines.append(_line("Strategy:", view.strategy))
    for label, value in (
        ("Step:", view.step),
        ("SetWeight:", view.set_weight),
        ("ActualWeight:", view.actual_weight),
    ):
        if value is not None:
            lines.append(_line(f"  {label}", value))
    for index, (image, tags) in enumerate(view.images):
        tag = f" ({', '.join(tags)})" if tags else ""
        lines.append(_line("Images:" if index == 0 else "", f"{image}{tag}"))
    lines.append(_line("Replicas:"))
    labels = ("Desired:", "Current:", "Updated:", "Ready:", "Available:")
    lines.extend(
        _line(f"  {label}", str(n)) for label, n in zip(labels, view.replicas, strict=True)
    )
    return lines


def _delay(row: RevisionRow, now: datetime | None) -> str:
    deadline = row.scale_down_deadline
    if deadline is None or now is None:
        return ""
    left = deadline - now
    return "delay:passed" if left <= timedelta(0) else f"delay:{int(left.total_seconds())}s"


class TreeRow(NamedTuple):
    name: str
    kind: str
    status: Text
    age: str
    info: str


def _children(row: RevisionRow, now: datetime | None) -> list[TreeRow]:
    parts = (",".join(row.roles), f"ready:{row.ready}/{row.desired}", _delay(row, now))
    info = " ".join(part for part in parts if part)
    children = [
        TreeRow(
            f"⧉ {row.replica_set}", "ReplicaSet", styled(row.status), age(row.created, now), info
        )
    ]
    children.extend(
        TreeRow(
            f"{ANALYSIS_RUN_ICON} {run.name}",
            "AnalysisRun",
            styled(run.status),
            age(run.created, now),
            run.message,
        )
        for run in row.runs
    )
    return children


def _revision_rows(row: RevisionRow, last: bool, now: datetime | None) -> list[TreeRow]:
    branch, indent = ("└──", "   ") if last else ("├──", "│  ")
    rows = [TreeRow(f"{branch}# revision:{row.revision}", "", Text(""), "", "")]
    children = _children(row, now)
    for index, child in enumerate(children):
        twig = "└──" if index == len(children) - 1 else "├──"
        rows.append(child._replace(name=f"{indent}{twig}{child.name}"))
    return rows


def tree(view: RolloutView, now: datetime | None) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    for column in TreeRow._fields:
        table.add_column(column.upper(), no_wrap=True)
    table.add_row(f"⟳ {view.name}", "Rollout", styled(view.status), age(view.created, now), "")
    for index, revision in enumerate(view.revisions):
        for row in _revision_rows(revision, index == len(view.revisions) - 1, now):
            table.add_row(*row)
    return table


def render_rollout(
    view: RolloutView, now: datetime | None = None, note: str = ""
) -> RenderableType:
    parts: list[RenderableType] = []
    if note:
        parts.append(Text(note, style="bold"))
    parts.extend(header(view))
    parts.extend(Text(f"Warning:        {line}", style="yellow") for line in view.unreadable)
    parts.append(Text(""))
    parts.append(tree(view, now))
    return Group(*parts)
