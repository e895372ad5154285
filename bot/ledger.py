"""The 台账 for admins: ticket listings, the weekly report and the Excel export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from bot import texts
from bot.config import Config
from bot.core import utcnow
from bot.db import create_db_engine, migrate, session_factory
from bot.deadlines import past_deadline
from bot.digest import digest_text, parse_week, week_of
from bot.models import Ticket, TicketEvent


def _sessions(config: Config):
    """The 台账 only reads: a database that is not there is refused (DatabaseMissing), not created empty."""
    engine = create_db_engine(config.database.url, create=False)
    migrate(engine)
    return session_factory(engine)


def ticket_row(ticket: Ticket, config: Config) -> dict:
    category = config.category(ticket.category)
    return {
        "number": ticket.id,
        "status": ticket.status,
        "status_name": texts.STATUS_NAMES.get(ticket.status, ticket.status),
        "category": ticket.category,
        "category_name": category.name if category else ticket.category,
        "handling": ticket.handling,
        "grid": ticket.grid_id,
        "urgent": ticket.urgent,
        "reporter": ticket.reporter_name,
        "reporter_id": ticket.reporter_id,
        "assignee": ticket.assignee_name,
        "text": ticket.text,
        "place": ticket.place,
        "department": ticket.department,
        "rating": ticket.rating,
        "created_at": ticket.created_at.isoformat(),
        "deadline_at": ticket.deadline_at.isoformat(),
        "claimed_at": ticket.claimed_at.isoformat() if ticket.claimed_at else None,
        "resolved_at": ticket.resolved_at.isoformat() if ticket.resolved_at else None,
        "closed_at": ticket.closed_at.isoformat() if ticket.closed_at else None,
        "supporters": len(ticket.supporters),
    }


def list_tickets(config: Config, status: str | None = None, grid: str | None = None) -> list[dict]:
    with _sessions(config)() as session:
        query = select(Ticket).order_by(Ticket.id)
        if status:
            query = query.where(Ticket.status == status)
        if grid:
            query = query.where(Ticket.grid_id == grid)
        return [ticket_row(t, config) for t in session.execute(query).scalars()]


def weekly_report(config: Config, week: str | None = None, now: dt.datetime | None = None) -> str:
    now = now or utcnow()
    span = parse_week(week, config) if week else week_of(now.astimezone(config.tz) - dt.timedelta(days=7))
    with _sessions(config)() as session:
        return "\n\n".join(digest_text(session, config, grid, span, now) for grid in config.grids)


FORMULA_START = ("=", "+", "-", "@")  # what spreadsheet programs read as the start of a formula


def export_xlsx(config: Config, path: Path) -> int:
    """Two sheets, 工单 and 办理记录, readable by any grid office's Excel."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = texts.LEDGER_TICKETS_SHEET
    sheet.append(texts.LEDGER_TICKETS_HEADERS)
    events = workbook.create_sheet(texts.LEDGER_EVENTS_SHEET)
    events.append(texts.LEDGER_EVENTS_HEADERS)

    def local(moment: dt.datetime | None) -> dt.datetime | None:
        """A real date and time (Excel can sort it and count days between), in the office's time zone."""
        return moment.astimezone(config.tz).replace(tzinfo=None, second=0, microsecond=0) if moment else None

    def late(ticket: Ticket) -> bool:
        """Finished after its deadline, or still owed past it."""
        if ticket.resolved_at is not None:
            return ticket.resolved_at > ticket.deadline_at
        return past_deadline(ticket, now)

    now = utcnow()
    count = 0
    with _sessions(config)() as session:
        for ticket in session.execute(select(Ticket).order_by(Ticket.id)).scalars():
            category = config.category(ticket.category)
            grid = config.grid(ticket.grid_id)
            sheet.append(
                [
                    ticket.id,
                    texts.STATUS_NAMES.get(ticket.status, ticket.status),
                    grid.name if grid else ticket.grid_id,
                    category.name if category else ticket.category,
                    texts.HANDLING_NAMES.get(ticket.handling, ""),
                    texts.YES if ticket.urgent else texts.NO,
                    ticket.reporter_name,
                    ticket.text,
                    ticket.place,
                    ticket.assignee_name or "",
                    ticket.department or "",
                    local(ticket.created_at),
                    local(ticket.deadline_at),
                    local(ticket.claimed_at),
                    local(ticket.resolved_at),
                    local(ticket.closed_at),
                    texts.RATING_NAMES.get(ticket.rating or "", ""),
                    len(ticket.supporters),
                    texts.YES if late(ticket) else texts.NO,
                ]
            )
            count += 1
        for event in session.execute(select(TicketEvent).order_by(TicketEvent.id)).scalars():
            events.append(
                [
                    event.ticket_id,
                    local(event.created_at),
                    texts.ACTION_NAMES.get(event.action, event.action),
                    event.actor_name,
                    texts.ROLE_NAMES.get(event.actor_role, event.actor_role),
                    texts.STATUS_NAMES.get(event.from_status or "", ""),
                    texts.STATUS_NAMES.get(event.to_status or "", ""),
                    event.detail,
                ]
            )
    for ws, widths in ((sheet, [6, 10, 22, 10, 10, 6, 10, 50]), (events, [8, 17, 10, 10, 8, 10, 10, 50])):
        for index, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
    for ws in (sheet, events):
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"  # what a resident typed stays text: "=1+1…" is never run as a formula
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return count
