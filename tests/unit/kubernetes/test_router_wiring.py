"""The Kubernetes composition root picks the traffic router itself; nothing falls back.

Before, `adapters.kubernetes.routing` loaded `adapters.traffic` through importlib and put a
no-op router in its place when that failed: a renamed or broken package made routed rollouts
progress without touching the mesh, with a warning in the log. Now the root imports the router
package like any other, so a missing one stops the process at import, and no module loads a
sibling adapter by name where import-linter cannot see it.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest
from kubernetes_asyncio import client

from adapters.runtime.settings import Settings
from adapters.traffic import KubernetesTrafficRouter
from adapters.workers.kubernetes_root import create_kubernetes_app

ADAPTERS = Path(__file__).resolve().parents[3] / "adapters"
DYNAMIC_LOADERS = {
    "adapters/cli/demo.py",
    "adapters/cli/handler.py",
    "adapters/cli/main.py",
    "adapters/runtime/missing_modules.py",
}
"""Entry points that load an optional command's package on use and fail with a clear error;
the CLI's root, which imports each command's module (named in main.COMMANDS, all under
adapters/cli) when it runs, and defers aiohttp until first use; and `missing_modules`, which
only asks importlib whether an optional module exists (`find_spec`) and loads nothing."""


async def test_the_traffic_worker_gets_the_kubernetes_router(tmp_path: Path) -> None:
    api = client.ApiClient()
    try:
        app = create_kubernetes_app(Settings(data_dir=tmp_path), api, workers=["traffic"])
        assert isinstance(app.app.config.ports.router, KubernetesTrafficRouter)
    finally:
        await api.close()


def test_a_missing_router_package_is_an_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "adapters.traffic", None)
    monkeypatch.delitem(sys.modules, "adapters.workers.kubernetes_root")
    with pytest.raises(ImportError, match=r"adapters\.traffic"):
        importlib.import_module("adapters.workers.kubernetes_root")


def test_no_adapter_loads_a_module_by_name() -> None:
    """importlib hides an import from the layers contract; only the listed entry points may."""
    found = []
    for path in sorted(ADAPTERS.rglob("*.py")):
        relative = path.relative_to(ADAPTERS.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "importlib" or name.startswith("importlib.") for name in names):
                found.append(relative)
    assert sorted(set(found)) == sorted(DYNAMIC_LOADERS)
