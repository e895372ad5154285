"""A complaint about the grid's own staff goes one step above them, never to the person it is about."""

from __future__ import annotations

from bot.models import Ticket
from tests.conftest import GROUP_1

RESIDENT = 501
WANG, LEADER, SECRETARY = "1001", "2001", "3001"  # 王芳 (网格员), 陈建国 (网格长), 张书记 in config.example.toml


def sent_to(result, chat: str) -> list[str]:
    return [o.text for o in result.outbounds if o.chat_id == chat]


def test_a_complaint_about_a_grid_worker_goes_to_the_grid_leader(chat, sessions):
    result = chat.say(RESIDENT, "网格员王芳态度太差了 上次去问低保的事爱理不理 我要投诉")
    ack = sent_to(result, GROUP_1)
    # a ticket, not the 低保 service guide its words touch, and the leader takes it
    assert len(ack) == 1 and ack[0].startswith("已受理 #1") and "@陈建国" in ack[0], ack
    assert "对网格员王芳的意见" in ack[0] and "一次性告知" not in ack[0]
    assert sent_to(result, LEADER) and not sent_to(result, WANG)
    assert all(m.user_id != WANG for o in result.outbounds for m in o.mentions)
    with sessions() as session:
        assert session.get(Ticket, 1).suggested_id == LEADER


def test_a_complaint_about_the_grid_leader_goes_to_the_secretary(chat, sessions):
    result = chat.say(RESIDENT, "网格长陈建国也不管 找谁都推来推去")
    assert sent_to(result, SECRETARY) and not sent_to(result, LEADER)
    with sessions() as session:
        assert session.get(Ticket, 1).suggested_id == SECRETARY


def test_you_grid_workers_without_a_name_also_goes_up(chat, sessions):
    chat.say(RESIDENT, "@王芳 你们网格员怎么回事 反映了三次都没人来")
    with sessions() as session:
        assert session.get(Ticket, 1).suggested_id == LEADER


def test_staff_named_as_the_addressee_or_praised_is_no_complaint(chat, sessions):
    result = chat.say(RESIDENT, "喂网格员 我想反映一下 5栋楼道灯坏了")
    assert "设施维修" in sent_to(result, GROUP_1)[0]
    assert sent_to(chat.say(502, "王芳态度很好 谢谢她"), GROUP_1) == []
    # a worker's own words about colleagues are theirs to sort out, not a resident's grievance
    chat.say(1002, "网格员怎么回事 群里消息都没人回")
    with sessions() as session:
        assert all(t.suggested_id != LEADER for t in session.query(Ticket))
