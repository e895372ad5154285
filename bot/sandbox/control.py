"""HTTP control API under ``/_sandbox/``: drive the sandbox from another process.

Why: a bot started as a subprocess (``gridbot run`` against the sandbox) cannot share
the Python object, so tests and the demo act as users and inspect results over HTTP.
Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "description": ...}``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import Sandbox

_dumps = functools.partial(json.dumps, ensure_ascii=False)
Handler = Callable[[web.Request], Awaitable[web.Response]]


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result}, dumps=_dumps)


def _wrap(action: Callable[[web.Request, dict[str, Any]], Any]) -> Handler:
    """JSON body (or query string) in, result out; bad input becomes a 400."""

    async def handler(request: web.Request) -> web.Response:
        body: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            try:
                body.update(await request.json())
            except (ValueError, TypeError):
                error = {"ok": False, "description": "body must be a JSON object"}
                return web.json_response(error, status=400)
        try:
            result = action(request, body)
            if isinstance(result, Awaitable):
                result = await result
        except (ValueError, TypeError, KeyError, TimeoutError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return _ok(result)

    return handler


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def add_control_routes(app: web.Application, sb: Sandbox) -> None:
    """Mount the control endpoints for ``sb`` on ``app``."""

    def send_message(_: web.Request, b: dict[str, Any]) -> Any:
        return sb.send_message(
            int(b["chat_id"]),
            int(b["user_id"]),
            b.get("text"),
            reply_to=_int(b.get("reply_to")),
            photo=bool(b.get("photo")),
            caption=b.get("caption"),
            sticker=bool(b.get("sticker")),
            voice=bool(b.get("voice")),
            sender_chat_id=_int(b.get("sender_chat_id")),
        )

    def faults(_: web.Request, b: dict[str, Any]) -> Any:
        if b.get("clear"):
            sb.faults.clear()
            return True
        sb.faults.add(
            b.get("method"),
            int(b.get("status", 500)),
            count=int(b.get("count", 1)),
            retry_after=_int(b.get("retry_after")),
            delay=float(b.get("delay", 0.0)),
            description=b.get("description"),
        )
        return True

    routes: dict[str, Callable[[web.Request, dict[str, Any]], Any]] = {
        "send_message": send_message,
        "edit_message": lambda _, b: sb.edit_message(int(b["chat_id"]), int(b["message_id"]), b["text"]),
        "press_button": lambda _, b: sb.press_button(
            int(b["chat_id"]), int(b["user_id"]), int(b["message_id"]), str(b["data"])
        ),
        "inject_update": lambda _, b: sb.inject_update(b.get("update", b)),
        "add_chat": lambda _, b: sb.add_chat(
            int(b["chat_id"]), b.get("title"), b.get("type", "supergroup"), b.get("username")
        ),
        "add_user": lambda _, b: sb.add_user(
            int(b["user_id"]), b["first_name"], b.get("last_name"), b.get("username"), bool(b.get("is_bot", False))
        ),
        "faults": faults,
        "wait_for_text": lambda _, b: sb.wait_for_text(
            b["text"], _int(b.get("chat_id")), float(b.get("timeout", 10.0))
        ),
        "wait_until_consumed": lambda _, b: sb.wait_until_consumed(float(b.get("timeout", 10.0))),
    }
    for name, action in routes.items():
        app.router.add_post(f"/_sandbox/{name}", _wrap(action))
    getters: dict[str, Callable[[web.Request, dict[str, Any]], Any]] = {
        "bot_messages": lambda _, b: sb.bot_messages(_int(b.get("chat_id"))),
        "stats": lambda _, b: sb.stats,
        "calls": lambda _, b: [[m, p] for m, p in sb.calls],
        "callback_answers": lambda _, b: sb.callback_answers,
        "info": lambda _, b: {
            "base_url": sb.base_url,
            "base_file_url": sb.base_file_url,
            "token": sb.token,
            "bot": sb.bot_user,
        },
    }
    for name, action in getters.items():
        app.router.add_get(f"/_sandbox/{name}", _wrap(action))
