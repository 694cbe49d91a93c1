"""The dashboard's JSON and server-sent events over a real system: what the page reads."""

from __future__ import annotations

import pytest

from tests.integration.dashboard.conftest import (
    METRIC_VALUES,
    SUCCESS_CONDITION,
    Dashboard,
    analysis_yaml,
    until_update,
)

pytestmark = pytest.mark.integration


async def test_the_list_follows_the_stream_and_a_rollout_reads_like_get(
    dashboard: Dashboard,
) -> None:
    assert await dashboard.get("/api/rollouts") == (200, {"rollouts": []})
    async with dashboard.http.get(dashboard.url + "/api/events") as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        first = await until_update(stream, lambda u: True)
        assert first == {"snapshot": []}
        await dashboard.deploy()
        healthy = await until_update(
            stream, lambda u: u.get("rollout", {}).get("phase") == "Healthy"
        )
    assert healthy["rollout"]["name"] == "demo" and healthy["rollout"]["namespace"] == "default"
    status, listed = await dashboard.get("/api/rollouts")
    assert status == 200 and [r["name"] for r in listed["rollouts"]] == ["demo"]

    await dashboard.system.settled()
    status, doc = await dashboard.get("/api/rollouts/default/demo")
    assert status == 200
    assert doc["at"] == doc["latest"] == doc["timeline"][-1]["seq"]
    assert [s["text"] for s in doc["steps"]] == [
        "setWeight: 20",
        "pause",
        "setWeight: 50",
        "pause: 1",
    ]
    assert doc["tree"]["revisions"][0]["roles"] == ["stable"]
    assert doc["tree"]["revisions"][0]["pods"] == 2

    status, early = await dashboard.get("/api/rollouts/default/demo?at=1")
    assert status == 200 and early["at"] == 1 and early["latest"] == doc["latest"]
    assert early["rollout"]["phase"] != "Healthy" and early["tree"]["revisions"] == []


async def test_bad_requests_answer_with_the_cli_messages(dashboard: Dashboard) -> None:
    await dashboard.deploy()
    assert await dashboard.get("/api/rollouts/default/nope") == (
        404,
        {"error": "rollout default/nope not found"},
    )
    status, body = await dashboard.get("/api/rollouts/default/demo?at=soon")
    assert status == 400 and body["error"].startswith("--at: bad value 'soon'")
    status, body = await dashboard.get("/api/rollouts/default/demo?at=999")
    assert status == 404 and body["error"].startswith("no event #999")
    status, body = await dashboard.post("/api/rollouts/default/demo/explode")
    assert status == 400 and body == {
        "ok": False,
        "message": "action: unknown action 'explode' (one of promote, promote-full, abort, "
        "retry, pause, resume)",
    }


async def test_buttons_send_the_cli_inputs_and_are_refused_like_it(
    dashboard: Dashboard,
) -> None:
    system = dashboard.system
    await dashboard.deploy()
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.exit_code == 0, healthy.output
    before = await system.settled()
    cli = await system.cli("promote", "demo")
    assert cli.exit_code == 1
    status, body = await dashboard.post("/api/rollouts/default/demo/promote")
    assert status == 409 and body == {"ok": False, "message": cli.stderr.strip()[len("error: ") :]}
    assert await system.last_sequence() == before  # a refusal appends nothing

    updated = await system.cli("set", "image", "demo", "demo=nginx:2")
    assert updated.exit_code == 0, updated.output
    async with dashboard.http.get(dashboard.url + "/api/events") as stream:
        await until_update(stream, lambda u: u.get("rollout", {}).get("phase") == "Paused")
        status, body = await dashboard.post("/api/rollouts/default/demo/abort")
        assert (status, body) == (200, {"ok": True, "message": "rollout 'demo' aborted"})
        aborted = await until_update(
            stream, lambda u: u.get("rollout", {}).get("actual_weight") == "0", timeout=5
        )
    assert aborted["rollout"]["aborted"] and aborted["rollout"]["set_weight"] == "0"
    status, doc = await dashboard.get("/api/rollouts/default/demo")
    assert [t["type"] for t in doc["timeline"]].count("RolloutAborted") == 1


async def test_a_metric_chart_holds_every_measurement_and_its_threshold(
    dashboard: Dashboard, metric_url: str
) -> None:
    system = dashboard.system
    await dashboard.deploy(text=analysis_yaml(metric_url, "nginx:1"))
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.exit_code == 0, healthy.output
    await dashboard.deploy(text=analysis_yaml(metric_url, "nginx:2"))
    await system.until(
        lambda r: r.stdout == "Paused - CanaryPauseStep\n", "status", "demo", "--no-watch"
    )
    status, doc = await dashboard.get("/api/rollouts/default/demo")
    assert status == 200 and [s["current"] for s in doc["steps"]] == [False, False, True, False]
    [chart] = doc["charts"]
    assert chart["metric"] == "error-rate" and chart["phase"] == "Successful"
    assert chart["success_condition"] == SUCCESS_CONDITION
    assert chart["thresholds"] == [{"kind": "success", "op": "<", "value": 0.05}]
    assert [p["number"] for p in chart["points"]] == list(METRIC_VALUES[:3])
    assert {p["phase"] for p in chart["points"]} == {"Successful"}
    [run] = doc["tree"]["revisions"][0]["runs"]
    assert run["name"] == chart["run"] and run["phase"] == "Successful"

    first = next(e["seq"] for e in doc["timeline"] if e["type"] == "MeasurementRecorded")
    status, then = await dashboard.get(f"/api/rollouts/default/demo?at={first}")
    assert status == 200 and len(then["charts"][0]["points"]) == 1


async def test_every_button_is_accepted_as_the_cli_command(dashboard: Dashboard) -> None:
    system = dashboard.system
    await dashboard.deploy()
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.exit_code == 0, healthy.output
    await dashboard.deploy("nginx:2")
    await system.until(
        lambda r: r.stdout == "Paused - CanaryPauseStep\n", "status", "demo", "--no-watch"
    )
    for verb, said in [
        ("pause", "rollout 'demo' paused"),
        ("resume", "rollout 'demo' resumed"),
        ("promote", "rollout 'demo' promoted"),
        ("promote-full", "rollout 'demo' fully promoted"),
    ]:
        assert await dashboard.post(f"/api/rollouts/default/demo/{verb}") == (
            200,
            {"ok": True, "message": said},
        ), verb
    done = await system.cli("status", "demo", "--timeout", "30s")
    assert done.exit_code == 0, done.output
    await dashboard.deploy("nginx:3")
    assert (await dashboard.post("/api/rollouts/default/demo/abort"))[0] == 200
    assert await dashboard.post("/api/rollouts/default/demo/retry") == (
        200,
        {"ok": True, "message": "rollout 'demo' retried"},
    )
    _, doc = await dashboard.get("/api/rollouts/default/demo")
    accepted = [e["summary"] for e in doc["timeline"] if e["type"] == "CommandAccepted"]
    by_buttons = [line for line in accepted if not line.startswith("command apply ")]
    assert by_buttons == [
        f"command {command} accepted by alice@cli"
        for command in ("pause", "resume", "promote", "promote full=True", "abort", "retry")
    ]
