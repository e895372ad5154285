"""Handlers: convert the update, hand it to the core, answer the button. Nothing else."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every message, command and edit: the core decides what it means."""
    await context.bot_data["runtime"].handle_update(update)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: processed like a message, then answered with a short toast."""
    result = await context.bot_data["runtime"].handle_update(update)
    await update.callback_query.answer(text=(result.toast if result else None) or None)


async def on_other_update(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Updates the bot does not act on (member changes, polls …) are marked done in the inbox."""
    if isinstance(update, Update):
        await context.bot_data["runtime"].handle_update(update)
