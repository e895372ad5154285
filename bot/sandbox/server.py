"""The in-process fake Telegram Bot API server (aiohttp) and its async test API.

Why: end-to-end tests, ``gridbot demo`` and benchmarks run the real PTB HTTP stack
against this server via ``base_url``, so no PTB internals are mocked. It runs in the
caller's event loop; see ``bot/sandbox/__init__.py`` for usage.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .control import add_control_routes
from .core import ApiError, too_many_requests
from .faults import Faults
from .limits import LIMITED_METHODS, Limits, RateLimiter
from .methods import METHODS
from .params import for_record, read_params
from .userside import UserSide
from .webhook import stop_pushing
from .world import World

log = logging.getLogger(__name__)
dumps = functools.partial(json.dumps, ensure_ascii=False)  # readable with curl


class Sandbox(UserSide):
    """A fake Bot API server plus helpers to act as users and inspect what the bot did."""

    def __init__(
        self,
        token: str = "123456:SANDBOX",
        bot_id: int | None = None,
        bot_username: str = "gridbot_sandbox_bot",
        bot_name: str = "网格助手",
        can_read_all_group_messages: bool = True,
        limits: bool | Limits = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        prefix = token.split(":", 1)[0]
        bot_id = bot_id if bot_id is not None else int(prefix) if prefix.isdigit() else 123456
        bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.token = token
        self.host = host
        self.port = port
        self.world = World(bot_user, can_read_all_group_messages)
        self.faults = Faults()
        chosen = Limits() if limits is True else limits or None
        self.limiter: RateLimiter | None = RateLimiter(chosen) if chosen else None
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, dict[str, Any], int, str]] = []
        self._runner: web.AppRunner | None = None

    # --- lifecycle -------------------------------------------------------------------
    async def start(self) -> Sandbox:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        self.world.closing = False
        return self

    async def stop(self) -> None:
        self.world.closing = True
        self.world.changed.fire()  # pending long polls return at once
        await stop_pushing(self.world)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self.world.bot)

    # --- HTTP ------------------------------------------------------------------------
    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            params, uploads = await read_params(request)
            self.calls.append((method, for_record(params, uploads)))
            self.world.stats["calls"] += 1
            result = await self._dispatch(request.match_info["token"], method, params, uploads)
        except ApiError as err:
            return self._fail(method, params, err)
        except Exception as exc:  # a sandbox bug must not look like a network glitch
            log.exception("sandbox failed on %s(%r)", method, params)
            return self._fail(method, params, ApiError(500, f"Internal Server Error: sandbox: {exc!r}"))
        return web.json_response({"ok": True, "result": result}, dumps=dumps)

    async def _dispatch(self, token: str, method: str, params: dict[str, Any], uploads: dict) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        fn = METHODS.get(method.lower())
        if fn is None:
            raise ApiError(404, "Not Found: method not found")
        fault = self.faults.take(method)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if (error := fault.error()) is not None:
                raise error
        chat = self._limited_chat(method, params)
        if chat is not None and self.limiter is not None:
            if (wait := self.limiter.retry_after(chat["id"], chat["type"])) is not None:
                self.world.stats["rate_limited"] += 1
                raise too_many_requests(wait)
        result = fn(self.world, params, uploads)
        if inspect.isawaitable(result):
            result = await result
        if chat is not None and self.limiter is not None:
            self.limiter.record(chat["id"], chat["type"])
        return result

    def _limited_chat(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if self.limiter is None or method.lower() not in LIMITED_METHODS:
            return None
        try:
            return self.world.resolve_chat(params.get("chat_id"))
        except ApiError:
            return None  # the method itself reports the bad chat

    def _fail(self, method: str, params: dict[str, Any], err: ApiError) -> web.Response:
        stats = self.world.stats
        stats["errors"] += 1
        stats[str(err.status)] += 1
        self.errors.append((method, params, err.status, err.description))
        self.world.changed.fire()
        if err.status >= 500 or err.status == 401:
            log.debug("sandbox %s -> %s %s", method, err.status, err.description)
        return web.json_response(err.payload(), status=err.status, dumps=dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        path = request.match_info["path"]
        for stored in self.world.files.values():
            if stored.path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    # --- inspection ------------------------------------------------------------------
    def bot_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Every message the bot sent (copies, current text/markup; deleted ones flagged)."""
        keys = self.world.bot_keys
        return [self.world.bot_message_view(k) for k in keys if chat_id is None or k[0] == chat_id]

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        return self.world.callback_answers

    @property
    def pending_updates(self) -> int:
        return len(self.world.updates)

    @property
    def stats(self) -> dict[str, int]:
        stats = {
            "calls": 0,
            "sent": 0,
            "edited": 0,
            "deleted": 0,
            "errors": 0,
            "429": 0,
            "500": 0,
            "rate_limited": 0,
            "updates": 0,
            "delivered": 0,
        }
        stats.update(self.world.stats)
        stats["pending_updates"] = self.pending_updates
        return stats

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        return (chat_id, message_id) in self.world.deleted

    def file_bytes(self, file_id: str) -> bytes:
        """Bytes of a stored file (e.g. a document the bot uploaded)."""
        return self.world.files[file_id].data

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """Commands the bot registered with setMyCommands for that scope."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return list(self.world.commands.get(key, []))

    # --- waiting ---------------------------------------------------------------------
    async def _until(self, check: Callable[[], Any], timeout: float, describe: Callable[[], str]) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            if loop.time() >= deadline:
                raise TimeoutError(describe())
            await self.world.changed.wait(deadline - loop.time())

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0, chat_id: int | None = None
    ) -> dict[str, Any]:
        """First bot message (sent or arriving, current state) matching ``predicate``.

        A predicate raising KeyError/TypeError/AttributeError (e.g. ``m["text"]`` on a photo)
        counts as "no match".
        """

        def check() -> dict[str, Any] | None:
            for key in self.world.bot_keys:
                if chat_id is not None and key[0] != chat_id:
                    continue
                try:
                    if predicate(self.world.bot_message_view(key, deep=False)):
                        return self.world.bot_message_view(key)
                except (KeyError, TypeError, AttributeError):
                    pass
            return None

        return await self._until(check, timeout, lambda: self.summary("no matching bot message", chat_id))

    async def wait_for_text(self, fragment: str, chat_id: int | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """First bot message whose text or caption contains ``fragment``."""
        return await self.wait_for(lambda m: fragment in (m.get("text") or m.get("caption") or ""), timeout, chat_id)

    async def wait_for_count(self, n: int, chat_id: int | None = None, timeout: float = 10.0) -> list[dict[str, Any]]:
        """All bot messages (in that chat) once there are at least ``n``."""

        def check() -> list[dict[str, Any]] | None:
            count = sum(1 for c, _ in self.world.bot_keys if chat_id is None or c == chat_id)
            return self.bot_messages(chat_id) if count >= n else None

        headline = f"fewer than {n} bot messages"
        return await self._until(check, timeout, lambda: self.summary(headline, chat_id))

    async def wait_until_consumed(self, timeout: float = 10.0) -> None:
        """Until the bot confirmed (getUpdates with a higher offset) every queued update."""
        await self._until(
            lambda: True if not self.world.updates else None,
            timeout,
            lambda: f"{self.pending_updates} updates still pending; {self.summary('', None)}",
        )

    def summary(self, headline: str, chat_id: int | None) -> str:
        """What the bot sent and which calls failed: the message of a failed wait."""
        msgs = self.bot_messages(chat_id)
        lines = [f"{headline} (chat_id={chat_id}); bot sent {len(msgs)} message(s):"]
        for m in msgs[-15:]:
            body = m.get("text") or m.get("caption") or "<media>"
            lines.append(f"  [{m['chat']['id']}#{m['message_id']}] {body[:100]!r}")
        if self.errors:
            lines.append(f"last failed calls ({len(self.errors)} total):")
            lines += [f"  {meth} -> {status} {desc}" for meth, _, status, desc in self.errors[-5:]]
        return "\n".join(lines)
