"""The sandbox's state: users, chats, messages, files and the update queue.

Why: both sides (the bot over HTTP, the test as "users") act on one consistent world,
so message ids are per chat and shared by users and the bot, replies embed the real
replied-to message, and every update is built from the same user/chat dicts.
"""

from __future__ import annotations

import copy
import itertools
import struct
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .core import ApiError, Signal, bad_request, forbidden

ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}


def tiny_png() -> bytes:
    """A valid 1x1 PNG, so downloaded "photos" really are images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    path: str
    data: bytes

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.path,
        }


class World:
    """Everything the sandbox knows; mutated by the Bot API methods and the user-side API."""

    def __init__(self, bot_user: dict[str, Any], can_read_all_group_messages: bool) -> None:
        self.bot = bot_user  # the getMe answer
        self.bot_sender = {k: bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        self.can_read_all_group_messages = can_read_all_group_messages
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}  # non-private chats
        self.migrated: dict[int, int] = {}  # groups upgraded to a supergroup: old id → new id
        self.blocked: set[int] = set()
        self.members: dict[tuple[int, int], str] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.deleted: set[tuple[int, int]] = set()
        self.bot_keys: list[tuple[int, int]] = []
        self.markups: dict[tuple[int, int], Any] = {}  # raw reply_markup of bot messages
        self.files: dict[str, StoredFile] = {}
        self.updates: list[dict[str, Any]] = []
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.answered: set[str] = set()
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] = {}
        self.webhook_task: Any = None  # the pusher (webhook.py) while a webhook is set
        self.webhook_answers: list[int] = []  # the HTTP status of every webhook post (0: no answer)
        self.allowed_updates: set[str] | None = None
        self.poll_generation = 0
        self.closing = False
        self.stats: Counter[str] = Counter()
        self.changed = Signal()
        self._next_update_id = 1
        self._next_mid: dict[int, int] = {}
        self._ids = itertools.count(1)

    # --- users and chats -------------------------------------------------------------
    def user(self, user_id: int) -> dict[str, Any]:
        return self.users[user_id]

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The Chat dict for ``chat_id``; a private chat is derived from its user."""
        if chat_id in self.chats:
            return self.chats[chat_id]
        user = self.users.get(chat_id)
        if user is None:
            raise KeyError(chat_id)
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def resolve_chat(self, chat_id: Any, *, sending: bool = False) -> dict[str, Any]:
        """The chat a bot request addresses, or Telegram's error for it."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username", "").lower() == chat_id[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            chat = self.chat(int(chat_id))
        except (KeyError, ValueError, TypeError):
            raise bad_request("chat not found") from None
        if chat["id"] in self.migrated:  # Telegram's answer for a group's old id, naming the new one
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat["id"]]},
            )
        if sending and chat["type"] == "private":
            if self.users[chat["id"]].get("is_bot"):
                raise forbidden("bot can't send messages to bots")
            if chat["id"] in self.blocked:
                raise forbidden("bot was blocked by the user")
        return chat

    # --- messages --------------------------------------------------------------------
    def get_message(self, chat_id: int, message_id: Any) -> dict[str, Any] | None:
        """A live (not deleted) message, or None."""
        try:
            key = (chat_id, int(message_id))
        except (TypeError, ValueError):
            return None
        return None if key in self.deleted else self.messages.get(key)

    def reserve_message_id(self, chat_id: int, message_id: int) -> None:
        """Ids up to `message_id` are taken in this chat (a raw update carried it)."""
        self._next_mid[chat_id] = max(self._next_mid.get(chat_id, 1), message_id + 1)

    def new_message(
        self,
        chat_id: int,
        sender: dict[str, Any],
        content: dict[str, Any],
        *,
        reply_to: int | None = None,
        sender_chat: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a message with the next id in its chat; embeds the replied-to message if it is alive."""
        mid = self._next_mid.get(chat_id, 1)
        self._next_mid[chat_id] = mid + 1
        msg: dict[str, Any] = {"message_id": mid, "from": dict(sender)}
        if sender_chat is not None:
            msg["sender_chat"] = dict(sender_chat)
        msg["chat"] = dict(self.chat(chat_id))
        msg["date"] = int(time.time())
        if reply_to is not None:
            target = self.get_message(chat_id, reply_to)
            if target is not None:
                msg["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        msg.update(content)
        self.messages[(chat_id, mid)] = msg
        return msg

    def bot_message_view(self, key: tuple[int, int], deep: bool = True) -> dict[str, Any]:
        """A copy of a bot message with its current reply_markup (any kind) and a deleted flag.

        ``deep=False`` gives a cheap shallow copy for scanning (must not be mutated).
        """
        view = copy.deepcopy(self.messages[key]) if deep else dict(self.messages[key])
        if self.markups.get(key) is not None:
            view["reply_markup"] = copy.deepcopy(self.markups[key]) if deep else self.markups[key]
        if key in self.deleted:
            view["deleted"] = True
        return view

    # --- files -----------------------------------------------------------------------
    def add_file(self, data: bytes, folder: str, ext: str) -> StoredFile:
        n = next(self._ids)
        stored = StoredFile(f"SBX{n:06d}{folder[:3].upper()}", f"sbxu{n}", f"{folder}/file_{n}.{ext}", data)
        self.files[stored.file_id] = stored
        return stored

    def photo_sizes(self, stored: StoredFile) -> list[dict[str, Any]]:
        base = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.data)}
        thumb = {**base, "file_id": stored.file_id + "_s", "file_unique_id": stored.file_unique_id + "s"}
        self.files[thumb["file_id"]] = StoredFile(thumb["file_id"], thumb["file_unique_id"], stored.path, stored.data)
        return [{**thumb, "width": 90, "height": 90}, {**base, "width": 800, "height": 600}]

    # --- updates ---------------------------------------------------------------------
    def queue_update(self, update: dict[str, Any]) -> int:
        """Append an update, assigning ``update_id`` when missing; wakes long polls."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        if isinstance(update["update_id"], int):
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self.updates.append(update)
        self.stats["updates"] += 1
        self.changed.fire()
        return update["update_id"]

    def confirm(self, offset: int | None) -> None:
        """Forget updates before ``offset`` (negative: keep only the last ``-offset``)."""
        if offset is None:
            return
        before = len(self.updates)
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if not _id_below(u, offset)]
        if len(self.updates) != before:
            self.changed.fire()

    def next_callback_id(self) -> str:
        return f"{self.bot['id']}{next(self._ids):010d}"


def _id_below(update: dict[str, Any], offset: int) -> bool:
    uid = update.get("update_id")
    return isinstance(uid, int) and uid < offset
