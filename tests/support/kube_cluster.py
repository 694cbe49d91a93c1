"""A real Kubernetes API for the `cluster`-marked tests: k3s in a container (testcontainers).

The container starts once per session, and only where a Docker engine answers; elsewhere the
fixture skips with the reason. Pods there must really run, so `RunnablePlatform` swaps every
container image of the templates it is given for a tiny one (the pause image) before passing
the spec on. Untested on the machine this was written on: it has no Docker engine.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import yaml
from kubernetes_asyncio import client, config

from rollouts.ports import ReplicaSetSpec
from tests.support.nats import docker_available

K3S_IMAGE = "rancher/k3s:v1.33.1-k3s1"
RUNNABLE_IMAGE = "registry.k8s.io/pause:3.10"


@pytest.fixture(scope="session")
def k3s_kubeconfig() -> Iterator[dict[str, Any]]:
    """The kubeconfig of a k3s server started for this session."""
    if not docker_available():
        pytest.skip("no Docker engine answers: the cluster suite needs k3s in a container")
    from testcontainers.community.k3s import K3SContainer

    with K3SContainer(K3S_IMAGE) as k3s:
        yield yaml.safe_load(k3s.config_yaml())


@asynccontextmanager
async def cluster_api_client(kubeconfig: dict[str, Any]) -> AsyncIterator[client.ApiClient]:
    configuration = client.Configuration()
    await config.load_kube_config_from_dict(kubeconfig, client_configuration=configuration)
    async with client.ApiClient(configuration) as api_client:
        yield api_client


async def ensure(api_client: client.ApiClient, manifest: dict[str, Any]) -> None:
    """Create a Namespace or Service unless it exists."""
    core: Any = client.CoreV1Api(api_client)
    namespace = manifest["metadata"].get("namespace", "default")
    try:
        if manifest["kind"] == "Namespace":
            await core.create_namespace(manifest)
        else:
            await core.create_namespaced_service(namespace, manifest)
    except client.ApiException as error:
        if error.status != 409:
            raise


async def delete_rollout_replicasets(api_client: client.ApiClient, namespace: str) -> None:
    apps: Any = client.AppsV1Api(api_client)
    await apps.delete_collection_namespaced_replica_set(
        namespace, label_selector="rollouts-pod-template-hash"
    )


class RunnablePlatform:
    """Delegates to a platform, with every container image replaced by one that runs."""

    def __init__(self, platform: Any, image: str = RUNNABLE_IMAGE) -> None:
        self._platform = platform
        self._image = image

    async def scale(self, spec: ReplicaSetSpec) -> None:
        template = copy.deepcopy(dict(spec.template))
        for container in (template.get("spec") or {}).get("containers", []):
            container["image"] = self._image
        await self._platform.scale(
            ReplicaSetSpec(
                spec.rollout,
                spec.pod_template_hash,
                spec.revision,
                spec.replicas,
                template,
                spec.min_ready_seconds,
                spec.pod_labels,
            )
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._platform, name)
