"""Where `serve` and `worker` run on Kubernetes: the options, and the namespace-scoped mode.

A namespace-scoped install (`--namespaced`, deploy/namespaced) runs with Roles, not
ClusterRoles, as Argo's namespace-install does: it watches one namespace, never lists across
the cluster, and does not watch ClusterAnalysisTemplates (cluster-scoped objects a Role cannot
grant; a run that references one fails as a missing template, naming it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import typer

from adapters.cli.errors import UsageError

SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
"""Where a pod reads its own namespace when the Downward API does not set POD_NAMESPACE."""


class PlatformName(StrEnum):
    LOCAL = "local"
    KUBERNETES = "kubernetes"


KUBE_PANEL = "Kubernetes (--platform kubernetes)"
PLATFORM = typer.Option(
    "--platform",
    help="local: loopback pods on this machine. kubernetes: a cluster's API, as Argo Rollouts.",
)
KUBECONFIG = typer.Option(
    "--kubeconfig",
    help="kubeconfig file (default: the pod's service account, else $KUBECONFIG or "
    "~/.kube/config).",
    rich_help_panel=KUBE_PANEL,
)
CONTEXT = typer.Option(
    "--context", help="kubeconfig context (default: its current one).", rich_help_panel=KUBE_PANEL
)
WATCH_NAMESPACE = typer.Option(
    "--watch-namespace",
    help="Only this namespace's Rollouts, templates and ReplicaSets (repeatable; default: all).",
    rich_help_panel=KUBE_PANEL,
)
NAMESPACED = typer.Option(
    "--namespaced",
    envvar="ROLLOUTS_NAMESPACED",
    help="Namespace-scoped install (Roles, not ClusterRoles): watch one namespace only "
    "(--watch-namespace, else the pod's own), and no ClusterAnalysisTemplates.",
    rich_help_panel=KUBE_PANEL,
)
EMBEDDED_NATS = typer.Option(
    "--embedded-nats",
    help="Start the embedded NATS server (default: --nats-url, or a running `rollouts serve`).",
    rich_help_panel=KUBE_PANEL,
)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Where and what to watch on Kubernetes."""

    kubeconfig: Path | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ()
    embedded_nats: bool = False
    namespaced: bool = False
    """Roles only: `namespaces` is exactly one, and nothing cluster-scoped is read."""


def watch_scope(
    watch_namespace: Sequence[str] | None,
    namespaced: bool,
    env: Mapping[str, str] | None = None,
    own_namespace_file: Path = SERVICE_ACCOUNT_NAMESPACE,
) -> tuple[str, ...]:
    """The namespaces to watch (empty: all of them). Namespace-scoped: exactly one, from
    --watch-namespace, else POD_NAMESPACE, else the service account's namespace file."""
    given = tuple(dict.fromkeys(watch_namespace or ()))
    if not namespaced:
        return given
    if len(given) > 1:
        raise UsageError(
            f"--namespaced watches one namespace; --watch-namespace names {len(given)} "
            f"({', '.join(given)})"
        )
    if given:
        return given
    own = (os.environ if env is None else env).get("POD_NAMESPACE", "").strip()
    if not own and own_namespace_file.is_file():
        own = own_namespace_file.read_text().strip()
    if not own:
        raise UsageError(
            "--namespaced needs the namespace to watch: pass --watch-namespace NS "
            "(outside a pod there is no POD_NAMESPACE or service account namespace to use)"
        )
    return (own,)
