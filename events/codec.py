"""JSON codec for events, in the two CloudEvents forms the project uses.

On the stream: binary content mode of the CloudEvents NATS binding. The payload (the event
model as JSON) is the message data; the envelope travels in `ce-*` headers, so a subscriber can
route and filter without parsing JSON. In files (`export` to JSON Lines): structured mode, one
JSON object with the attributes and the payload under `data`.

Decoding is on the replay path, so the common case (current schema) is a header lookup and one
`model_validate_json` in pydantic-core; only old payloads take the slower dict + upcast route.
Header values are percent-encoded when NATS could not carry them verbatim (CR/LF, surrounding
whitespace, '%' itself), which keeps every string exact through the transport.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from pydantic import ValidationError

from events.base import EVENT_TYPES, Event
from events.envelope import JSON_CONTENT_TYPE, SPEC_VERSION, Envelope, as_utc
from events.upcasting import UPCASTERS, JsonObject, MissingUpcaster, Upcasters

H_ID = "ce-id"
H_SOURCE = "ce-source"
H_TYPE = "ce-type"
H_SPECVERSION = "ce-specversion"
H_TIME = "ce-time"
H_SUBJECT = "ce-subject"
H_CONTENT_TYPE = "ce-datacontenttype"
H_ROLLOUT_SEQUENCE = "ce-rolloutsequence"
H_CAUSATION_ID = "ce-causationid"
H_SCHEMA_VERSION = "ce-dataschemaversion"

_ATTRIBUTES = (
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "rolloutsequence",
    "causationid",
    "dataschemaversion",
)


class UnknownEventType(ValueError):
    """The stream holds a type this reader does not know (written by a newer version?)."""

    def __init__(self, type_name: str) -> None:
        super().__init__(f"unknown event type {type_name!r}: is this reader older than the writer?")
        self.type_name = type_name


class MalformedEvent(ValueError):
    """A message that is not a valid event: bad JSON, missing or unreadable attributes."""


def _header_value(value: str) -> str:
    if value.isascii() and value.isprintable() and value == value.strip() and "%" not in value:
        return value
    return quote(value, safe="")


def _read_header(value: str) -> str:
    return unquote(value) if "%" in value else value


class EventCodec:
    """Encodes and decodes events for a given type registry and upcaster chain."""

    def __init__(
        self,
        types: Mapping[str, type[Event]] = EVENT_TYPES,
        upcasters: Upcasters = UPCASTERS,
    ) -> None:
        self._types = types
        self._upcasters = upcasters

    # binary mode (the stream) ---------------------------------------------------------------

    def encode(self, envelope: Envelope, event: Event) -> tuple[dict[str, str], bytes]:
        headers = {
            H_ID: _header_value(envelope.id),
            H_SOURCE: _header_value(envelope.source),
            H_TYPE: envelope.type,
            H_SPECVERSION: envelope.specversion,
            H_TIME: envelope.time.isoformat(),
            H_SUBJECT: _header_value(envelope.subject),
            H_CONTENT_TYPE: envelope.datacontenttype,
            H_ROLLOUT_SEQUENCE: str(envelope.rolloutsequence),
            H_CAUSATION_ID: _header_value(envelope.causationid),
            H_SCHEMA_VERSION: str(envelope.dataschemaversion),
        }
        return headers, event.model_dump_json().encode()

    def encode_events(
        self,
        events: Sequence[Event],
        *,
        ids: Sequence[str],
        subject: str,
        first_rollout_sequence: int,
        source: str,
    ) -> list[tuple[dict[str, str], bytes]]:
        """`encode(Envelope.for_event(...), event)` for each event of one decision, without
        building envelopes and escaping what the events share once (the append path, which
        every event takes). `subject` is the CloudEvents subject, "ns/name"."""
        shared = {H_SOURCE: _header_value(source), H_SUBJECT: _header_value(subject)}
        cause, cause_header, at, time_header = None, "", None, ""
        encoded = []
        for index, event in enumerate(events):
            if event.cause != cause:
                cause, cause_header = event.cause, _header_value(event.cause)
            if event.at != at or at is None:
                at, time_header = event.at, as_utc(event.at).isoformat()
            headers = {
                H_ID: _header_value(ids[index]),
                H_SOURCE: shared[H_SOURCE],
                H_TYPE: event.type_name(),
                H_SPECVERSION: SPEC_VERSION,
                H_TIME: time_header,
                H_SUBJECT: shared[H_SUBJECT],
                H_CONTENT_TYPE: JSON_CONTENT_TYPE,
                H_ROLLOUT_SEQUENCE: str(first_rollout_sequence + index),
                H_CAUSATION_ID: cause_header,
                H_SCHEMA_VERSION: str(event.schema_version),
            }
            encoded.append((headers, event.model_dump_json().encode()))
        return encoded

    def decode(self, headers: Mapping[str, str] | None, data: bytes) -> tuple[Envelope, Event]:
        if not headers or H_SPECVERSION not in headers:
            raise MalformedEvent("message has no ce-specversion (not a binary-mode CloudEvent)")
        try:
            envelope = self._envelope_from_headers(headers)
        except KeyError as missing:
            raise MalformedEvent(f"message lacks header {missing.args[0]}") from None
        return envelope, self.decode_payload(envelope.type, envelope.dataschemaversion, data)

    def _envelope_from_headers(self, headers: Mapping[str, str]) -> Envelope:
        if headers[H_SPECVERSION] != SPEC_VERSION:
            raise MalformedEvent(f"unsupported CloudEvents specversion {headers[H_SPECVERSION]!r}")
        try:
            return Envelope(
                id=_read_header(headers[H_ID]),
                source=_read_header(headers[H_SOURCE]),
                type=headers[H_TYPE],
                time=datetime.fromisoformat(headers[H_TIME]),
                subject=_read_header(headers[H_SUBJECT]),
                rolloutsequence=int(headers[H_ROLLOUT_SEQUENCE]),
                causationid=_read_header(headers[H_CAUSATION_ID]),
                dataschemaversion=int(headers[H_SCHEMA_VERSION]),
                datacontenttype=headers.get(H_CONTENT_TYPE, "application/json"),
            )
        except ValueError as bad:
            raise MalformedEvent(f"unreadable ce-* header: {bad}") from None

    # payloads ---------------------------------------------------------------------------------

    def decode_payload(self, type_name: str, version: int, data: bytes | str) -> Event:
        """The event model from its JSON, upcast first if it was written by an older schema."""
        cls = self._types.get(type_name)
        if cls is None:
            raise UnknownEventType(type_name)
        try:
            if version == cls.schema_version:
                return cls.model_validate_json(data)
            return cls.model_validate(self._upcast(cls, version, json.loads(data)))
        except ValidationError as invalid:
            raise MalformedEvent(f"{type_name} payload is invalid: {problems(invalid)}") from None
        except ValueError as bad_json:
            raise MalformedEvent(f"{type_name} payload is not JSON: {bad_json}") from None

    def _upcast(self, cls: type[Event], version: int, data: Any) -> JsonObject:
        current = cls.schema_version
        if version > current:
            raise MalformedEvent(
                f"{cls.type_name()} has schema version {version}, newer than this reader's "
                f"{current}: upgrade the reader"
            )
        if not isinstance(data, dict):
            raise MalformedEvent(f"{cls.type_name()} payload is not a JSON object")
        try:
            return self._upcasters.upcast(
                cls.type_name(), data, from_version=version, to_version=current
            )
        except MissingUpcaster as missing:
            raise MalformedEvent(str(missing)) from None

    # structured mode (files) ------------------------------------------------------------------

    def to_structured(self, envelope: Envelope, event: Event) -> JsonObject:
        document: JsonObject = {name: getattr(envelope, name) for name in _ATTRIBUTES}
        document["time"] = envelope.time.isoformat()
        document["data"] = event.model_dump(mode="json")
        return document

    def encode_structured(self, envelope: Envelope, event: Event) -> bytes:
        return json.dumps(self.to_structured(envelope, event), separators=(",", ":")).encode()

    def decode_structured(
        self, document: bytes | str | Mapping[str, Any]
    ) -> tuple[Envelope, Event]:
        if not isinstance(document, Mapping):
            try:
                document = json.loads(document)
            except ValueError as bad_json:
                raise MalformedEvent(f"structured event is not JSON: {bad_json}") from None
        if not isinstance(document, Mapping):
            raise MalformedEvent("structured event is not a JSON object")
        envelope = _envelope_from_document(document)
        return envelope, self.decode_object(envelope.type, envelope.dataschemaversion, document)

    def decode_object(self, type_name: str, version: int, document: Mapping[str, Any]) -> Event:
        """The event model from the `data` member of an already parsed structured event."""
        cls = self._types.get(type_name)
        if cls is None:
            raise UnknownEventType(type_name)
        data = document.get("data")
        try:
            if version == cls.schema_version:
                return cls.model_validate(data)
            return cls.model_validate(self._upcast(cls, version, data))
        except ValidationError as invalid:
            raise MalformedEvent(f"{type_name} payload is invalid: {problems(invalid)}") from None


def problems(invalid: ValidationError) -> str:
    """Pydantic's errors on one line: `field: message; ...` (its own report spans many)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in invalid.errors()
    )


def _envelope_from_document(document: Mapping[str, Any]) -> Envelope:
    missing = [name for name in _ATTRIBUTES if name not in document]
    if missing:
        raise MalformedEvent(f"structured event lacks {', '.join(missing)}")
    if document["specversion"] != SPEC_VERSION:
        raise MalformedEvent(f"unsupported CloudEvents specversion {document['specversion']!r}")
    try:
        return Envelope(
            id=str(document["id"]),
            source=str(document["source"]),
            type=str(document["type"]),
            time=datetime.fromisoformat(str(document["time"])),
            subject=str(document["subject"]),
            rolloutsequence=int(document["rolloutsequence"]),
            causationid=str(document["causationid"]),
            dataschemaversion=int(document["dataschemaversion"]),
            datacontenttype=str(document["datacontenttype"]),
        )
    except (TypeError, ValueError) as bad:
        raise MalformedEvent(f"unreadable structured event attribute: {bad}") from None


DEFAULT_CODEC = EventCodec()
"""The codec for every registered event type with the project's upcasters."""
