"""A process runs only the imports of the workers it runs.

The analysis worker's metric providers (botocore among them) and the notifier's services are
about half a second of imports on a slow machine: a controller-only process, which a restart
waits for, must not load them, and a process running the analysis worker must. Each case runs
in a fresh interpreter (this test process has imported everything already).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import asyncio, json, sys
from pathlib import Path
from adapters.runtime.settings import Settings
from adapters.workers.app import create_app

async def main():
    app = create_app(Settings(data_dir=Path(sys.argv[1])), workers=tuple(sys.argv[2].split(",")))
    await app.start()
    await app.stop()

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""
WORKER_ONLY = ("botocore", "adapters.metrics", "adapters.analysis.providers", "adapters.notify")


def started_and_stopped(tmp_path: Path, workers: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path), workers],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def loaded(modules: set[str]) -> list[str]:
    return sorted({p for p in WORKER_ONLY for m in modules if m == p or m.startswith(f"{p}.")})


def test_a_controller_process_loads_no_analysis_or_notifier_code(tmp_path: Path) -> None:
    assert loaded(started_and_stopped(tmp_path, "controller")) == []


def test_a_process_running_the_analysis_worker_loads_its_providers(tmp_path: Path) -> None:
    """The contrast: the same probe sees the imports where they belong."""
    found = loaded(started_and_stopped(tmp_path, "controller,analysis"))
    assert {"adapters.metrics", "adapters.analysis.providers"} <= set(found)
