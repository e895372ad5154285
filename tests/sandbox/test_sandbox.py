"""End-to-end tests of the sandbox Bot API through python-telegram-bot's real HTTP stack."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import time

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox import Limits, Sandbox

USER = 1001
# PTB 22 warns when RetryAfter.retry_after is read as int; the value is what we check
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
GROUP = -100500


@pytest.fixture
async def sb():
    async with Sandbox() as sandbox:
        sandbox.add_user(USER, "张三", username="zhangsan")
        sandbox.add_chat(GROUP, "幸福社区1网格")
        yield sandbox


@pytest.fixture
async def bot(sb):
    async with Bot(sb.token, base_url=sb.base_url, base_file_url=sb.base_file_url) as b:
        yield b


@contextlib.asynccontextmanager
async def running(app):
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def seconds(retry_after) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.upper(), callback_data=d) for d in data]])


async def test_get_me(sb, bot):
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name) == (123456, "gridbot_sandbox_bot", "网格助手")
    assert me.is_bot and me.can_read_all_group_messages and me.can_join_groups
    assert me.api_kwargs == {}


async def test_long_poll_wakes_on_new_message(sb, bot):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    sb.send_message(GROUP, USER, "/report@gridbot_sandbox_bot 楼道堆物 😀")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    msg = updates[0].message
    assert msg.chat.title == "幸福社区1网格" and msg.chat.type == "supergroup"
    assert msg.from_user.first_name == "张三" and isinstance(msg.date, dtm.datetime)
    assert msg.entities[0].type == "bot_command" and msg.entities[0].length == 27
    assert msg.parse_entities() == {msg.entities[0]: "/report@gridbot_sandbox_bot"}


async def test_offset_confirms_and_drops(sb, bot):
    for text in ("一", "二", "三"):
        sb.send_message(USER, USER, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["一", "二"]
    again = await bot.get_updates()
    assert [u.message.text for u in again] == ["一", "二", "三"]  # not confirmed yet: re-delivered
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["三"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert sb.pending_updates == 0
    await sb.wait_until_consumed(timeout=0.1)
    assert [m.message_id for m in (u.message for u in first + rest)] == [1, 2, 3]


async def test_send_message_with_keyboard_is_recorded(sb, bot):
    sent = await bot.send_message(GROUP, "<b>请选择</b> 处理方式", parse_mode="HTML",
                                  reply_markup=keyboard("accept", "reject"))
    assert sent.text == "请选择 处理方式" and sent.entities[0].type == "bold"
    assert sent.from_user.id == 123456 and sent.chat.id == GROUP
    link = f'请 <a href="tg://user?id={USER}">张三</a> 处理'
    mention = await bot.send_message(GROUP, link, parse_mode="HTML")
    assert mention.entities[0].type == "text_mention" and mention.entities[0].user.first_name == "张三"
    assert [b.callback_data for b in sent.reply_markup.inline_keyboard[0]] == ["accept", "reject"]
    recorded = sb.bot_messages(GROUP)[0]
    assert recorded["text"] == "请选择 处理方式"
    assert recorded["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "reject"
    assert sb.calls[-1][0] == "sendMessage" and sb.calls[-1][1]["chat_id"] == GROUP
    assert sb.stats["sent"] == 2 and sb.bot_messages(USER) == []


async def test_reply_to_both_directions(sb, bot):
    question = sb.send_message(GROUP, USER, "电梯坏了")
    answer = await bot.send_message(GROUP, "收到", reply_parameters=ReplyParameters(question["message_id"]))
    assert answer.reply_to_message.text == "电梯坏了" and answer.message_id == 2
    async with aiohttp.ClientSession() as http:  # the legacy reply_to_message_id parameter
        resp = await http.post(f"{sb.base_url}{sb.token}/sendMessage",
                               data={"chat_id": str(GROUP), "text": "好的", "reply_to_message_id": "1"})
        assert (await resp.json())["result"]["reply_to_message"]["message_id"] == 1
    follow_up = sb.send_message(GROUP, USER, "谢谢", reply_to=answer.message_id)
    assert follow_up["reply_to_message"]["from"]["id"] == 123456
    assert "reply_to_message" not in follow_up["reply_to_message"]  # one level deep, like Telegram
    await bot.delete_message(GROUP, answer.message_id)
    assert sb.is_deleted(GROUP, answer.message_id)
    assert "reply_to_message" not in sb.send_message(GROUP, USER, "?", reply_to=answer.message_id)
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(GROUP, "x", reply_to_message_id=999)
    updates = await bot.get_updates()
    assert updates[1].message.reply_to_message.from_user.id == 123456


async def test_application_echo_and_callback(sb):
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"echo: {update.message.text}", reply_markup=keyboard("ok"))

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer(f"pressed {update.callback_query.data}")
        await update.callback_query.edit_message_text("done")

    app = ApplicationBuilder().token(sb.token).base_url(sb.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(button))
    async with running(app):
        sb.send_message(USER, USER, "你好")
        reply = await sb.wait_for(lambda m: m["text"] == "echo: 你好", chat_id=USER, timeout=3)
        with pytest.raises(ValueError, match="no button"):
            sb.press_button(USER, USER, reply["message_id"], "nope")
        query_id = sb.press_button(USER, USER, reply["message_id"], "ok")
        await sb.wait_for(lambda m: m["text"] == "done", timeout=3)
        await sb.wait_until_consumed(timeout=3)
    assert sb.callback_answers == [{"callback_query_id": query_id, "text": "pressed ok"}]
    [final] = sb.bot_messages(USER)
    assert final["text"] == "done" and "reply_markup" not in final  # editing without markup drops it


async def test_edit_message_text(sb, bot):
    sent = await bot.send_message(GROUP, "待处理", reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("已处理", GROUP, sent.message_id, reply_markup=keyboard("b"))
    assert edited.text == "已处理" and edited.edit_date is not None
    assert sb.bot_messages(GROUP)[0]["text"] == "已处理"
    assert sb.bot_messages(GROUP)[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("已处理", GROUP, sent.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", GROUP, 42)
    user_msg = sb.send_message(GROUP, USER, "原文")
    with pytest.raises(BadRequest, match="(?i)message can't be edited"):
        await bot.edit_message_text("x", GROUP, user_msg["message_id"])
    sb.edit_message(GROUP, user_msg["message_id"], "改过")
    updates = await bot.get_updates()
    assert updates[-1].edited_message.text == "改过"


async def test_errors_map_to_ptb_exceptions(sb, bot):
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(GROUP, "   ")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(GROUP, "字" * 4097)
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(-100999, "hi")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(GROUP, "<b>未闭合", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)character '.' is reserved"):
        await bot.send_message(GROUP, "1.5 元", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(GROUP, "x", reply_markup=keyboard("长" * 30))
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("报事", "中文命令无效")])
    sb.block(USER)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(USER, "hi")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=sb.base_url) as wrong:
            await wrong.get_me()
    assert sb.stats["errors"] == 11 and sb.stats["sent"] == 0
    assert sb.errors[0][2:] == (400, "Bad Request: message text is empty")


async def test_faults(sb, bot):
    sb.faults.add("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(GROUP, "hi")
    assert seconds(info.value.retry_after) == 7
    sb.faults.add(status=500, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as err:
            await bot.get_me()
        assert not isinstance(err.value, BadRequest)
    assert (await bot.send_message(GROUP, "ok")).text == "ok"
    sb.faults.add("getMe", 200, delay=0.3)
    started = time.monotonic()
    assert (await bot.get_me()).id == 123456
    assert time.monotonic() - started >= 0.3
    sb.faults.add("sendMessage", 502, count=-1)
    for _ in range(3):
        with pytest.raises(NetworkError):
            await bot.send_message(GROUP, "x")
    sb.faults.clear()
    await bot.send_message(GROUP, "recovered")
    assert sb.stats["429"] == 1 and sb.stats["500"] == 2 and sb.stats["502"] == 3
    assert len(sb.calls) == 10 and sb.stats["calls"] == 10


async def test_limits_mode_group_and_private():
    async with Sandbox(limits=True) as sb:
        sb.add_chat(GROUP, "网格群")
        sb.add_user(USER, "张三")
        async with Bot(sb.token, base_url=sb.base_url) as bot:
            ok, limited = 0, []
            for i in range(25):
                try:
                    await bot.send_message(GROUP, f"通知 {i}")
                    ok += 1
                except RetryAfter as exc:
                    limited.append(seconds(exc.retry_after))
            assert ok == 20 and len(limited) == 5 and all(r >= 1 for r in limited)
            await bot.send_message(USER, "一")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "二")
        assert sb.stats["429"] == 6 and sb.stats["rate_limited"] == 6 and sb.stats["sent"] == 21


async def test_aio_rate_limiter_gets_no_429():
    """A bot throttled by PTB's AIORateLimiter stays within the buckets (scaled down to be fast)."""
    # The limiter paces when requests leave; on a loaded machine they can arrive bunched a few hundred ms later, so
    # the server allows 0.6 s of slack (3 messages). Twelve sent at once unthrottled still overflow 5 + 3.
    limits = Limits(group=5, group_period=1.0, tolerance=0.6)
    async with Sandbox(limits=limits) as sb:
        sb.add_chat(GROUP, "网格群")
        for uid in range(2000, 2040):
            sb.add_user(uid, f"居民{uid}")
        app = (ApplicationBuilder().token(sb.token).base_url(sb.base_url)
               .rate_limiter(AIORateLimiter(group_max_rate=5, group_time_period=1)).build())
        async with app:
            sends = [app.bot.send_message(GROUP, f"群 {i}") for i in range(12)]
            sends += [app.bot.send_message(uid, "通知") for uid in range(2000, 2040)]
            await asyncio.gather(*sends)
        assert sb.stats["sent"] == 52 and sb.stats["429"] == 0
        await asyncio.sleep(1.5)  # the group's bucket drains
        async with ApplicationBuilder().token(sb.token).base_url(sb.base_url).build() as unthrottled:
            results = await asyncio.gather(
                *(unthrottled.bot.send_message(GROUP, f"群 {i}") for i in range(12)), return_exceptions=True
            )
        assert sb.stats["429"] > 0 and any(isinstance(r, RetryAfter) for r in results)  # the slack hides no flood


async def test_files_photos_and_documents(sb, bot):
    sb.send_message(USER, USER, photo=True, caption="楼道照片")
    [update] = await bot.get_updates()
    assert update.message.caption == "楼道照片"
    data = await (await update.message.photo[-1].get_file()).download_as_bytearray()
    assert bytes(data).startswith(b"\x89PNG")
    sent = await bot.send_document(GROUP, b"xlsx-bytes", filename="report.xlsx", caption="周报")
    assert sent.document.file_name == "report.xlsx" and sent.caption == "周报"
    assert sb.file_bytes(sent.document.file_id) == b"xlsx-bytes"
    photo = await bot.send_photo(GROUP, update.message.photo[-1].file_id)
    assert photo.photo[-1].width == 800
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(GROUP, "nonsense")


async def test_privacy_mode_and_misc_methods():
    async with Sandbox(can_read_all_group_messages=False) as sb:
        sb.add_chat(GROUP, "网格群")
        sb.add_user(USER, "张三")
        sb.set_member(GROUP, USER, "administrator")
        sb.send_message(GROUP, USER, "闲聊")
        sb.send_message(GROUP, USER, "/help")
        sb.send_message(GROUP, USER, "@gridbot_sandbox_bot 在吗")
        sb.inject_update({"weird": True})
        async with Bot(sb.token, base_url=sb.base_url) as bot:
            updates = await bot.get_updates()
            texts = [u.message and u.message.text for u in updates]
            assert texts == ["/help", "@gridbot_sandbox_bot 在吗", None]
            assert updates[-1].api_kwargs == {"weird": True}
            assert (await bot.get_chat_member(GROUP, USER)).status == "administrator"
            assert (await bot.get_chat(GROUP)).title == "网格群"
            await bot.set_my_commands([("report", "报事")])
            assert [c.command for c in await bot.get_my_commands()] == ["report"]
            assert await bot.send_chat_action(GROUP, "typing")
            assert (await bot.get_webhook_info()).url == ""


async def test_concurrent_polls_conflict(sb, bot):
    first = asyncio.create_task(bot.get_updates(timeout=3))
    await asyncio.sleep(0.1)
    async with Bot(sb.token, base_url=sb.base_url) as other_instance:
        second = asyncio.create_task(other_instance.get_updates(timeout=3))
        with pytest.raises(Conflict):
            await asyncio.wait_for(first, 1)
        sb.send_message(USER, USER, "hi")
        assert len(await asyncio.wait_for(second, 1)) == 1


async def test_wait_for_timeout_summarises(sb, bot):
    await bot.send_message(GROUP, "已派单给王网格员")
    with pytest.raises(TimeoutError, match="已派单给王网格员"):
        await sb.wait_for(lambda m: "完成" in m["text"], timeout=0.2)
    assert (await sb.wait_for_count(1, chat_id=GROUP, timeout=0.1))[0]["text"].startswith("已派单")


async def test_control_api_and_stop_ends_long_poll(sb, bot):
    async with aiohttp.ClientSession(base_url=sb.url) as http:
        start = {"chat_id": GROUP, "user_id": USER, "text": "/start"}
        resp = await http.post("/_sandbox/send_message", json=start)
        assert (await resp.json())["result"]["text"] == "/start"
        app = ApplicationBuilder().token(sb.token).base_url(sb.base_url).build()
        app.add_handler(CommandHandler("start", lambda u, c: u.message.reply_text("欢迎使用网格助手")))
        async with running(app):
            resp = await http.post("/_sandbox/wait_for_text", json={"text": "欢迎", "timeout": 3})
            assert (await resp.json())["ok"]
        msgs = await (await http.get("/_sandbox/bot_messages", params={"chat_id": str(GROUP)})).json()
        assert msgs["result"][0]["text"] == "欢迎使用网格助手"
        await http.post("/_sandbox/faults", json={"method": "getMe", "status": 500})
        with pytest.raises(NetworkError):
            await bot.get_me()
        stats = (await (await http.get("/_sandbox/stats")).json())["result"]
        assert stats["500"] == 1 and stats["sent"] == 1
        bad = await http.post("/_sandbox/press_button", json={"chat_id": GROUP, "user_id": USER,
                                                               "message_id": 2, "data": "x"})
        assert bad.status == 400
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await sb.stop()
    with contextlib.suppress(Exception):
        await poll
    assert time.monotonic() - started < 2


async def test_allowed_updates_filter_and_drop_pending(sb, bot):
    sent = await bot.send_message(USER, "选择", reply_markup=keyboard("a"))
    sb.press_button(USER, USER, sent.message_id, "a")
    sb.send_message(USER, USER, "文字")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates] == ["文字"]  # the callback query was dropped
    sb.send_message(USER, USER, "旧消息")
    await bot.delete_webhook(drop_pending_updates=True)
    assert sb.pending_updates == 0 and sb.stats["updates"] == 3
