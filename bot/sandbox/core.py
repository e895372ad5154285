"""Shared primitives of the sandbox: the Bot API error type and a change signal.

Why: every layer (parameter parsing, methods, faults, limits) must answer with the exact
HTTP status and description Telegram would send, so one exception type carries them; and
waiters (long polling, ``wait_for``) must wake on any change without polling sleeps.
"""

from __future__ import annotations

import asyncio
from typing import Any


class ApiError(Exception):
    """A Bot API failure, rendered as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """400 with Telegram's ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """403 with Telegram's ``Forbidden: `` prefix."""
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 carrying ``parameters.retry_after`` (PTB turns it into ``RetryAfter``)."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


class Signal:
    """Edge-triggered broadcast: ``fire()`` wakes every current ``wait()``.

    ``fire`` is synchronous so the plain (non-async) Python API can call it; the event is
    created lazily so a Sandbox may be constructed outside a running loop.
    """

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> bool:
        """Wait for the next ``fire``; False on timeout."""
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), max(timeout, 0))
        except TimeoutError:
            return False
        return True
