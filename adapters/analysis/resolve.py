"""Answering `AnalysisRunRequested`: find the templates, resolve the run, check its secrets.

The pure `resolve_run` does the work; this module fetches what it needs (every template the
request reaches, following nested references through the store) and builds the Rollout object
that `valueFrom.fieldRef` arguments read. A judge metric is given its template's `spec.judge`
thresholds, which merging would otherwise drop. A secret argument whose secret or key does not exist
makes the run Error at once, as in Argo (whose first reconcile of the run fails the same way);
its value is only read to check that it exists and is dropped at once.
"""

from __future__ import annotations

from typing import Any

import events.inputs as inp
import events.models as ev
from adapters.analysis.secrets import SecretNotFound, SecretStore
from adapters.analysis.templates import AnyTemplate, TemplateStore
from rollouts.analysis.runspec.build import UNRESOLVED_ARGUMENTS, RunSpecError, resolve_run
from rollouts.analysis.runspec.merge import TemplateKey
from rollouts.spec import AnalysisTemplateRef, RolloutAnalysis
from rollouts.state import RolloutState

REVISION_ANNOTATION = "rollout.argoproj.io/revision"


async def resolve_request(
    request: ev.AnalysisRunRequested,
    state: RolloutState | None,
    templates: TemplateStore,
    secrets: SecretStore,
    *,
    namespace: str,
    input_id: str,
) -> inp.AnalysisRunResolved:
    """The input that answers the request: the resolved run, or its Argo-worded error."""
    try:
        analysis = RolloutAnalysis.model_validate(request.analysis)
        found = with_judge_thresholds(
            await fetch_templates(analysis.templates, templates, namespace)
        )
        run = resolve_run(
            analysis,
            found,
            rollout_manifest=rollout_object(state, namespace, request.revision),
            stable_hash=request.stable_pod_template_hash,
            latest_hash=request.pod_template_hash,
        )
        await check_secrets(run.secret_args, secrets, namespace)
    except (RunSpecError, ValueError) as problem:
        return inp.AnalysisRunResolved(
            input_id=input_id, run_name=request.run_name, error=str(problem)
        )
    return inp.AnalysisRunResolved(
        input_id=input_id,
        run_name=request.run_name,
        metrics=list(run.metrics),
        args=run.args,
        secret_args=run.secret_args,
        dry_run_metrics=list(run.dry_run_metrics),
        measurement_retention=run.measurement_retention,
    )


async def fetch_templates(
    refs: tuple[AnalysisTemplateRef, ...], store: TemplateStore, namespace: str
) -> dict[TemplateKey, AnyTemplate]:
    """Every template reachable from `refs` that exists; missing ones are left for
    `resolve_run` to report by name."""
    found: dict[TemplateKey, AnyTemplate] = {}
    pending = list(refs)
    seen: set[TemplateKey] = set()
    while pending:
        ref = pending.pop(0)
        key = (ref.kind, ref.template_name)
        if key in seen:
            continue
        seen.add(key)
        template = await store.get(ref.kind, namespace, ref.template_name)
        if template is not None:
            found[key] = template
            pending.extend(template.spec.templates)
    return found


def with_judge_thresholds(
    found: dict[TemplateKey, AnyTemplate],
) -> dict[TemplateKey, AnyTemplate]:
    """Each judge metric carries its own template's `spec.judge` thresholds (unless it sets
    its own): merging templates keeps metrics only, and the core judges from the metric."""
    return {key: _thresholds_copied(template) for key, template in found.items()}


def _thresholds_copied(template: AnyTemplate) -> AnyTemplate:
    thresholds = template.spec.judge
    if thresholds is None:
        return template
    metrics = tuple(
        metric.model_copy(
            update={"judge": metric.judge.model_copy(update={"thresholds": thresholds})}
        )
        if metric.judge is not None and metric.judge.thresholds is None
        else metric
        for metric in template.spec.metrics
    )
    spec = template.spec.model_copy(update={"metrics": metrics})
    return template.model_copy(update={"spec": spec})


async def check_secrets(
    secret_args: dict[str, dict[str, str]], secrets: SecretStore, namespace: str
) -> None:
    for ref in secret_args.values():
        try:
            await secrets.get(namespace, ref["name"], ref["key"])
        except SecretNotFound as missing:
            raise RunSpecError(f"{UNRESOLVED_ARGUMENTS}: {missing}") from None


def rollout_object(state: RolloutState | None, namespace: str, revision: int) -> dict[str, Any]:
    """The Rollout as Argo's `fieldRef` sees it: the manifest, its namespace and revision
    annotation, and the status fields the state knows."""
    if state is None or state.spec is None:
        return {"metadata": {"namespace": namespace}}
    document = state.spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
    metadata = document.setdefault("metadata", {})
    metadata["namespace"] = metadata.get("namespace") or namespace
    annotations = metadata.setdefault("annotations", {})
    annotations.setdefault(REVISION_ANNOTATION, str(revision))
    document["status"] = _status(state)
    return document


def _status(state: RolloutState) -> dict[str, Any]:
    status: dict[str, Any] = {
        "currentPodHash": state.current_pod_hash,
        "stableRS": state.stable_rs,
        "currentStepIndex": state.current_step_index,
        "abort": state.abort,
        "phase": state.phase.value if state.phase else None,
        "message": state.message,
        "pauseConditions": [
            {"reason": c.reason.value, "startTime": c.start_time.isoformat()}
            for c in state.pause_conditions
        ],
    }
    return {key: value for key, value in status.items() if value is not None}
