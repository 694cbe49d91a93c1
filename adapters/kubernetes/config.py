"""Connecting to a cluster: a kubeconfig file, or the service account of the pod we run in.

Order: an explicit `--kubeconfig`; else, inside a pod (KUBERNETES_SERVICE_HOST set and the
service-account token mounted), the in-cluster configuration; else $KUBECONFIG (its first
file) or ~/.kube/config. Failing all of them is one line saying what was tried.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml
from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.config import ConfigException, load_incluster_config, load_kube_config

TOKEN_FILE = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


class KubernetesConfigError(RuntimeError):
    """No usable cluster configuration; the message says what was tried."""


def default_kubeconfig(environ: Mapping[str, str]) -> Path:
    listed = [part for part in environ.get("KUBECONFIG", "").split(os.pathsep) if part]
    if listed:
        return Path(listed[0]).expanduser()
    return Path(environ.get("HOME", "~")).expanduser() / ".kube" / "config"


def in_cluster(environ: Mapping[str, str], token_file: Path = TOKEN_FILE) -> bool:
    return bool(environ.get("KUBERNETES_SERVICE_HOST")) and token_file.exists()


async def load_api_client(
    kubeconfig: Path | None = None,
    context: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    token_file: Path = TOKEN_FILE,
) -> ApiClient:
    """An ApiClient for the cluster (the caller closes it)."""
    env = os.environ if environ is None else environ
    configuration = Configuration()
    if kubeconfig is None and context is None and in_cluster(env, token_file):
        try:
            load_incluster_config(  # type: ignore[no-untyped-call]
                client_configuration=configuration,
                token_filename=str(token_file),
                cert_filename=str(token_file.parent / "ca.crt"),
                environ=dict(env),
            )
        except ConfigException as error:
            raise KubernetesConfigError(f"in-cluster configuration: {_line(error)}") from None
        return ApiClient(configuration)
    if kubeconfig is not None and not kubeconfig.exists():
        raise KubernetesConfigError(f"kubeconfig {kubeconfig} does not exist")
    path = kubeconfig or default_kubeconfig(env)
    if not path.exists():
        raise KubernetesConfigError(
            f"no Kubernetes configuration: {path} does not exist and this is not a pod "
            "(KUBERNETES_SERVICE_HOST unset or no service-account token); "
            "pass --kubeconfig PATH or set KUBECONFIG"
        )
    try:
        await load_kube_config(
            config_file=str(path), context=context, client_configuration=configuration
        )
    except ConfigException as error:
        raise KubernetesConfigError(f"kubeconfig {path}: {_line(error)}") from None
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise KubernetesConfigError(f"kubeconfig {path}: {_line(error)}") from None
    return ApiClient(configuration)


def _line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
