"""The keys of a KV bucket that hold a value, read from the bucket stream's subject list.

nats-py's `KeyValue.keys()` watches the bucket and can stop before the first entry arrives,
reporting no keys at all on a loaded machine. A missed key here is not cosmetic: a missed
commit marker leaves an import unfinished, a missed fence lets the scaler touch a rollout under
import, a missed lease owner makes a replica misjudge its share. The stream's subject list is
one request that does not race. A deleted key keeps its marker until it is purged, and `get`
tells it apart from a live one.
"""

from __future__ import annotations

import contextlib

from nats.js.client import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue


async def live_entries(
    js: JetStreamContext, kv: KeyValue, bucket: str, prefix: str = ""
) -> dict[str, KeyValue.Entry]:
    """Live keys under `prefix` (empty, or ending in a dot) with their current entries."""
    subjects = f"$KV.{bucket}.{prefix}>"
    info = await js.stream_info(f"KV_{bucket}", subjects_filter=subjects)
    entries = {}
    for subject in sorted(info.state.subjects or {}):
        key = subject.removeprefix(f"$KV.{bucket}.")
        with contextlib.suppress(KeyNotFoundError):
            entries[key] = await kv.get(key)
    return entries
