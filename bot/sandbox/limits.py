"""Telegram flood limits: 30 msg/s overall, 20 msg/min per group, 1 msg/s per private chat.

Why: benchmarks must prove a bot stays under the limits. Each limit is a leaky bucket
(capacity = the burst, draining at limit/period), the same model as aiolimiter, which
PTB's ``AIORateLimiter`` uses: a bot throttled by it at its defaults gets no 429 here,
while a strict sliding window would reject its legal bursts-after-drain. ``tolerance``
(seconds) absorbs the lag between the client's limiter and our clock: requests it
released on time may arrive bunched (measured: up to ~40 ms in-process), so a bucket
accepts ``burst + tolerance * rate`` — e.g. 37 instead of 30 for an instant burst.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

# Methods that put or change a message in a chat and so count against the limits.
LIMITED_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendsticker",
        "sendvoice",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendmediagroup",
        "sendlocation",
        "sendcontact",
        "sendpoll",
        "senddice",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
        "editmessagemedia",
    }
)


@dataclass(frozen=True)
class Limits:
    """Bucket sizes (burst) and periods; a bucket drains ``burst / period`` per second."""

    overall: int = 30
    overall_period: float = 1.0
    group: int = 20
    group_period: float = 60.0
    private: int = 1
    private_period: float = 1.0
    tolerance: float = 0.25


class _Bucket:
    def __init__(self, capacity: int, period: float) -> None:
        self.capacity = capacity
        self.rate = capacity / period
        self.level = 0.0
        self.last = 0.0

    def _leak(self, now: float) -> None:
        self.level = max(0.0, self.level - (now - self.last) * self.rate)
        self.last = now

    def wait_needed(self, now: float, tolerance: float) -> float:
        """Seconds until one more message fits (0 if it fits now)."""
        self._leak(now)
        excess = self.level + 1 - self.capacity - self.rate * tolerance
        return excess / self.rate if excess > 1e-9 else 0.0

    def add(self, now: float) -> None:
        self._leak(now)
        self.level += 1


class RateLimiter:
    """Checks a send before it happens and records it after it succeeded."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._overall = _Bucket(limits.overall, limits.overall_period)
        self._chats: dict[int | str, _Bucket] = {}

    def _buckets(self, chat_id: int | str, chat_type: str) -> list[_Bucket]:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            lim = self.limits
            if chat_type == "private":
                bucket = _Bucket(lim.private, lim.private_period)
            else:
                bucket = _Bucket(lim.group, lim.group_period)
            self._chats[chat_id] = bucket
        return [self._overall, bucket]

    def retry_after(self, chat_id: int | str, chat_type: str) -> int | None:
        """Whole seconds to wait if a message now would exceed a limit, else None."""
        now = self._clock()
        wait = max(b.wait_needed(now, self.limits.tolerance) for b in self._buckets(chat_id, chat_type))
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, chat_id: int | str, chat_type: str) -> None:
        now = self._clock()
        for bucket in self._buckets(chat_id, chat_type):
            bucket.add(now)
