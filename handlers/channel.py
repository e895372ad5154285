"""The core's Channel on Telegram: Outbound → sendMessage, with buttons, real @-mentions and error mapping."""

from __future__ import annotations

import datetime as dt
import warnings

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, ReplyParameters, User
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.channel import SendFailure
from bot.messages import Outbound

MAX_TEXT = 4096
MAX_CAPTION = 1024  # a photo's caption


def retry_after_seconds_of(value: object) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def retry_seconds(error: RetryAfter) -> float:
    """Telegram's wait, whichever type this PTB version gives (int now, timedelta in a future major)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return retry_after_seconds_of(error.retry_after)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """Cut to Telegram's limit, which counts UTF-16 units (an emoji counts twice), ending with "…"."""
    if utf16_len(text) <= limit:
        return text
    units = text.encode("utf-16-le")[: (limit - 1) * 2]
    return units.decode("utf-16-le", errors="ignore") + "…"


def mention_entities(message: Outbound) -> list[MessageEntity]:
    """Turn each "@name" of a mentioned person into a text_mention, so the person is really notified."""
    entities = []
    for mention in message.mentions:
        handle = f"@{mention.name}"
        start = message.text.find(handle)
        if start < 0 or not mention.user_id.lstrip("-").isdigit():
            continue
        entities.append(
            MessageEntity(
                MessageEntity.TEXT_MENTION,
                offset=utf16_len(message.text[:start]),
                length=utf16_len(handle),
                user=User(int(mention.user_id), mention.name, is_bot=False),
            )
        )
    return entities


class TelegramChannel:
    """Sends through python-telegram-bot (whose AIORateLimiter keeps to the group and global limits)."""

    platform = "telegram"
    max_text = MAX_TEXT

    def __init__(self, bot: Bot, private_rate: float = 1.0):
        self.bot = bot
        self.private_rate = private_rate
        self._private: dict[str, AsyncLimiter] = {}

    async def send(self, message: Outbound) -> str:
        text = fit(message.text)
        markup = None
        if message.buttons:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in message.buttons]
            )
        reply = None
        if message.reply_to_message_id and message.reply_to_message_id.isdigit():
            reply = ReplyParameters(int(message.reply_to_message_id), allow_sending_without_reply=True)
        if not message.chat_id.startswith("-"):
            # Telegram asks for about one message a second into a private chat; the rate limiter only
            # knows group and global limits.
            limiter = self._private.setdefault(message.chat_id, AsyncLimiter(1, self.private_rate))
            await limiter.acquire()
        try:
            if message.photo_id:  # the resident's photo, passed on with the text as its caption
                sent = await self.bot.send_photo(
                    chat_id=int(message.chat_id),
                    photo=message.photo_id,
                    caption=fit(message.text, MAX_CAPTION),
                    reply_markup=markup,
                    caption_entities=mention_entities(message) or None,
                    reply_parameters=reply,
                )
            else:
                sent = await self.bot.send_message(
                    chat_id=int(message.chat_id),
                    text=text,
                    reply_markup=markup,
                    entities=mention_entities(message) or None,
                    reply_parameters=reply,
                )
        except RetryAfter as exc:
            raise SendFailure(f"rate limited: {exc}", retry_after=retry_seconds(exc)) from exc
        except (BadRequest, Forbidden) as exc:
            raise SendFailure(f"{type(exc).__name__}: {exc.message}", permanent=True) from exc
        except (TimedOut, NetworkError) as exc:
            raise SendFailure(f"{type(exc).__name__}: {exc.message}") from exc
        except TelegramError as exc:
            raise SendFailure(f"{type(exc).__name__}: {exc.message}") from exc
        return str(sent.message_id)
