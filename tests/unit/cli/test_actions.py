"""promote, abort, retry, pause, resume, set image, undo: pre-checked, sent, reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pytest
from typer.testing import CliRunner

import events.inputs as inp
from adapters.cli.main import app
from events.input_codec import InputOutcome
from tests.support.sim import Sim
from tests.unit.cli import scenarios
from tests.unit.cli.fakes import NO_CONTROLLER, FakeClient


@pytest.mark.parametrize(
    ("args", "expected", "sent"),
    [
        (["promote", "demo"], "rollout 'demo' promoted", inp.Promote),
        (["promote", "demo", "--full"], "rollout 'demo' fully promoted", inp.Promote),
        (["abort", "demo"], "rollout 'demo' aborted", inp.Abort),
        (["pause", "demo"], "rollout 'demo' paused", inp.Pause),
        (["resume", "demo"], "rollout 'demo' resumed", inp.Resume),
        (["set", "image", "demo", "demo=nginx:3"], 'rollout "demo" image updated', inp.SetImage),
    ],
)
def test_accepted_commands_print_argo_wording(
    runner: CliRunner, fake: FakeClient, args: list[str], expected: str, sent: type
) -> None:
    fake.seed(scenarios.canary_paused())
    before = fake.last_sequence()
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [expected]
    ((namespace, name, item),) = fake.sent
    assert (namespace, name, type(item)) == ("default", "demo", sent)
    assert fake.last_sequence() > before


def test_promote_full_sends_full(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    runner.invoke(app, ["promote", "demo", "--full"])
    assert fake.sent[0][2] == inp.Promote(
        input_id=fake.sent[0][2].input_id, full=True, actor=fake.sent[0][2].actor
    )


@pytest.mark.parametrize(
    "words", [["retry", "rollout", "demo"], ["retry", "ro", "demo"], ["retry", "demo"]]
)
def test_retry_accepts_both_spellings(
    runner: CliRunner, fake: FakeClient, words: list[str]
) -> None:
    fake.seed(scenarios.canary_aborted())
    result = runner.invoke(app, words)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "rollout 'demo' retried"
    assert isinstance(fake.sent[0][2], inp.Retry)


@pytest.mark.parametrize(
    "words", [["retry", "rollout"], ["retry", "a", "b"], ["retry", "x", "y", "z"]]
)
def test_retry_with_the_wrong_words_is_a_usage_error(
    runner: CliRunner, fake: FakeClient, words: list[str]
) -> None:
    result = runner.invoke(app, words)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: [rollout] NAME: expected `rollout NAME` or `NAME`"


def test_set_image_star_means_every_container(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    result = runner.invoke(app, ["set", "image", "demo", "*=nginx:9"])
    assert result.exit_code == 0, result.output
    item = fake.sent[0][2]
    assert isinstance(item, inp.SetImage) and (item.container, item.image) == ("*", "nginx:9")


@pytest.mark.parametrize("assignment", ["nginx:3", "=nginx:3", "demo="])
def test_set_image_needs_container_equals_image(
    runner: CliRunner, fake: FakeClient, assignment: str
) -> None:
    fake.seed(scenarios.canary_paused())
    result = runner.invoke(app, ["set", "image", "demo", assignment])
    assert result.exit_code == 2
    assert "expected CONTAINER=IMAGE" in result.stderr and fake.sent == []


def test_undo_to_a_revision(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_promoted())
    result = runner.invoke(app, ["undo", "demo", "--to-revision", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "rollout 'demo' undo"
    assert fake.sent[0][2] == inp.Undo(
        input_id=fake.sent[0][2].input_id, to_revision=1, actor=fake.sent[0][2].actor
    )


@pytest.mark.parametrize(
    ("scenario", "args", "message"),
    [
        (
            scenarios.canary_promoted,
            ["promote", "demo"],
            "nothing to promote: rollout default/demo is fully promoted at revision 2",
        ),
        (scenarios.canary_aborted, ["abort", "demo"], "rollout default/demo is already aborted"),
        (
            scenarios.canary_paused,
            ["retry", "rollout", "demo"],
            "rollout default/demo is not aborted; nothing to retry",
        ),
        (
            scenarios.canary_promoted,
            ["undo", "demo", "--to-revision", "7"],
            "revision 7 not found (known revisions: 1, 2)",
        ),
    ],
)
def test_a_refusal_is_one_line_and_publishes_nothing(
    runner: CliRunner,
    fake: FakeClient,
    scenario: Callable[[], Sim],
    args: list[str],
    message: str,
) -> None:
    fake.seed(scenario())
    before = fake.last_sequence()
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""
    assert fake.sent == [] and fake.last_sequence() == before


def test_unknown_rollout(runner: CliRunner, fake: FakeClient) -> None:
    result = runner.invoke(app, ["promote", "ghost", "-n", "prod"])
    assert result.exit_code == 3  # not found
    assert result.stderr == "error: rollout prod/ghost not found\n"


def test_no_controller(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    fake.controller = False
    result = runner.invoke(app, ["promote", "demo"])
    assert result.exit_code == 5  # unavailable
    assert result.stderr == f"error: {NO_CONTROLLER}\n"


@pytest.mark.parametrize("status", ["refused", "invalid"])
def test_the_controllers_refusal_wins(
    runner: CliRunner, fake: FakeClient, status: Literal["refused", "invalid"]
) -> None:
    fake.seed(scenarios.canary_paused())
    fake.outcome = InputOutcome(input_id="x", status=status, message="changed meanwhile")
    result = runner.invoke(app, ["promote", "demo"])
    assert result.exit_code == 1
    assert result.stderr == "error: changed meanwhile\n"


def test_unchanged_outcome_is_reported(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    fake.outcome = InputOutcome(input_id="x", status="unchanged", message="already there")
    result = runner.invoke(app, ["pause", "demo"])
    assert result.exit_code == 0
    assert result.stdout == "rollout 'demo' unchanged: already there\n"


def test_ctrl_c_exits_130_quietly(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    fake.raise_on_send = KeyboardInterrupt()
    result = runner.invoke(app, ["promote", "demo"])
    assert result.exit_code == 130
    assert result.stderr == "" and result.stdout == ""
