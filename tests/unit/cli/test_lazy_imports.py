"""The CLI starts fast because commands load on use: guard the imports so the gain cannot regress.

Each check runs in a fresh interpreter (this test process has imported everything already).
Start time itself is measured by the bench (`python -m adapters.bench.cli_start`), not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from adapters.cli.handler import load_commands
from adapters.cli.main import COMMANDS, app

HEAVY = ("kubernetes_asyncio", "botocore", "lark", "adapters.workers", "faststream")


def loaded_after(code: str) -> set[str]:
    """Top-level names of the modules `code` leaves in sys.modules, from a new interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def heavy_in(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in heavy))


def test_importing_the_entry_point_loads_no_command() -> None:
    modules = loaded_after("import adapters.cli.main")
    assert heavy_in(modules, (*HEAVY, "nats", "adapters.runtime", "rich")) == []


def test_root_help_imports_no_command_module() -> None:
    code = (
        "from typer.testing import CliRunner\n"
        "from adapters.cli.main import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0"
    )
    modules = loaded_after(code)
    assert heavy_in(modules, (*HEAVY, "nats", "adapters.runtime", "events", "rollouts")) == []


@pytest.mark.parametrize("command", ["get", "list", "abort", "promote", "status"])
def test_reading_commands_load_no_platform_code(command: str) -> None:
    code = (
        "from adapters.cli.main import app, defer_imports\n"
        "defer_imports()\n"
        "from adapters.cli.handler import load_commands\n"
        f"load_commands({dict((c.name, c.module) for c in COMMANDS)[command]!r})"
    )
    modules = loaded_after(code)
    assert heavy_in(modules, (*HEAVY, "yaml", "structlog")) == []
    assert "aiohttp.client" not in modules


def test_help_lists_every_registered_command_with_its_help() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f" {command.name} " in result.stdout and command.help in result.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_registered_command_exists_in_its_module(command: object) -> None:
    assert command.name in load_commands(command.module).commands  # type: ignore[attr-defined]


def test_a_deferred_module_becomes_the_real_one_on_first_use() -> None:
    code = (
        "import sys\n"
        "from adapters.cli.main import defer_imports, DeferredModule\n"
        "defer_imports(('colorsys',))\n"
        "import colorsys\n"
        "assert isinstance(colorsys, DeferredModule)\n"
        "assert 'rgb_to_hsv' not in vars(colorsys)\n"
        "assert colorsys.rgb_to_hsv(1, 0, 0) == (0, 1, 1)\n"
        "assert not isinstance(sys.modules['colorsys'], DeferredModule)"
    )
    assert "colorsys" in loaded_after(code)
