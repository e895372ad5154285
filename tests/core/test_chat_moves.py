"""A grid's group that moved to a new chat id, as the core hears it: "this chat is now that chat"."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.messages import Inbound
from bot.models import OutboxMessage
from tests.conftest import GROUP_1, Chat, example_config

NEW = "-1002000000001"
RESIDENT, WANG, LEADER, ADMIN = 501, 1001, 2001, 9001


def moved(update_id: str, chat: str = GROUP_1, to: str = NEW) -> Inbound:
    return Inbound(
        platform="telegram",
        update_id=update_id,
        chat_id=chat,
        chat_type="group",
        message_id="m" + update_id,
        user_id=str(ADMIN),
        user_name="管理员小何",
        kind="other",
        moved_to=to,
    )


def test_what_waited_for_the_old_group_goes_to_the_new_one_without_quoting_its_messages(core, chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # its 已受理 waits in the outbox, unsent
    told = core.handle(moved("u1"))
    assert {o.chat_id for o in told.outbounds} == {str(LEADER), str(ADMIN)}
    assert core.handle(moved("u2")).outbounds == []  # Telegram says it in both chats: heard once
    with sessions() as session:
        rows = session.execute(select(OutboxMessage.chat_id, OutboxMessage.reply_to_message_id)).all()
    assert (GROUP_1, "1001") not in rows and (NEW, None) in rows
    claimed = chat.say(WANG, "认领 1", chat=NEW)
    in_group = [o for o in claimed.outbounds if o.chat_id in (NEW, GROUP_1)]
    assert [(o.chat_id, o.reply_to_message_id) for o in in_group] == [(NEW, None)]  # once, in the new group


def test_a_move_of_a_group_that_serves_no_grid_is_ignored(core, chat):
    assert core.handle(moved("u1", chat="-100999", to="-100998")).outbounds == []
    assert chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管", chat="-100998").outbounds[0].kind == "unknown_group"


def test_the_move_survives_a_restart_with_the_config_naming_the_old_id(core, sessions, classifier, clock, config):
    core.handle(moved("u1"))
    restarted = Core(example_config(config.database.url), sessions, classifier, clock)
    acked = Chat(restarted).say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管", chat=NEW)
    assert acked.outbounds[0].chat_id == NEW and acked.outbounds[0].text.startswith("已受理 #1")
