"""The roles' permissions as data: who may append events, publish inputs, change the streams."""

from __future__ import annotations

import pytest

import events.inputs as inp
import events.models as ev
from adapters.notify.context import actor_of
from adapters.notify.tracker import StateTracker
from adapters.runtime.auth import (
    EVENTS,
    IDENTITIES,
    INPUTS,
    NEVER,
    identity_for,
    manages_streams,
    permissions,
)
from adapters.runtime.client import command_actor
from adapters.runtime.settings import os_user, settings_from_env
from events.memory import InMemoryEventStore
from tests.support.sim import Sim, rollout_manifest
from tests.unit.notify.histories import store_history


def publishes(identity: str) -> list[str]:
    return permissions(identity)["publish"]["allow"]


def test_only_the_controller_and_the_importer_append_events() -> None:
    writers = {identity for identity in IDENTITIES if EVENTS in publishes(identity)}
    assert writers == {"controller", "admin", "serve"}


def test_the_notifier_alone_among_workers_publishes_no_inputs() -> None:
    silent = {identity for identity in IDENTITIES if INPUTS not in publishes(identity)}
    assert silent == {"notifier"}


def test_nobody_deletes_or_purges_and_only_owners_change_the_streams() -> None:
    for identity in IDENTITIES:
        deny = permissions(identity)["publish"]["deny"]
        assert set(NEVER) <= set(deny), identity
        changes = "$JS.API.STREAM.UPDATE.ROLLOUTS" in deny
        assert changes is not manages_streams(identity), identity
    assert {i for i in IDENTITIES if manages_streams(i)} == {"controller", "admin", "serve"}


@pytest.mark.parametrize(
    ("roles", "identity"),
    [
        (("traffic",), "traffic"),
        (("controller",), "controller"),
        (("controller", "traffic", "scaler", "timer", "analysis"), "serve"),
        (("traffic", "scaler"), "workers"),
    ],
)
def test_one_identity_per_process(roles: tuple[str, ...], identity: str) -> None:
    assert identity_for(roles) == identity


def test_an_unknown_role_is_named() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        identity_for(("traffic", "bogus"))


def test_the_actor_is_the_person_at_the_nats_user() -> None:
    assert command_actor("alice", "cli") == "alice@cli"
    assert command_actor("alice", "") == "alice"
    assert command_actor("", "cli") == "unknown@cli"


def test_the_person_is_found_without_user_or_actor_variables() -> None:
    assert os_user({"USER": "bob"}) == "bob"
    assert os_user({"LOGNAME": "carol"}) == "carol"
    assert os_user({})  # the passwd entry, or uid-N: never empty
    assert settings_from_env({"HOME": "/tmp"}).actor
    assert settings_from_env({"ROLLOUTS_ACTOR": "bot", "USER": "x", "HOME": "/"}).actor == "bot"


async def test_a_notification_names_the_actor_of_the_command_behind_its_event() -> None:
    sim = Sim(name="shop")
    sim.deploy(rollout_manifest("shop", image="shop:1", replicas=2))
    sim.command(inp.Pause, actor="alice@cli")
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "shop", sim.events)
    tracker = StateTracker(store)
    actors = {}
    for item in stored:
        actors[type(item.event).__name__] = actor_of(await tracker.step(item))
    assert actors["CommandAccepted"] == actors["ManualPauseChanged"] == "alice@cli"
    assert actors["ReplicaSetStatusObserved"] == ""  # an observation: no one asked
    assert ev.ManualPauseChanged.__name__ in actors
