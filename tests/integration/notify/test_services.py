"""Each service against a real local HTTP receiver that checks its documented API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import structlog

from adapters.notify.delivery import DeliveryPolicy
from tests.integration.notify import api_shapes
from tests.integration.notify.harness import (
    FAST,
    FLOW_PATH,
    GITHUB_TOKEN,
    HMAC_KEY,
    HOOK_PATH,
    ROUTING_KEY,
    SERVICES,
    TEAMS_PATH,
    TOKEN,
    configuration,
    run_history,
    secrets,
    subscriptions,
)
from tests.integration.notify.receivers import Answer, Receivers, always, fail_first
from tests.unit.notify.histories import canary_release

pytestmark = pytest.mark.integration


def test_documented_examples_pass_the_shape_checks() -> None:
    """The checks accept each API's documented example and reject a broken one."""
    slack = api_shapes.fixture("slack_chat_postMessage")["request"]
    assert api_shapes.slack_chat_post_message(slack, "Bearer x") == []
    assert api_shapes.slack_chat_post_message({**slack, "chanel": "x"}, "Bearer x") != []
    hook = api_shapes.fixture("slack_incoming_webhook")["request"]
    assert api_shapes.slack_incoming_webhook(hook) == []
    pagerduty = api_shapes.fixture("pagerduty_enqueue")
    assert api_shapes.pagerduty_enqueue(pagerduty["trigger"]) == []
    assert api_shapes.pagerduty_enqueue(pagerduty["resolve"]) == []
    broken = {**pagerduty["trigger"], "payload": {"summary": "x", "source": "y", "severity": "bad"}}
    assert api_shapes.pagerduty_enqueue(broken) == ["enqueue payload: bad severity 'bad'"]
    card = api_shapes.fixture("teams_message_card")["request"]
    assert api_shapes.teams_message_card(card) == []
    assert api_shapes.teams_message_card({**card, "@type": "Card"}) != []
    adaptive = api_shapes.fixture("teams_adaptive_card")["request"]
    assert api_shapes.teams_adaptive_card(adaptive) == []


async def test_payloads_match_each_services_documented_api(
    api: Receivers, client: httpx.AsyncClient
) -> None:
    sim = canary_release("checkout", subscriptions("on-rollout-paused", "on-rollout-completed"))
    run = await run_history(sim, configuration(api.url), client)
    assert api.problems == []
    assert run.dead.letters == []
    per_service = {
        s: api.of(s)
        for s in ("slack", "slack-webhook", "pagerduty", "teams", "teams-workflows", "webhook")
    }
    assert {s: len(h) for s, h in per_service.items()} == dict.fromkeys(per_service, 4)
    assert len(set(api.successes())) == 4 * len(SERVICES) == len(run.sent.keys)

    slack = per_service["slack"]
    assert {h.headers["Authorization"] for h in slack} == {f"Bearer {TOKEN}"}
    bodies = [h.json() for h in slack]
    assert [b["text"] for b in bodies] == [
        "Rollout checkout has been completed.",
        "Rollout checkout has been paused.",
        "Rollout checkout has been paused.",
        "Rollout checkout has been completed.",
    ]
    assert {(b["channel"], b["username"], b["icon_emoji"]) for b in bodies} == {
        ("#deploys", "rollouts", ":rocket:")
    }
    assert bodies[1]["attachments"][0]["title"] == "checkout"
    assert bodies[1]["attachments"][0]["fields"][-1] == {
        "title": "checkout",
        "value": "registry.local/checkout:2",
        "short": True,
    }

    hooked = per_service["slack-webhook"]
    assert {h.path for h in hooked} == {f"/slack/hooks/{HOOK_PATH}"}
    assert "channel" not in hooked[0].json()

    pages = [h.json() for h in per_service["pagerduty"]]
    assert [(p["event_action"], p["dedup_key"]) for p in pages] == [
        ("resolve", "default/checkout/1"),
        ("trigger", "default/checkout/2"),
        ("trigger", "default/checkout/2"),
        ("resolve", "default/checkout/2"),
    ]
    assert pages[1]["routing_key"] == ROUTING_KEY
    assert pages[1]["payload"] == {
        "summary": "Rollout checkout: RolloutPaused",
        "severity": "critical",
        "source": "default/checkout",
        "component": "checkout",
    }

    cards = [h.json() for h in per_service["teams"]]
    assert {h.path for h in per_service["teams"]} == {f"/teams/{TEAMS_PATH}"}
    assert cards[1]["title"] == "checkout"
    assert cards[1]["sections"] == [{"facts": [{"name": "Revision", "value": "2"}]}]
    flows = per_service["teams-workflows"]
    assert {h.path for h in flows} == {f"/workflows/{FLOW_PATH}"}
    content = flows[1].json()["attachments"][0]["content"]
    assert content["body"][-1] == {
        "type": "FactSet",
        "facts": [{"title": "Revision", "value": "2"}],
    }

    hooks = per_service["webhook"]
    assert {(h.method, h.path) for h in hooks} == {("POST", "/webhook/status/checkout")}
    assert {h.headers["Authorization"] for h in hooks} == {f"token {GITHUB_TOKEN}"}
    assert hooks[1].json() == {"rollout": "checkout", "reason": "RolloutPaused"}
    assert all(h.headers["X-Rollouts-Signature"].startswith("sha256=") for h in hooks)


async def test_two_server_errors_then_success_is_one_delivery_per_event(
    api: Receivers, client: httpx.AsyncClient
) -> None:
    api.scripts["webhook"] = fail_first(2, 500)
    sim = canary_release(
        "checkout", subscriptions("on-rollout-paused", "on-rollout-completed", services=("github",))
    )
    run = await run_history(sim, configuration(api.url), client)
    keys = {h.key for h in api.hits}
    assert len(keys) == 4
    for key in keys:
        assert [h.status for h in api.hits if h.key == key] == [500, 500, 200]
    assert sorted(api.successes()) == sorted(keys)
    assert run.dead.letters == []
    assert set(run.sent.keys.values()) == {"delivered"}


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_429_retry_after_is_honoured(
    api: Receivers, client: httpx.AsyncClient, form: str
) -> None:
    def retry_after() -> str:
        if form == "seconds":
            return "1"
        return format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)

    api.scripts["slack"] = lambda key, seen: (
        Answer(429, "slow down", {"Retry-After": retry_after()}) if seen == 0 else None
    )
    sim = canary_release(
        "checkout", subscriptions("on-rollout-completed", services=("slack",)), images=1
    )
    run = await run_history(sim, configuration(api.url), client)
    first, second = api.of("slack")
    assert (first.status, second.status) == (429, 200)
    assert 0.95 <= second.at - first.at < 4.0
    assert list(run.sent.keys.values()) == ["delivered"]


async def test_gives_up_after_max_attempts_with_a_dead_letter(
    api: Receivers, client: httpx.AsyncClient
) -> None:
    api.scripts["teams"] = always(503)
    sim = canary_release("checkout", subscriptions("on-rollout-completed", services=("teams",)))
    run = await run_history(sim, configuration(api.url), client)
    assert len(api.hits) == 2 * FAST.max_attempts
    assert [(d.attempts, d.error) for d in run.dead.letters] == [
        (3, "teams: HTTP 503: unavailable")
    ] * 2
    assert [d.recipient for d in run.dead.letters] == ["ops", "ops"]
    assert set(run.sent.keys.values()) == {"dead-lettered"}
    assert api.successes() == []


async def test_slack_errors_in_a_200_answer(api: Receivers, client: httpx.AsyncClient) -> None:
    def script(key: str, seen: int) -> Answer | None:
        error = "ratelimited" if seen == 0 else "channel_not_found"
        return Answer(
            200, json.dumps({"ok": False, "error": error}), {"Content-Type": "application/json"}
        )

    api.scripts["slack"] = script
    sim = canary_release(
        "checkout", subscriptions("on-rollout-completed", services=("slack",)), images=1
    )
    run = await run_history(sim, configuration(api.url), client)
    assert len(api.hits) == 2  # ratelimited is retried, channel_not_found is not
    (letter,) = run.dead.letters
    assert letter.error == "slack: Slack refused the message: channel_not_found"


async def test_secrets_never_reach_logs_or_dead_letters(
    api: Receivers, client: httpx.AsyncClient
) -> None:
    api.scripts["slack"] = always(500, f"bad token {TOKEN}")
    api.scripts["webhook"] = lambda key, seen: Answer(400, f"signature mismatch for {HMAC_KEY}")
    api.scripts["pagerduty"] = always(400, f"invalid routing key {ROUTING_KEY}")
    data = secrets(api.url)
    config = configuration(
        api.url, **{"service.teams": f"recipientUrls:\n  ops: http://127.0.0.1:9/{TEAMS_PATH}"}
    )
    sim = canary_release("checkout", subscriptions("on-rollout-completed"), images=1)
    policy = DeliveryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05, request_timeout=2.0)
    with structlog.testing.capture_logs() as logs:
        run = await run_history(sim, config, client, policy=policy)
    letters = "\n".join(d.model_dump_json() for d in run.dead.letters)
    assert {d.service for d in run.dead.letters} == {"slack", "github", "pagerdutyv2", "teams"}
    assert "*****" in letters
    for secret in (*data.values(), TEAMS_PATH, HOOK_PATH):
        assert secret not in letters
        assert secret not in repr(logs)
