"""A nats-py client that reads and writes message headers faster, byte for byte the same.

Every event on the stream carries a dozen headers (the CloudEvents attributes, the message id,
the batch headers), and nats-py 2.16 handles a header block one line at a time in Python, in
both directions: on a replay, parsing headers is the largest cost of the client; on an append,
writing them is (a regular expression, two strips, a translate and two encodes per header).
`FastHeaderClient` does each block with a few C-level string operations when the block is
plain, which the store's always are, and hands anything else to nats-py's own code: whatever
the input, the dict it parses and the bytes it sends are the ones nats-py would have produced.

This module is the only place that depends on nats-py internals. It overrides two methods of
`nats.aio.client.Client`: the static `_parse_header_lines`, which `_process_headers` calls for
every message with headers (when the optional `fast_mail_parser` is not installed), and
`_send_publish`, which `publish` calls after its checks. tests/unit/events/test_nats_client.py
pins the nats-py version and these facts, and compares results with nats-py's on any input, so
an upgrade that changes them fails there rather than silently.
"""

from __future__ import annotations

import re
from typing import Any

from nats.aio.client import Client
from nats.protocol import command

_HEADER_LINE = b"NATS/1.0\r\n"
_KEY = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""nats-py's rule for a header name (RFC 7230 token characters)."""


def parse_header_lines(raw: bytes) -> dict[str, str]:
    """`Name: Value` lines (CRLF-separated) into a dict, exactly as nats-py 2.16 parses them."""
    try:
        text = raw.decode()
        parsed = dict([line.split(": ", 1) for line in text.split("\r\n") if line])
    except (UnicodeDecodeError, ValueError):
        return Client._parse_header_lines(raw)
    names = "".join(parsed)
    plain_names = names.isascii() and names.isprintable() and " " not in names
    if plain_names and ":" not in names and _plain_lines(text):
        return parsed
    return Client._parse_header_lines(raw)


def _plain_lines(text: str) -> bool:
    """No value nats-py would strip (tabs and the like anywhere, padding after the colon or
    before the line's end), and no CR or LF outside a CRLF. Spelled out rather than a loop
    over the marks: this runs for every message read."""
    if "\t" in text or "\x0b" in text or "\x0c" in text or ":  " in text or " \r\n" in text:
        return False
    if text.endswith(" "):
        return False
    crlf = text.count("\r\n")
    return text.count("\r") == crlf and text.count("\n") == crlf


def header_block(headers: dict[str, str]) -> bytes | None:
    """The header block nats-py 2.16 would send for `headers`, if they are plain (else None):
    names nats-py accepts as they are, values it would neither strip nor alter."""
    if not headers or "" in headers or not _KEY.fullmatch("".join(headers)):
        return None
    if any(type(name) is not str for name in headers):
        return None  # nats-py's own names are `str` enums (`api.Header`): it writes their value
    for value in headers.values():
        if type(value) is not str or value != value.strip():
            return None
    text = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    lines = len(headers)
    if text.count("\r") != lines or text.count("\n") != lines:
        return None  # a CR or LF inside a value, which nats-py replaces
    return _HEADER_LINE + text.encode() + b"\r\n"


class FastHeaderClient(Client):
    """nats-py's client with `parse_header_lines` and `header_block` in place of its own."""

    @staticmethod
    def _parse_header_lines(raw: bytes) -> dict[str, str]:
        return parse_header_lines(raw)

    async def _send_publish(
        self,
        subject: str,
        reply: str,
        payload: bytes,
        payload_size: int,
        headers: dict[str, Any] | None,
    ) -> None:
        block = header_block(headers) if headers else None
        if block is None:
            await super()._send_publish(subject, reply, payload, payload_size, headers)
            return
        self.stats["out_msgs"] += 1
        self.stats["out_bytes"] += payload_size
        await self._send_command(command.hpub_cmd(subject, reply, block, payload))
        if self._flush_queue is not None and self._flush_queue.empty():
            await self._flush_pending()


async def connect(servers: str | list[str], **options: Any) -> Client:
    """Like `nats.connect`, with a `FastHeaderClient`."""
    client = FastHeaderClient()
    await client.connect(servers, **options)
    return client


__all__ = ["FastHeaderClient", "connect", "header_block", "parse_header_lines"]
