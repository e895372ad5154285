"""Giving freed memory back to the operating system after a big, passing allocation.

Reading a county's config (20,000 workers) or a scheduler tick over tens of thousands of open tickets
frees tens of MB that glibc's allocator keeps mapped; the bot's resident size then stays at its peak.
malloc_trim(0) returns it. Elsewhere (musl, macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    trim = _trim()
    if trim is not None:
        trim(0)
