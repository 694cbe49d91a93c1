"""Publishing inputs to the controller (workers report outcomes as inputs, never as events).

An input must not be lost to a passing outage (a NATS restart, a leader change): publishing
retries with backoff until JetStream acknowledges it. The input id is the `Nats-Msg-Id`, so a
retry after a lost acknowledgement is deduplicated by the server.
"""

from __future__ import annotations

import asyncio

from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.js.client import JetStreamContext
from nats.js.errors import NoStreamResponseError

from adapters.runtime.lazy_log import LazyLogger
from events.base import Input
from events.input_codec import encode_input

log = LazyLogger("rollouts.publish")


class InputNotStored(NatsError):
    """No stream captured the input: the streams are missing, or the subject is not one the
    input stream admits (`rollouts.in.<ns>.<name>`)."""

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject

    def __str__(self) -> str:
        return (
            f"no stream stores inputs published on {self.subject}: the input stream admits "
            "only rollouts.in.<namespace>.<name>; is `rollouts serve` (or a controller) set up?"
        )


class InputPublisher:
    def __init__(self, js: JetStreamContext, *, give_up_after: float = 120.0) -> None:
        self._js = js
        self._give_up_after = give_up_after

    async def __call__(
        self, namespace: str, name: str, item: Input, *, reply_to: str | None = None
    ) -> None:
        subject, headers, data = encode_input(namespace, name, item, reply_to=reply_to)
        loop = asyncio.get_running_loop()
        deadline, delay = loop.time() + self._give_up_after, 0.05
        while True:
            try:
                await self._js.publish(subject, data, headers=headers, stream="ROLLOUT_INPUTS")
                return
            except (TimeoutError, NatsError) as error:
                if loop.time() + delay > deadline:
                    if isinstance(error, NoRespondersError | NoStreamResponseError):
                        raise InputNotStored(subject) from None
                    raise
                log.warning("input.publish_retry", subject=subject, error=repr(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
