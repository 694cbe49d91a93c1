"""A message being handled is kept from redelivery by in-progress heartbeats, and only then."""

from __future__ import annotations

import asyncio
from typing import cast

from nats.aio.msg import Msg

from adapters.runtime.heartbeat import ACK_WAIT_SECONDS, held


class _Msg:
    def __init__(self) -> None:
        self.beats = 0

    async def in_progress(self) -> None:
        self.beats += 1


async def test_a_long_handler_heartbeats_every_third_of_the_ack_wait_until_it_ends() -> None:
    msg = _Msg()
    async with held(cast(Msg, msg), ack_wait=0.3):
        await asyncio.sleep(0.35)
    beats = msg.beats
    assert 2 <= beats <= 4
    await asyncio.sleep(0.25)
    assert msg.beats == beats  # no heartbeat after the handler ended


async def test_a_quick_handler_sends_no_heartbeat() -> None:
    msg = _Msg()
    async with held(cast(Msg, msg)):
        await asyncio.sleep(0)
    assert msg.beats == 0


def test_the_ack_wait_is_short_enough_to_hand_over_a_killed_holders_messages_quickly() -> None:
    assert ACK_WAIT_SECONDS <= 10
