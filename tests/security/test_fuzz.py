"""Property tests: random well-formed and malformed updates and random texts never break the bot.

Three paths, with a modest number of examples each so that the file runs in well under 30 s:
raw update dicts → python-telegram-bot's Update → handlers.convert.to_inbound → core (fast);
random texts and commands through the core's chat driver; and raw update dicts injected into the sandbox
and fetched by the real bot over HTTP. Properties: processing never raises (no `failed` inbox row),
noise that carries no text opens no ticket, a ticket keeps the text verbatim, and the bot keeps serving.

The inputs that found bugs (forged huge numbers, malformed mention entities) are pinned by named tests below.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from telegram import Update, User

from bot import texts
from bot.commands import RATINGS, SLASH, VERBS
from bot.messages import Inbound
from bot.models import Ticket
from handlers.convert import to_inbound
from tests.conftest import GROUP_1, GROUP_2, TEST_DB
from tests.security.conftest import CAST, COMPLAINT, UNKNOWN_GROUP, LiveBot, failed_inbox

BOT = {"id": 123456, "is_bot": True, "first_name": "网格助手", "username": "gridbot_sandbox_bot"}
BOT_USER = User(**BOT)
MENTION_ONLY_GROUP = "-1001000000003"  # grid dj-3 reads only @-mentions and replies
CHANNEL = -1003000000001
INT64 = 2**63 - 1
ON_SQLITE = not TEST_DB  # the integer-overflow bugs below are SQLite's; PostgreSQL compares such numbers fine
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
LIVE = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))

# -- strategies ------------------------------------------------------------------------------------------
SAFE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
free_text = st.text(SAFE_CHARS, max_size=120)
cjk_text = st.text(st.sampled_from("楼道垃圾路灯坏了电梯停水噪音物业占道救命着火谢谢好的收到栋号单元 ，。？！"),
                   max_size=40)
digits = st.one_of(
    st.integers(0, 12).map(str),
    st.sampled_from(["1", "2", "9223372036854775807", "9223372036854775808", "99999999999999999999", "²", "١٢"]),
    st.integers(0, 10**25).map(str),
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=3),  # ١٢, １２, ...
    st.sampled_from(["", "-1", "1.5", "²", "1_0", "0x1"]),
)
ARGS = ["满意", "基本满意", "不满意 还是很脏", "城管执法中队 占道", "不存在的部门 x", "3 等配件", "nan", "inf", "-1",
        "1e400", "0", "366", "李娜", "王芳", "查无此人", "设施维修", "repair", "议题1 立案 修路灯",
        "议题99999999999999999999 好", "dj-1", "dj-9", "<b>x</b>", "{0} %s {ticket} {reporters}",
        "'; DROP TABLE tickets; --"]
command_text = st.builds(
    lambda mention, verb, sep, number, sep2, args: f"{mention}{verb}{sep}{number}{sep2}{args}",
    st.sampled_from(["", "", "@gridbot_sandbox_bot ", "@王芳 "]),
    st.sampled_from([*VERBS, *(f"/{s}" for s in SLASH), "/claim@gridbot_sandbox_bot", "/nosuch", *RATINGS]),
    st.sampled_from(["", " ", "  ", "#", " #", "＃", ":", "：", "，", "\n"]),
    digits,
    st.sampled_from(["", " ", "\n", "：", "，"]),
    st.one_of(st.sampled_from(ARGS), free_text),
)
REPORTS = ["{b}栋" + COMPLAINT, "{b}栋门口路灯坏了 晚上黑漆漆的 没人修", "{b}栋楼上天天半夜噪音 吵得睡不着",
           "{b}栋着火了 快来人", "{b}栋电梯困人了 救命", "请问高龄补贴怎么办理？", "建议在{b}栋门口加装路灯",
           "小区里有可疑的陌生人", COMPLAINT]
complaint_text = st.builds(lambda text, building, extra: text.format(b=building) + extra, st.sampled_from(REPORTS),
                           st.integers(1, 40), st.one_of(st.just(""), free_text))
any_text = st.one_of(command_text, complaint_text, free_text, cjk_text)
callback_data = st.one_of(
    st.builds(lambda verb, n, extra: f"{verb}:{n}{extra}",
              st.sampled_from(["claim", "transfer", "xfer", "rate", "file", "note", "bogus", ""]), digits,
              st.sampled_from(["", ":good", ":fair", ":bad", ":default", ":yes", ":no", ":resolve", ":note", ":0",
                               ":8", ":9", ":99", ":²", ":١", ":", ":x:y"])),
    st.text(SAFE_CHARS, max_size=64),
)

PEOPLE = [p.user_id for p in CAST.values()] + [5001, 5002]
ENTITY_TYPES = ["mention", "bot_command", "hashtag", "url", "bold", "text_mention", "text_link", "code", "custom"]


@st.composite
def users(draw) -> dict:
    user = {"id": draw(st.sampled_from(PEOPLE)), "is_bot": draw(st.sampled_from([False] * 9 + [True])),
            "first_name": draw(st.text(SAFE_CHARS, min_size=1, max_size=20))}
    if draw(st.booleans()):
        user["last_name"] = draw(st.text(SAFE_CHARS, max_size=20))
    if draw(st.booleans()):
        user["username"] = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,20}", fullmatch=True))
    return user


@st.composite
def chats(draw, user: dict) -> dict:
    kind = draw(st.sampled_from(["grid", "grid", "mention_grid", "other_grid", "unknown", "private", "channel"]))
    if kind == "private":
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    if kind == "channel":
        return {"id": CHANNEL, "type": "channel", "title": "东郊社区公众号"}
    chat_id = {"grid": GROUP_1, "mention_grid": MENTION_ONLY_GROUP, "other_grid": GROUP_2,
               "unknown": UNKNOWN_GROUP}[kind]
    return {"id": int(chat_id), "type": draw(st.sampled_from(["supergroup", "group"])), "title": "某群"}


EMOJI_TEXT = st.lists(st.sampled_from(["😀", "👍", "@gridbot_sandbox_bot", "@abcde", " ", "你好", "x"]),
                      max_size=8).map("".join)


@st.composite
def entities(draw, text: str) -> list[dict]:
    found = []
    units = len(text.encode("utf-16-le")) // 2
    for _ in range(draw(st.integers(0, 3))):
        entity = {"type": draw(st.sampled_from(ENTITY_TYPES)), "offset": draw(st.integers(0, units + 3)),
                  "length": draw(st.integers(0, 30))}
        if entity["type"] == "text_mention":
            entity["user"] = draw(st.one_of(users(), st.just(BOT)))
        if entity["type"] == "text_link":
            entity["url"] = "https://example.com"
        found.append(entity)
    return found


FILE = {"file_id": "F1", "file_unique_id": "U1"}


@st.composite
def messages(draw, *, chat: dict | None = None, reply: bool = True) -> dict:
    sender = draw(users())
    chat = chat or draw(chats(sender))
    message: dict[str, Any] = {"message_id": draw(st.integers(1, 2**31 - 1)), "date": draw(st.integers(0, 2**31 - 1)),
                               "chat": chat}
    if draw(st.integers(0, 9)) > 0:
        message["from"] = sender
    if draw(st.integers(0, 9)) == 0:
        message["sender_chat"] = draw(st.sampled_from([chat, {"id": CHANNEL, "type": "channel", "title": "频道"}]))
    content = draw(st.sampled_from(["text", "text", "text", "photo", "caption", "sticker", "voice", "location",
                                    "contact", "joined", "left", "dice", "document", "bare"]))
    if content == "text":
        message["text"] = draw(st.one_of(any_text, EMOJI_TEXT))
        if draw(st.integers(0, 3)) == 0:
            message["entities"] = draw(entities(message["text"]))
    elif content in ("photo", "caption"):
        message["photo"] = [{**FILE, "width": 90, "height": 90}, {**FILE, "width": 800, "height": 600}]
        if content == "caption":
            message["caption"] = draw(any_text)
            if draw(st.integers(0, 3)) == 0:
                message["caption_entities"] = draw(entities(message["caption"]))
    elif content == "sticker":
        message["sticker"] = {**FILE, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                              "is_video": False, "emoji": "👍"}
    elif content == "voice":
        message["voice"] = {**FILE, "duration": 3}
    elif content == "location":
        message["location"] = {"latitude": 28.2, "longitude": 112.9}
    elif content == "contact":
        message["contact"] = {"phone_number": "13812345678", "first_name": "张阿姨"}
    elif content == "joined":
        message["new_chat_members"] = [draw(users())]
    elif content == "left":
        message["left_chat_member"] = draw(users())
    elif content == "dice":
        message["dice"] = {"emoji": "🎲", "value": 3}
    elif content == "document":
        message["document"] = dict(FILE)
    if reply and draw(st.integers(0, 3)) == 0:
        quoted = draw(messages(chat=chat, reply=False))
        if draw(st.booleans()):
            quoted["from"] = BOT
        message["reply_to_message"] = quoted
    return message


REAL_PEOPLE = [p for p in CAST.values() if not p.is_bot and p.chat == GROUP_1]
small_numbers = st.integers(1, 6).map(str)
everyday_text = st.one_of(
    complaint_text,
    st.builds(lambda verb, n, args: f"{verb} {n} {args}".strip(), st.sampled_from(list(VERBS)), small_numbers,
              st.sampled_from(ARGS[:18] + [""])),
    st.builds(lambda rating, why: f"{rating} {why}".strip(), st.sampled_from(list(RATINGS)), free_text),
)


@st.composite
def everyday_messages(draw) -> dict:
    """What grid groups mostly see: a resident or worker writing a report, a command or a rating."""
    person = draw(st.sampled_from(REAL_PEOPLE))
    user = {"id": person.user_id, "is_bot": False, "first_name": person.name}
    chat = draw(st.sampled_from([{"id": int(GROUP_1), "type": "supergroup", "title": "桂花苑"},
                                 {"id": person.user_id, "type": "private", "first_name": person.name}]))
    return {"message_id": draw(st.integers(1, 10**6)), "date": 1_790_000_000, "chat": chat, "from": user,
            "text": draw(everyday_text)}


@st.composite
def raw_updates(draw) -> dict:
    kind = draw(st.sampled_from(["everyday"] * 6 + ["message"] * 4 +
                                ["edited_message", "channel_post", "edited_channel_post", "callback_query",
                                 "callback_query", "callback_query", "my_chat_member", "future"]))
    if kind == "everyday":
        return {"message": draw(everyday_messages())}
    if kind in ("message", "edited_message"):
        message = draw(messages())
        if kind == "edited_message":
            message["edit_date"] = message["date"] + 1
        return {kind: message}
    if kind in ("channel_post", "edited_channel_post"):
        channel = {"id": CHANNEL, "type": "channel", "title": "东郊社区公众号"}
        post = draw(messages(chat=channel))
        post.pop("from", None)
        post["sender_chat"] = channel
        return {kind: post}
    if kind == "callback_query":
        presser = draw(users())
        query: dict[str, Any] = {"id": str(draw(st.integers(1, 10**12))), "from": presser, "chat_instance": "42"}
        if draw(st.integers(0, 9)) > 0:
            query["data"] = draw(callback_data)
        where = draw(st.sampled_from(["message", "message", "inaccessible", "inline"]))
        if where == "inline":
            query["inline_message_id"] = "inline-1"
        else:
            message = draw(messages(reply=False))
            message["from"] = BOT
            if where == "inaccessible":
                message = {"chat": message["chat"], "message_id": message["message_id"], "date": 0}
            query["message"] = message
        return {"callback_query": query}
    if kind == "my_chat_member":
        who = draw(users())
        return {"my_chat_member": {"chat": draw(chats(who)), "from": who, "date": 1,
                                   "old_chat_member": {"status": "left", "user": BOT},
                                   "new_chat_member": {"status": "member", "user": BOT}}}
    return {"some_future_update": {"anything": draw(free_text)}}


# -- properties ------------------------------------------------------------------------------------------
def tickets_in(core) -> int:
    with core.sessions() as session:
        return session.execute(select(func.count()).select_from(Ticket)).scalar_one()


def is_noise(inbound: Inbound | None) -> bool:
    """Nothing a person wrote that could be a report: no ticket may come of it."""
    if inbound is None:
        return True
    if inbound.is_bot or inbound.chat_type == "channel" or inbound.chat_id == UNKNOWN_GROUP:
        return True
    if inbound.kind == "callback":
        return not (inbound.callback_data or "").startswith("file:")  # 立案 on a question does open one
    # an edit in a group may be chatter edited into a report, heard as one (once); anywhere else it opens nothing
    return not inbound.text.strip() or (inbound.edited and inbound.chat_type != "group")


def check_outbounds(result) -> None:
    for out in result.outbounds:
        assert out.text.strip(), f"empty message to {out.chat_id}"
        assert re.fullmatch(r"-?\d+", out.chat_id), out.chat_id
        for row in out.buttons:
            for button in row:
                assert 1 <= len(button.data.encode()) <= 64, button  # Telegram's callback_data limit


def community(chat) -> None:
    """Tickets #1 new, #2 claimed, #3 resolved and #4 closed in 桂花苑, for the fuzzed commands to act on."""
    reports = [(501, "1栋" + COMPLAINT), (502, "2栋门口路灯坏了 晚上黑漆漆的 没人修"),
               (503, "3栋楼上天天半夜噪音 吵得睡不着"), (504, "4栋" + COMPLAINT)]
    for n, (resident, text) in enumerate(reports, 1):
        assert any(o.text.startswith(f"已受理 #{n}") for o in chat.say(resident, text).outbounds), text
    for n in (2, 3, 4):
        chat.say(1001, f"认领 {n}")
    for n in (3, 4):
        chat.say(1001, f"办结 {n} 已处理")
    chat.say(504, "评价 4 满意")
    with chat.core.sessions() as session:
        assert [t.status for t in session.execute(select(Ticket).order_by(Ticket.id)).scalars()] == [
            "new", "claimed", "resolved", "closed"]


def serves_a_normal_complaint(core, resident: int) -> None:
    """A new resident's complaint, about a building the fuzzing never names, opens the next ticket."""
    before = tickets_in(core)
    result = core.handle(Inbound(platform="telegram", update_id=f"final-{resident}", chat_id=GROUP_1,
                                 chat_type="group", message_id=f"final-{resident}", user_id=str(resident),
                                 user_name="新居民", text="99栋楼道堆满杂物 好几天了没人管"))
    assert any(o.text.startswith(f"已受理 #{before + 1}") for o in result.outbounds), result
    assert failed_inbox(core.sessions) == []


def test_random_raw_updates_never_crash_the_core_and_noise_opens_no_ticket(chat, core):
    community(chat)
    ids = itertools.count(1000)

    @FAST
    @given(raw_updates())
    def feed(raw: dict) -> None:
        update = Update.de_json({"update_id": next(ids), **raw}, None)
        inbound = to_inbound(update, BOT_USER)
        before = tickets_in(core)
        if inbound is not None:
            result = core.handle(inbound)
            check_outbounds(result)
        assert failed_inbox(core.sessions) == []
        if is_noise(inbound):
            assert tickets_in(core) == before, f"{raw!r} opened a ticket"

    feed()
    serves_a_normal_complaint(core, 777_001)


def test_random_texts_and_commands_never_crash_and_tickets_keep_the_words_verbatim(chat, core):
    community(chat)
    people = [*CAST.values()]
    chat_ids = [GROUP_1, GROUP_1, GROUP_2, MENTION_ONLY_GROUP, UNKNOWN_GROUP, "private"]

    @FAST
    @given(st.sampled_from(people), any_text, st.sampled_from(chat_ids),
           st.one_of(st.none(), st.integers(1000, 1300).map(str)))
    def say(person, text: str, where: str, reply_to: str | None) -> None:
        where = person.uid if where == "private" else where
        result = chat.say(person.user_id, text, chat=where, name=person.name, reply_to=reply_to,
                          is_bot=person.is_bot)
        check_outbounds(result)
        assert failed_inbox(core.sessions) == []
        with core.sessions() as session:
            opened = session.execute(select(Ticket).where(Ticket.source_chat_id == where,
                                                          Ticket.source_message_id == str(1000 + chat.counter))
                                     ).scalar_one_or_none()
        if opened is not None:  # a ticket opened by this message keeps what the resident wrote
            assert opened.text == text.strip() and opened.reporter_id == person.uid
        if person.is_bot or where == UNKNOWN_GROUP:
            assert opened is None

    say()
    serves_a_normal_complaint(core, 777_002)


def test_random_button_data_is_answered_with_a_toast_or_an_action_never_a_crash(chat, core):
    community(chat)

    @FAST
    @given(st.sampled_from([*CAST.values()]), callback_data)
    def press(person, data: str) -> None:
        result = chat.press(person.user_id, data, chat=person.uid if person.chat == GROUP_1 else person.chat)
        check_outbounds(result)
        assert failed_inbox(core.sessions) == []
        if not person.is_bot and person.chat == GROUP_1:
            assert result.toast or result.outbounds, f"{data!r} by {person.key}: no answer at all"

    press()
    serves_a_normal_complaint(core, 777_003)


def retarget(value: Any, old: int, new: int) -> Any:
    """The same update, addressed to chat `new` instead of `old` (each example gets a grid group of its own)."""
    if isinstance(value, dict):
        return {k: (new if k == "id" and v == old else retarget(v, old, new)) for k, v in value.items()}
    if isinstance(value, list):
        return [retarget(v, old, new) for v in value]
    return value


@pytest.mark.asyncio(loop_scope="module")
@LIVE
@given(raw=raw_updates())
async def test_random_raw_updates_through_the_real_stack_never_stop_the_bot(live: LiveBot, raw: dict):
    raw = retarget(raw, int(GROUP_1), live.next_group())
    for user_id in PEOPLE:
        if user_id not in live.sb.world.users:
            live.sb.add_user(user_id, f"居民{user_id}")
    if "callback_query" in raw:  # the sandbox only answers queries it knows of, as press_button registers them
        live.sb.world.callbacks[raw["callback_query"]["id"]] = raw["callback_query"]
    inbound = to_inbound(Update.de_json({"update_id": 1, **raw}, None), BOT_USER)
    before = live.tickets()
    live.sb.inject_update(raw)
    await live.settled()
    assert live.failed() == []
    if is_noise(inbound):
        assert live.tickets() == before, raw
    elif inbound is not None:
        with live.runtime.sessions() as session:
            opened = session.execute(select(Ticket).where(Ticket.source_chat_id == inbound.chat_id,
                                                          Ticket.source_message_id == inbound.message_id)
                                     ).scalar_one_or_none()
        # Examples reuse message ids in private chats: only a ticket this update opened carries its text.
        if opened is not None and live.tickets() > before:
            assert opened.text == inbound.text.strip()
    await live.still_serves()


# -- pinned bugs -----------------------------------------------------------------------------------------
def press_as(chat, user: int, data: str):
    return chat.press(user, data, chat=str(user))


@pytest.mark.parametrize("data", ["claim:99999999999999999999", "transfer:99999999999999999999",
                                  "file:99999999999999999999:yes", "note:99999999999999999999:note"])
def test_a_forged_button_with_a_huge_number_is_answered_not_crashed(chat, core, data):
    result = press_as(chat, 1001, data)
    assert failed_inbox(core.sessions) == []
    assert result.toast in ("这个按钮已失效。", "这个问题已经处理过了。", texts.REFUSALS["not_found"].format(
        n=data.split(":")[1]))


def test_a_forged_transfer_choice_with_a_superscript_digit_is_answered_as_expired(chat, core):
    chat.say(501, COMPLAINT)
    result = press_as(chat, 1001, "xfer:1:²")
    assert failed_inbox(core.sessions) == []
    assert result.toast == "这个按钮已失效。"
    with core.sessions() as session:
        assert session.get(Ticket, 1).status == "new"


def test_a_decision_on_a_topic_number_too_large_is_refused(chat, core):
    result = chat.say(2001, "决定 议题99999999999999999999 下周施工")
    assert failed_inbox(core.sessions) == []
    assert [o.text for o in result.outbounds] == ["没有找到议题99999999999999999999。"]


MALFORMED_MENTIONS = {
    "mention-inside-an-emoji": {"text": "😀@gridbot_sandbox_bot 你好", "entities": [
        {"type": "mention", "offset": 1, "length": 21}]},
    "empty-text-with-a-mention": {"text": "", "entities": [{"type": "mention", "offset": 0, "length": 5}]},
    "caption-entity-past-an-emoji": {"caption": "👍👍", "photo": [{**FILE, "width": 1, "height": 1}],
                                     "caption_entities": [{"type": "mention", "offset": 0, "length": 3}]},
}


@pytest.mark.parametrize("content", MALFORMED_MENTIONS.values(), ids=MALFORMED_MENTIONS.keys())
def test_a_malformed_mention_entity_is_read_as_plain_text(content):
    raw = {"update_id": 1, "message": {"message_id": 5, "date": 1, "from": {"id": 501, "is_bot": False,
                                                                           "first_name": "张阿姨"},
                                       "chat": {"id": int(GROUP_1), "type": "supergroup", "title": "g"}, **content}}
    inbound = to_inbound(Update.de_json(raw, None), BOT_USER)
    # The unreadable entity is ignored; the bot's handle written in the text still counts as a mention.
    handle_in_text = "@gridbot_sandbox_bot" in (content.get("text") or content.get("caption") or "")
    assert inbound is not None and inbound.mentions_bot is handle_in_text


