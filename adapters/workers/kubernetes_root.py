"""`create_kubernetes_app`: which ports a process on a cluster gets, by the workers it runs.

The scaler's process gets the Kubernetes platform, the traffic worker's the Kubernetes traffic
router (or the one given), the analysis worker's the Job metric provider and the cluster's
Secrets; `KubernetesApp` (adapters.workers.kubernetes_app) then starts the watches around them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from kubernetes_asyncio import client

from adapters.analysis.kubernetes_job import KubernetesJobProvider
from adapters.analysis.kubernetes_secrets import KubernetesSecretStore
from adapters.analysis.templates import TemplateStore
from adapters.kubernetes.platform import KubernetesPlatform
from adapters.notify.config import NotificationConfig
from adapters.runtime.observability import ALL_INTERFACES
from adapters.runtime.settings import Settings
from adapters.traffic import KubernetesTrafficRouter
from adapters.traffic.traefik import DEFAULT_API_VERSION as TRAEFIK_API_VERSION
from adapters.workers.app import ALL_WORKERS, DEFAULT_WORKERS, create_app
from adapters.workers.kubernetes_app import JOB_NAMESPACE_ENV, KubernetesApp, WatchOptions
from rollouts.ports import Clock, TrafficRouter

# Argo's --traefik-api-group/--traefik-api-version: traefik.io/v1alpha1 unless set.
TRAEFIK_API_VERSION_ENV = "ROLLOUTS_TRAEFIK_API_VERSION"


def create_kubernetes_app(
    settings: Settings,
    api_client: client.ApiClient,
    *,
    workers: Sequence[str] = DEFAULT_WORKERS,
    namespaces: Sequence[str] | None = None,
    cluster_templates: bool = True,
    traffic_router: TrafficRouter | None = None,
    watch_templates: bool | None = None,
    template_store: TemplateStore | None = None,
    notifications: NotificationConfig | None = None,
    clock: Clock | None = None,
    start_embedded: bool = False,
    http_port: int | None = None,
    options: WatchOptions | None = None,
    http_address: str = ALL_INTERFACES,
) -> KubernetesApp:
    """`namespaces`: where to watch Rollouts, templates and ReplicaSets (None: everywhere).
    `workers` may name `analysis`: its template watch runs here (the worker itself, once
    `create_app` knows it, is wired there)."""
    chosen = options or WatchOptions(namespaces=namespaces, cluster_templates=cluster_templates)
    platform = (
        KubernetesPlatform(
            api_client,
            namespaces=chosen.namespaces,
            clock=clock,
            rollout_api=(chosen.group, chosen.version),
        )
        if "scaler" in workers
        else None
    )
    router = None
    if "traffic" in workers:
        traefik = os.environ.get(TRAEFIK_API_VERSION_ENV) or TRAEFIK_API_VERSION
        router = traffic_router or KubernetesTrafficRouter(api_client, traefik_api_version=traefik)
    jobs, secrets = None, None
    if "analysis" in workers:
        secrets = KubernetesSecretStore(api_client, request_timeout=chosen.request_timeout)
        jobs = KubernetesJobProvider(
            api_client,
            job_namespace=os.environ.get(JOB_NAMESPACE_ENV) or None,
            request_timeout=chosen.request_timeout,
        )
    app = create_app(
        settings,
        workers=[w for w in workers if w in ALL_WORKERS or w != "analysis"],
        notifications=notifications,
        platform=platform,
        router=router,
        clock=clock,
        start_embedded=start_embedded,
        http_port=http_port,
        http_address=http_address,
        job_provider=jobs,
        secret_store=secrets,
    )
    return KubernetesApp(
        app,
        api_client,
        platform,
        chosen,
        watch_rollouts="controller" in workers,
        watch_templates=("analysis" in workers) if watch_templates is None else watch_templates,
        template_store=template_store,
    )
