"""A Bot that stores fetched updates before the Updater confirms them to Telegram.

PTB confirms updates (the next getUpdates offset) as soon as it has fetched them, before any handler
runs; storing them here, inside get_updates, closes the window in which a crash would lose them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.ext import ExtBot

StoreUpdates = Callable[[Sequence[Update]], Awaitable[None]]


class InboxBot(ExtBot):
    def set_inbox(self, store: StoreUpdates) -> None:
        with self._unfrozen():
            self._store_updates = store

    async def get_updates(self, *args, **kwargs) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        store = getattr(self, "_store_updates", None)
        if updates and store is not None:
            await store(updates)
        return updates
