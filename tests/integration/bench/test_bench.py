"""`run_bench(quick=True)` end to end: every section reports, nothing is left running.

The targets themselves are not asserted: these machines are shared and noisy. What must hold is
the shape of the result, that every figure was really measured (positive, consistent with the
figures it is computed from), and that the run cleans up its servers, processes and tasks.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from adapters.bench import run_bench
from adapters.bench.conditions import CASES

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SECTIONS = (
    "machine",
    "conditions",
    "append",
    "replay",
    "abort",
    "memory",
    "restart",
    "cli_start",
    "targets",
)
TARGETS = {
    "append_ratio": True,
    "append_ratio_vs_publish_async": False,
    "replay_ratio": True,
    "abort_p99_ms": False,
    "abort_p99_ms_cpu_hog": True,
    "abort_p99_ms_burst": True,
    "abort_burst_p99_ratio": False,
    "rss_kb_per_rollout": True,
    "rss_kb_per_rollout_serve": False,
    "fleet_abort_p99_ratio": False,
    "restart_ready_s": True,
    "restart_speedup": True,
    "cli_start_ms": True,
    "cli_start_over_python_ms": False,
}
"""Each target, and whether it is the primary figure (the others are context)."""


def child_processes() -> set[int]:
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            children.add(int(entry.name))
    return children


async def _run_checked() -> dict[str, Any]:
    before = asyncio.all_tasks()
    output = io.StringIO()
    result = await run_bench(quick=True, console=Console(file=output, width=120))
    await asyncio.sleep(0)
    current = asyncio.current_task()
    leaked = [t.get_name() for t in asyncio.all_tasks() - before if t is not current]
    return {"result": result, "leaked_tasks": leaked, "console": output.getvalue()}


@pytest.fixture(scope="module")
def run() -> dict[str, Any]:
    """One quick run for the whole module (it takes about half a minute)."""
    children_before = child_processes()
    outcome = asyncio.run(_run_checked())
    outcome["leaked_children"] = child_processes() - children_before
    return outcome


def test_result_has_every_section_and_is_json(run: dict[str, Any]) -> None:
    result = run["result"]
    assert result["mode"] == "quick"
    for section in SECTIONS:
        assert section in result, section
    assert json.loads(json.dumps(result)) == result


def test_machine_info(run: dict[str, Any]) -> None:
    machine = run["result"]["machine"]
    assert machine["cpu_count"] >= 1
    assert machine["python"].count(".") == 2
    assert machine["nats_server"].split(".")[0].isdigit()
    assert int(machine["nats_server"].split(".")[1]) >= 12  # atomic batches


def test_append_figures_are_measured_and_consistent(run: dict[str, Any]) -> None:
    append = run["result"]["append"]
    assert append["rollouts"] == run["result"]["scale"]["append_rollouts"]
    assert append["events"] > append["decisions"] >= append["rollouts"]
    other = [k for k in append if k.startswith("ours_") and k.endswith("_client_events_per_s")]
    assert len(other) == 1
    for key in (
        "ours_events_per_s",
        "raw_atomic_batched_events_per_s",
        "raw_publish_async_events_per_s",
        "raw_atomic_per_decision_file_events_per_s",
        "raw_atomic_per_decision_memory_events_per_s",
        *other,
    ):
        assert append[key] > 0, key
    by_pipeline = append["raw_atomic_batched_events_per_s_by_commits_in_flight"]
    assert append["raw_atomic_batched_events_per_s"] == max(by_pipeline.values())
    assert append["raw_atomic_batched_events_per_batch"] > append["events_per_decision"]
    expected = append["ours_events_per_s"] / append["raw_atomic_batched_events_per_s"]
    assert append["append_ratio"] == pytest.approx(expected, rel=0.01)
    context = append["ours_events_per_s"] / append["raw_publish_async_events_per_s"]
    assert append["append_ratio_vs_publish_async"] == pytest.approx(context, rel=0.01)
    assert append["ours_batches"] < append["decisions"] / 2  # decisions were grouped


def test_replay_reads_everything_appended_once(run: dict[str, Any]) -> None:
    replay, append = run["result"]["replay"], run["result"]["append"]
    assert replay["events"] == append["events"]
    assert replay["rollouts"] == append["rollouts"]
    other = [k for k in replay if k.startswith("ours_") and k.endswith("_client_events_per_s")]
    assert len(other) == 1
    for key in (
        "ours_events_per_s",
        "read_and_decode_events_per_s",
        "ours_collector_paused_events_per_s",
        "raw_events_per_s",
        *other,
    ):
        assert replay[key] > 0, key
    assert 1.0 <= replay["messages_read_per_event"] < 1.1  # nothing read past what is used
    expected = replay["ours_events_per_s"] / replay["raw_events_per_s"]
    assert replay["replay_ratio"] == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("variant", ["burst", "steady", "steady_cpu_hog"])
def test_abort_latency_covers_every_rollout(run: dict[str, Any], variant: str) -> None:
    abort = run["result"]["abort"]
    figures = abort[variant]
    assert figures["count"] == abort["rollouts"] == run["result"]["scale"]["abort_rollouts"]
    assert 0 < figures["p50_ms"] <= figures["p90_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert figures["description"]
    assert figures["gc_collections"] >= figures["gc_full_collections"] >= 0
    assert figures["gc_max_pause_ms"] >= 0
    assert abort["worker_errors"] == []


def test_burst_has_its_raw_baseline(run: dict[str, Any]) -> None:
    abort = run["result"]["abort"]
    raw = abort["burst_raw"]
    assert raw["count"] == abort["burst"]["count"]
    assert 0 < raw["p50_ms"] <= raw["p99_ms"] <= raw["max_ms"]
    assert abort["burst_p99_ratio"] == round(abort["burst"]["p99_ms"] / raw["p99_ms"], 2)
    assert run["result"]["targets"]["abort_burst_p99_ratio"]["value"] == abort["burst_p99_ratio"]


@pytest.mark.parametrize("variant", ["steady", "steady_cpu_hog"])
def test_steady_variants_spread_the_aborts(run: dict[str, Any], variant: str) -> None:
    steady = run["result"]["abort"][variant]
    assert steady["seconds"] >= (steady["count"] - 1) / steady["rate_per_s"]


def test_memory_per_rollout(run: dict[str, Any]) -> None:
    memory = run["result"]["memory"]
    assert memory["rollouts"] == run["result"]["scale"]["rss_rollouts"]
    assert memory["rss_after_kb"] > memory["rss_before_kb"] > 0
    assert memory["kb_per_rollout"] > 0
    assert memory["marginal_kb_per_rollout"] > 0
    assert memory["serve_kb_per_rollout"] > 0
    assert memory["serve_rss_after_kb"] > memory["rss_before_kb"]
    fields = memory["state_fields_bytes_per_rollout"]
    assert fields["total"] > fields["spec"] > 0
    assert fields["replica_sets"] > 0


def test_conditions_cost(run: dict[str, Any]) -> None:
    conditions = run["result"]["conditions"]
    assert len(conditions["cases"]) == len(CASES)
    for case in conditions["cases"]:
        assert case["outcome"] is True
        assert case["parse_us"] > case["cached_evaluate_condition_us"] > 0
        assert case["compiled_evaluate_us"] > 0


def test_every_target_is_evaluated(run: dict[str, Any]) -> None:
    result = run["result"]
    targets = result["targets"]
    assert {name: target["primary"] for name, target in targets.items()} == TARGETS
    for name, target in targets.items():
        assert isinstance(target["met"], bool), name
        assert target["target"].split()[0] in (">=", "<", "<=")
        assert target["value"] > 0, name
        assert target["note"], name
    assert targets["append_ratio"]["value"] == result["append"]["append_ratio"]
    assert targets["abort_p99_ms"]["value"] == result["abort"]["steady"]["p99_ms"]
    assert targets["abort_p99_ms_burst"]["value"] == result["abort"]["burst"]["p99_ms"]
    hogged = result["abort"]["steady_cpu_hog"]["p99_ms"]
    assert targets["abort_p99_ms_cpu_hog"]["value"] == hogged
    assert targets["rss_kb_per_rollout"]["value"] == result["memory"]["kb_per_rollout"]
    assert targets["rss_kb_per_rollout_serve"]["value"] == result["memory"]["serve_kb_per_rollout"]
    assert targets["restart_ready_s"]["value"] == result["restart"]["snapshot_ready_s"]
    assert targets["restart_speedup"]["target"] == ">= 3"  # quick mode's own bound


def test_restart_from_snapshots_restores_every_rollout(run: dict[str, Any]) -> None:
    restart = run["result"]["restart"]
    assert restart["restored"]["rollouts"] == restart["rollouts"] == 1000
    assert restart["restored"]["refolded"] == 0
    assert restart["tail_events"] > 0
    assert restart["full_refold_ready_s"] > restart["snapshot_ready_s"] > 0
    assert len(restart["first_decisions_ms"]) == 5
    assert all(ms > 0 for ms in restart["first_decisions_ms"])
    assert restart["leases_taken_after_ready_s"] >= 0


def test_progress_is_printed(run: dict[str, Any]) -> None:
    printed = run["console"]
    for heading in ("conditions", "append", "replay", "abort", "memory", "append_ratio"):
        assert heading in printed, heading


def test_nothing_left_running(run: dict[str, Any]) -> None:
    assert run["leaked_tasks"] == []
    assert run["leaked_children"] == set()


def test_cli_start_is_measured_against_python(run: dict[str, Any]) -> None:
    figure = run["result"]["cli_start"]
    commands = {"help", "get", "list", "abort", "promote"}
    assert set(figure["median_ms"]) == {"python -c pass", "libraries", *commands}
    baseline = figure["median_ms"]["python -c pass"]
    assert figure["median_ms"]["libraries"] > baseline
    assert set(figure["over_libraries_ms"]) == commands
    for name, over in figure["over_baseline_ms"].items():
        assert figure["median_ms"][name] > baseline > 0 and over > 0, name
        assert figure["cpu_median_ms"][name] > 0
    assert figure["slowest_ms"] == max(figure["median_ms"][n] for n in figure["over_baseline_ms"])
