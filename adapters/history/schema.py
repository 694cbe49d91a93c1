"""The published contract as files: a JSON Schema per event and input type, an index, the
CloudEvents envelope of an export line, and an AsyncAPI document of the NATS channels.

Everything is generated from the type registries (`events.base.EVENT_TYPES`, `INPUT_TYPES`),
so a model change shows up as a diff of `docs/schema/` (a test regenerates the files and fails
on drift). Event schemas describe what the controller writes (pydantic's serialization mode);
input schemas describe what it accepts (validation mode), since anyone may publish inputs.
Output is deterministic: sorted by type name, two-space indented, one trailing newline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from adapters.history.asyncapi import asyncapi_document
from adapters.history.contract import (
    ATTRIBUTES,
    EVENT_SUBJECT,
    INPUT_SUBJECT,
    JSON_SCHEMA_DIALECT,
    summary,
)
from events.base import EVENT_TYPES, INPUT_TYPES, Command, Payload


def type_schema(cls: type[Payload], mode: Literal["validation", "serialization"]) -> dict[str, Any]:
    schema = cls.model_json_schema(mode=mode)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "x-type": cls.type_name(),
        "x-schema-version": cls.schema_version,
        **schema,
    }


def envelope_schema() -> dict[str, Any]:
    """One line of `rollouts export`: a structured-mode CloudEvent."""
    properties: dict[str, Any] = {
        name: {**schema, "description": text} for name, (schema, text) in ATTRIBUTES.items()
    }
    properties["data"] = {"type": "object", "description": "The event payload (see `type`)."}
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "StructuredCloudEvent",
        "description": "A rollout event in CloudEvents 1.0 structured mode (JSON Lines export).",
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
    }


def index() -> dict[str, Any]:
    events = [
        {
            "type": name,
            "schema_version": cls.schema_version,
            "schema": f"events/{name}.json",
            "subject": EVENT_SUBJECT.replace("{type}", name),
            "summary": summary(cls),
        }
        for name, cls in sorted(EVENT_TYPES.items())
    ]
    inputs = [
        {
            "type": name,
            "kind": "command" if issubclass(cls, Command) else "observation",
            "schema_version": cls.schema_version,
            "schema": f"inputs/{name}.json",
            "subject": INPUT_SUBJECT,
            "summary": summary(cls),
        }
        for name, cls in sorted(INPUT_TYPES.items())
    ]
    return {
        "envelope": "cloudevent.json",
        "asyncapi": "asyncapi.json",
        "events": events,
        "inputs": inputs,
    }


def documents() -> dict[str, Any]:
    """Every file of the contract, by path relative to the output directory."""
    files: dict[str, Any] = {"index.json": index(), "cloudevent.json": envelope_schema()}
    for name, event in sorted(EVENT_TYPES.items()):
        files[f"events/{name}.json"] = type_schema(event, "serialization")
    for name, item in sorted(INPUT_TYPES.items()):
        files[f"inputs/{name}.json"] = type_schema(item, "validation")
    files["asyncapi.json"] = asyncapi_document()
    return files


def render(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_schema(directory: Path) -> list[Path]:
    """Write every file under `directory`, removing stale type files; return what was written."""
    written = []
    rendered = {relative: render(document) for relative, document in documents().items()}
    for folder in ("events", "inputs"):
        for stale in sorted((directory / folder).glob("*.json")):
            if f"{folder}/{stale.name}" not in rendered:
                stale.unlink()
    for relative, text in rendered.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
