"""Inbox recovery without a subprocess: messages stored by accept() but never processed (the process died
right after storing them) are processed by Core.recover() at the next start, exactly once."""

from __future__ import annotations

import itertools
from collections import Counter

from sqlalchemy import func, select

from bot.core import Core
from bot.messages import Inbound
from bot.models import InboxMessage, OutboxMessage, Ticket, TicketEvent
from tests.conftest import GROUP_1
from tests.reliability.helpers import WANG, complaint

_ids = itertools.count(1)


def said(user_id: int, text: str = "", *, name: str | None = None, photo: bool = False) -> Inbound:
    n = next(_ids)
    return Inbound(
        platform="telegram",
        update_id=str(n),
        chat_id=GROUP_1,
        chat_type="group",
        message_id=str(3000 + n),
        user_id=str(user_id),
        user_name=name or f"居民{user_id}",
        text=text,
        kind="photo" if photo else "text",
        photo_id="photo-1" if photo else None,
    )


def ledger(sessions) -> dict:
    """Everything a restart could change: tickets, their 台账, queued sends, the inbox."""
    with sessions() as session:

        def count(model, *where):
            return session.execute(select(func.count()).select_from(model).where(*where)).scalar()

        return {
            "tickets": count(Ticket),
            "events": Counter(session.execute(select(TicketEvent.action)).scalars()),
            "outbox": sorted(session.execute(select(OutboxMessage.chat_id, OutboxMessage.text)).all()),
            "inbox": Counter(session.execute(select(InboxMessage.status)).scalars()),
            "pending": count(InboxMessage, InboxMessage.status == "pending"),
        }


def restarted(config, sessions, classifier, clock) -> Core:
    """A new Core on the same database, as the next process would build it."""
    return Core(config, sessions, classifier, clock)


def test_reports_stored_but_never_processed_are_processed_by_recover_exactly_once(
    core, config, sessions, classifier, clock
):
    reports = [said(601 + i, complaint(i + 1)) for i in range(3)]
    core.accept(reports)  # stored; the process dies before processing them
    assert ledger(sessions)["pending"] == 3 and ledger(sessions)["tickets"] == 0

    after_crash = restarted(config, sessions, classifier, clock)
    assert after_crash.recover() == 3
    first = ledger(sessions)
    assert first["tickets"] == 3 and first["events"]["open"] == 3
    assert first["inbox"] == Counter(done=3)
    acks = [text for chat, text in first["outbox"] if chat == GROUP_1 and "已受理" in text]
    assert len(acks) == 3, "each resident will hear 已受理 once"
    with sessions() as session:
        sources = sorted(session.execute(select(Ticket.source_message_id)).scalars())
    assert sources == sorted(r.message_id for r in reports)

    assert after_crash.recover() == 0
    assert restarted(config, sessions, classifier, clock).recover() == 0
    assert ledger(sessions) == first, "a second recovery changes nothing"


def test_recover_redoes_left_over_messages_in_the_order_they_arrived(core, config, sessions, classifier, clock):
    report = said(601, complaint(3))
    photo = said(601, photo=True)  # the resident's photo right after the report joins that ticket
    claim = said(WANG, "认领 1", name="王芳")
    core.accept([report, photo, claim])

    assert restarted(config, sessions, classifier, clock).recover() == 3
    with sessions() as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        actions = [e.action for e in ticket.events]
    assert (ticket.status, ticket.assignee_name) == ("claimed", "王芳")
    assert actions == ["open", "followup", "claim"]


def test_only_messages_left_pending_are_redone(core, chat, config, sessions, classifier, clock):
    chat.say(601, complaint(1))  # processed before the crash
    core.accept([said(602, complaint(2))])  # stored, not processed
    before = ledger(sessions)
    assert before["tickets"] == 1 and before["pending"] == 1

    assert restarted(config, sessions, classifier, clock).recover() == 1
    after = ledger(sessions)
    assert after["tickets"] == 2 and after["pending"] == 0
    assert set(before["outbox"]) < set(after["outbox"]), "what was queued before the crash is queued once"
    assert len(after["outbox"]) == len(set(after["outbox"]))


def test_a_recovered_message_that_telegram_delivers_again_after_the_restart_is_not_processed_twice(
    core, config, sessions, classifier, clock
):
    report = said(601, complaint(4))
    core.accept([report])
    after_crash = restarted(config, sessions, classifier, clock)
    after_crash.recover()
    first = ledger(sessions)

    # Telegram re-sends updates the dead process never confirmed: stored again, handled again.
    after_crash.accept([report])
    again = after_crash.handle(report)
    assert again.outbounds == [] and again.toast is None
    assert ledger(sessions) == first
