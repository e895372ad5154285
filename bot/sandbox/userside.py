"""The people side of the sandbox: users write, edit and press buttons; updates get queued.

Why: end-to-end tests must drive a bot exactly as Telegram users would, producing the
same update shapes (entities, reply_to_message, callback queries, privacy mode), so
the bot under test cannot tell the sandbox from the real service.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from .markup import auto_entities
from .world import ANONYMOUS_ADMIN, CHANNEL_BOT, World, tiny_png


class UserSide:
    """Mixin of :class:`~bot.sandbox.server.Sandbox`: the synchronous "user" API."""

    world: World

    def add_chat(
        self, chat_id: int, title: str | None = None, type: str = "supergroup", username: str | None = None
    ) -> dict[str, Any]:
        """Register a group, supergroup or channel (private chats come from ``add_user``)."""
        if type == "private":
            raise ValueError("private chats are implicit: use add_user(user_id, ...)")
        chat: dict[str, Any] = {"id": chat_id, "type": type, "title": title or f"Chat {chat_id}"}
        if username:
            chat["username"] = username
        self.world.chats[chat_id] = chat
        return dict(chat)

    def migrate_chat(self, chat_id: int, new_chat_id: int, user_id: int) -> dict[str, Any]:
        """Telegram's group → supergroup upgrade by ``user_id``: the group lives on under ``new_chat_id``, the old
        id is dead (every request naming it gets 400 with ``migrate_to_chat_id``), and each chat gets its service
        message (``migrate_to_chat_id`` in the old one, ``migrate_from_chat_id`` in the new one)."""
        w = self.world
        self._check_chat(chat_id, user_id)
        new = self.add_chat(new_chat_id, w.chats[chat_id]["title"], "supergroup")
        sender = self._sender(user_id)
        notes = ((chat_id, {"migrate_to_chat_id": new_chat_id}), (new_chat_id, {"migrate_from_chat_id": chat_id}))
        for chat, content in notes:
            w.queue_update({"message": copy.deepcopy(w.new_message(chat, sender, content))})
        w.migrated[chat_id] = new_chat_id
        return new

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        is_bot: bool = False,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
        extra = {"last_name": last_name, "username": username, "language_code": language_code}
        user.update({k: v for k, v in extra.items() if v})
        self.world.users[user_id] = user
        return dict(user)

    def set_member(self, chat_id: int, user_id: int, status: str = "member") -> None:
        """Status getChatMember reports: creator, administrator, member, left or kicked."""
        if status not in ("creator", "administrator", "member", "left", "kicked"):
            raise ValueError(f"unsupported member status {status!r}")
        self.world.members[(chat_id, user_id)] = status

    def block(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks the bot: sends to them get 403 "bot was blocked by the user"."""
        (self.world.blocked.add if blocked else self.world.blocked.discard)(user_id)

    def _sender(self, user_id: int) -> dict[str, Any]:
        if user_id not in self.world.users:
            self.add_user(user_id, f"User{user_id}")
        return self.world.users[user_id]

    def _check_chat(self, chat_id: int, user_id: int) -> None:
        if chat_id != user_id and chat_id not in self.world.chats:
            raise ValueError(f"unknown chat {chat_id}: call add_chat() first (private chat = user id)")
        if chat_id in self.world.migrated:
            raise ValueError(f"chat {chat_id} was upgraded to {self.world.migrated[chat_id]}: write there")

    def _visible(self, msg: dict[str, Any]) -> bool:
        """Privacy mode: in groups the bot only sees commands, mentions and replies to it."""
        w = self.world
        if msg["chat"]["type"] == "private" or w.can_read_all_group_messages:
            return True
        text = msg.get("text") or msg.get("caption") or ""
        replied = msg.get("reply_to_message", {}).get("from", {}).get("id")
        return text.startswith("/") or f"@{w.bot.get('username')}" in text or replied == w.bot["id"]

    def send_message(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        photo: bool = False,
        caption: str | None = None,
        sticker: bool = False,
        voice: bool = False,
        sender_chat_id: int | None = None,
    ) -> dict[str, Any]:
        """A user writes; returns the Message dict and queues a ``message`` update if the bot can see it."""
        self._check_chat(chat_id, user_id)
        w = self.world
        sender = self._sender(user_id)
        content: dict[str, Any] = {}
        if text is not None:
            if photo or sticker or voice:
                raise ValueError("media messages take caption=, not text=")
            content["text"] = text
            if entities := auto_entities(text):
                content["entities"] = entities
        if photo:
            content["photo"] = w.photo_sizes(w.add_file(tiny_png(), "photos", "png"))
        if sticker:
            f = w.add_file(b"RIFF\x00\x00\x00\x00WEBP", "stickers", "webp")
            content["sticker"] = {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
                "file_size": len(f.data),
            }
        if voice:
            f = w.add_file(b"OggS\x00\x02" + b"\x00" * 20, "voice", "oga")
            content["voice"] = {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": len(f.data),
            }
        if caption is not None:
            content["caption"] = caption
            if entities := auto_entities(caption):
                content["caption_entities"] = entities
        if not content:
            raise ValueError("nothing to send: give text, photo, sticker or voice")
        sender_chat = None
        if sender_chat_id is not None:
            sender_chat = w.chat(sender_chat_id)
            sender = ANONYMOUS_ADMIN if sender_chat_id == chat_id else CHANNEL_BOT
        msg = w.new_message(chat_id, sender, content, reply_to=reply_to, sender_chat=sender_chat)
        if self._visible(msg):
            w.queue_update({"message": copy.deepcopy(msg)})
        return copy.deepcopy(msg)

    def edit_message(self, chat_id: int, message_id: int, new_text: str) -> dict[str, Any]:
        """A user edits their own message; queues an ``edited_message`` update."""
        w = self.world
        msg = w.get_message(chat_id, message_id)
        if msg is None or msg["from"]["id"] == w.bot["id"]:
            raise ValueError(f"no user message {message_id} in chat {chat_id}")
        field = "text" if "text" in msg else "caption"
        msg[field] = new_text
        msg.pop("entities" if field == "text" else "caption_entities", None)
        if entities := auto_entities(new_text):
            msg["entities" if field == "text" else "caption_entities"] = entities
        msg["edit_date"] = max(int(time.time()), msg["date"])
        if self._visible(msg):
            w.queue_update({"edited_message": copy.deepcopy(msg)})
        return copy.deepcopy(msg)

    def press_button(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """A user presses an inline button with ``callback_data == data``; returns the query id."""
        self._check_chat(chat_id, user_id)
        w = self.world
        msg = w.get_message(chat_id, message_id)
        if msg is None or msg["from"]["id"] != w.bot["id"]:
            raise ValueError(f"no bot message {message_id} in chat {chat_id}")
        rows = msg.get("reply_markup", {}).get("inline_keyboard", [])
        offered = [b.get("callback_data") for row in rows for b in row if "callback_data" in b]
        if data not in offered:
            raise ValueError(f"message {message_id} has no button with callback_data={data!r}; it offers {offered}")
        query = {
            "id": w.next_callback_id(),
            "from": dict(self._sender(user_id)),
            "message": copy.deepcopy(msg),
            "chat_instance": str(abs(chat_id) * 7919 % 10**12),
            "data": data,
        }
        w.callbacks[query["id"]] = query
        w.queue_update({"callback_query": copy.deepcopy(query)})
        return query["id"]

    def inject_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update as given (may be malformed); ``update_id`` is assigned if missing.

        Telegram never reuses a message id in a chat: later messages there get ids past the injected one.
        """
        for value in update.values():
            chat = value.get("chat") if isinstance(value, dict) else None
            mid = value.get("message_id") if isinstance(value, dict) else None
            if isinstance(chat, dict) and isinstance(chat.get("id"), int) and type(mid) is int and mid < 2**31:
                self.world.reserve_message_id(chat["id"], mid)
        return self.world.queue_update(copy.deepcopy(update))
