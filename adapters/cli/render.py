"""The Rich rendering of a `RolloutView`, laid out like `kubectl argo rollouts get rollout`.

A header of `Label: value` lines, then a tree of revisions (newest first), each with its
ReplicaSet, its pods and its analysis runs. The tree is a borderless table so the columns line
up; on a narrow terminal it drops whole columns (KIND, then AGE) rather than cut a name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
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


POD_ICON = "□"
MAX_POD_ROWS = 10
"""Pods listed per ReplicaSet; beyond that one row says how many more there are."""


def _pods(row: RevisionRow) -> list[TreeRow]:
    """One row per pod the platform reported, ready ones first.

    The history records how many pods each ReplicaSet has and how many are ready, not their
    names (those live on the platform, which `get` does not contact), so the rows are unnamed.
    """
    ready = min(row.ready, row.pods)
    states = ["✔ Ready"] * ready + ["◌ NotReady"] * (row.pods - ready)
    rows = [TreeRow(f"{POD_ICON} pod", "Pod", styled(state), "", "") for state in states]
    if len(rows) > MAX_POD_ROWS:
        more = len(rows) - MAX_POD_ROWS + 1
        rows = rows[: MAX_POD_ROWS - 1]
        rows.append(TreeRow(f"{POD_ICON} … {more} more pods", "Pod", Text(""), "", ""))
    return rows


def _children(row: RevisionRow, now: datetime | None) -> list[tuple[TreeRow, list[TreeRow]]]:
    """The ReplicaSet (with its pods below it), then the revision's analysis runs."""
    parts = (",".join(row.roles), f"ready:{row.ready}/{row.desired}", _delay(row, now))
    info = " ".join(part for part in parts if part)
    replica_set = TreeRow(
        f"⧉ {row.replica_set}", "ReplicaSet", styled(row.status), age(row.created, now), info
    )
    children = [(replica_set, _pods(row))]
    children.extend(
        (
            TreeRow(
                f"{ANALYSIS_RUN_ICON} {run.name}",
                "AnalysisRun",
                styled(run.status),
                age(run.created, now),
                run.message,
            ),
            [],
        )
        for run in row.runs
    )
    return children


def _branch(last: bool) -> tuple[str, str]:
    return ("└──", "   ") if last else ("├──", "│  ")


def _revision_rows(row: RevisionRow, last: bool, now: datetime | None) -> list[TreeRow]:
    branch, indent = _branch(last)
    rows = [TreeRow(f"{branch}# revision:{row.revision}", "", Text(""), "", "")]
    children = _children(row, now)
    for index, (child, grandchildren) in enumerate(children):
        twig, deeper = _branch(index == len(children) - 1)
        rows.append(child._replace(name=f"{indent}{twig}{child.name}"))
        for number, grandchild in enumerate(grandchildren):
            leaf, _ = _branch(number == len(grandchildren) - 1)
            rows.append(grandchild._replace(name=f"{indent}{deeper}{leaf}{grandchild.name}"))
    return rows


COLUMN_GAP = 2
INFO_MIN_WIDTH = 10
INFO_COMFORT_WIDTH = 16
"""INFO wraps: it is shown with as little as 10 cells, and AGE and KIND get room only once it
has 16 (or its longest cell, if shorter)."""
OPTIONAL_COLUMNS = ("info", "age", "kind")
"""Shown in this order of preference while they fit; NAME and STATUS are always shown."""


def _natural(rows: list[TreeRow], column: str) -> int:
    cells = [column.upper(), *(str(getattr(row, column)) for row in rows)]
    return max(cell_len(cell) for cell in cells)


def fitting_columns(rows: list[TreeRow], width: int) -> tuple[str, ...]:
    """The columns to show in `width` cells, so no identifier is ever cut.

    NAME and STATUS always; then INFO (wrapped if need be), AGE and KIND, each only if the
    table still fits. KIND goes first because the icons already say it, as in Argo's tree.
    """
    natural = {column: _natural(rows, column) for column in TreeRow._fields}
    needed = dict(natural, info=min(natural["info"], INFO_MIN_WIDTH))
    taken = dict(natural, info=min(natural["info"], INFO_COMFORT_WIDTH))
    chosen = {"name", "status"}
    used = natural["name"] + COLUMN_GAP + natural["status"]
    for column in OPTIONAL_COLUMNS:
        if used + COLUMN_GAP + needed[column] <= width:
            chosen.add(column)
            used += COLUMN_GAP + taken[column]
    return tuple(column for column in TreeRow._fields if column in chosen)


def tree_table(rows: list[TreeRow], width: int) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, COLUMN_GAP, 0, 0))
    columns = fitting_columns(rows, width)
    # NAME folds only on a terminal too narrow for NAME and STATUS alone; INFO wraps.
    cramped = _natural(rows, "name") + COLUMN_GAP + _natural(rows, "status") > width
    for column in columns:
        wraps = column == "info" or (cramped and column == "name")
        table.add_column(
            column.upper(),
            no_wrap=not wraps,
            overflow="fold",
            min_width=None if wraps else _natural(rows, column),
        )
    for row in rows:
        table.add_row(*(getattr(row, column) for column in columns))
    return table


class Tree:
    """The tree, laid out for the width it is finally rendered in (a terminal, a pipe)."""

    def __init__(self, rows: list[TreeRow]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield tree_table(self.rows, options.max_width)


def tree(view: RolloutView, now: datetime | None) -> Tree:
    rows = [TreeRow(f"⟳ {view.name}", "Rollout", styled(view.status), age(view.created, now), "")]
    for index, revision in enumerate(view.revisions):
        rows.extend(_revision_rows(revision, index == len(view.revisions) - 1, now))
    return Tree(rows)


def render_rollout(
    view: RolloutView, now: datetime | None = None, note: str = ""
) -> RenderableType:
    parts: list[RenderableType] = []
    if note:
        parts.append(Text(note, style="bold"))
    parts.extend(header(view))
    if view.pause is not None:
        parts.append(_line("Pause limit:", view.pause.text(now)))
    if view.restart is not None:
        parts.append(_line("Restart:", view.restart))
    parts.extend(Text(f"Warning:        {line}", style="yellow") for line in view.unreadable)
    parts.append(Text(""))
    parts.append(tree(view, now))
    return Group(*parts)
