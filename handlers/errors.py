"""The error handler: log with the update, never crash the bot, never leave the person without a word."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("error while handling an update: %s", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.callback_query is not None:
        try:
            await update.callback_query.answer(texts.TOASTS["failed"])
        except Exception:  # the answer itself may fail for an expired query
            log.debug("could not answer the callback query after an error")
