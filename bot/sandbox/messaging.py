"""Bot API methods that create or change messages: send, edit, delete, callbacks, files.

Why: these are where bots go wrong in production (empty or too long text, bad markup,
stale message ids, 64-byte callback data), so each check mirrors Telegram's answer.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from .core import bad_request
from .markup import format_text, utf16_len
from .params import Upload, bool_param, int_param
from .world import World

_TEXT_BUTTON = "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _check_markup(markup: Any) -> Any:
    """Validate reply_markup; returns it (inline keyboards are checked button by button)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request(_TEXT_BUTTON)
        if not any(k in button for k in _BUTTON_ACTIONS):
            raise bad_request(_TEXT_BUTTON)
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _text(p: dict[str, Any], field: str, limit: int, entities_field: str, find_user: Any = None) -> tuple[str, list]:
    raw = p.get(field)
    if raw is None or not str(raw).strip():
        raise bad_request("message text is empty")
    text, entities = format_text(str(raw), p.get("parse_mode"), p.get(entities_field), find_user)
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        raise bad_request("message is too long" if field == "text" else "message caption is too long")
    return text, entities


def _send(w: World, p: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    """Store a bot message in the addressed chat, honouring replies and reply_markup."""
    chat = w.resolve_chat(p.get("chat_id"), sending=True)
    markup = _check_markup(p.get("reply_markup"))
    reply = p.get("reply_parameters") if isinstance(p.get("reply_parameters"), dict) else {}
    reply_to = int_param(p, "reply_to_message_id") or int_param(reply, "message_id")
    if reply_to is not None and w.get_message(chat["id"], reply_to) is None:
        if not any(bool_param(x, "allow_sending_without_reply") for x in (p, reply)):
            raise bad_request("message to be replied not found")
    if markup is not None and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    msg = w.new_message(chat["id"], w.bot_sender, content, reply_to=reply_to)
    key = (chat["id"], msg["message_id"])
    w.bot_keys.append(key)
    w.markups[key] = markup
    w.stats["sent"] += 1
    w.changed.fire()
    return copy.deepcopy(msg)


def send_message(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    w.resolve_chat(p.get("chat_id"), sending=True)
    text, entities = _text(p, "text", 4096, "entities", w.users.get)
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return _send(w, p, content)


def _media(w: World, p: dict[str, Any], up: dict[str, Upload], field: str, folder: str, ext: str):
    """Resolve an uploaded file, a known file_id or a URL into a stored file."""
    value = p.get(field)
    if isinstance(value, str) and value.startswith("attach://"):
        value = up.get(value.removeprefix("attach://"))
    value = up.get(field, value)
    if isinstance(value, Upload):
        return w.add_file(value.data, folder, ext), value
    if isinstance(value, str) and value in w.files:
        return w.files[value], None
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return w.add_file(b"", folder, ext), None
    raise bad_request("wrong file identifier/HTTP URL specified")


def _caption(p: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    if p.get("caption"):
        text, entities = _text(p, "caption", 1024, "caption_entities")
        content["caption"] = text
        if entities:
            content["caption_entities"] = entities
    return content


def send_photo(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    w.resolve_chat(p.get("chat_id"), sending=True)
    stored, _ = _media(w, p, up, "photo", "photos", "jpg")
    return _send(w, p, _caption(p, {"photo": w.photo_sizes(stored)}))


def send_document(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    w.resolve_chat(p.get("chat_id"), sending=True)
    stored, upload = _media(w, p, up, "document", "documents", "bin")
    doc = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.data)}
    if upload is not None:
        doc["file_name"] = upload.filename
        doc["mime_type"] = upload.content_type
    return _send(w, p, _caption(p, {"document": doc}))


def _bot_message(w: World, p: dict[str, Any], verb: str) -> tuple[tuple[int, int], dict[str, Any]]:
    if p.get("inline_message_id"):
        raise bad_request(f"message to {verb} not found")
    chat = w.resolve_chat(p.get("chat_id"))
    msg = w.get_message(chat["id"], p.get("message_id"))
    if msg is None:
        raise bad_request(f"message to {verb} not found")
    if msg["from"]["id"] != w.bot["id"]:
        raise bad_request(f"message can't be {'edited' if verb == 'edit' else 'deleted'}")
    return (chat["id"], msg["message_id"]), msg


def _apply_edit(
    w: World, key: tuple[int, int], msg: dict[str, Any], changes: dict[str, Any], markup: Any
) -> dict[str, Any]:
    inline = markup if markup is not None and "inline_keyboard" in markup else None
    same = all((msg.get(k) or None) == (v or None) for k, v in changes.items())
    if same and msg.get("reply_markup") == inline:
        raise bad_request(NOT_MODIFIED)
    for k, v in changes.items():
        if v:
            msg[k] = v
        else:
            msg.pop(k, None)
    if inline is None:
        msg.pop("reply_markup", None)
    else:
        msg["reply_markup"] = inline
    w.markups[key] = markup
    msg["edit_date"] = max(int(time.time()), msg["date"])
    w.stats["edited"] += 1
    w.changed.fire()
    return copy.deepcopy(msg)


def edit_message_text(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    key, msg = _bot_message(w, p, "edit")
    if "text" not in msg:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(p, "text", 4096, "entities", w.users.get)
    return _apply_edit(w, key, msg, {"text": text, "entities": entities}, _check_markup(p.get("reply_markup")))


def edit_message_caption(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    key, msg = _bot_message(w, p, "edit")
    if "text" in msg:
        raise bad_request("there is no caption in the message to edit")
    content = _caption(p, {})
    return _apply_edit(
        w,
        key,
        msg,
        {"caption": content.get("caption"), "caption_entities": content.get("caption_entities")},
        _check_markup(p.get("reply_markup")),
    )


def edit_message_reply_markup(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    key, msg = _bot_message(w, p, "edit")
    return _apply_edit(w, key, msg, {}, _check_markup(p.get("reply_markup")))


def delete_message(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    chat = w.resolve_chat(p.get("chat_id"))
    msg = w.get_message(chat["id"], p.get("message_id"))
    if msg is None:
        raise bad_request("message to delete not found")
    w.deleted.add((chat["id"], msg["message_id"]))
    w.stats["deleted"] += 1
    w.changed.fire()
    return True


def answer_callback_query(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    query_id = str(p.get("callback_query_id", ""))
    if query_id not in w.callbacks or query_id in w.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    w.answered.add(query_id)
    w.callback_answers.append(dict(p))
    w.changed.fire()
    return True


def get_file(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    stored = w.files.get(str(p.get("file_id", "")))
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.as_file()


def send_chat_action(w: World, p: dict[str, Any], up: dict[str, Upload]) -> Any:
    w.resolve_chat(p.get("chat_id"), sending=True)
    if p.get("action") not in _ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True
