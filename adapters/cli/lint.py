"""`rollouts lint`: check Argo Rollouts manifests before they reach a cluster.

Reading files happens here; parsing and validation are the pure `rollouts.spec` functions, so
the command and the controller judge a manifest the same way.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from adapters.cli.errors import file_problem
from adapters.local.workloads import without_workload_kinds
from rollouts.spec import ObjectLocation, SpecObject, SpecProblem, check_references, load_manifests
from rollouts.spec.limits import MAX_FILE_BYTES
from rollouts.spec.yaml_docs import parse_documents

STDIN = "-"


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@dataclass
class LintReport:
    files: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    objects: list[SpecObject] = field(default_factory=list)
    locations: list[ObjectLocation] = field(default_factory=list)
    problems: list[SpecProblem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for problem in self.problems if problem.is_error)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    def failed(self, *, strict_references: bool) -> bool:
        return bool(self.unreadable or self.errors or (strict_references and self.warnings))


class TooLarge(OSError):
    """A manifest file over `MAX_FILE_BYTES`: refused before it is read whole."""


def read_manifest(name: str) -> str:
    """The text of a file (or stdin for `-`); OSError/UnicodeError carry a one-line reason."""
    if name == STDIN:
        text = sys.stdin.read(MAX_FILE_BYTES + 1)
    else:
        with Path(name).open(encoding="utf-8") as file:
            text = file.read(MAX_FILE_BYTES + 1)
    if len(text) > MAX_FILE_BYTES:
        raise TooLarge(f"larger than {MAX_FILE_BYTES:,} bytes, the limit for a manifest file")
    return text


def lint_files(names: list[str], *, ignore_unknown_kinds: bool) -> LintReport:
    report = LintReport(files=list(names))
    for name in names:
        try:
            text = read_manifest(name)
        except (OSError, UnicodeDecodeError) as exc:
            report.unreadable.append((name, file_problem(exc)))
            continue
        source = "<stdin>" if name == STDIN else name
        result = load_manifests(text, source=source, ignore_unknown_kinds=ignore_unknown_kinds)
        report.objects.extend(result.objects)
        report.locations.extend(result.locations)
        report.problems.extend(_without_workloads(text, source, result.problems))
    report.problems.extend(check_references(report.objects, report.locations))
    order = {name: index for index, name in enumerate(names)}
    order.setdefault("<stdin>", order.get(STDIN, 0))
    report.problems.sort(key=lambda p: (order.get(p.source, len(order)), p.document or 0))
    return report


def _without_workloads(
    text: str, source: str, problems: Sequence[SpecProblem]
) -> list[SpecProblem]:
    """A Deployment, ReplicaSet or PodTemplate beside the Rollouts is what a `workloadRef`
    names, as `rollouts apply` reads it: not an unknown kind."""
    documents = {doc.number: doc.data for doc in parse_documents(text) if doc.error is None}
    return without_workload_kinds(documents, problems, source)


def _summary(report: LintReport) -> str:
    text = (
        f"{len(report.files)} file(s), {len(report.objects)} object(s): "
        f"{report.errors} error(s), {report.warnings} warning(s)"
    )
    if report.unreadable:
        text += f", {len(report.unreadable)} file(s) could not be read"
    return text


def _print_text(report: LintReport) -> None:
    out = Console(soft_wrap=True, highlight=False, emoji=False)
    for problem in report.problems:
        if problem.is_error:
            out.print(str(problem), markup=False, style="red")
        else:
            out.print(f"warning: {problem}", markup=False, style="yellow")
    out.print(_summary(report), markup=False, style="bold")


def _print_json(report: LintReport) -> None:
    payload = {
        "files": report.files,
        "objects": len(report.objects),
        "errors": report.errors,
        "warnings": report.warnings,
        "unreadable": [{"file": name, "reason": reason} for name, reason in report.unreadable],
        "problems": [
            {
                "source": p.source,
                "document": p.document,
                "path": p.path,
                "message": p.message,
                "severity": p.severity,
            }
            for p in report.problems
        ],
    }
    typer.echo(json.dumps(payload, indent=2))


def lint_command(
    files: Annotated[
        list[str],
        typer.Option("-f", "--filename", help="Manifest file to check (repeatable; - for stdin)."),
    ],
    ignore_unknown_kinds: Annotated[
        bool,
        typer.Option(
            "--ignore-unknown-kinds", help="Skip objects that are not Rollouts or templates."
        ),
    ] = False,
    strict_references: Annotated[
        bool,
        typer.Option(
            "--strict-references", help="Fail on warnings too (e.g. a template not given)."
        ),
    ] = False,
    output: Annotated[
        OutputFormat, typer.Option("-o", "--output", help="Output format.")
    ] = OutputFormat.TEXT,
) -> None:
    """Validate Rollout, AnalysisTemplate and ClusterAnalysisTemplate manifests."""
    report = lint_files(files, ignore_unknown_kinds=ignore_unknown_kinds)
    errors = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)
    for name, reason in report.unreadable:
        errors.print(f"error: cannot read {name}: {reason}", markup=False, style="red")
    if output is OutputFormat.JSON:
        _print_json(report)
    else:
        _print_text(report)
    if report.failed(strict_references=strict_references):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command(name="lint")(lint_command)
