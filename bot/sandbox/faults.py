"""Scripted failures: make the next N calls of a method fail, or answer slowly.

Why: retry, back-off and timeout paths of a bot are only trustworthy if tests can
provoke 429/5xx answers and slow responses from the real HTTP stack on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from .core import ApiError, too_many_requests

_DESCRIPTIONS = {
    400: "Bad Request: sandbox fault",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class Fault:
    """One rule. ``count`` < 0 means "until cleared"; ``method`` None matches all but getUpdates."""

    method: str | None
    status: int
    count: int
    retry_after: int | None
    delay: float
    description: str | None

    def matches(self, method: str) -> bool:
        if self.method is None:
            return method.lower() != "getupdates"
        return self.method.lower() == method.lower()

    def error(self) -> ApiError | None:
        """The error to answer with, or None for a slow success (status 200)."""
        if 200 <= self.status < 300:
            return None
        if self.status == 429:
            error = too_many_requests(self.retry_after or 1)
            if self.description:
                error.description = self.description
            return error
        description = self.description or _DESCRIPTIONS.get(self.status)
        if description is None:
            try:
                description = HTTPStatus(self.status).phrase
            except ValueError:
                description = f"Error {self.status}"
        params = {"retry_after": self.retry_after} if self.retry_after else None
        return ApiError(self.status, description, params)


class Faults:
    """Ordered fault rules; the first matching rule is consumed per call."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []

    def add(
        self,
        method: str | None = None,
        status: int = 500,
        *,
        count: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        description: str | None = None,
    ) -> Fault:
        if count == 0:
            raise ValueError("count must be positive, or negative for 'until cleared'")
        rule = Fault(method, status, count, retry_after, delay, description)
        self._rules.append(rule)
        return rule

    def clear(self) -> None:
        self._rules.clear()

    def take(self, method: str) -> Fault | None:
        """Consume and return the first rule matching ``method``."""
        for rule in self._rules:
            if rule.matches(method):
                if rule.count > 0:
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                return rule
        return None

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self):
        return iter(list(self._rules))
