"""`demo` and `bench` only hand over to their packages (replaced here by stand-ins)."""

from __future__ import annotations

import json
import sys
import types
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from adapters.cli.main import app
from adapters.runtime.settings import Settings


def install(monkeypatch: pytest.MonkeyPatch, module: str, **functions: Any) -> None:
    monkeypatch.setitem(sys.modules, module, types.SimpleNamespace(**functions))


@pytest.mark.parametrize(("flags", "fast", "code"), [([], False, 0), (["--fast"], True, 4)])
def test_demo_runs_with_the_settings_and_returns_its_code(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, flags: list[str], fast: bool, code: int
) -> None:
    calls: list[tuple[Settings, bool]] = []

    async def run_demo(settings: Settings, console: Console, *, fast: bool) -> int:
        calls.append((settings, fast))
        console.print("demo ran")
        return code

    install(monkeypatch, "adapters.demo", run_demo=run_demo)
    result = runner.invoke(app, ["demo", *flags, "-n", "play"])
    assert result.exit_code == code
    assert result.stdout == "demo ran\n"
    assert [(settings.namespace, fast_) for settings, fast_ in calls] == [("play", fast)]


RESULTS = {"append": {"events_per_s": 12345.678, "batches": 10}, "machine": "2 cores"}


def test_bench_json(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    async def run_bench(*, quick: bool, console: Console) -> dict[str, Any]:
        seen.append(quick)
        return RESULTS

    install(monkeypatch, "adapters.bench", run_bench=run_bench)
    result = runner.invoke(app, ["bench", "--quick", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == RESULTS and seen == [True]


def test_bench_table(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    async def run_bench(*, quick: bool, console: Console) -> dict[str, Any]:
        return RESULTS

    install(monkeypatch, "adapters.bench", run_bench=run_bench)
    result = runner.invoke(app, ["bench"])
    assert [line.split() for line in result.stdout.splitlines()] == [
        ["MEASURE", "VALUE"],
        ["append.events_per_s", "12,345.678"],
        ["append.batches", "10"],
        ["machine", "2", "cores"],
    ]


def test_a_missing_entry_point_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(monkeypatch, "adapters.demo")
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1
    assert (
        result.stderr == "error: adapters.demo has no run_demo(); the installation is incomplete\n"
    )


@pytest.mark.parametrize(
    ("met", "primary", "code"), [(True, True, 0), (False, False, 0), (False, True, 1)]
)
def test_bench_fails_only_on_a_missed_primary_target(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, met: bool, primary: bool, code: int
) -> None:
    target = {"value": 9.0, "target": "< 5", "met": met, "primary": primary}
    results = {**RESULTS, "targets": {"abort_p99_ms": target}}

    async def run_bench(*, quick: bool, console: Console) -> dict[str, Any]:
        return results

    install(monkeypatch, "adapters.bench", run_bench=run_bench)
    result = runner.invoke(app, ["bench", "--json"])
    assert result.exit_code == code, result.output
    assert json.loads(result.stdout) == results
    missed = "bench: primary targets missed: abort_p99_ms\n"
    assert result.stderr == (missed if code else "")


LONG = {
    "restart": {"snapshot_ready_s": 4.2, "description_of_the_figure": "x" * 40},
    "targets": {
        "rss_kb_per_rollout_serve": {
            "note": "context: `serve`, controller and projection together " * 3,
            "met": False,
        }
    },
}


@pytest.mark.parametrize("columns", [80, 100, 200])
def test_the_bench_table_fits_100_columns_and_keeps_whole_keys(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    async def run_bench(*, quick: bool, console: Console) -> dict[str, Any]:
        return LONG

    install(monkeypatch, "adapters.bench", run_bench=run_bench)
    monkeypatch.setenv("COLUMNS", str(columns))
    result = runner.invoke(app, ["bench"])
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= min(columns, 100)
    keys = [line.split()[0] for line in lines[1:] if line[:1].strip()]
    assert keys == [
        "restart.snapshot_ready_s",
        "restart.description_of_the_figure",
        "targets.rss_kb_per_rollout_serve.note",
        "targets.rss_kb_per_rollout_serve.met",
    ]
    assert "context: `serve`" in result.stdout  # the long note wraps, it is not cut
