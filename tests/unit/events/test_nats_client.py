"""The fast header codec gives exactly nats-py's results, and nats-py still calls it.

Pinned: the nats-py version the overrides were written against; that `_process_headers` hands
header lines to `_parse_header_lines` (and that the optional `fast_mail_parser`, which would
bypass it, is absent) and `publish` hands its message to `_send_publish`; and equality with
nats-py's own code on any input: the same dict parsed, the same bytes and stats sent.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nats.aio.client import Client
from nats.js.api import Header

from events.nats_client import FastHeaderClient, header_block, parse_header_lines

STORED = (
    b"ce-id: 3f1c2a52-3b8e-5d7a-9c41-2e0b7d9a4f10\r\nce-source: /rollouts-controller\r\n"
    b"ce-type: TrafficWeightRequested\r\nce-specversion: 1.0\r\n"
    b"ce-time: 2026-01-01T00:00:01.200000+00:00\r\nce-subject: default/web%2Fx\r\n"
    b"Nats-Msg-Id: 1f1c2a52\r\nNats-Batch-Sequence: 345\r\n\r\n"
)
TRICKY = [
    b"a:b\r\nc: d\r\n\r\n",  # no space after the colon
    b" a: b\r\n\r\n",  # padded name
    b"a b: c\r\n\r\n",  # space inside a name
    b"a:b: c\r\n\r\n",  # colon inside the name part
    b"a:  b\r\n\r\n",  # padded value
    b"a: b \r\n\r\n",  # trailing space
    b"a: b\tc\r\n\r\n",  # tab
    b"a: b\nc: d\r\n\r\n",  # lone LF
    b"a: \xff\xfe\r\n\r\n",  # not UTF-8
    b"\xc3\xa9: v\r\n\r\n",  # non-ASCII name
    b"a\x1c: v\r\n\r\n",  # a control character Python counts as whitespace
    b": v\r\n\r\n",  # empty name
    b"a: \r\n\r\n",  # empty value
    b"a: 1\r\na: 2\r\n\r\n",  # repeated name: the last wins
    b"no colon\r\na: b\r\n\r\n",
    b"a: b",  # no final CRLF
    b"a: b ",
]
PIECES = st.sampled_from(
    ["a", "Nats-Id", "ce-x", ":", ": ", " ", "\t", "\r", "\n", "\r\n", "é", "\x1c", "\x0b", "%"]
)


def test_the_pinned_nats_py_calls_the_overridden_parser() -> None:
    assert importlib.metadata.version("nats-py").startswith("2.16."), "re-check this override"
    assert importlib.util.find_spec("fast_mail_parser") is None
    assert "_parse_header_lines" in Client._process_headers.__code__.co_names
    assert "_send_publish" in Client.publish.__code__.co_names


async def test_a_message_with_headers_goes_through_the_fast_parser() -> None:
    calls: list[bytes] = []

    class Spy(FastHeaderClient):
        @staticmethod
        def _parse_header_lines(raw: bytes) -> dict[str, str]:
            calls.append(raw)
            return parse_header_lines(raw)

    headers = await Spy()._process_headers(b"NATS/1.0\r\n" + STORED)
    assert calls == [STORED]
    assert headers == Client._parse_header_lines(STORED)
    status = await Spy()._process_headers(b"NATS/1.0 100 Idle Heartbeat\r\n\r\n")
    assert status == {"Status": "100", "Description": "Idle Heartbeat"}


def test_stored_event_headers_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = Client._parse_header_lines(STORED)

    def slow(raw: bytes) -> dict[str, str]:
        raise AssertionError("fell back to nats-py's parser")

    monkeypatch.setattr(Client, "_parse_header_lines", staticmethod(slow))
    parsed = parse_header_lines(STORED)
    assert parsed == expected
    assert parsed["ce-subject"] == "default/web%2Fx"
    assert len(parsed) == 8


def test_tricky_blocks_match_nats_py() -> None:
    for raw in TRICKY:
        assert parse_header_lines(raw) == Client._parse_header_lines(raw), raw


@given(st.lists(PIECES, max_size=30).map("".join))
def test_any_text_matches_nats_py(text: str) -> None:
    raw = text.encode()
    assert parse_header_lines(raw) == Client._parse_header_lines(raw)


@given(st.binary(max_size=60))
def test_any_bytes_match_nats_py(raw: bytes) -> None:
    assert parse_header_lines(raw) == Client._parse_header_lines(raw)


class Recording(Client):
    """Keeps the protocol commands instead of sending them."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []

    async def _send_command(self, cmd: bytes, priority: bool = False) -> None:
        self.sent.append(cmd)


class FastRecording(FastHeaderClient, Recording):
    pass


async def sent_by(client: Recording, headers: dict[str, str]) -> tuple[list[bytes], object]:
    await client._send_publish("a.b", "_INBOX.x", b"data", 4, headers)
    return client.sent, client.stats


STORE_HEADERS = parse_header_lines(STORED)
HEADER_TEXT = st.lists(PIECES, max_size=6).map("".join)


async def test_store_headers_are_written_by_the_fast_path() -> None:
    block = header_block(STORE_HEADERS)
    assert block is not None and block.startswith(b"NATS/1.0\r\nce-id: 3f1c")
    assert await sent_by(FastRecording(), STORE_HEADERS) == await sent_by(
        Recording(), STORE_HEADERS
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"a": " padded"},
        {"a": "tail "},
        {"a": "x\ry"},
        {"a": "x\ny"},
        {"a": "é"},
        {" a": "v"},
        {"": "v"},
        {"a:b": "v"},
        {"a": "\u2003x"},
        {},
    ],
)
async def test_unusual_headers_are_written_as_nats_py_writes_them(headers: dict[str, str]) -> None:
    try:
        expected = await sent_by(Recording(), headers)
    except Exception as refused:
        with pytest.raises(type(refused)):
            await sent_by(FastRecording(), headers)
        return
    assert await sent_by(FastRecording(), headers) == expected


@settings(deadline=None)
@given(st.dictionaries(HEADER_TEXT, HEADER_TEXT, max_size=5))
async def test_any_headers_are_written_as_nats_py_writes_them(headers: dict[str, str]) -> None:
    await test_unusual_headers_are_written_as_nats_py_writes_them(headers)


async def test_nats_pys_own_header_names_are_written_as_nats_py_writes_them() -> None:
    """nats-py names its headers with `api.Header`, a `str` enum: formatting one gives
    `Header.EXPECTED_LAST_SUBJECT_SEQUENCE`, not its value. Sent that way, a KV `create` or
    `update(last=...)` lost its expected-sequence check and two writers both won."""
    headers = {Header.EXPECTED_LAST_SUBJECT_SEQUENCE: "0", Header.MSG_ID: "abc"}
    sent, _ = await sent_by(FastRecording(), headers)  # type: ignore[arg-type]
    assert b"Nats-Expected-Last-Subject-Sequence: 0\r\n" in sent[0]
    assert await sent_by(FastRecording(), headers) == await sent_by(Recording(), headers)  # type: ignore[arg-type]
