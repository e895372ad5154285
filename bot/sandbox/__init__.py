"""Offline sandbox of the Telegram Bot API for end-to-end tests, ``gridbot demo`` and benchmarks.

Why: the real python-telegram-bot HTTP stack talks to a real (local) HTTP server, so
tests exercise request encoding, error mapping, polling and rate limiting exactly as in
production, without network access or a real bot token. Self-contained: imports nothing
from the rest of gridbot.

In-process (same event loop), e.g. a pytest fixture::

    @pytest.fixture
    async def sandbox():
        async with Sandbox() as sb:
            sb.add_user(1001, "张三")
            sb.add_chat(-100500, "幸福社区1网格")
            yield sb

    app = (ApplicationBuilder().token(sb.token).base_url(sb.base_url)
           .base_file_url(sb.base_file_url).build())
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        sb.send_message(-100500, 1001, "/start")
        reply = await sb.wait_for(lambda m: "欢迎" in m["text"], chat_id=-100500)
        sb.press_button(-100500, 1001, reply["message_id"], "ticket:1")
        await app.updater.stop()
        await app.stop()

Standalone, for a bot running in another process::

    python -m bot.sandbox --port 8081 --user 1001:张三 --chat=-100500:幸福社区1网格
    # point the bot at it: token 123456:SANDBOX, base_url http://127.0.0.1:8081/bot,
    # base_file_url http://127.0.0.1:8081/file/bot
    curl -d '{"chat_id": 1001, "user_id": 1001, "text": "/start"}' \\
         http://127.0.0.1:8081/_sandbox/send_message
    curl http://127.0.0.1:8081/_sandbox/bot_messages?chat_id=1001

Control endpoints (``/_sandbox/``): POST send_message, edit_message, press_button,
inject_update, add_chat, add_user, faults, wait_for_text, wait_until_consumed;
GET bot_messages?chat_id=, stats, calls, callback_answers, info.

Behaviour worth knowing:

* ``limits=True`` (or a :class:`Limits`) models Telegram's flood limits as leaky buckets,
  like PTB's ``AIORateLimiter``; see ``limits.py``.
* Privacy mode (``can_read_all_group_messages=False``): in groups only commands,
  mentions and replies to the bot are delivered.
* ``parse_mode`` is applied as Telegram does (recorded text is what users see), and
  malformed HTML/MarkdownV2 gets Telegram's "can't parse entities" 400.
* ``bot_messages()`` keeps deleted messages, flagged ``"deleted": True``.
* ``migrate_chat(old, new, user)`` upgrades a group to a supergroup as Telegram does: both
  service messages, and 400 with ``migrate_to_chat_id`` for any later request naming the old id.
"""

from .core import ApiError
from .faults import Fault, Faults
from .limits import Limits
from .server import Sandbox

__all__ = ["ApiError", "Fault", "Faults", "Limits", "Sandbox"]
