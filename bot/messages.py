"""Platform-neutral messages: what a transport hands the core, and what the core asks it to send."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Literal

ChatType = Literal["group", "private", "channel"]
Kind = Literal["text", "photo", "callback", "other"]


@dataclass(frozen=True)
class Inbound:
    """One thing a person did in a chat, as any transport (Telegram, WeCom) can describe it."""

    platform: str
    update_id: str
    chat_id: str
    chat_type: ChatType
    message_id: str
    user_id: str
    user_name: str
    text: str = ""
    kind: Kind = "text"
    is_bot: bool = False
    edited: bool = False
    photo_id: str | None = None
    reply_to_message_id: str | None = None
    reply_to_bot: bool = False
    reply_to_text: str = ""  # the quoted message's text (Telegram's reply, WeChat's 引用)
    mentions_bot: bool = False
    forwarded: bool = False  # a channel's or another group's post passed on: news, not the sender's own report
    # The group now lives under this chat id, `chat_id` being the one it had (Telegram upgrades a group to a
    # supergroup past 200 members): "this chat is now that chat", nothing a person said.
    moved_to: str | None = None
    callback_data: str | None = None
    callback_id: str | None = None
    sent_at: dt.datetime | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data["sent_at"] = self.sent_at.isoformat() if self.sent_at else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> Inbound:
        data = dict(data)
        if data.get("sent_at"):
            data["sent_at"] = dt.datetime.fromisoformat(data["sent_at"])
        return cls(**data)


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Mention:
    """An @-mention of a person in the text (the transport turns "@name" into a real mention)."""

    user_id: str
    name: str


@dataclass
class Outbound:
    """A message the core wants sent; written to the outbox before anything is sent."""

    chat_id: str
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    reply_to_message_id: str | None = None
    ticket_id: int | None = None
    kind: str = "reply"
    idempotency_key: str | None = None
    due_at: dt.datetime | None = None
    photo_id: str | None = None  # a resident's photo passed on (to the worker), the text as its caption


@dataclass
class Result:
    """What processing one inbound produced: sends for the outbox and an optional button toast."""

    outbounds: list[Outbound] = field(default_factory=list)
    toast: str | None = None
