"""The AsyncAPI 3.0 document of the NATS channels, written from the type registries.

From the controller's side: it sends each event type on `rollouts.evt.{namespace}.{name}.<Type>`
and receives inputs on `rollouts.in.{namespace}.{name}`, answering on the subject a publisher
names in the `rollouts-reply-to` header. Message headers are the CloudEvents attributes of the
NATS binding (binary mode, `ce-*`).

FastStream 0.7 generates AsyncAPI from a broker's subscribers, but its documents carry neither
channel parameters nor message headers nor reply addresses, which are most of this contract, so
the document is written here; its tests check it against FastStream's AsyncAPI 3.0 models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from adapters.history.contract import ATTRIBUTES, EVENT_SUBJECT, INPUT_SUBJECT, summary
from events.base import EVENT_TYPES, INPUT_TYPES, Command
from events.input_codec import H_REPLY_TO, InputOutcome
from events.store import MSG_ID

ASYNCAPI_VERSION = "3.0.0"
CONTRACT_VERSION = "1.0.0"
"""Bumped by hand when the contract changes in a way subscribers must know about."""
REF = "#/components/schemas/{model}"
PARAMETERS = {
    "namespace": {
        "description": "Kubernetes namespace of the rollout; '.' is written '_' in subjects.",
        "examples": ["default"],
    },
    "name": {
        "description": "Rollout name; '.' is written '_' in subjects.",
        "examples": ["checkout"],
    },
}
PARAMETER_REFS = {key: {"$ref": f"#/components/parameters/{key}"} for key in PARAMETERS}
CAUSATION = {
    "description": "The input the event was decided on (its input id).",
    "location": "$message.header#/ce-causationid",
}
INPUT_ID = {"description": "The input id.", "location": "$message.header#/ce-id"}
HEADER_NOTE = (
    " Header values that NATS cannot carry verbatim (CR/LF, surrounding spaces, '%') are "
    "percent-encoded."
)


def _header(schema: dict[str, Any], text: str) -> dict[str, Any]:
    if "const" in schema:
        return {"type": "string", "const": schema["const"], "description": text}
    if schema.get("type") == "integer":
        return {"type": "string", "pattern": "^[1-9][0-9]*$", "description": text}
    return {**schema, "description": text}


def event_headers() -> dict[str, Any]:
    properties = {f"ce-{k}": _header(s, text) for k, (s, text) in ATTRIBUTES.items()}
    properties[MSG_ID] = {"type": "string", "description": "Same as ce-id (deduplication)."}
    return {
        "type": "object",
        "description": "CloudEvents attributes in binary content mode." + HEADER_NOTE,
        "properties": properties,
        "required": sorted(name for name in properties if name != "ce-datacontenttype"),
    }


def input_headers() -> dict[str, Any]:
    text = {
        "ce-specversion": ({"const": "1.0"}, "CloudEvents version."),
        "ce-id": ({"type": "string"}, "The input id; also the payload's input_id."),
        "ce-type": ({"type": "string"}, "Input type: the payload model's name."),
        "ce-source": ({"type": "string"}, "rollouts/<actor>, or any URI of the publisher."),
        "ce-subject": ({"type": "string"}, "<namespace>/<name> of the rollout."),
        "ce-time": ({"type": "string", "format": "date-time"}, "When it was published."),
        "ce-datacontenttype": ({"const": "application/json"}, "Always JSON."),
        MSG_ID: ({"type": "string"}, "The input id: a republished input is dropped."),
        H_REPLY_TO: ({"type": "string"}, "Core NATS subject for the controller's answer."),
    }
    properties = {name: _header(schema, note) for name, (schema, note) in text.items()}
    return {
        "type": "object",
        "description": "Headers of an input message." + HEADER_NOTE,
        "properties": properties,
        "required": ["ce-id", "ce-type"],
    }


class _Schemas:
    """components/schemas, with every model's nested definitions hoisted beside it."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(self, name: str, schema: dict[str, Any]) -> None:
        if self.schemas.get(name, schema) != schema:
            raise ValueError(f"two different schemas are named {name}")
        self.schemas[name] = schema

    def model(self, cls: type[BaseModel], mode: str) -> dict[str, str]:
        schema = cls.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        for name, definition in schema.pop("$defs", {}).items():
            self.add(name, definition)
        self.add(cls.__name__, schema)
        return {"$ref": REF.format(model=cls.__name__)}


def _message(name: str, text: str, payload: dict[str, str], headers: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "name": name,
        "title": name,
        "contentType": "application/json",
        "headers": {"$ref": f"#/components/schemas/{headers}"},
        "payload": payload,
    }
    if text:
        message["summary"] = text
    return message


def _event_parts(schemas: _Schemas) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    channels, operations, messages = {}, {}, {}
    for name, cls in sorted(EVENT_TYPES.items()):
        message = _message(name, summary(cls), schemas.model(cls, "serialization"), "EventHeaders")
        message["correlationId"] = CAUSATION
        message["x-schema-version"] = cls.schema_version
        messages[name] = message
        channels[name] = {
            "address": EVENT_SUBJECT.replace("{type}", name),
            "parameters": PARAMETER_REFS,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"send{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "messages": [{"$ref": f"#/channels/{name}/messages/{name}"}],
        }
    return channels, operations, messages


def _input_parts(schemas: _Schemas) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    messages: dict[str, Any] = {}
    for name, cls in sorted(INPUT_TYPES.items()):
        kind = "Command" if issubclass(cls, Command) else "Observation"
        message = _message(name, summary(cls), schemas.model(cls, "validation"), "InputHeaders")
        message.update({"correlationId": INPUT_ID, "x-schema-version": cls.schema_version})
        message["tags"] = [{"name": kind}]
        messages[name] = message
    payload = schemas.model(InputOutcome, "serialization")
    messages["InputOutcome"] = _message("InputOutcome", summary(InputOutcome), payload, "NoHeaders")
    return _input_channels(), _input_operations(), messages


def _input_channels() -> dict[str, Any]:
    return {
        "inputs": {
            "address": INPUT_SUBJECT,
            "parameters": PARAMETER_REFS,
            "messages": {
                name: {"$ref": f"#/components/messages/{name}"} for name in sorted(INPUT_TYPES)
            },
        },
        "inputOutcome": {
            "address": None,
            "description": f"The subject named in the input's {H_REPLY_TO} header.",
            "messages": {"InputOutcome": {"$ref": "#/components/messages/InputOutcome"}},
        },
    }


def _input_operations() -> dict[str, Any]:
    return {
        "receiveInput": {
            "action": "receive",
            "channel": {"$ref": "#/channels/inputs"},
            "messages": [{"$ref": f"#/channels/inputs/messages/{n}"} for n in sorted(INPUT_TYPES)],
            "reply": {
                "address": {"location": f"$message.header#/{H_REPLY_TO}"},
                "channel": {"$ref": "#/channels/inputOutcome"},
                "messages": [{"$ref": "#/channels/inputOutcome/messages/InputOutcome"}],
            },
        }
    }


DESCRIPTION = (
    "The event log and the input queue of the rollouts controller on NATS JetStream. Events "
    "(stream ROLLOUTS, kept forever) are appended by the controller only, one decision per "
    "atomic batch, in order per rollout. Inputs (stream ROLLOUT_INPUTS, kept 7 days) may be "
    "published by anyone; the controller answers on `rollouts-reply-to` when given. Delivery "
    "is at least once: deduplicate on `ce-id`. Operations are from the controller's side."
)


def asyncapi_document() -> dict[str, Any]:
    schemas = _Schemas()
    event_channels, event_operations, event_messages = _event_parts(schemas)
    input_channels, input_operations, input_messages = _input_parts(schemas)
    schemas.add("EventHeaders", event_headers())
    schemas.add("InputHeaders", input_headers())
    schemas.add("NoHeaders", {"type": "object"})
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "rollouts event contract",
            "version": CONTRACT_VERSION,
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "channels": {**event_channels, **input_channels},
        "operations": {**event_operations, **input_operations},
        "components": {
            "parameters": PARAMETERS,
            "schemas": dict(sorted(schemas.schemas.items())),
            "messages": {**event_messages, **input_messages},
        },
    }
