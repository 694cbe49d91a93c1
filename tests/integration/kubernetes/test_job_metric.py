"""The Kubernetes `job` metric provider against the fake API server over HTTP.

The fake has no Job controller: the tests play it, writing the Job's `Complete` or `Failed`
condition into its status once the provider has created it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, cast

import httpx
import pytest
from kubernetes_asyncio.client import ApiClient

import events.inputs as inp
import events.models as ev
from adapters.analysis.kubernetes_job import (
    MEASUREMENT_LABEL,
    METRIC_ANNOTATION,
    NO_SCOPE,
    ROLLOUT_LABEL,
    RUN_NAME_ANNOTATION,
    RUN_UID_LABEL,
    KubernetesJobProvider,
    job_name,
)
from adapters.analysis.providers import MeasurementScope, build_providers
from adapters.analysis.secrets import InMemorySecretStore
from adapters.analysis.templates import InMemoryTemplateStore
from adapters.metrics import MetricSettings
from adapters.runtime.projection import StateProjection
from adapters.workers.analysis import AnalysisWorker
from events.phases import AnalysisPhase
from events.store import StoredEvent
from rollouts.analysis.engine_verdict import verdict_of
from rollouts.ports import Measurement
from rollouts.spec import Metric
from tests.deploy.test_rbac import EXPECTED
from tests.support.kube import FakeKube
from tests.support.kube_resources import JOBS
from tests.unit.runspec.fakes import T0, FakeProjection, Published, TickingClock, stored

SCOPE = MeasurementScope("team-a", "web", "web-6f7d-2-1", "smoke", 1)
POD = {"restartPolicy": "Never", "containers": [{"name": "check", "image": "curl"}]}
SPEC = {"backoffLimit": 0, "template": {"metadata": {"labels": {"app": "smoke"}}, "spec": POD}}
BLOCK = {"job": {"metadata": {"labels": {"team": "a"}, "annotations": {"note": "x"}}, "spec": SPEC}}
COMPLETE = {"conditions": [{"type": "Complete", "status": "True"}], "succeeded": 1}
WHY = {"reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}
FAILED = {"conditions": [{"type": "Failed", "status": "True", **WHY}], "failed": 1}


def provider(kube_client: ApiClient, **options: Any) -> KubernetesJobProvider:
    return KubernetesJobProvider(kube_client, first_poll=0.01, max_poll=0.05, **options)


def measure(
    jobs: KubernetesJobProvider, scope: MeasurementScope = SCOPE, block: Mapping[str, Any] = BLOCK
) -> asyncio.Task[Measurement]:
    return asyncio.create_task(jobs.measure_for(scope, block, T0))


async def finish(
    fake_kube: FakeKube, status: dict[str, Any], scope: MeasurementScope = SCOPE
) -> None:
    """Play the Job controller: once the Job exists, give it its final condition."""
    name = job_name(scope)
    await fake_kube.wait_for(JOBS, scope.namespace, name, lambda job: job is not None)
    fake_kube.set_status(JOBS, scope.namespace, name, status)


async def test_a_job_that_completes_is_a_successful_measurement(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    task = measure(provider(kube_client))
    await finish(fake_kube, COMPLETE)
    measurement = await asyncio.wait_for(task, 5)
    assert measurement.error is None
    assert measurement.value == "Complete"
    assert measurement.metadata == {
        "phase": "Successful",
        "job-name": job_name(SCOPE),
        "job-namespace": "team-a",
    }


async def test_a_job_that_fails_is_a_failed_measurement_saying_why(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    task = measure(provider(kube_client))
    await finish(fake_kube, FAILED)
    measurement = await asyncio.wait_for(task, 5)
    assert measurement.value == "Failed"
    assert measurement.metadata["phase"] == "Failed"
    assert measurement.metadata["message"] == (
        f"Job team-a/{job_name(SCOPE)} failed: BackoffLimitExceeded: "
        "Job has reached the specified backoff limit"
    )


async def test_the_job_is_named_and_labelled_for_its_measurement(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    task = measure(provider(kube_client))
    await finish(fake_kube, COMPLETE)
    await asyncio.wait_for(task, 5)
    (job,) = fake_kube.objects(JOBS)
    metadata = job["metadata"]
    assert metadata["namespace"] == "team-a"
    assert metadata["name"].startswith("web-6f7d-2-1-smoke-1-") and len(metadata["name"]) <= 63
    labels, annotations = metadata["labels"], metadata["annotations"]
    assert labels["team"] == "a" and annotations["note"] == "x"
    assert labels[ROLLOUT_LABEL] == "web" and labels[MEASUREMENT_LABEL] == "1"
    assert annotations[RUN_NAME_ANNOTATION] == "web-6f7d-2-1"
    assert annotations[METRIC_ANNOTATION] == "smoke"
    pod_labels = job["spec"]["template"]["metadata"]["labels"]
    assert pod_labels == {"app": "smoke", RUN_UID_LABEL: labels[RUN_UID_LABEL]}
    assert job["spec"]["template"]["spec"] == POD and job["spec"]["backoffLimit"] == 0


async def test_a_redelivered_measurement_adopts_the_job_it_created(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    def created() -> int:
        return len(fake_kube.requests_for("create", "jobs"))

    first = measure(provider(kube_client))
    await fake_kube.wait_for(JOBS, "team-a", job_name(SCOPE), lambda job: job is not None)
    first.cancel()  # the worker stopped; the event is delivered again to another one
    again = measure(provider(kube_client))
    await fake_kube.wait_for(JOBS, "team-a", job_name(SCOPE), lambda _: created() == 2)
    fake_kube.set_status(JOBS, "team-a", job_name(SCOPE), COMPLETE)
    assert (await asyncio.wait_for(again, 5)).value == "Complete"
    assert len(fake_kube.objects(JOBS)) == 1
    assert fake_kube.requests_for("get", "jobs")  # the create's 409 led to reading the Job


async def test_the_next_measurement_gets_a_job_of_its_own(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    jobs = provider(kube_client)
    second = MeasurementScope(**{**SCOPE.__dict__, "index": 2})
    for scope in (SCOPE, second):
        task = measure(jobs, scope)
        await finish(fake_kube, COMPLETE, scope)
        assert (await asyncio.wait_for(task, 5)).value == "Complete"
    assert len(fake_kube.objects(JOBS)) == 2


async def test_a_job_of_that_name_for_another_measurement_is_not_adopted(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    name = job_name(SCOPE)
    fake_kube.create(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": name, "namespace": "team-a", "labels": {"x": "y"}},
            "spec": SPEC,
            "status": COMPLETE,
        },
        keep_status=True,
    )
    measurement = await asyncio.wait_for(measure(provider(kube_client)), 5)
    assert measurement.error == (
        f"create Job team-a/{name}: a Job of that name exists and belongs to another measurement"
    )


@pytest.mark.parametrize(("code", "expected"), [(403, "403 Forbidden"), (500, "500 InternalError")])
async def test_an_api_that_refuses_the_job_is_an_error_measurement(
    fake_kube: FakeKube, kube_client: ApiClient, code: int, expected: str
) -> None:
    fake_kube.fail_next(code, verbs=("create",), resource="jobs")
    measurement = await asyncio.wait_for(measure(provider(kube_client)), 5)
    assert measurement.value is None
    assert measurement.error is not None
    assert measurement.error.startswith(f"create Job team-a/{job_name(SCOPE)}: {expected}")
    assert fake_kube.objects(JOBS) == []


async def test_a_job_the_api_finds_invalid_is_an_error_measurement(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    block = {"job": {"metadata": {"labels": {"bad key!": "x"}}, "spec": SPEC}}
    measurement = await asyncio.wait_for(measure(provider(kube_client), block=block), 5)
    assert measurement.error is not None
    assert measurement.error.startswith(f"create Job team-a/{job_name(SCOPE)}: 422 Invalid")
    assert "'bad key!': invalid label key" in measurement.error


async def test_a_job_block_without_a_spec_is_an_error_before_any_call(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    measurement = await measure(provider(kube_client), block={"job": {"metadata": {}}})
    assert measurement.error == "invalid job provider: spec: Field required"
    assert fake_kube.requests_for(resource="jobs") == []


async def test_a_failed_read_while_waiting_is_tried_again(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    fake_kube.fail_next(503, times=2, verbs=("get",), resource="jobs")
    task = measure(provider(kube_client))
    await fake_kube.wait_for(JOBS, "team-a", job_name(SCOPE), lambda job: job is not None)
    await fake_kube.wait_for(
        JOBS, "team-a", job_name(SCOPE), lambda _: len(fake_kube.requests_for("get", "jobs")) >= 3
    )
    fake_kube.set_status(JOBS, "team-a", job_name(SCOPE), COMPLETE)
    assert (await asyncio.wait_for(task, 5)).value == "Complete"


async def test_a_job_deleted_before_it_ends_is_an_error(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    task = measure(provider(kube_client))
    await fake_kube.wait_for(JOBS, "team-a", job_name(SCOPE), lambda job: job is not None)
    fake_kube.delete(JOBS, "team-a", job_name(SCOPE))
    measurement = await asyncio.wait_for(task, 5)
    assert measurement.error == f"Job team-a/{job_name(SCOPE)} was deleted before it finished"


async def test_jobs_may_run_in_another_namespace(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    task = measure(provider(kube_client, job_namespace="analysis-jobs"))
    await fake_kube.wait_for(JOBS, "analysis-jobs", job_name(SCOPE), lambda job: job is not None)
    fake_kube.set_status(JOBS, "analysis-jobs", job_name(SCOPE), COMPLETE)
    measurement = await asyncio.wait_for(task, 5)
    assert measurement.metadata["job-namespace"] == "analysis-jobs"


async def test_without_a_scope_the_provider_says_it_needs_one(kube_client: ApiClient) -> None:
    measurement = await provider(kube_client).measure(BLOCK, T0)
    assert measurement.error == NO_SCOPE


async def test_delete_and_every_other_call_is_one_the_analysis_role_grants(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    jobs = provider(kube_client)
    task = measure(jobs)
    await finish(fake_kube, COMPLETE)
    await task
    await asyncio.wait_for(measure(jobs), 5)  # adopted: create answered 409, then get
    for _ in range(2):  # a Job already gone is fine
        await jobs.delete("team-a", job_name(SCOPE))
    assert fake_kube.objects(JOBS) == []
    deleted = fake_kube.requests_for("delete", "jobs")[0]
    assert deleted.query.get("propagationPolicy") == "Foreground"  # as Argo's Terminate
    calls = {
        (r.call.resource.group, r.call.resource.plural, r.call.verb)
        for r in fake_kube.requests
        if r.call is not None
    }
    assert calls == {("batch", "jobs", verb) for verb in ("create", "get", "delete")}
    assert calls <= EXPECTED["analysis"]


JOB_METRIC = {"name": "smoke", "provider": BLOCK}


async def test_the_analysis_worker_measures_with_a_job_named_for_the_measurement(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    published = Published()
    started = ev.AnalysisRunStarted(
        cause="in-1", at=T0, run_name="web-6f7d-2-1", metrics=[JOB_METRIC], secret_args={}
    )

    async def history(namespace: str, name: str) -> list[StoredEvent]:
        return [stored(started, namespace="team-a")]

    async with httpx.AsyncClient() as http:
        worker = AnalysisWorker(
            cast(StateProjection, FakeProjection()),
            InMemoryTemplateStore([]),
            InMemorySecretStore({}),
            build_providers(MetricSettings(), http, job=provider(kube_client)),
            published,
            TickingClock(),
            history=history,
        )
        due = ev.MeasurementDue(
            cause="in-2", at=T0, run_name="web-6f7d-2-1", metric="smoke", index=1
        )
        for event_id in ("d1", "d1-redelivered"):
            await worker.handle(stored(due, namespace="team-a", event_id=event_id, sequence=2))
        await finish(fake_kube, COMPLETE)
        await asyncio.wait_for(worker.drain(), 5)
    taken = published.of(inp.MeasurementTaken)
    assert len(taken) == 2 and len(fake_kube.objects(JOBS)) == 1
    for item in taken:
        assert (item.value, item.error, item.index) == ("Complete", None, 1)
        verdict = verdict_of(Metric.model_validate(JOB_METRIC), item.value, None, item.metadata)
        assert verdict.phase is AnalysisPhase.SUCCESSFUL


async def test_a_terminated_measurement_loses_its_job(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    jobs = provider(kube_client)
    task = measure(jobs)
    await fake_kube.wait_for(JOBS, "team-a", job_name(SCOPE), lambda job: job is not None)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await jobs.terminate(SCOPE)
    assert fake_kube.objects(JOBS) == []
    await jobs.terminate(SCOPE)  # nothing left: fine
    fake_kube.create({**job_manifest_of(SCOPE), "kind": "Job", "apiVersion": "batch/v1"})
    fake_kube.fail_next(403, verbs=("delete",), resource="jobs")
    await jobs.terminate(SCOPE)  # refused: logged, never raised into the worker
    assert len(fake_kube.objects(JOBS)) == 1


def job_manifest_of(scope: MeasurementScope) -> dict[str, Any]:
    return {"metadata": {"name": job_name(scope), "namespace": scope.namespace}, "spec": SPEC}
