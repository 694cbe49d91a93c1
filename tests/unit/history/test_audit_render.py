"""The audit's three renderings: text for a terminal, JSON for tools, Markdown for a review."""

from __future__ import annotations

import json

import events.models as ev
from adapters.history.audit_markdown import cell, render_markdown
from adapters.history.audit_render import render_json, render_text
from adapters.history.formatting import duration
from adapters.history.timeline import build_audit
from tests.support.sim import T0
from tests.unit.history.histories import canary_abort_retry_promote, store_decisions


def test_markdown_is_a_review_document() -> None:
    sim = canary_abort_retry_promote()
    text = render_markdown(build_audit(sim.stored(), now=sim.now, inputs=sim.inputs))
    lines = text.splitlines()
    assert lines[0] == "# Rollout audit: default/demo"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Revision 1: nginx:1.19 (`5687d8c5db`)",
        "## Revision 2: app:2 (`5c74dfcd56`)",
        "## Revision 3: app:3 (`7b7b569d9c`)",
        "## Revision 4: app:2 (`5c74dfcd56`)",
    ]
    summary = lines[lines.index("## Summary") + 2 : lines.index("## Summary") + 8]
    assert summary[2] == "| 1 | nginx:1.19 | 2026-01-01T00:00:00Z | completed | 0s | 0s | 0 |"
    assert summary[3] == "| 2 | app:2 | 2026-01-01T01:00:00Z | completed | 11m | 6m30s | 1 |"
    assert summary[4] == "| 3 | app:3 | 2026-01-01T02:00:00Z | superseded | - | 30m | 0 |"
    assert "- Outcome: **superseded (rolled back by revision 4)**" in lines
    assert "- Aborted at 2026-01-01T01:00:30Z: Rollout aborted update to revision 2" in lines
    assert "| 2 | pause | 2026-01-01T01:05:00Z | 5m |" in lines
    abort_row = next(line for line in lines if "| user alice: abort |" in line)
    assert abort_row.startswith("| 2026-01-01T01:00:30Z | 28-34 |")
    assert "<br>ABORTED revision 2: Rollout aborted update to revision 2<br>" in abort_row
    # every table row has as many cells as its header
    for line in lines:
        if line.startswith("| Time (UTC)"):
            width = line.count(" | ")
        elif line.startswith("| 20"):
            assert line.count(" | ") == width, line


def test_markdown_cells_survive_any_message() -> None:
    assert cell("a|b\nc\\d") == "a\\|b c\\\\d"
    aborted = ev.RolloutAborted(cause="c", at=T0, revision=1, message="p99 | 2s\nup")
    history = store_decisions("default", "demo", [[aborted]])
    text = render_markdown(build_audit(history, now=T0))
    assert "p99 \\| 2s up" in text


def test_text_puts_each_change_under_its_cause() -> None:
    sim = canary_abort_retry_promote()
    text = render_text(build_audit(sim.stored(), now=sim.now, inputs=sim.inputs))
    lines = text.splitlines()
    assert lines[0] == (
        "Rollout default/demo: 4 revision(s), events #1-#94 "
        "(2026-01-01T00:00:00Z to 2026-01-01T02:30:30Z)"
    )
    at = lines.index("  2026-01-01T01:00:30Z  #28-34    user alice: abort")
    assert (
        lines[at + 4]
        == "                        - ABORTED revision 2: Rollout aborted update to revision 2"
    )
    assert (
        "REVISION 2  app:2 (5c74dfcd56)  completed at 2026-01-01T01:11:00Z (replaced by revision 3)"
        in lines
    )
    assert "  step 2 (pause): 5m, completed 2026-01-01T01:10:00Z" in lines


def test_json_has_every_fact() -> None:
    sim = canary_abort_retry_promote()
    document = json.loads(json.dumps(render_json(build_audit(sim.stored(), now=sim.now))))
    second = document["revisions"][1]
    assert (second["revision"], second["outcome"], second["lead_time_seconds"]) == (
        2,
        "completed",
        660.0,
    )
    assert second["aborts"] == [
        {"at": "2026-01-01T01:00:30Z", "message": "Rollout aborted update to revision 2"}
    ]
    assert [s["seconds"] for s in second["steps"]] == [0.0, 0.0, 300.0, 0.0, 60.0]
    abort = next(e for e in second["timeline"] if e["cause"]["summary"] == "abort")
    assert abort["cause"] == {
        "input_id": abort["cause"]["input_id"],
        "kind": "command",
        "summary": "abort",
        "actor": "alice",
        "input_type": None,
        "published_at": None,
        "from_inputs_stream": False,
    }
    assert {
        "sequence": 33,
        "type": "RolloutAborted",
        "text": "ABORTED revision 2: Rollout aborted update to revision 2",
    } in abort["changes"]


def test_durations_read_like_kubectl() -> None:
    cases = {0: "0s", 59.9: "59s", 60: "1m", 390: "6m30s", 3600: "1h", 3900: "1h5m", 90000: "1d1h"}
    assert {seconds: duration(seconds) for seconds in cases} == cases
    assert duration(None) == "-"
