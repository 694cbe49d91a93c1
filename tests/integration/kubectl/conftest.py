"""Fixtures: a real kubectl against the fake API server, which serves the project's CRDs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.kubectl.kubectl import Kubectl
from tests.integration.kubernetes_controller.conftest import system
from tests.support.kube import FakeKube, kube_client
from tests.support.nats import nats_server

__all__ = ["kube_client", "nats_server", "system"]
import yaml

ROOT = Path(__file__).parents[3]
CRD_DIR = ROOT / "deploy" / "crds"
CRDS = [
    CRD_DIR / name
    for name in yaml.safe_load((CRD_DIR / "kustomization.yaml").read_text())["resources"]
]


@pytest.fixture
async def fake_kube() -> AsyncIterator[FakeKube]:
    """The fake with deploy/crds/ installed: the argoproj.io types have the CRDs' printer
    columns and schemas (pruning, fieldValidation), as on a cluster."""
    async with FakeKube() as kube:
        kube.install_crds(CRDS)
        yield kube


@pytest.fixture
def kubectl(fake_kube: FakeKube, tmp_path: Path) -> Kubectl:
    return Kubectl(fake_kube.url, tmp_path / "kubectl")
