"""The one interface through which the core's messages leave: each chat platform implements it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import Outbound


@dataclass(frozen=True)
class SendFailure(Exception):
    """A send that did not go through; `retry_after` (seconds) is set when the platform asked us to wait."""

    reason: str
    retry_after: float | None = None
    permanent: bool = False

    def __str__(self) -> str:
        return self.reason


class Channel(Protocol):
    platform: str
    max_text: int  # the longest message the platform delivers whole; summaries of a backlog stay within it

    async def send(self, message: Outbound) -> str:
        """Deliver one message (a photo with the text as its caption when `photo_id` is set: an id this
        platform gave the photo) and return the platform's message id; raise SendFailure when it fails."""
        ...
