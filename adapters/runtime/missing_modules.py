"""Optional modules that are absent, recorded as absent so importing them again fails at once.

httpcore imports `sniffio` on every connection-pool operation to learn which event loop it is
on, and assumes asyncio when the import fails. We do not install sniffio: with it, anyio and
httpcore answer differently outside a task (sniffio raises where they otherwise assume
asyncio), and the one CI run with it hung. But Python does not remember a failed import, so
each call searched sys.path again: 0.16 ms a call, 17 % of the fleet demo's CPU in a py-spy
profile. `None` in sys.modules is Python's own "no such module": the next import raises
ImportError straight away, the very outcome the library already handles.
"""

from __future__ import annotations

import importlib.util
import sys

OPTIONAL_MISSES = ("sniffio",)
"""Modules our HTTP stack asks for on hot paths and copes without."""


def remember_missing(names: tuple[str, ...] = OPTIONAL_MISSES) -> list[str]:
    """Record each of `names` that cannot be imported; returns those recorded. A module that is
    installed (or already imported) is left alone, so nothing changes where it exists."""
    recorded = []
    for name in names:
        if name in sys.modules or importlib.util.find_spec(name) is not None:
            continue
        sys.modules[name] = None  # type: ignore[assignment]
        recorded.append(name)
    return recorded
