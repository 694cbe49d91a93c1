"""From realistic histories to notifications: triggers, subscriptions, rendering, keys."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import events.models as ev
from adapters.notify.config import NotificationConfig, config_from_configmap, config_from_documents
from adapters.notify.delivery import Job
from adapters.notify.planner import Planner
from adapters.notify.tracker import StateTracker
from events.memory import InMemoryEventStore
from events.store import StoredEvent
from tests.unit.notify.fakes import FakeService, service_set
from tests.unit.notify.histories import (
    FixedClock,
    canary_release,
    events_of,
    failed_analysis,
    store_history,
)

SEED = Path(__file__).parents[2] / "data" / "conformance" / "seed" / "notifications.yaml"
SLACK = {"service.slack": "token: xoxb-test-token"}


async def plan(
    stored: list[StoredEvent], config: NotificationConfig, store: InMemoryEventStore
) -> list[Job]:
    tracker = StateTracker(store)
    planner = Planner(config, service_set(FakeService("slack"), FakeService("github", "webhook")))
    jobs: list[Job] = []
    for item in stored:
        jobs += planner.jobs(await tracker.step(item), FixedClock().now())
    return jobs


async def test_seed_template_names_the_failing_metric_of_an_aborted_rollout() -> None:
    documents = list(yaml.safe_load_all(SEED.read_text()))
    documents.append({"trigger.on-rollout-aborted": "- send: [rollout-analysisfailed]"})
    config = config_from_documents(documents, {"slack-token": "xoxb-seed-token"})
    sim = failed_analysis("payments", {"on-rollout-aborted.slack": "#alerts"})
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "payments", sim.events)
    jobs = await plan(stored, config, store)
    (job,) = jobs
    assert job.problem == ""
    assert job.outgoing.trigger == "on-rollout-aborted"
    assert job.outgoing.destination.recipient == "#alerts"
    message = job.outgoing.notification.message
    assert message.startswith("Canary analysis FAILED for *payments*\nMetric: [")
    assert message.endswith("Rollout automatically aborted and reverted to stable.\n")
    metric_json = message.splitlines()[1].removeprefix("Metric: ")
    (result,) = json.loads(metric_json)
    assert result["name"] == "error-rate"
    assert result["phase"] == "Failed"
    # As in Argo, a metric result's message is its last measurement's message.
    assert result["message"] == result["measurements"][-1]["message"]
    assert [m["value"] for m in result["measurements"]] == ["0.08", "0.08", "0.08"]
    assert (
        result["measurements"][0]["message"]
        == 'value 0.08: failureCondition "result > 0.05" is true'
    )
    (attachment,) = json.loads(job.outgoing.notification.sections["slack"]["attachments"])
    assert attachment["title"] == "Rollout Aborted: payments"
    assert attachment["fields"][0] == {"title": "Namespace", "value": "default", "short": True}


async def test_builtin_analysis_failed_notification_and_analysis_runs_variable() -> None:
    data = {
        **SLACK,
        "template.detail": "message: '{{range .analysisRuns}}{{.name}} {{.phase}}: "
        "{{range .metricResults}}{{.name}}={{(index .measurements 0).value}} {{.message}}"
        "{{end}}{{end}}'",
        "trigger.on-analysis-run-failed": "- send: [analysis-run-failed, detail]",
    }
    sim = failed_analysis("payments", {"on-analysis-run-failed.slack": "alerts"})
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "payments", sim.events)
    (job,) = await plan(stored, config_from_configmap(data), store)
    run = next(iter(sim.state.analysis_runs))
    assert job.outgoing.notification.message == (
        f'{run} Failed: error-rate=0.08 value 0.08: failureCondition "result > 0.05" is true'
    )
    # The later template replaced the message; the catalog's Slack attachment stayed.
    assert "#E01E5A" in job.outgoing.notification.sections["slack"]["attachments"]


async def test_step_completed_counts_steps_like_argo() -> None:
    sim = canary_release("checkout", {"on-rollout-step-completed.slack": "deploys"})
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "checkout", sim.events)
    jobs = await plan(stored, config_from_configmap(SLACK), store)
    assert [j.outgoing.notification.message for j in jobs] == [
        f"Rollout checkout step number {n}/4 has been completed." for n in (1, 2, 3, 4)
    ]
    fields = json.loads(jobs[0].outgoing.notification.sections["slack"]["attachments"])[0]["fields"]
    assert fields == [
        {"title": "Strategy", "value": "Canary", "short": True},
        {"title": "Step completed", "value": "1/4", "short": True},
        {"title": "checkout", "value": "registry.local/checkout:2", "short": True},
    ]
    assert len({j.outgoing.key for j in jobs}) == 4


async def test_every_subscribed_trigger_fires_once_per_reason_and_destination() -> None:
    subscriptions = {
        "on-rollout-updated.slack": "a;b",
        "on-rollout-completed.slack": "a",
        "on-scaling-replica-set.github": "",
        "on-rollout-paused.slack": "a",
    }
    sim = canary_release("checkout", subscriptions)
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "checkout", sim.events)
    jobs = await plan(stored, config_from_configmap(SLACK), store)
    triggers = [(j.outgoing.trigger, j.outgoing.destination.recipient) for j in jobs]
    scale_events = len(events_of(stored, ev.ReplicaSetScaleRequested))
    assert triggers.count(("on-rollout-updated", "a")) == 2
    assert triggers.count(("on-rollout-updated", "b")) == 2
    assert triggers.count(("on-rollout-completed", "a")) == 2
    assert triggers.count(("on-rollout-paused", "a")) == 2
    assert triggers.count(("on-scaling-replica-set", "")) == scale_events
    assert len({j.outgoing.key for j in jobs}) == len(jobs)
    updated = next(j for j in jobs if j.outgoing.trigger == "on-rollout-updated")
    assert updated.outgoing.notification.message == "Rollout checkout has been updated."
    scaling = next(j for j in jobs if j.outgoing.trigger == "on-scaling-replica-set")
    assert scaling.outgoing.notification.message == "Scaling Rollout checkout's replicaset to 4."


async def test_when_conditions_and_unknown_services_and_broken_templates() -> None:
    data = {
        **SLACK,
        "trigger.on-rollout-updated": "- send: [rollout-updated]\n"
        "  when: rollout.spec.template.spec.containers[0].image endsWith ':2'\n"
        "- send: [broken]\n",
        "template.broken": "message: '{{.rollout.metadata.name.first}}'",
    }
    subscriptions = {"on-rollout-updated.slack": "a", "on-rollout-completed.email": "x@y.z"}
    sim = canary_release("checkout", subscriptions)
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "checkout", sim.events)
    jobs = await plan(stored, config_from_configmap(data), store)
    updated = [j for j in jobs if j.outgoing.trigger == "on-rollout-updated"]
    conditional = [j for j in updated if j.problem == ""]
    assert len(conditional) == 1  # only the second release has image :2
    broken = [j for j in updated if j.problem]
    assert [j.problem for j in broken] == [
        "template broken.message: can't evaluate field first in type string"
    ] * 2
    assert len(updated) == 3
    emails = [j for j in jobs if j.outgoing.trigger == "on-rollout-completed"]
    assert {j.problem for j in emails} == {"service 'email' is not configured"}


async def test_reasons_are_the_same_after_a_restart() -> None:
    """A fresh tracker (a restarted notifier) that starts in the middle, or sees an event
    again, rebuilds the state before it from history and plans exactly the same jobs."""
    subscriptions = {
        "on-rollout-step-completed.slack": "a",
        "on-rollout-paused.slack": "a",
        "on-rollout-completed.slack": "a",
        "on-scaling-replica-set.slack": "a",
    }
    sim = canary_release("checkout", subscriptions)
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "checkout", sim.events)
    config = config_from_configmap(SLACK)
    planner = Planner(config, service_set(FakeService("slack")))
    clock = FixedClock()
    straight = StateTracker(store)
    expected = {}
    for item in stored:
        expected[item.stream_sequence] = planner.jobs(await straight.step(item), clock.now())
    assert sum(len(jobs) for jobs in expected.values()) > 8
    resumed = StateTracker(store)
    middle = len(stored) // 2
    replay = stored[middle:] + stored[middle - 3 : middle + 2]
    for item in replay:
        jobs = planner.jobs(await resumed.step(item), clock.now())
        assert jobs == expected[item.stream_sequence]
    assert resumed.rebuilds == 2  # the first event seen, then the jump back
