"""The Telegram transport: build the Application with one ordered list of handlers."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.config import Config
from handlers.callbacks import on_button, on_message, on_other_update
from handlers.errors import on_error
from handlers.inbox_bot import InboxBot, InboxQueue

COMMAND_MENU = [
    BotCommand("help", texts.COMMAND_MENU["help"]),
    BotCommand("mine", texts.COMMAND_MENU["mine"]),
    BotCommand("status", texts.COMMAND_MENU["status"]),
    BotCommand("claim", texts.COMMAND_MENU["claim"]),
    BotCommand("done", texts.COMMAND_MENU["done"]),
]


def handler_list() -> list:
    """Every handler, in the order PTB tries them; the core decides what a message means."""
    return [
        CallbackQueryHandler(on_button),
        MessageHandler(filters.ALL, on_message),
        TypeHandler(object, on_other_update),
    ]


def build_application(
    config: Config,
    runtime,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    token: str | None = None,
) -> Application:
    """The Application for `config`, its bot storing every fetched update in the inbox before confirming it."""
    bot = InboxBot(
        token=token or config.telegram.token,
        base_url=base_url or config.telegram.base_url,
        base_file_url=base_file_url or config.telegram.base_file_url,
        rate_limiter=AIORateLimiter(max_retries=config.telegram.max_retries),
    )
    bot.set_inbox(runtime.store_updates)
    builder = ApplicationBuilder().bot(bot).concurrent_updates(64)
    if config.telegram.mode == "webhook":  # polling stores in get_updates; a webhook request stores on arrival
        builder = builder.update_queue(InboxQueue(runtime.store_updates))
    application = builder.build()
    application.bot_data["runtime"] = runtime
    application.add_handlers(handler_list())
    application.add_error_handler(on_error)
    return application
