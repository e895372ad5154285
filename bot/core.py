"""The channel-neutral core: store every inbound first (inbox), act on it in one transaction, queue replies (outbox)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from bot import texts
from bot.addressing import with_address_hint
from bot.chat_moves import load_moves
from bot.config import Config, Role
from bot.db import found_in
from bot.intake import Intake
from bot.messages import Inbound, Outbound, Result
from bot.models import InboxMessage, OutboxMessage, Ticket
from bot.outbox import held_for_later
from bot.tickets import Context
from bot.workflow import OPEN_STATUSES, actor_for

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def running_from(start: dt.datetime) -> Clock:
    """Real time, moved to `start`: the timers and polling stay real while the calendar reads a chosen moment."""
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


def queue(session: Session, messages: Iterable[Outbound], now: dt.datetime, config: Config) -> int:
    """Write sends to the outbox in the caller's transaction; scheduled sends with a known key are skipped.

    Returns how many were written. One bulk INSERT, outside the ORM's unit of work: a burst writes
    thousands of these, and nothing reads them back in the same transaction.
    """
    messages = with_address_hint(messages, config)
    with session.no_autoflush:
        taken = known_keys(session, [m.idempotency_key for m in messages if m.idempotency_key is not None])
        rows = []
        for message in messages:
            if message.idempotency_key is not None:
                if message.idempotency_key in taken:
                    continue
                taken.add(message.idempotency_key)
            rows.append(
                {
                    "chat_id": message.chat_id,
                    "text": message.text,
                    "buttons": [[{"label": b.label, "data": b.data} for b in line] for line in message.buttons],
                    "mentions": [{"user_id": m.user_id, "name": m.name} for m in message.mentions],
                    "reply_to_message_id": message.reply_to_message_id,
                    "ticket_id": message.ticket_id,
                    "kind": message.kind,
                    "photo_id": message.photo_id,
                    "idempotency_key": message.idempotency_key,
                    "status": "pending",
                    "attempts": 0,
                    "last_error": "",
                    "due_at": message.due_at or now,
                    "created_at": now,
                }
            )
        if rows:
            session.execute(insert(OutboxMessage).execution_options(render_nulls=True), rows)
    return len(rows)


def known_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of `keys` the outbox already holds."""
    return found_in(session, OutboxMessage.idempotency_key, OutboxMessage.idempotency_key, keys)


class Core:
    """What every transport calls: accept() stores an inbound durably, process() acts on it exactly once."""

    def __init__(self, config: Config, sessions: sessionmaker[Session], classifier, clock: Clock = utcnow):
        self.config = config
        self.sessions = sessions
        self.intake = Intake(classifier)
        self.clock = clock
        with sessions() as session:
            load_moves(session, config)  # groups that moved serve their grid under the new id after a restart

    def accept(self, inbounds: Iterable[Inbound]) -> None:
        """Store inbounds before anything else is done with them; ones already stored are left as they are."""
        inbounds = list(inbounds)
        if not inbounds:
            return
        now = self.clock()
        with self.sessions() as session, session.begin():
            known = set(
                session.execute(
                    select(InboxMessage.update_id).where(
                        InboxMessage.platform == inbounds[0].platform,
                        InboxMessage.update_id.in_([i.update_id for i in inbounds]),
                    )
                ).scalars()
            )
            for inbound in inbounds:
                if inbound.update_id not in known:
                    known.add(inbound.update_id)
                    session.add(self._row(inbound, now))

    def _row(self, inbound: Inbound, now: dt.datetime) -> InboxMessage:
        return InboxMessage(
            platform=inbound.platform,
            update_id=inbound.update_id,
            chat_id=inbound.chat_id,
            message_id=inbound.message_id,
            payload=inbound.to_json(),
            status="pending",
            received_at=now,
        )

    def process(self, inbox_id: int | None = None, inbound: Inbound | None = None) -> Result:
        """Act on one inbound in a single transaction: ticket changes, outbox rows and the done mark.

        Given an inbox id, that stored row; given an inbound, its row (stored now if the transport has not).
        """
        try:
            with self.sessions() as session, session.begin():
                row = self._row_for(session, inbox_id, inbound)
                if row is None or row.status != "pending":
                    return Result()
                inbox_id = row.id
                return self._queued(session, self._act(session, row))
        except Exception as exc:  # a bug must not lose the message: it stays in the inbox, marked failed
            log.exception("processing inbox row %s failed", inbox_id)
            self.intake.forget_cached()
            with self.sessions() as session, session.begin():
                row = self._row_for(session, inbox_id, inbound)
                if row is None:
                    return Result()
                return self._queued(session, self._mark_failed(session, row, exc))

    def process_many(self, inbounds: Sequence[Inbound]) -> list[Result | None]:
        """Act on many inbounds in one transaction, in the order given: one commit for a whole burst.

        The batch is first run straight through. Should any message raise, or the commit fail, it is all rolled
        back and run again with a savepoint per message (`_process_guarded`), so the failing message alone is
        kept as failed. A savepoint per message costs about as much as a seventh of a message's processing, and
        a burst almost never meets a failure, so it is only paid for then.
        """
        try:
            with self.sessions() as session, session.begin():
                rows = self._rows_for(session, inbounds)
                results: list[Result | None] = []
                replies: list[Outbound] = []  # queued in one INSERT for the whole batch, before its commit
                done: list[int] = []  # marked in one UPDATE too
                for row in rows:
                    result = Result()
                    if row.status == "pending":
                        result = self._act(session, row, marked_later=True)
                        done.append(row.id)
                    replies.extend(result.outbounds)
                    results.append(result)
                if done:
                    session.execute(
                        update(InboxMessage)
                        .where(InboxMessage.id.in_(done))
                        .values(status="done", processed_at=self.clock()),
                        execution_options={"synchronize_session": False},
                    )
                queue(session, replies, self.clock(), self.config)
            return results
        except Exception as exc:
            log.warning("a batch of %d inbox messages met an error (%r); running it again message by message",
                        len(inbounds), exc)
            self.intake.forget_cached()  # what it remembered was rolled back with the batch
            return self._process_guarded(inbounds)

    def _process_guarded(self, inbounds: Sequence[Inbound]) -> list[Result | None]:
        """The batch again, each message in its own savepoint: one whose processing raises is rolled back alone
        and kept as failed. None means "not done, submit again later": a transient database conflict (a
        PostgreSQL deadlock with a scheduler tick), and every later message of that chat in this batch, so that
        each chat stays in order.
        """
        results: list[Result | None] = []
        try:
            with self.sessions() as session, session.begin():
                rows = self._rows_for(session, inbounds)
                deferred: set[str] = set()
                replies: list[Outbound] = []
                for inbound, row in zip(inbounds, rows, strict=True):
                    if inbound.chat_id in deferred:
                        results.append(None)
                        continue
                    if row.status != "pending":
                        results.append(Result())
                        continue
                    try:
                        # The savepoint's writes reach the database when the block ends: a conflict there
                        # belongs to this message too, so its result is kept only once the block is done.
                        with session.begin_nested():
                            result = self._act(session, row)
                    except Exception as exc:
                        self.intake.forget_cached()  # what it remembered was rolled back with it
                        if isinstance(exc, DBAPIError) and _is_transient(exc):
                            log.warning("inbox row %s met a transient conflict; retried: %s", row.id, exc.orig)
                            deferred.add(inbound.chat_id)
                            results.append(None)
                            continue
                        log.exception("processing inbox row %s failed", row.id)
                        with session.begin_nested():
                            result = self._mark_failed(session, row, exc)
                    replies.extend(result.outbounds)
                    results.append(result)
                queue(session, replies, self.clock(), self.config)
            return results
        except Exception:  # the batch itself failed (e.g. at commit): each message on its own, as ever
            log.exception("a batch of %d inbox messages failed; processing them one by one", len(inbounds))
            self.intake.forget_cached()
            return [self.process(inbound=inbound) for inbound in inbounds]

    def _queued(self, session: Session, result: Result) -> Result:
        queue(session, result.outbounds, self.clock(), self.config)
        return result

    def _act(self, session: Session, row: InboxMessage, marked_later: bool = False) -> Result:
        """What one inbound does; the caller queues its replies, alone or with its batch's (nothing in the
        intake reads back a reply queued in the same transaction: only delivered ones, by their message id)."""
        inbound = Inbound.from_json(row.payload)
        now = self.clock()
        ctx = Context(
            session=session,
            config=self.config,
            now=now,
            actor=actor_for(self.config, inbound.user_id, inbound.user_name, inbound.is_bot),
            platform=inbound.platform,
            chat_id=inbound.chat_id,
            message_id=inbound.message_id,
        )
        if marked_later:  # by the caller, with its batch's other rows; a row twice in a batch is still done once
            set_committed_value(row, "status", "done")
        else:  # before acting: rides along with the message's own writes
            row.status, row.processed_at = "done", now
        toast = self.intake.handle(ctx, inbound)
        self._keep_the_night_quiet(session, inbound, ctx.out, now)
        # Each message's writes are in the database when it is done: the next message's intake checks read
        # tickets without autoflush (one flush per message instead of two), and must see them.
        session.flush()
        return Result(outbounds=ctx.out, toast=toast)

    def _keep_the_night_quiet(self, session: Session, inbound: Inbound, out: list[Outbound], now: dt.datetime) -> None:
        """夜间免打扰: what a message at night tells a worker privately (a new ticket, a 附议, more words) waits
        for the morning, unless it is about an urgent ticket. The worker who is acting is awake: nothing to them
        is held, and what was held for a worker who writes to the bot goes now (held rows never block what
        follows them: see OutboxSender._due)."""
        local = now.astimezone(self.config.tz)
        if not self.config.quiet_hours.contains(local.time()):
            return
        if inbound.chat_type == "private" and self.config.worker(inbound.user_id) is not None:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == inbound.chat_id, held_for_later(now))
                .values(due_at=now)
            )
        morning = self.config.quiet_hours.end_after(local)
        for outbound in out:
            held = (
                outbound.due_at is None
                and outbound.chat_id not in (inbound.chat_id, inbound.user_id)
                and self.config.worker(outbound.chat_id) is not None
                and outbound.kind != "urgent"
                and not self._about_an_urgent_ticket(session, outbound)
            )
            if held:
                outbound.due_at = morning

    @staticmethod
    def _about_an_urgent_ticket(session: Session, outbound: Outbound) -> bool:
        if outbound.ticket_id is None:
            return False
        ticket = session.get(Ticket, outbound.ticket_id)  # usually in the session already: no query
        return ticket is not None and ticket.urgent

    def _mark_failed(self, session: Session, row: InboxMessage, exc: Exception) -> Result:
        row.status, row.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        session.flush()  # a row stored only now gets its id, which the notices name
        return Result(outbounds=self._failure_notices(Inbound.from_json(row.payload), row.id))

    def _failure_notices(self, inbound: Inbound, inbox_id: int) -> list[Outbound]:
        """The person hears that their message is kept; the admins hear what failed (never silence)."""
        notices = []
        if not inbound.is_bot and (inbound.text or inbound.kind == "callback"):
            known = inbound.chat_type == "private" or self.config.grid_for_chat(inbound.chat_id) is not None
            if known:
                notices.append(
                    Outbound(
                        inbound.chat_id,
                        texts.processing_failed(),
                        reply_to_message_id=inbound.message_id if inbound.kind != "callback" else None,
                        kind="failure",
                        # Told once: a `gridbot inbox --retry` that fails again does not apologise again.
                        idempotency_key=f"failure:{inbox_id}",
                    )
                )
        for admin in self.config.with_roles(Role.ADMIN):
            notices.append(
                Outbound(
                    admin.user_id,
                    texts.processing_failed_admin(inbox_id, inbound.chat_id, inbound.text[:200]),
                    kind="failure_admin",
                    idempotency_key=f"failure:{inbox_id}:{admin.user_id}",
                )
            )
        return notices

    def _row_for(self, session: Session, inbox_id: int | None, inbound: Inbound | None) -> InboxMessage | None:
        if inbound is None:
            return session.get(InboxMessage, inbox_id)
        row = session.execute(
            select(InboxMessage).where(
                InboxMessage.platform == inbound.platform, InboxMessage.update_id == inbound.update_id
            )
        ).scalar_one_or_none()
        if row is None:
            row = self._row(inbound, self.clock())
            session.add(row)
        return row

    def _rows_for(self, session: Session, inbounds: Sequence[Inbound]) -> list[InboxMessage]:
        """The stored rows of `inbounds` in one query; any not stored yet are stored now."""
        by_key: dict[tuple[str, str], InboxMessage] = {}
        for platform in {i.platform for i in inbounds}:
            ids = [i.update_id for i in inbounds if i.platform == platform]
            for found in session.execute(
                select(InboxMessage).where(InboxMessage.platform == platform, InboxMessage.update_id.in_(ids))
            ).scalars():
                by_key[(found.platform, found.update_id)] = found
        rows = []
        for inbound in inbounds:
            row = by_key.get((inbound.platform, inbound.update_id))
            if row is None:
                row = by_key[(inbound.platform, inbound.update_id)] = self._row(inbound, self.clock())
                session.add(row)
            rows.append(row)
        session.flush()
        return rows

    def handle(self, inbound: Inbound) -> Result:
        """Store (if not yet stored) and process one inbound: the whole path, idempotent."""
        return self.process(inbound=inbound)

    def pending(self) -> list[int]:
        """Inbox rows taken in but not processed, e.g. because the process was killed: redone at start."""
        with self.sessions() as session:
            return list(
                session.execute(
                    select(InboxMessage.id).where(InboxMessage.status == "pending").order_by(InboxMessage.id)
                ).scalars()
            )

    def orphaned_grids(self) -> dict[str, int]:
        """Open tickets of grids the config no longer lists (a grid renamed or removed): nobody is reminded of them
        and no worker may act on them, so the admin is told at start."""
        listed = [grid.id for grid in self.config.grids]
        with self.sessions() as session:
            rows = session.execute(
                select(Ticket.grid_id, func.count())
                .where(Ticket.status.in_([s.value for s in OPEN_STATUSES]), Ticket.grid_id.not_in(listed))
                .group_by(Ticket.grid_id)
            ).all()
        return {grid_id: count for grid_id, count in rows}

    def stranded_tickets(self) -> dict[tuple[str, str], list[int]]:
        """Open tickets claimed by someone the config no longer lists (a worker who left): 首问负责 keeps them his,
        but he may no longer act on them, so the admin is told at start to have the grid leader 改派 them."""
        listed = [worker.user_id for worker in self.config.workers]
        with self.sessions() as session:
            rows = session.execute(
                select(Ticket.assignee_id, Ticket.assignee_name, Ticket.id)
                .where(
                    Ticket.status.in_([s.value for s in OPEN_STATUSES]),
                    Ticket.assignee_id.is_not(None),
                    Ticket.assignee_id.not_in(listed),
                )
                .order_by(Ticket.id)
            ).all()
        stranded: dict[tuple[str, str], list[int]] = {}
        for user_id, name, number in rows:
            stranded.setdefault((user_id, name or user_id), []).append(number)
        return stranded

    def failed(self) -> list[InboxMessage]:
        """Messages whose processing raised (a bug): kept, listed for the admin, and retried on request."""
        with self.sessions() as session:
            return list(
                session.execute(
                    select(InboxMessage).where(InboxMessage.status == "failed").order_by(InboxMessage.id)
                ).scalars()
            )

    def inbox_status(self, inbox_id: int) -> str | None:
        """An inbox row's status ("pending", "done", "failed"), or None when there is no such row."""
        with self.sessions() as session:
            row = session.get(InboxMessage, inbox_id)
            return None if row is None else row.status

    def retry(self, inbox_id: int) -> str:
        """Process a failed message again (e.g. after the bug is fixed); returns its status afterwards."""
        with self.sessions() as session, session.begin():
            row = session.get(InboxMessage, inbox_id)
            if row is None:
                return "missing"
            if row.status != "failed":
                return row.status
            row.status, row.error = "pending", ""
        self.process(inbox_id)
        with self.sessions() as session:
            return session.get(InboxMessage, inbox_id).status

    def recover(self) -> int:
        done = 0
        for inbox_id in self.pending():
            self.process(inbox_id)
            done += 1
        return done


def _is_transient(exc: DBAPIError) -> bool:
    """A conflict that goes away when tried again: PostgreSQL's deadlock and serialisation failures."""
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")
