"""Things happening at the same moment: two workers claiming one ticket, many residents reporting at once,
two neighbours reporting the same matter, a report and its photo.

Threads call Core.handle concurrently on separate inbounds (each opens its own transaction, as the bot's
database threads do), released together by a barrier; the sandbox tests do the same through the real
bot. Run with GRIDBOT_TEST_DATABASE_URL to prove it on PostgreSQL, where the bot processes updates on
eight database threads at once (on SQLite every write transaction is serialised by BEGIN IMMEDIATE).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.messages import Inbound
from bot.models import InboxMessage, OutboxMessage, Supporter, Ticket, TicketEvent
from handlers.sandboxed import sandboxed_bot
from tests.conftest import GROUP_1, running_clock
from tests.reliability.helpers import GROUP, LI, WANG, complaint, residents, text_of

WORKERS = {WANG: "王芳", LI: "李娜"}
ROUNDS = 8  # tickets raced over, so that the two claims really interleave at least once
_update_ids = itertools.count(1)


def message(user_id: int, text: str, *, chat: str = GROUP_1, name: str | None = None) -> Inbound:
    n = next(_update_ids)
    return Inbound(
        platform="telegram",
        update_id=f"r{n}",
        chat_id=chat,
        chat_type="private" if chat == str(user_id) else "group",
        message_id=str(5000 + n),
        user_id=str(user_id),
        user_name=name or WORKERS.get(user_id, f"居民{user_id}"),
        text=text,
    )


def button(user_id: int, data: str, *, chat: str) -> Inbound:
    n = next(_update_ids)
    return Inbound(
        platform="telegram",
        update_id=f"r{n}",
        chat_id=chat,
        chat_type="private",
        message_id=f"cb-{n}",
        user_id=str(user_id),
        user_name=WORKERS[user_id],
        kind="callback",
        callback_data=data,
        callback_id=str(n),
    )


def at_once(core, inbounds: list[Inbound]) -> list:
    """Core.handle on every inbound, each in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(inbounds))

    def go(inbound):
        barrier.wait(timeout=10)
        return core.handle(inbound)

    with ThreadPoolExecutor(len(inbounds)) as pool:
        return list(pool.map(go, inbounds, timeout=60))


def claims(sessions, ticket_id: int) -> list[TicketEvent]:
    with sessions() as session:
        return list(
            session.execute(
                select(TicketEvent).where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "claim")
            ).scalars()
        )


def texts_of(result) -> list[str]:
    return [o.text for o in result.outbounds]


def open_ticket(core, resident: int, n: int) -> int:
    result = core.handle(message(resident, complaint(n), name=f"居民{resident}"))
    [ack] = [o for o in result.outbounds if "已受理" in o.text]
    return ack.ticket_id


def test_two_workers_typing_claim_at_the_same_moment_one_wins_the_other_is_told_who(core, sessions):
    for n in range(1, ROUNDS + 1):
        ticket_id = open_ticket(core, 600 + n, n)
        wang, li = at_once(core, [message(WANG, f"认领 {ticket_id}"), message(LI, f"认领 {ticket_id}")])

        [event] = claims(sessions, ticket_id)
        winner, loser = (wang, li) if event.actor_id == str(WANG) else (li, wang)
        winner_name = WORKERS[int(event.actor_id)]
        assert any(f"已由网格员 {winner_name} 认领" in t for t in texts_of(winner)), texts_of(winner)
        assert texts_of(loser) == [f"#{ticket_id} 已由 {winner_name} 认领，无需重复认领。"]
        with sessions() as session:
            ticket = session.get(Ticket, ticket_id)
            assert (ticket.status, ticket.assignee_id, ticket.assignee_name) == ("claimed", event.actor_id, winner_name)


def test_two_workers_pressing_claim_buttons_at_the_same_moment_one_wins_the_other_is_told_who(core, sessions):
    for n in range(1, ROUNDS + 1):
        ticket_id = open_ticket(core, 700 + n, n)
        presses = [button(WANG, f"claim:{ticket_id}", chat=str(WANG)), button(LI, f"claim:{ticket_id}", chat=str(LI))]
        wang, li = at_once(core, presses)

        [event] = claims(sessions, ticket_id)
        winner, loser = (wang, li) if event.actor_id == str(WANG) else (li, wang)
        winner_name = WORKERS[int(event.actor_id)]
        assert winner.toast == f"已认领 #{ticket_id}"
        assert loser.toast == f"#{ticket_id} 已由 {winner_name} 认领，无需重复认领。"
        assert loser.outbounds == [], "the loser changes nothing and announces nothing"


async def test_in_the_group_one_claim_wins_when_a_button_press_and_a_typed_claim_arrive_together(config, classifier):
    async with sandboxed_bot(config, classifier=classifier, residents=[(601, "张阿姨")], clock=running_clock()) as (
        sandbox,
        runtime,
    ):
        sandbox.send_message(GROUP, 601, complaint(3))
        dm = await sandbox.wait_for(lambda m: "【新工单 #1】" in text_of(m), chat_id=WANG)
        # Both in the same getUpdates batch: 王芳 taps 认领 in her DM, 李娜 types 认领 1 in the group.
        sandbox.press_button(WANG, WANG, dm["message_id"], "claim:1")
        sandbox.send_message(GROUP, LI, "认领 1")
        announced = await sandbox.wait_for(lambda m: "#1 已由网格员" in text_of(m), chat_id=GROUP)
        assert await runtime.settle()

        winner = "王芳" if "王芳" in text_of(announced) else "李娜"
        group = [text_of(m) for m in sandbox.bot_messages(GROUP)]
        assert sum("#1 已由网格员" in t for t in group) == 1, group
        if winner == "王芳":
            assert f"#1 已由 {winner} 认领，无需重复认领。" in group, "李娜 is told in the group"
        else:
            toasts = [a.get("text") for a in sandbox.callback_answers]
            assert f"#1 已由 {winner} 认领，无需重复认领。" in toasts, "王芳 is told on her button"
        assert len(claims(runtime.sessions, 1)) == 1


def test_twenty_residents_reporting_at_the_same_moment_get_twenty_distinct_tickets(core, sessions):
    people = residents(20, first_id=801)
    results = at_once(core, [message(user_id, complaint(n), name=name) for n, (user_id, name) in enumerate(people, 1)])

    acked = [o.ticket_id for r in results for o in r.outbounds if "已受理" in o.text]
    assert len(acked) == 20 and len(set(acked)) == 20, f"ticket numbers told to residents: {sorted(acked)}"
    with sessions() as session:
        tickets = session.execute(select(Ticket.id, Ticket.reporter_id)).all()
        statuses = dict(session.execute(select(InboxMessage.status, func.count()).group_by(InboxMessage.status)).all())
        queued_acks = session.execute(select(OutboxMessage.ticket_id).where(OutboxMessage.kind == "ack")).scalars()
        queued_acks = sorted(queued_acks)
    assert sorted(t.id for t in tickets) == sorted(acked) == queued_acks, "one 已受理 queued per ticket"
    assert sorted(int(t.reporter_id) for t in tickets) == [user_id for user_id, _ in people]
    assert statuses == {"done": 20}


def test_neighbours_reporting_the_same_matter_at_once_from_the_group_and_a_dm_get_one_ticket(core, sessions):
    """The runtime serialises one chat's messages, but not the group against a resident's private chat."""
    for n in range(1, ROUNDS + 1):
        in_group, in_dm = 900 + 2 * n, 901 + 2 * n
        core.handle(message(in_dm, "大家好"))  # the bot learns this neighbour's grid from the group
        # Same place, same category: the second is 附议 to the first. A unit, not a building: a private report
        # naming a building goes to the grid listing it, and only 1栋-5栋 are this grid's.
        text = f"{n}单元楼道堆满杂物 好几天了没人管"
        at_once(core, [message(in_group, text), message(in_dm, text, chat=str(in_dm))])
        with sessions() as session:
            opened = session.execute(select(Ticket.id).where(Ticket.place == f"{n}单元")).scalars().all()
            supporters = session.execute(
                select(func.count()).select_from(Supporter).where(Supporter.ticket_id.in_(opened))
            ).scalar()
        assert (len(opened), supporters) == (1, 1), f"{n}单元: tickets {opened}, {supporters} supporters"


async def test_a_photo_sent_right_after_a_report_joins_that_ticket(config, classifier):
    """Both in one getUpdates batch: on PostgreSQL the runtime must still process them in order."""
    people = residents(4, first_id=631)
    async with sandboxed_bot(config, classifier=classifier, residents=people, clock=running_clock()) as (
        sandbox,
        runtime,
    ):
        for n, (user_id, _) in enumerate(people, 1):
            sandbox.send_message(GROUP, user_id, complaint(n))
            sandbox.send_message(GROUP, user_id, photo=True)  # "here is what it looks like"
        await sandbox.wait_until_consumed()
        assert await runtime.settle()
        with runtime.sessions() as session:
            photos = Counter(
                session.execute(
                    select(TicketEvent.ticket_id).where(
                        TicketEvent.action == "followup", TicketEvent.detail.startswith("[照片]")
                    )
                ).scalars()
            )
            tickets = session.execute(select(func.count()).select_from(Ticket)).scalar()
    assert tickets == len(people)
    assert sorted(photos.values()) == [1] * len(people), f"photos in the 台账 per ticket: {dict(photos)}"
