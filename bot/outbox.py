"""Draining the outbox: every send retried with backoff, in order per chat, never silently dropped."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.channel import Channel, SendFailure
from bot.config import Config, Role
from bot.messages import Button, Mention, Outbound
from bot.models import OutboxMessage

log = logging.getLogger(__name__)
RunDb = Callable[[Callable], Awaitable]
MAX_ATTEMPTS = 8
# Routine notices that may be folded into one summary when they pile up behind a chat's rate limit.
GROUP_SUMMARY_KINDS = ("ack", "support", "followup", "claimed", "unclaimed")
DM_SUMMARY_KINDS = ("support", "followup", "reminder")  # a leader's 31 督办 of one tick read as one message
SUMMARY_LIMIT = 200
IN_FLIGHT_GRACE = 5.0  # seconds a stop waits for sends under way to be confirmed
DEFAULT_MAX_TEXT = 4096  # characters in one message, unless the channel says otherwise (Telegram's limit)


def held_for_later(now: dt.datetime):
    """Where-clause: pending rows due later that were never tried (a worker's night-time DM, due in the morning),
    as opposed to rows waiting out a retry's back-off."""
    return and_(OutboxMessage.status == "pending", OutboxMessage.due_at > now, OutboxMessage.attempts == 0)


def summarize(rows: list[OutboxMessage]) -> Outbound:
    """One message standing for several queued notices: "已受理 #12 #13 … 共 N 条", 附议 names, and the rest."""
    acks = [r for r in rows if r.kind == "ack"]
    private = not rows[0].chat_id.startswith("-")  # a worker's DM, not the residents' group
    supports: dict[int | None, list[OutboxMessage]] = {}
    for r in rows:
        if r.kind == "support":
            supports.setdefault(r.ticket_id, []).append(r)
    unclaimed = [r for r in rows if r.kind == "unclaimed"]
    others = [r for r in rows if r.kind not in ("ack", "support", "unclaimed")]
    lines = []
    if len(acks) == 1:
        lines.append(acks[0].text)  # a lone acknowledgement keeps its details (category, worker, deadline)
    elif acks:
        # "#12（张阿姨）" from each acknowledgement's head, so every resident finds their number.
        lines.append(texts.acks_summary([texts.ticket_opened_head(r.text) for r in acks]))
    for ticket_id, group in supports.items():
        names = [m["name"] for r in group for m in (r.mentions or [])]
        who = texts.supporter_names(names, 10)
        summary = texts.supporters_summary_dm if private else texts.supporters_summary
        lines.append(summary(ticket_id, who or texts.MANY_RESIDENTS, len(group)))
    # One re-ping for every ticket nobody has claimed, its workers @-mentioned once.
    pinged = {m["user_id"]: m["name"] for r in unclaimed for m in (r.mentions or [])}
    if len(unclaimed) == 1:
        lines.append(unclaimed[0].text)
    elif unclaimed:
        names = " ".join(f"@{name}" for name in pinged.values())
        lines.append(texts.unclaimed_summary(names, list(dict.fromkeys(r.ticket_id for r in unclaimed))))
    lines.extend(dict.fromkeys(r.text.splitlines()[0] for r in others))  # the same notice twice reads as one
    if any(texts.ADDRESS_ME in r.text for r in rows) and not any(texts.ADDRESS_ME in line for line in lines):
        lines.append(texts.ADDRESS_ME)  # an "@bot only" group: the hint its notices carried, said once
    mentioned = acks if len(acks) == 1 else []
    mentions = [Mention(m["user_id"], m["name"]) for r in mentioned for m in (r.mentions or [])]
    mentions += [Mention(user_id, name) for user_id, name in pinged.items()]
    tickets = {r.ticket_id for r in rows}
    return Outbound(
        chat_id=rows[0].chat_id,
        text="\n".join(lines),
        mentions=mentions,
        ticket_id=tickets.pop() if len(tickets) == 1 else None,  # a reply to it is about one ticket, or none
        kind="summary",
    )


def to_outbound(row: OutboxMessage) -> Outbound:
    return Outbound(
        chat_id=row.chat_id,
        text=row.text,
        buttons=[[Button(b["label"], b["data"]) for b in line] for line in row.buttons or []],
        mentions=[Mention(m["user_id"], m["name"]) for m in row.mentions or []],
        reply_to_message_id=row.reply_to_message_id,
        ticket_id=row.ticket_id,
        kind=row.kind,
        photo_id=row.photo_id,
    )


def backoff(attempts: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return retry_after
    return min(300.0, 2.0**attempts)


class OutboxSender:
    """Sends due outbox rows through a Channel; one ordered lane per chat, many chats at once."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        channel: Channel,
        config: Config,
        run_db: RunDb,
        clock: Callable[[], dt.datetime],
        concurrency: int = 64,
        batch: int = 500,
    ):
        self.sessions = sessions
        self.channel = channel
        self.config = config
        self.run_db = run_db
        self.clock = clock
        self.wakeup = asyncio.Event()
        self.in_flight: set[int] = set()
        self.lanes: dict[str, asyncio.Task] = {}  # each chat's newest lane (it waits for the one before)
        self._running: set[asyncio.Task] = set()  # every lane not finished, the earlier ones of a chat too
        self.limit = asyncio.Semaphore(concurrency)
        self.batch = batch
        self._stopping = False

    def poke(self) -> None:
        """Something new is in the outbox."""
        self.wakeup.set()

    async def run(self, idle: float = 1.0, min_interval: float = 0.05) -> None:
        loop = asyncio.get_running_loop()
        listed = loop.time() - min_interval
        while not self._stopping:
            # A burst pokes once per message; listing at most every 50 ms leaves the database to the intake.
            await asyncio.sleep(max(0.0, listed + min_interval - loop.time()))
            listed = loop.time()
            self.wakeup.clear()
            rows = await self.run_db(self._due)
            if self._stopping:
                break  # stop() has taken the lanes it waits for: a lane started now would outlive the bot
            by_chat: dict[str, list[int]] = {}
            for row_id, chat_id in rows:
                if row_id not in self.in_flight:
                    self.in_flight.add(row_id)
                    by_chat.setdefault(chat_id, []).append(row_id)
            for chat_id, ids in by_chat.items():
                previous = self.lanes.get(chat_id)
                lane = self.lanes[chat_id] = asyncio.create_task(self._lane(chat_id, ids, previous))
                self._running.add(lane)
                lane.add_done_callback(self._running.discard)
            try:
                await asyncio.wait_for(self.wakeup.wait(), timeout=idle)
            except TimeoutError:
                pass

    async def stop(self, drain_timeout: float = 10.0) -> None:
        """Lanes finish the send under way (so a delivered message is marked sent, not sent again after the next
        start) and start no other; what is left stays pending in the outbox."""
        self._stopping = True
        self.wakeup.set()
        lanes = [task for task in self._running if not task.done()]
        if lanes:
            await asyncio.wait(lanes, timeout=max(drain_timeout, IN_FLIGHT_GRACE))
        # What is still under way stays pending in the outbox and goes out after the next start.
        for task in lanes:
            task.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)

    async def drain(self, timeout: float = 30.0) -> bool:
        """Wait until nothing due is left (for tests, the demo and shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            self.poke()
            due = await self.run_db(self._due)
            if not due and not self.in_flight:
                return True
            await asyncio.sleep(0.05)
        return False

    def _due(self) -> list[tuple[int, str]]:
        """Due rows in order, leaving out any chat whose earlier row waits for a retry: a chat's order holds.

        A row held for later without having been tried (a worker's night-time DM, due in the morning) holds
        nothing up: what comes after it, an urgent alert above all, goes when due.
        """
        now = self.clock()
        # The first pending row of each chat that waits for a retry (a short list) is joined to the due rows,
        # instead of a correlated subquery per pending row; rows behind it are left out before the LIMIT, so a
        # chat stuck behind a retry never crowds out the others.
        waiting = (
            select(OutboxMessage.chat_id, func.min(OutboxMessage.id).label("first_id"))
            .where(OutboxMessage.status == "pending", OutboxMessage.due_at > now, OutboxMessage.attempts > 0)
            .group_by(OutboxMessage.chat_id)
            .subquery()
        )
        with self.sessions() as session:
            return [
                (row_id, chat_id)
                for row_id, chat_id in session.execute(
                    select(OutboxMessage.id, OutboxMessage.chat_id)
                    .outerjoin(waiting, waiting.c.chat_id == OutboxMessage.chat_id)
                    .where(
                        OutboxMessage.status == "pending",
                        OutboxMessage.due_at <= now,
                        or_(waiting.c.first_id.is_(None), OutboxMessage.id < waiting.c.first_id),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(self.batch)
                )
            ]

    async def _lane(self, chat_id: str, ids: list[int], previous: asyncio.Task | None) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        try:
            for position, row_id in enumerate(ids):
                if self._stopping:
                    return
                async with self.limit:
                    delivered = await self._send_one(row_id)
                if not delivered:
                    # Keep the chat's order: what follows waits for the retry of this one.
                    for later in ids[position + 1 :]:
                        self.in_flight.discard(later)
                    return
        finally:
            for row_id in ids:
                self.in_flight.discard(row_id)

    async def _send_one(self, row_id: int) -> bool:
        loaded = await self.run_db(self._load, row_id)
        if loaded is None:
            return True
        message, ids = loaded
        try:
            message_id = await self.channel.send(message)
        except SendFailure as failure:
            await self.run_db(self._failed, row_id, failure)
            return False
        except Exception as exc:  # an unexpected transport error is retried like a network fault
            log.exception("send of outbox row %s raised", row_id)
            await self.run_db(self._failed, row_id, SendFailure(f"{type(exc).__name__}: {exc}"))
            return False
        await self.run_db(self._sent, ids, message_id)
        return True

    def _load(self, row_id: int) -> tuple[Outbound, list[int]] | None:
        """The message to send for a row: the row itself, or a summary of the backlog it heads."""
        now = self.clock()
        chat_of_row = select(OutboxMessage.chat_id).where(OutboxMessage.id == row_id).scalar_subquery()
        with self.sessions() as session:
            # The chat's pending rows from its first on, in one query: the row must head them, and the
            # routine notices behind it may be folded into a summary.
            queued = list(
                session.execute(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == "pending",
                        OutboxMessage.chat_id == chat_of_row,
                        ~held_for_later(now),  # held rows stand aside
                    )
                    .order_by(OutboxMessage.id)
                    .limit(SUMMARY_LIMIT)
                ).scalars()
            )
            if not queued or queued[0].id != row_id or queued[0].due_at > now:
                # Sent, failed, waiting for a retry since it was listed (another thread's fresh write), or an
                # earlier message to this chat waits for its retry: this one goes after it.
                return None
            row = queued[0]
            kinds = GROUP_SUMMARY_KINDS if row.chat_id.startswith("-") else DM_SUMMARY_KINDS
            # A photo is sent as itself: a summary's text would drop it.
            def foldable(r: OutboxMessage) -> bool:
                return r.kind in kinds and r.due_at <= now and r.photo_id is None

            backlog = [r for r in queued if foldable(r)] if foldable(row) else [row]
            return self._fitting_summary(backlog)

    def _fitting_summary(self, backlog: list[OutboxMessage]) -> tuple[Outbound, list[int]]:
        """A summary of as much of the backlog as one message can hold; the rest heads the next one.

        A platform cuts a longer message, and the rows it stood for would be marked sent unread.
        """
        limit = int(getattr(self.channel, "max_text", DEFAULT_MAX_TEXT) * 0.9)  # margin: emoji count double
        while len(backlog) >= 2:
            summary = summarize(backlog)
            if len(summary.text) <= limit:
                return summary, [r.id for r in backlog]
            backlog = backlog[: min(len(backlog) - 1, len(backlog) * limit // len(summary.text))]
        return to_outbound(backlog[0]), [backlog[0].id]

    def _sent(self, row_ids: list[int], message_id: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(row_ids))
                .values(
                    status="sent",
                    sent_at=self.clock(),
                    platform_message_id=message_id,
                    attempts=OutboxMessage.attempts + 1,
                )
            )

    def _failed(self, row_id: int, failure: SendFailure) -> None:
        now = self.clock()
        with self.sessions() as session, session.begin():
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = str(failure)[:2000]
            if failure.permanent or row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                log.error(
                    "giving up on outbox row %s to chat %s after %s attempts: %s",
                    row_id,
                    row.chat_id,
                    row.attempts,
                    failure,
                )
                if row.kind != "send_failed":
                    self._report_to_admins(session, row, now)
            else:
                row.due_at = now + dt.timedelta(seconds=backoff(row.attempts, failure.retry_after))
                log.warning("send of outbox row %s failed (%s), retry %s", row_id, failure, row.attempts)

    def _report_to_admins(self, session: Session, row: OutboxMessage, now: dt.datetime) -> None:
        for admin in self.config.with_roles(Role.ADMIN):
            if admin.user_id == row.chat_id:
                continue
            session.add(
                OutboxMessage(
                    chat_id=admin.user_id,
                    text=texts.send_failed_admin(row.chat_id, row.attempts, row.last_error[:200], row.text[:300]),
                    buttons=[],
                    mentions=[],
                    kind="send_failed",
                    ticket_id=row.ticket_id,
                    due_at=now,
                    created_at=now,
                )
            )
