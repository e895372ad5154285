"""Hostile and odd input through the real python-telegram-bot stack and the sandbox Bot API.

Empty and huge messages, emoji, stickers, voice, captionless photos, edits, replies to messages the bot
does not know, markup/SQL/format-string payloads, channels, anonymous admins, bots and an unknown group.
Each case runs in a grid group of its own and ends the same way: nothing crashed (no failed inbox row, no
error logged, no rejected Bot API call), noise made no ticket, and a normal complaint is still answered.
"""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from bot import texts
from bot.models import Ticket, TicketEvent
from tests.security.conftest import (
    ASSIGNEE,
    CAST,
    COMPLAINT,
    UNKNOWN_GROUP,
    LiveBot,
    has,
    live_config,
    replying_to,
    running_bot,
    text_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
UNKNOWN = int(UNKNOWN_GROUP)
OTHER_COMPLAINT = "3栋门口路灯坏了 晚上黑漆漆的 没人修"  # another category and place than COMPLAINT


@pytest.fixture
def calm(live: LiveBot, caplog):
    """Checks, after the case, that nothing went wrong on the way: see the module docstring."""
    caplog.set_level(logging.ERROR)
    errors_before = len(live.sb.errors)
    yield
    assert live.failed() == [], "processing an inbound raised"
    assert live.sb.errors[errors_before:] == [], "the bot made Bot API calls that were rejected"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def quiet_after(live: LiveBot, sent: dict, tickets_before: int) -> None:
    """`sent` was processed, nobody was answered about it, and no ticket came of it."""
    await live.settled()
    chat = sent["chat"]["id"]
    quoting = [text_of(m) for m in live.sb.bot_messages(chat)
               if m.get("reply_to_message", {}).get("message_id") == sent["message_id"]]
    assert quoting == []
    assert live.tickets() == tickets_before


async def answers_a_normal_complaint(live: LiveBot) -> None:
    before = live.tickets()
    number = await live.still_serves()
    assert number == before + 1 and live.tickets() == before + 1


# -- noise that is not text ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", " ", "   \n\t  ", "\u200b", "😀", "😀👍🎉🙏", "[玫瑰][玫瑰]", "。。。", "？"])
async def test_empty_blank_and_emoji_only_messages_make_no_ticket_and_no_reply(live: LiveBot, calm, text):
    live.next_group()
    resident = live.fresh_resident()
    before = live.tickets()
    sent = live.sb.send_message(live.G1, resident.user_id, text)
    await quiet_after(live, sent, before)
    await answers_a_normal_complaint(live)


@pytest.mark.parametrize("media", ["sticker", "voice", "photo"])
async def test_a_sticker_voice_or_captionless_photo_makes_no_ticket_and_no_reply(live: LiveBot, calm, media):
    live.next_group()
    resident = live.fresh_resident()
    before = live.tickets()
    sent = live.sb.send_message(live.G1, resident.user_id, **{media: True})
    await quiet_after(live, sent, before)
    await answers_a_normal_complaint(live)


async def test_a_captionless_photo_right_after_a_report_joins_that_ticket(live: LiveBot, calm):
    live.next_group()
    resident = live.fresh_resident()
    _, _, n = await live.report(resident)
    photo = live.sb.send_message(live.G1, resident.user_id, photo=True)
    await live.sb.wait_for(replying_to(photo, texts.followup_joined(n)), chat_id=live.G1)
    await live.settled()
    assert live.tickets() == n
    await answers_a_normal_complaint(live)


# -- size ------------------------------------------------------------------------------------------------
async def test_a_10000_character_complaint_is_stored_whole_and_the_worker_gets_a_shortened_dm(live: LiveBot, calm):
    live.next_group()
    text = COMPLAINT + " " + "楼道里全是纸箱和旧家具" * 1000
    text = text[:10_000]
    sent, ack, n = await live.report(text=text)
    assert ack["reply_to_message"]["message_id"] == sent["message_id"]
    assert live.ticket(n).text == text
    dm = await live.sb.wait_for(has(f"【新工单 #{n}】"))
    assert len(dm["text"]) <= 4096 and dm["text"].endswith("…")
    await answers_a_normal_complaint(live)


async def test_a_long_complaint_full_of_emoji_still_reaches_the_worker(live: LiveBot):
    live.next_group()
    text = COMPLAINT + " " + "😡" * 3000
    sent, ack, n = await live.report(text=text)
    await live.settled()
    assert live.ticket(n).text == text
    workers = (ASSIGNEE.user_id, CAST["colleague"].user_id)
    dm = [m for w in workers for m in live.sb.bot_messages(w) if f"【新工单 #{n}】" in text_of(m)]
    assert dm, "the worker never got the new-ticket DM: " + repr([e[2:] for e in live.sb.errors[-1:]])


async def test_10000_characters_of_chatter_make_no_ticket(live: LiveBot, calm):
    live.next_group()
    resident = live.fresh_resident()
    before = live.tickets()
    sent = live.sb.send_message(live.G1, resident.user_id, "哈" * 10_000)
    await quiet_after(live, sent, before)
    await answers_a_normal_complaint(live)


# -- edits -----------------------------------------------------------------------------------------------
async def test_editing_a_reported_message_never_makes_a_second_ticket(live: LiveBot, calm):
    live.next_group()
    sent, _, n = await live.report()
    for correction in (COMPLAINT + "，在2栋", OTHER_COMPLAINT, COMPLAINT):
        live.sb.edit_message(live.G1, sent["message_id"], correction)
    await live.settled()
    assert live.tickets() == n
    with live.runtime.sessions() as session:
        edits = session.execute(select(TicketEvent.detail).where(TicketEvent.ticket_id == n,
                                                                 TicketEvent.action == "edit")).scalars().all()
    assert [detail.split("；改为：")[1] for detail in edits] == [COMPLAINT + "，在2栋", OTHER_COMPLAINT, COMPLAINT]
    with live.runtime.sessions() as session:
        assert session.get(Ticket, n).text == COMPLAINT  # the ticket reads as last corrected
    assert len([m for m in live.sb.bot_messages(live.G1) if "已受理" in text_of(m)]) == 1
    await answers_a_normal_complaint(live)


async def test_editing_chatter_into_a_complaint_acts_on_it_once_and_a_command_edit_not_at_all(live: LiveBot, calm):
    live.next_group()
    resident = live.fresh_resident()
    _, _, n = await live.report()
    chatter = live.sb.send_message(live.G1, resident.user_id, "大家早上好")
    claim = live.sb.send_message(live.G1, ASSIGNEE.user_id, f"认领 {n}")
    await live.sb.wait_for(has(texts.claimed_group(n, ASSIGNEE.name)), chat_id=live.G1)
    await live.settled()
    before, seen = live.tickets(), len(live.sb.bot_messages(live.G1))
    live.sb.edit_message(live.G1, chatter["message_id"], OTHER_COMPLAINT)  # the report it now is: heard
    await live.sb.wait_for(replying_to(chatter, "已受理"), chat_id=live.G1)
    live.sb.edit_message(live.G1, chatter["message_id"], OTHER_COMPLAINT + " 快来修")  # corrects that ticket
    live.sb.edit_message(live.G1, claim["message_id"], f"认领 {n} ")
    await live.settled()
    assert live.tickets() == before + 1
    answered = [text_of(m) for m in live.sb.bot_messages(live.G1)[seen:]]
    assert len(answered) == 1 and answered[0].startswith("已受理")  # and not "已经在您名下了"
    await answers_a_normal_complaint(live)


# -- replies to messages the bot does not know ----------------------------------------------------------
async def test_a_reply_to_a_deleted_message_is_read_as_ordinary_speech(live: LiveBot, calm):
    """Telegram leaves out reply_to_message when the quoted message is gone; the text alone counts."""
    live.next_group()
    resident = live.fresh_resident()
    before = live.tickets()
    sent = live.sb.send_message(live.G1, resident.user_id, "收到 谢谢", reply_to=987_654)
    await quiet_after(live, sent, before)
    complaint = live.sb.send_message(live.G1, resident.user_id, COMPLAINT, reply_to=987_655)
    await live.sb.wait_for(replying_to(complaint, "已受理"), chat_id=live.G1)


@pytest.mark.parametrize(("text", "answer"), [
    ("认领", texts.USAGE["claim"]),  # no number, and the quoted message names no ticket the bot knows
    ("满意", None),  # nothing awaits this resident's rating: ordinary speech
    (OTHER_COMPLAINT, "已受理"),  # a complaint quoting an unknown message is still a complaint
])
async def test_a_reply_to_an_unknown_bot_message_acts_on_no_ticket(live: LiveBot, calm, text, answer):
    live.next_group()
    resident = live.fresh_resident()
    _, _, n = await live.report()  # a ticket in this group that must not be touched
    bot = live.sb.bot_user
    quoted = {"message_id": 424_242, "date": int(time.time()) - 60, "text": "已受理 #999｜环境卫生",
              "chat": {"id": live.G1, "type": "supergroup", "title": live.grid_name},
              "from": {k: bot[k] for k in ("id", "is_bot", "first_name", "username")}}
    message = {"message_id": 900_000 + resident.user_id, "date": int(time.time()), "text": text,
               "chat": quoted["chat"], "from": live.sb.world.users[resident.user_id], "reply_to_message": quoted}
    await live.settled()
    before, seen = live.tickets(), len(live.sb.bot_messages(live.G1))
    live.sb.inject_update({"message": message})
    await live.settled()
    replies = [text_of(m) for m in live.sb.bot_messages(live.G1)[seen:]]
    if answer is None:
        assert replies == []
    else:
        assert len(replies) == 1 and answer in replies[0]
    assert live.ticket(n).status == "new"
    assert live.tickets() == before + (1 if text == OTHER_COMPLAINT else 0)
    await answers_a_normal_complaint(live)


# -- payloads --------------------------------------------------------------------------------------------
PAYLOADS = ["<b>x</b>", "*x*", "'; DROP TABLE tickets; --", "{0} %s {ticket}", "_x_ `y` [z](http://e.com)",
            "<script>alert(1)</script> &amp; &lt;", "%(n)s {n!r} {{}} \\x00 \\n", "\u202e反转\u202c", "@everyone"]


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_markup_sql_and_format_payloads_in_a_complaint_are_kept_verbatim_and_shown_as_plain_text(
        live: LiveBot, calm, payload):
    live.next_group()
    text = f"{COMPLAINT} {payload}"
    sent, ack, n = await live.report(text=text)
    assert live.ticket(n).text == text
    dm = await live.sb.wait_for(has(f"【新工单 #{n}】"))
    assert f"内容：{text}\n" in dm["text"]
    assert [e for e in dm.get("entities", []) if e["type"] not in ("url", "mention", "hashtag", "bot_command")] == []
    assert all("parse_mode" not in params for method, params in live.sb.calls if method == "sendMessage")
    await answers_a_normal_complaint(live)  # the tickets table is still there


async def test_payloads_in_a_resolution_note_reach_the_group_verbatim(live: LiveBot, calm):
    ticket = await live.prepared("claimed")
    note = "<b>已清理</b> *干净* {0} %s '; DROP TABLE tickets; --"
    live.sb.send_message(live.G1, ASSIGNEE.user_id, f"办结 {ticket.n} {note}")
    await live.sb.wait_for(has(texts.resolved_group(ticket.n, ASSIGNEE.name, note, "").split("\n")[0]), chat_id=live.G1)
    await live.settled()
    assert live.ticket(ticket.n).resolution == note
    await answers_a_normal_complaint(live)


async def test_a_resolution_note_mentioning_the_reporters_placeholder_is_shown_verbatim(live: LiveBot, calm):
    ticket = await live.prepared("claimed")
    live.sb.send_message(live.G1, ASSIGNEE.user_id, f"办结 {ticket.n} 已通知{{reporters}}")
    prompt = await live.sb.wait_for(has(f"#{ticket.n} 已办结："), chat_id=live.G1)
    assert prompt["text"].startswith(f"#{ticket.n} 已办结：已通知{{reporters}}（网格员 王芳）")


async def test_an_extension_below_one_day_is_refused_as_the_usage_says(live: LiveBot, calm):
    ticket = await live.prepared("claimed")
    deadline = live.ticket(ticket.n).deadline_at
    sent = live.sb.send_message(live.G1, CAST["leader"].user_id, f"延期 {ticket.n} 0.00001 等配件")
    extended = has(f"#{ticket.n} 办结时限已延长")
    answer = await live.sb.wait_for(lambda m: replying_to(sent)(m) or extended(m), chat_id=live.G1)
    assert "1 到 365 天" in answer["text"], answer["text"]
    assert live.ticket(ticket.n).deadline_at == deadline


# -- who is behind a message -----------------------------------------------------------------------------
async def test_complaints_sent_as_the_group_or_a_channel_are_not_acted_on(live: LiveBot, calm):
    live.next_group()
    channel = -1003000000001
    live.sb.add_chat(channel, "东郊社区公众号", type="channel")
    before = live.tickets()
    anonymous = live.sb.send_message(live.G1, 501, COMPLAINT, sender_chat_id=live.G1)  # an anonymous admin
    as_channel = live.sb.send_message(live.G1, 501, COMPLAINT, sender_chat_id=channel)  # a linked channel
    await quiet_after(live, anonymous, before)
    await quiet_after(live, as_channel, before)
    post = {"message_id": 77, "date": int(time.time()), "text": COMPLAINT,
            "chat": {"id": channel, "type": "channel", "title": "东郊社区公众号"},
            "sender_chat": {"id": channel, "type": "channel", "title": "东郊社区公众号"}}
    live.sb.inject_update({"channel_post": post})
    live.sb.inject_update({"edited_channel_post": {**post, "edit_date": int(time.time()), "text": COMPLAINT + "！"}})
    await live.settled()
    assert live.tickets() == before and live.sb.bot_messages(channel) == []
    await answers_a_normal_complaint(live)


async def test_complaints_and_commands_from_bots_are_not_acted_on(live: LiveBot, calm):
    ticket = await live.prepared("new")
    live.sb.add_user(8001, "广告机器人", username="spam_bot", is_bot=True)
    seen = len(live.sb.bot_messages(live.G1))
    before = live.tickets()
    for text in (COMPLAINT, f"认领 {ticket.n}", f"撤销 {ticket.n}", "帮助"):
        live.sb.send_message(live.G1, 8001, text)
    await live.settled()
    assert live.tickets() == before and len(live.sb.bot_messages(live.G1)) == seen
    assert live.ticket(ticket.n).status == "new"
    await answers_a_normal_complaint(live)


async def test_an_unknown_group_hears_once_that_it_is_not_served_and_gets_no_tickets(live: LiveBot, calm):
    live.next_group()
    before = live.tickets()
    for text in (COMPLAINT, "认领 1", "帮助", OTHER_COMPLAINT):
        live.sb.send_message(UNKNOWN, 501, text)
    live.sb.send_message(UNKNOWN, 501, photo=True, caption=COMPLAINT)
    live.sb.send_message(UNKNOWN, 501, sticker=True)
    await live.sb.wait_for(has("还没有登记"), chat_id=UNKNOWN)
    await live.settled()
    assert [m["text"] for m in live.sb.bot_messages(UNKNOWN)] == [texts.unknown_group()]
    assert live.tickets() == before
    await answers_a_normal_complaint(live)


# -- one update the transport cannot read ---------------------------------------------------------------
def poison_updates(chat: int, user: dict) -> list[dict]:
    base = {"date": int(time.time()), "chat": {"id": chat, "type": "supergroup", "title": "g"}, "from": user}
    return [
        # a mention entity whose offset falls inside an emoji (half a UTF-16 surrogate pair)
        {"message": {**base, "message_id": 910_001, "text": "😀@gridbot_sandbox_bot 你好",
                     "entities": [{"type": "mention", "offset": 1, "length": 21}]}},
        # an empty text carrying a mention entity
        {"message": {**base, "message_id": 910_002, "text": "",
                     "entities": [{"type": "mention", "offset": 0, "length": 5}]}},
    ]


async def test_one_unreadable_update_does_not_stop_the_bot_answering_everyone_else(tmp_path_factory, classifier):
    updater_log = logging.getLogger("telegram.ext.Updater")
    updater_log.disabled = True  # a stalled polling loop logs hundreds of lines a second
    try:
        async with running_bot(live_config(tmp_path_factory), classifier) as live:
            resident = live.fresh_resident()
            live.sb.inject_update(poison_updates(live.G1, live.sb.world.users[resident.user_id])[0])
            sent = live.sb.send_message(live.G1, resident.user_id, COMPLAINT)
            await live.sb.wait_for(replying_to(sent, "已受理"), chat_id=live.G1, timeout=3)
    finally:
        updater_log.disabled = False


# -- forwarded posts ---------------------------------------------------------------------------------------
async def forward(live: LiveBot, text: str, origin: dict) -> tuple[dict, int]:
    """A fresh resident forwards `text` from `origin` into a fresh group; the message and the tickets before it."""
    live.next_group()
    resident = live.fresh_resident()
    message = {
        "message_id": 950_000 + resident.user_id, "date": int(time.time()), "text": text,
        "chat": {"id": live.G1, "type": "supergroup", "title": live.grid_name},
        "from": live.sb.world.users[resident.user_id],
        "forward_origin": {**origin, "date": int(time.time())},
    }
    await live.settled()
    before = live.tickets()
    live.sb.inject_update({"message": message})
    return message, before


async def test_a_post_forwarded_from_a_channel_is_not_the_forwarders_report(live: LiveBot, calm):
    channel = {"type": "channel", "chat": {"id": -100777, "type": "channel", "title": "东郊街道发布"}, "message_id": 5}
    message, before = await forward(live, "网传3栋有人被困电梯，经核实为谣言。", channel)
    await quiet_after(live, message, before)
    await answers_a_normal_complaint(live)


async def test_a_forwarded_emergency_is_handled_as_one(live: LiveBot, calm):
    _, before = await forward(
        live, "妈妈在3栋门口摔倒了起不来 头在流血", {"type": "hidden_user", "sender_user_name": "表姐"}
    )
    await live.settled()
    assert live.tickets() == before + 1
    assert any("紧急" in text_of(m) for m in live.sb.bot_messages(live.G1))


async def test_a_neighbours_words_forwarded_by_a_resident_are_her_report(live: LiveBot, calm):
    _, before = await forward(
        live, "2栋门口路灯坏了 晚上很黑 麻烦网格员看看", {"type": "hidden_user", "sender_user_name": "隔壁王阿姨"}
    )
    await live.settled()
    assert live.tickets() == before + 1
