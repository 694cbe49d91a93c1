"""The `job` metric provider on Kubernetes: a batch/v1 Job per measurement, judged by how it ends.

As Argo's job provider (metricproviders/job): the metric's `provider.job.spec` becomes a Job in
the rollout's namespace (or `job_namespace`, Argo's ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE) with
`provider.job.metadata` labels and annotations merged in; the condition `Complete` is a
Successful measurement, `Failed` a Failed one (no condition is evaluated). The verdict travels
as the local provider's does: `value` is the condition, `metadata["phase"]` the phase, plus
Argo's `job-name` / `job-namespace`.

The Job's name is fixed by the measurement (`MeasurementScope`): `<run>-<metric>` made a DNS
label, then `-<measurement number>-<digest of the whole scope>`, at most 63 characters (the Job
controller copies it into a pod label). A redelivered measurement's create answers 409
AlreadyExists and the Job found is adopted if its identity labels are this measurement's
(Argo checks the run UID the same way); otherwise the measurement is an Error.

Argo waits with `sqrt(2 * elapsed)` seconds between looks at the Job; so does this (bounded by
`max_poll`), with plain GETs. A read the API could not answer is tried again at the next look;
a Job deleted before it ended is an Error. The Job is left in place once judged, as Argo leaves
it. Argo later deletes all but the newest `measurementRetention` (default 10) Jobs of a run, and
the rest with the AnalysisRun (owner reference); there is no AnalysisRun object here, so neither
happens yet. `delete` is Argo's Terminate (foreground deletion), for the caller that ends a run.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog
from kubernetes_asyncio import client

from adapters.analysis.providers import MeasurementScope
from adapters.kubernetes.errors import KubernetesError, call_json
from adapters.metrics.http import ProviderError, parse_spec
from rollouts.ports import Measurement
from rollouts.spec.providers import JobMetric

log = structlog.get_logger("rollouts.analysis")

Obj = dict[str, Any]
NAME_LIMIT = 63
RUN_UID_LABEL = "analysisrun.argoproj.io/uid"
"""Argo's label: the run's identity (here a digest of namespace, rollout and run name)."""
METRIC_LABEL = "analysisrun.argoproj.io/metric-name"
MEASUREMENT_LABEL = "analysisrun.argoproj.io/measurement"
ROLLOUT_LABEL = "rollouts.argoproj.io/rollout"
RUN_NAME_ANNOTATION = "analysisrun.argoproj.io/name"
RUN_NAMESPACE_ANNOTATION = "analysisrun.argoproj.io/namespace"
METRIC_ANNOTATION = "analysisrun.argoproj.io/metric-name"
JOB_NAME_KEY, JOB_NAMESPACE_KEY, PHASE_KEY = "job-name", "job-namespace", "phase"
COMPLETE, FAILED = "Complete", "Failed"
NO_SCOPE = "the Kubernetes job provider needs the measurement's scope (run, metric, number)"
TRANSIENT = frozenset({0, 429, 500, 502, 503, 504})


class KubernetesJobProvider:
    key = "job"

    def __init__(
        self,
        api_client: client.ApiClient,
        *,
        job_namespace: str | None = None,
        request_timeout: float = 30.0,
        first_poll: float = 1.0,
        max_poll: float = 30.0,
    ) -> None:
        self._batch: Any = client.BatchV1Api(api_client)
        self._job_namespace = job_namespace
        self._timeout = request_timeout
        self._first_poll = first_poll
        self._max_poll = max_poll

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        return Measurement(error=NO_SCOPE)

    async def measure_for(
        self, scope: MeasurementScope, provider: Mapping[str, Any], now: datetime
    ) -> Measurement:
        try:
            job = parse_spec(provider, self.key, JobMetric)
            manifest = job_manifest(scope, job, self._job_namespace or scope.namespace)
            found = await self._create_or_adopt(manifest)
            return await self._wait(found)
        except (ProviderError, KubernetesError) as error:
            return Measurement(error=str(error))

    async def terminate(self, scope: MeasurementScope) -> None:
        """The run ended while this measurement was being taken: its Job goes (a measurement
        that used no Job finds none, which is fine)."""
        namespace = self._job_namespace or scope.namespace
        try:
            await self.delete(namespace, job_name(scope))
        except KubernetesError as error:
            log.warning("analysis.job_not_deleted", job=job_name(scope), error=str(error))

    async def delete(self, namespace: str, name: str) -> None:
        """Delete a measurement's Job and its pods, as Argo does when it terminates a run's
        measurement (foreground propagation; a Job already gone is fine)."""
        try:
            await call_json(
                f"delete Job {namespace}/{name}",
                self._batch.delete_namespaced_job(
                    name,
                    namespace,
                    propagation_policy="Foreground",
                    _preload_content=False,
                    _request_timeout=self._timeout,
                ),
            )
        except KubernetesError as error:
            if not error.not_found:
                raise

    async def _create_or_adopt(self, manifest: Obj) -> Obj:
        metadata = manifest["metadata"]
        namespace, name = metadata["namespace"], metadata["name"]
        action = f"create Job {namespace}/{name}"
        try:
            created: Obj = await call_json(
                action,
                self._batch.create_namespaced_job(
                    namespace, manifest, _preload_content=False, _request_timeout=self._timeout
                ),
            )
        except KubernetesError as error:
            if not error.already_exists:
                raise
        else:
            log.info("analysis.job_created", job=f"{namespace}/{name}")
            return created
        existing = await self._read(namespace, name)
        if not same_measurement(existing, manifest):
            raise KubernetesError(
                f"{action}: a Job of that name exists and belongs to another measurement",
                409,
                "AlreadyExists",
            )
        log.info("analysis.job_adopted", job=f"{namespace}/{name}")
        return existing

    async def _read(self, namespace: str, name: str) -> Obj:
        found: Obj = await call_json(
            f"read Job {namespace}/{name}",
            self._batch.read_namespaced_job(
                name, namespace, _preload_content=False, _request_timeout=self._timeout
            ),
        )
        return found

    async def _wait(self, job: Obj) -> Measurement:
        metadata = job.get("metadata") or {}
        namespace, name = str(metadata.get("namespace")), str(metadata.get("name"))
        loop = asyncio.get_running_loop()
        started = loop.time()
        while (verdict := job_verdict(job)) is None:
            elapsed = loop.time() - started
            await asyncio.sleep(min(self._max_poll, max(self._first_poll, math.sqrt(2 * elapsed))))
            job = await self._look_again(namespace, name, job)
        log.info("analysis.job_finished", job=f"{namespace}/{name}", condition=verdict.value)
        return verdict

    async def _look_again(self, namespace: str, name: str, last: Obj) -> Obj:
        try:
            return await self._read(namespace, name)
        except KubernetesError as error:
            if error.not_found:
                raise KubernetesError(
                    f"Job {namespace}/{name} was deleted before it finished", 404, "NotFound"
                ) from None
            if error.status not in TRANSIENT:
                raise
            log.warning("analysis.job_read_failed", job=f"{namespace}/{name}", error=str(error))
            return last


def job_verdict(job: Mapping[str, Any]) -> Measurement | None:
    """The measurement once the Job has a `Complete` or `Failed` condition (None: running)."""
    status = job.get("status") or {}
    ended = None
    for condition in status.get("conditions") or []:
        if condition.get("type") in (COMPLETE, FAILED) and condition.get("status") == "True":
            ended = condition
    if ended is None:
        return None
    metadata = job.get("metadata") or {}
    namespace, name = str(metadata.get("namespace")), str(metadata.get("name"))
    found = {JOB_NAME_KEY: name, JOB_NAMESPACE_KEY: namespace}
    if ended["type"] == COMPLETE:
        return Measurement(value=COMPLETE, metadata={**found, PHASE_KEY: "Successful"})
    why = ": ".join(str(ended[k]) for k in ("reason", "message") if ended.get(k))
    message = f"Job {namespace}/{name} failed" + (f": {why}" if why else "")
    return Measurement(value=FAILED, metadata={**found, PHASE_KEY: "Failed", "message": message})


def job_name(scope: MeasurementScope) -> str:
    """Deterministic per measurement, a DNS-1123 label (<= 63 characters)."""
    digest = _digest(scope.namespace, scope.rollout, scope.run, scope.metric, str(scope.index))
    suffix = f"-{scope.index}-{digest[:8]}"
    readable = _dns_label(f"{scope.run}-{scope.metric}")[: NAME_LIMIT - len(suffix)].rstrip("-")
    return f"{readable or 'job'}{suffix}"


def job_manifest(scope: MeasurementScope, job: JobMetric, namespace: str) -> Obj:
    labels, annotations = identity(scope)
    spec = copy.deepcopy(dict(job.spec))
    template = spec.get("template")
    if isinstance(template, dict):
        pod_metadata = dict(template.get("metadata") or {})
        pod_labels = dict(pod_metadata.get("labels") or {})
        pod_metadata["labels"] = {**pod_labels, RUN_UID_LABEL: labels[RUN_UID_LABEL]}
        template["metadata"] = pod_metadata
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name(scope),
            "namespace": namespace,
            "labels": {**job.metadata.labels, **labels},
            "annotations": {**job.metadata.annotations, **annotations},
        },
        "spec": spec,
    }


def identity(scope: MeasurementScope) -> tuple[dict[str, str], dict[str, str]]:
    """The labels and annotations that say which measurement a Job is for."""
    labels = {
        RUN_UID_LABEL: _digest(scope.namespace, scope.rollout, scope.run)[:32],
        ROLLOUT_LABEL: _label_value(scope.rollout),
        METRIC_LABEL: _label_value(scope.metric),
        MEASUREMENT_LABEL: str(scope.index),
    }
    annotations = {
        RUN_NAME_ANNOTATION: scope.run,
        RUN_NAMESPACE_ANNOTATION: scope.namespace,
        METRIC_ANNOTATION: scope.metric,
        ROLLOUT_LABEL: scope.rollout,
    }
    return labels, annotations


def same_measurement(existing: Mapping[str, Any], manifest: Mapping[str, Any]) -> bool:
    have, want = existing.get("metadata") or {}, manifest["metadata"]
    return all(
        (have.get(part) or {}).get(key) == value
        for part in ("labels", "annotations")
        for key, value in want[part].items()
        if key.startswith(("analysisrun.argoproj.io/", "rollouts.argoproj.io/"))
    )


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _dns_label(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")


def _label_value(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)[:NAME_LIMIT].strip("-_.")
