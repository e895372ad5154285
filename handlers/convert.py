"""Telegram updates → the core's neutral Inbound (and nothing else: no decisions here)."""

from __future__ import annotations

import functools
import re

from telegram import Message, MessageEntity, Update, User

from bot import texts
from bot.messages import Inbound

PLATFORM = "telegram"


def _chat_type(kind: str) -> str:
    if kind == "private":
        return "private"
    if kind == "channel":
        return "channel"
    return "group"


def _name(user: User | None) -> str:
    if user is None:
        return texts.UNKNOWN_USER
    return user.full_name or user.username or str(user.id)


def _mentions(message: Message, bot: User) -> bool:
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or ()
    for entity in entities:
        if entity.type == MessageEntity.MENTION and bot.username:
            try:
                handle = message.parse_entity(entity) if message.text else message.parse_caption_entity(entity)
            except (RuntimeError, UnicodeDecodeError, ValueError):
                continue  # an entity that does not fit the text is read as plain text
            if handle.lower() == f"@{bot.username.lower()}":
                return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            return True
    return _typed_address(bot).search(text) is not None


def _typed_address(bot: User) -> re.Pattern[str]:
    """The bot addressed in typed text: by its handle (@gridbot) or, as WeChat users do, by its name (@网格助手),
    which Telegram does not turn into a mention."""
    return _address_pattern(bot.username or "", bot.first_name or "")


@functools.cache
def _address_pattern(username: str, name: str) -> re.Pattern[str]:
    names = [re.escape(n) for n in (username, name) if n]
    if not names:
        return re.compile(r"(?!)")
    return re.compile(rf"[@＠](?:{'|'.join(names)})(?![A-Za-z0-9_])", re.IGNORECASE)


def _without_bot_handle(text: str, bot: User) -> str:
    """"@gridbot 3栋楼道堆满杂物" is about 3栋楼道: the address to the bot is not part of the ticket."""
    return _typed_address(bot).sub("", text).strip()


def _for_another_bot(text: str, bot: User) -> bool:
    """"/start@other_bot" in a group is that bot's command: answering it would talk over the other bot."""
    addressed = re.match(r"/[A-Za-z0-9_]+@([A-Za-z0-9_]+)", text)
    return addressed is not None and addressed[1].lower() != (bot.username or "").lower()


def to_inbound(update: Update, bot: User) -> Inbound | None:
    """The neutral form of an update, or None for update kinds the bot does not handle."""
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        chat = message.chat if message is not None else None
        return Inbound(
            platform=PLATFORM,
            update_id=str(update.update_id),
            chat_id=str(chat.id if chat else query.from_user.id),
            chat_type=_chat_type(chat.type if chat else "private"),
            message_id=f"cb-{query.id}",
            user_id=str(query.from_user.id),
            user_name=_name(query.from_user),
            kind="callback",
            is_bot=query.from_user.is_bot,
            callback_data=query.data or "",
            callback_id=query.id,
            reply_to_message_id=str(message.message_id) if message is not None else None,
            reply_to_bot=True,
        )
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return None
    if message.migrate_to_chat_id or message.migrate_from_chat_id:
        return _moved(update, message)
    edited = update.edited_message is not None or update.edited_channel_post is not None
    sender = message.from_user
    reply = message.reply_to_message
    text = message.text or message.caption or ""
    if _for_another_bot(text, bot):
        return None
    kind = "photo" if message.photo else ("text" if message.text is not None else "other")
    return Inbound(
        platform=PLATFORM,
        update_id=str(update.update_id),
        chat_id=str(message.chat.id),
        chat_type=_chat_type(message.chat.type),
        message_id=str(message.message_id),
        user_id=str(sender.id if sender else (message.sender_chat.id if message.sender_chat else 0)),
        user_name=_name(sender)
        if sender
        else (message.sender_chat.title or texts.CHANNEL)
        if message.sender_chat
        else texts.UNKNOWN_USER,
        text=_without_bot_handle(text, bot),
        kind=kind,
        # Messages on behalf of a channel or an anonymous admin have no person behind them to serve.
        is_bot=sender is None or sender.is_bot or message.sender_chat is not None,
        edited=edited,
        photo_id=message.photo[-1].file_id if message.photo else None,
        reply_to_message_id=str(reply.message_id) if reply is not None else None,
        reply_to_bot=bool(reply is not None and reply.from_user is not None and reply.from_user.id == bot.id),
        reply_to_text=(reply.text or reply.caption or "") if reply is not None else "",
        mentions_bot=_mentions(message, bot),
        # A channel's or a group's post passed on is news; a person's words passed on ("my neighbour says the
        # lamp is out") are the forwarder's report on their behalf.
        forwarded=message.forward_origin is not None and message.forward_origin.type in ("channel", "chat"),
        sent_at=message.date,
    )


def _moved(update: Update, message: Message) -> Inbound:
    """A group upgraded to a supergroup: Telegram says so in the old chat (migrate_to_chat_id) and in the new
    one (migrate_from_chat_id); either way the core hears "chat old is now chat new"."""
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat.id
    return Inbound(
        platform=PLATFORM,
        update_id=str(update.update_id),
        chat_id=str(old),
        chat_type="group",
        message_id=str(message.message_id),
        user_id=str(message.from_user.id if message.from_user else 0),
        user_name=_name(message.from_user),
        kind="other",
        moved_to=str(new),
        sent_at=message.date,
    )
