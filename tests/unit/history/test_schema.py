"""The published contract under docs/schema: complete, valid, and in step with the models."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from faststream.specification.asyncapi.v3_0_0.schema import ApplicationSchema
from hypothesis import given, settings
from hypothesis import strategies as st

import events.inputs as inp
from adapters.history.schema import documents, write_schema
from adapters.history.transfer import export_line
from events.base import EVENT_TYPES, INPUT_TYPES, Event, Input
from events.codec import DEFAULT_CODEC
from events.input_codec import encode_input
from events.phases import AnalysisPhase
from events.store import MSG_ID
from tests.support.sim import T0
from tests.unit.events.strategies import events_of
from tests.unit.history.histories import blue_green, canary_abort_retry_promote
from tests.unit.history.schema_check import problems, resolve

COMMITTED = Path(__file__).parents[3] / "docs" / "schema"
REGENERATE = "regenerate with `rollouts schema events -o docs/schema` and commit the result"
ANY_EVENT = st.sampled_from(sorted(EVENT_TYPES)).flatmap(lambda name: events_of(EVENT_TYPES[name]))


@functools.cache
def files() -> dict[str, Any]:
    return documents()


def tree(directory: Path) -> dict[str, str]:
    return {
        path.relative_to(directory).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(directory.rglob("*.json"))
    }


def test_committed_schema_matches_the_models(tmp_path: Path) -> None:
    write_schema(tmp_path)
    fresh, committed = tree(tmp_path), tree(COMMITTED)
    assert sorted(fresh) == sorted(committed), REGENERATE
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert drifted == [], f"{', '.join(drifted)} drifted from the models: {REGENERATE}"


def test_writing_again_removes_files_of_types_that_are_gone(tmp_path: Path) -> None:
    stale = tmp_path / "events" / "Removed.json"
    stale.parent.mkdir()
    stale.write_text("{}")
    written = write_schema(tmp_path)
    assert not stale.exists() and len(written) == len(documents())


def test_index_lists_every_type_with_its_version() -> None:
    index = files()["index.json"]
    events = {entry["type"]: entry for entry in index["events"]}
    inputs = {entry["type"]: entry for entry in index["inputs"]}
    assert sorted(events) == sorted(EVENT_TYPES) and sorted(inputs) == sorted(INPUT_TYPES)
    aborted = events["RolloutAborted"]
    assert aborted["subject"] == "rollouts.evt.{namespace}.{name}.RolloutAborted"
    assert aborted["schema_version"] == EVENT_TYPES["RolloutAborted"].schema_version
    assert (inputs["Promote"]["kind"], inputs["Tick"]["kind"]) == ("command", "observation")
    assert inputs["Promote"]["subject"] == "rollouts.in.{namespace}.{name}"
    for entry in [*events.values(), *inputs.values()]:
        assert (COMMITTED / entry["schema"]).is_file()


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def test_asyncapi_document_is_complete_and_consistent() -> None:
    document = json.loads((COMMITTED / "asyncapi.json").read_text(encoding="utf-8"))
    ApplicationSchema.model_validate(document)  # FastStream's AsyncAPI 3.0 models accept it
    assert document["asyncapi"] == "3.0.0"
    channels, messages = document["channels"], document["components"]["messages"]
    for name in EVENT_TYPES:
        assert channels[name]["address"] == f"rollouts.evt.{{namespace}}.{{name}}.{name}"
        assert document["operations"][f"send{name}"]["action"] == "send"
        assert messages[name]["headers"] == {"$ref": "#/components/schemas/EventHeaders"}
    assert sorted(channels["inputs"]["messages"]) == sorted(INPUT_TYPES)
    receive = document["operations"]["receiveInput"]
    assert receive["reply"]["address"]["location"] == "$message.header#/rollouts-reply-to"
    for ref in refs(document):
        resolve(document, ref)  # every reference points into the document


def test_headers_schema_describes_what_the_codec_writes() -> None:
    schemas = files()["asyncapi.json"]["components"]["schemas"]
    root = {"components": {"schemas": schemas}}
    stored = canary_abort_retry_promote().stored()[0]
    headers, _ = DEFAULT_CODEC.encode(stored.envelope, stored.event)
    headers[MSG_ID] = stored.envelope.id
    assert problems(headers, schemas["EventHeaders"], root) == []
    _, input_headers, _ = encode_input(
        "ns", "name", inp.Abort(input_id="i", actor="a"), reply_to="r"
    )
    assert problems(input_headers, schemas["InputHeaders"], root) == []


@settings(max_examples=200, deadline=None)
@given(ANY_EVENT)
def test_any_event_conforms_to_its_schema(event: Event) -> None:
    schema = files()[f"events/{event.type_name()}.json"]
    assert problems(json.loads(event.model_dump_json()), schema, schema) == []


def test_simulated_histories_conform_to_schemas_and_envelope() -> None:
    envelope = files()["cloudevent.json"]
    for stored in canary_abort_retry_promote().stored() + blue_green().stored():
        line = json.loads(export_line(stored))
        assert problems(line, envelope, envelope) == []
        schema = files()[f"events/{stored.envelope.type}.json"]
        assert problems(line["data"], schema, schema) == []


INPUTS: list[Input] = [
    inp.Promote(input_id="i", full=True, actor="ann"),
    inp.SetImage(input_id="i", container="*", image="app:2"),
    inp.ReplicaSetObserved(
        input_id="i", pod_template_hash="h", replicas=1, ready_replicas=1, available_replicas=0
    ),
    inp.AnalysisRunObserved(input_id="i", run_name="r", phase=AnalysisPhase.FAILED),
    inp.MeasurementTaken(
        input_id="i", run_name="r", metric="m", index=0, value=[1, 2], started_at=T0, finished_at=T0
    ),
    inp.Tick(input_id="tick:x"),
]


@pytest.mark.parametrize("item", INPUTS, ids=lambda item: type(item).__name__)
def test_inputs_conform_to_their_schemas(item: Input) -> None:
    schema = files()[f"inputs/{item.type_name()}.json"]
    assert problems(json.loads(item.model_dump_json()), schema, schema) == []


def test_the_checker_catches_violations() -> None:
    good = json.loads(canary_abort_retry_promote().stored()[0].event.model_dump_json())
    schema = files()["events/CommandAccepted.json"]
    assert problems(good, schema, schema) == []
    assert problems({**good, "extra": 1}, schema, schema) == ["$: unexpected extra"]
    assert problems({**good, "actor": 3}, schema, schema) == ["$.actor: 3 is not string"]
    missing = {key: value for key, value in good.items() if key != "command"}
    assert problems(missing, schema, schema) == ["$: missing command"]
