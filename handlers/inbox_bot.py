"""A Bot that stores fetched updates before the Updater confirms them to Telegram.

PTB confirms updates (the next getUpdates offset) as soon as it has fetched them, before any handler
runs; storing them here, inside get_updates, closes the window in which a crash would lose them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.ext import ExtBot

StoreUpdates = Callable[[Sequence[Update]], Awaitable[None]]


class InboxQueue(asyncio.Queue):
    """Webhook mode: PTB's webhook handler awaits put() before it answers Telegram, so storing the update
    here means Telegram hears "200 OK" only for updates already in the inbox; if storing fails, it hears an
    error and sends the update again."""

    def __init__(self, store: StoreUpdates):
        super().__init__()
        self._store = store

    async def put(self, item) -> None:
        if isinstance(item, Update):
            await self._store([item])
        await super().put(item)


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
