"""`rollouts apply -f FILE`: hand Rollout manifests to the controller, like `kubectl apply`.

Everything is checked before anything is sent: every file is read and validated (all problems
are printed, nothing is applied if one is an error), then every rollout is pre-checked with the
controller's own rules. Only then are the AnalysisTemplates and ClusterAnalysisTemplates stored
(first, so the rollouts that name them find them) and each Rollout sent, whole, as an
`ApplySpec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from rich.console import Console

import events.inputs as inp
from adapters.analysis.templates import (
    AnyTemplate,
    TemplateStore,
    template_document,
)
from adapters.cli import session
from adapters.cli.apply_workloads import describe, read_workloads, referencing, resolved
from adapters.cli.errors import CliError, NotFound, file_problem
from adapters.cli.lint import STDIN, read_manifest
from adapters.cli.options import with_settings
from adapters.local.workloads import WorkloadKey
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.settings import Settings
from events.subjects import InvalidSubject
from rollouts.spec import AnalysisTemplate, Rollout, SpecProblem, load_manifests
from rollouts.spec.yaml_docs import parse_documents
from rollouts.state import initial_state


@dataclass(frozen=True)
class Manifest:
    namespace: str
    name: str
    document: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Loaded:
    rollouts: list[Manifest]
    templates: list[AnyTemplate]
    problems: list[SpecProblem]
    workloads: dict[WorkloadKey, dict[str, Any]] = field(default_factory=dict)
    """Deployments, ReplicaSets and PodTemplates a workloadRef may name (read, not applied)."""


def load_files(names: list[str], *, namespace: str, ignore_unknown_kinds: bool) -> Loaded:
    """Every Rollout and template of every file, with the namespace it will be applied in."""
    loaded = Loaded(rollouts=[], templates=[], problems=[])
    for name in names:
        try:
            text = read_manifest(name)
        except (OSError, UnicodeDecodeError) as exc:
            failure = NotFound if isinstance(exc, FileNotFoundError) else CliError
            raise failure(f"cannot read {name}: {file_problem(exc)}") from None
        source = "<stdin>" if name == STDIN else name
        result = load_manifests(text, source=source, ignore_unknown_kinds=ignore_unknown_kinds)
        documents = {doc.number: doc.data for doc in parse_documents(text) if doc.error is None}
        workloads, problems = read_workloads(documents, result.problems, source, namespace)
        loaded.problems.extend(problems)
        loaded.workloads.update(workloads)
        for obj, location in zip(result.objects, result.locations, strict=True):
            if not isinstance(obj, Rollout):
                loaded.templates.append(_in_namespace(obj, namespace))
                continue
            document = documents[location.document or 0]
            ns = obj.metadata.namespace or namespace
            loaded.rollouts.append(Manifest(ns, obj.metadata.name, document))
    return loaded


def _in_namespace(template: AnyTemplate, namespace: str) -> AnyTemplate:
    if not isinstance(template, AnalysisTemplate) or template.metadata.namespace:
        return template
    metadata = template.metadata.model_copy(update={"namespace": namespace})
    return template.model_copy(update={"metadata": metadata})


def template_store(client: RolloutsClient) -> TemplateStore:
    return client.templates


def template_label(template: AnyTemplate) -> str:
    if isinstance(template, AnalysisTemplate):
        return f"analysistemplate {template.metadata.namespace}/{template.name}"
    return f"clusteranalysistemplate {template.name}"


async def store_templates(store: TemplateStore, templates: list[AnyTemplate], out: Console) -> None:
    for template in templates:
        namespace = template.metadata.namespace or ""
        before = await store.get(template.kind, namespace, template.name)
        if before is not None and template_document(before) == template_document(template):
            verb = "unchanged"
        else:
            await store.put(template)
            verb = "created" if before is None else "configured"
        out.print(f"{template_label(template)} {verb}", markup=False)


def _report_problems(problems: list[SpecProblem], err: Console) -> None:
    for problem in problems:
        prefix = "" if problem.is_error else "warning: "
        err.print(f"{prefix}{problem}", markup=False, style="red" if problem.is_error else "yellow")
    errors = sum(1 for p in problems if p.is_error)
    if errors:
        raise CliError(f"{errors} problem(s) found; nothing was applied")


async def apply_all(settings: Settings, loaded: Loaded, out: Console) -> list[str]:
    """Pre-check every rollout, store the templates, then send each rollout; returns the
    failures (what was already stored or sent stays)."""
    async with session.open_client(settings) as client:
        plan = []
        keys = [manifest.key for manifest in loaded.rollouts]
        again = await referencing(client, loaded.workloads, keys)
        for manifest in [*loaded.rollouts, *(Manifest(*found) for found in again)]:
            try:
                state = await client.state(manifest.namespace, manifest.name)
            except InvalidSubject as error:  # the file's name is wrong, not the command line
                raise CliError(f"rollout {manifest.key}: {error}") from None
            document = resolved(
                manifest.key, manifest.document, manifest.namespace, loaded.workloads, state
            )
            item = inp.ApplySpec(input_id=new_input_id(), actor=settings.actor, manifest=document)
            client.precheck(state or initial_state(manifest.namespace, manifest.name), item)
            plan.append((manifest, item, state is None or state.deleted))
        await store_templates(template_store(client), loaded.templates, out)
        for key in loaded.workloads:
            out.print(f"{describe(key)} read", markup=False)
        return [
            failure
            for manifest, item, is_new in plan
            if (failure := await _send(client, manifest, item, is_new, out))
        ]


async def _send(
    client: RolloutsClient, manifest: Manifest, item: inp.ApplySpec, is_new: bool, out: Console
) -> str:
    with session.waiting(out, f"applying rollout {manifest.key}..."):
        outcome = await client.send(manifest.namespace, manifest.name, item)
    if outcome.status in ("refused", "invalid"):
        return f"rollout {manifest.key}: {outcome.message}"
    verb = "unchanged" if outcome.status == "unchanged" else "created" if is_new else "configured"
    out.print(f"rollout {manifest.key} {verb}", markup=False)
    return ""


@with_settings
def apply_command(
    settings: Settings,
    files: Annotated[
        list[str],
        typer.Option("-f", "--filename", help="Manifest file (repeatable; - for stdin)."),
    ],
    ignore_unknown_kinds: Annotated[
        bool,
        typer.Option(
            "--ignore-unknown-kinds",
            help="Skip objects that are not Rollouts or AnalysisTemplates.",
        ),
    ] = False,
) -> None:
    """Create or update rollouts, AnalysisTemplates and ClusterAnalysisTemplates.

    An object goes to its metadata.namespace, else to -n; one error anywhere applies nothing.
    """
    out, err = session.stdout_console(), session.stderr_console()
    loaded = load_files(
        files, namespace=settings.namespace, ignore_unknown_kinds=ignore_unknown_kinds
    )
    _report_problems(loaded.problems, err)
    if not loaded.rollouts and not loaded.templates and not loaded.workloads:
        raise CliError("no objects passed to apply")
    failures = session.run_async(apply_all(settings, loaded, out))
    for failure in failures[:-1]:
        err.print(f"error: {failure}", markup=False)
    if failures:
        raise CliError(failures[-1])


def register(app: typer.Typer) -> None:
    app.command(name="apply")(apply_command)
