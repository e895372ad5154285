"""The Bot API method table plus the non-message methods (getMe, getUpdates, commands…).

Why: one lookup table (case-insensitive, like Telegram) keeps routing trivial, and
getUpdates is real long polling woken by the world's change signal, never a sleep loop.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from . import messaging as m
from .core import ApiError, bad_request
from .params import Upload, bool_param, int_param
from .world import World

UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
DEFAULT_ALLOWED = frozenset(UPDATE_TYPES) - {"chat_member", "message_reaction", "message_reaction_count"}
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
)


def get_me(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return dict(w.bot)


async def get_updates(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    if w.webhook.get("url"):
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    w.poll_generation += 1
    generation = w.poll_generation
    w.changed.fire()  # an older long poll wakes up and ends with 409, as on Telegram
    offset = int_param(p, "offset")
    limit = min(max(int_param(p, "limit", 100) or 100, 1), 100)
    timeout = max(int_param(p, "timeout", 0) or 0, 0)
    allowed = p.get("allowed_updates")
    if isinstance(allowed, list):
        w.allowed_updates = set(allowed) or None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        w.confirm(offset)
        batch = _deliverable(w, limit)
        if batch or w.closing or loop.time() >= deadline:
            w.stats["delivered"] += len(batch)
            return batch
        await w.changed.wait(deadline - loop.time())
        if w.poll_generation != generation:
            raise ApiError(
                409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
            )


def _deliverable(w: World, limit: int) -> list[dict[str, Any]]:
    """Pending updates the bot asked for; updates of unwanted types are dropped, as Telegram does."""
    allowed = w.allowed_updates or DEFAULT_ALLOWED
    before = len(w.updates)
    kept, batch = [], []
    for update in w.updates:
        kinds = [k for k in update if k in UPDATE_TYPES]
        if kinds and not any(k in allowed for k in kinds):
            continue
        kept.append(update)
        if len(batch) < limit:
            batch.append(update)
    # ids that no offset can ever confirm (malformed injections) are delivered only once
    sent = {id(u) for u in batch}
    w.updates = [u for u in kept if isinstance(u.get("update_id"), int) or id(u) not in sent]
    if len(w.updates) != before:
        w.changed.fire()
    return batch


def _commands_key(p: dict[str, Any]) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")


def set_my_commands(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    commands = p.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for cmd in commands:
        if not isinstance(cmd, dict) or not _COMMAND.match(str(cmd.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(cmd.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    w.commands[_commands_key(p)] = [dict(c) for c in commands]
    return True


def get_my_commands(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return list(w.commands.get(_commands_key(p), []))


def delete_my_commands(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    w.commands.pop(_commands_key(p), None)
    return True


def set_webhook(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    from .webhook import start_pushing

    w.webhook = {"url": str(p.get("url") or ""), "secret_token": str(p.get("secret_token") or "")}
    if bool_param(p, "drop_pending_updates"):
        w.updates.clear()
    if w.webhook["url"]:
        start_pushing(w)
    return True


def delete_webhook(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    w.webhook = {}
    if bool_param(p, "drop_pending_updates"):
        w.updates.clear()
        w.changed.fire()
    return True


def get_webhook_info(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    info: dict[str, Any] = {
        "url": w.webhook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(w.updates),
    }
    if w.allowed_updates:
        info["allowed_updates"] = sorted(w.allowed_updates)
    return info


def get_chat(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = dict(w.resolve_chat(p.get("chat_id")))
    gifts = {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    }
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


def member_dict(w: World, chat_id: int, user_id: int) -> dict[str, Any]:
    user = w.bot_sender if user_id == w.bot["id"] else w.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    status = w.members.get((chat_id, user_id), "member")
    member: dict[str, Any] = {"status": status, "user": dict(user)}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update({k: True for k in _ADMIN_RIGHTS})
        member.update(
            {
                k: False
                for k in (
                    "can_be_edited",
                    "is_anonymous",
                    "can_promote_members",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                )
            }
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


def get_chat_member(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = w.resolve_chat(p.get("chat_id"))
    return member_dict(w, chat["id"], int_param(p, "user_id") or 0)


def get_chat_administrators(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = w.resolve_chat(p.get("chat_id"))
    ids = [u for (c, u), s in w.members.items() if c == chat["id"] and s in ("creator", "administrator")]
    return [member_dict(w, chat["id"], u) for u in ids]


def _true(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    return True


METHODS = {
    name.lower(): fn
    for name, fn in {
        "getMe": get_me,
        "getUpdates": get_updates,
        "sendMessage": m.send_message,
        "sendPhoto": m.send_photo,
        "sendDocument": m.send_document,
        "editMessageText": m.edit_message_text,
        "editMessageCaption": m.edit_message_caption,
        "editMessageReplyMarkup": m.edit_message_reply_markup,
        "deleteMessage": m.delete_message,
        "answerCallbackQuery": m.answer_callback_query,
        "getFile": m.get_file,
        "sendChatAction": m.send_chat_action,
        "setMyCommands": set_my_commands,
        "getMyCommands": get_my_commands,
        "deleteMyCommands": delete_my_commands,
        "setWebhook": set_webhook,
        "deleteWebhook": delete_webhook,
        "getWebhookInfo": get_webhook_info,
        "getChat": get_chat,
        "getChatMember": get_chat_member,
        "getChatAdministrators": get_chat_administrators,
        "logOut": _true,
        "close": _true,
    }.items()
}
