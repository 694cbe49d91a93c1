"""scripts/demo.sh installs only when something changed (pip took 9.5 s on every run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAKE_SETUP = """#!/usr/bin/env bash
set -euo pipefail
echo install >> installs.log
mkdir -p .venv/bin
printf '#!/usr/bin/env bash\\necho "demo $*"\\n' > .venv/bin/rollouts
chmod +x .venv/bin/rollouts
"""


def run_demo(project: Path) -> str:
    done = subprocess.run(
        ["bash", "scripts/demo.sh", "--fast"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout


def installs(project: Path) -> int:
    log = project / "installs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_the_install_runs_once_then_again_only_when_pyproject_or_setup_changes(
    tmp_path: Path,
) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "demo.sh", tmp_path / "scripts" / "demo.sh")
    (tmp_path / "scripts" / "setup.sh").write_text(FAKE_SETUP)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert run_demo(tmp_path) == "demo demo --fast\n"  # `rollouts demo --fast`
    assert installs(tmp_path) == 1
    run_demo(tmp_path)
    assert installs(tmp_path) == 1, "nothing changed: no second install"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "y"\n')
    run_demo(tmp_path)
    assert installs(tmp_path) == 2
    (tmp_path / "scripts" / "setup.sh").write_text(FAKE_SETUP + "# changed\n")
    run_demo(tmp_path)
    assert installs(tmp_path) == 3
    shutil.rmtree(tmp_path / ".venv")
    run_demo(tmp_path)
    assert installs(tmp_path) == 4, "a missing venv is always installed"
