"""Residents' grids: learned from the group they post in, or asked for once when they write privately."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Grid
from bot.messages import Inbound
from bot.models import Resident
from bot.questions import remember_question
from bot.tickets import Context

# Built once: the statement is the same for every message, only the values change. Rows are written by an upsert
# that bypasses the session: a Resident it already holds is read again.
BY_USER = (
    select(Resident)
    .where(Resident.platform == bindparam("platform"), Resident.user_id == bindparam("user"))
    .execution_options(populate_existing=True)
)


def _upsert(session: Session):
    """The dialect's INSERT … ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class ResidentBook:
    def __init__(self) -> None:
        # Which grid each resident was last recorded in: saves a write per message; the table stays the truth.
        self._recorded: dict[tuple[str, str], str] = {}

    def forget(self) -> None:
        self._recorded.clear()

    def remember(self, ctx: Context, msg: Inbound, grid: Grid | None) -> None:
        """Record the grid a resident posts in."""
        if grid is None or ctx.actor.is_staff:
            return
        if self._recorded.get((msg.platform, msg.user_id)) == grid.id:
            return
        if len(self._recorded) > 100_000:
            self._recorded.clear()
        self._recorded[(msg.platform, msg.user_id)] = grid.id
        # One statement, not a select and then an insert or update through the session's flush: a burst of
        # new residents writes a row each.
        table = Resident.__table__  # a plain table statement: no ORM bookkeeping, no autoflush
        ctx.session.execute(
            _upsert(ctx.session)(table)
            .values(
                platform=msg.platform, user_id=msg.user_id, name=msg.user_name, grid_id=grid.id, updated_at=ctx.now
            )
            .on_conflict_do_update(
                index_elements=[table.c.platform, table.c.user_id],
                set_={"grid_id": grid.id, "updated_at": ctx.now},
            )
        )

    def grid_of(self, ctx: Context, msg: Inbound) -> Grid | None:
        """A resident writing privately: their grid is known from the group, or asked for once."""
        if ctx.actor.is_staff and len(ctx.actor.grids) == 1:
            return ctx.config.grid(next(iter(ctx.actor.grids)))
        resident = ctx.session.execute(BY_USER, {"platform": msg.platform, "user": msg.user_id}).scalar_one_or_none()
        grid = ctx.config.grid(resident.grid_id) if resident and resident.grid_id else None
        if grid is None and msg.text.strip():
            remember_question(ctx, msg, "grid")
            choices = "；".join(f"{g.id}（{g.name}）" for g in ctx.config.grids)
            ctx.reply(texts.ask_grid(choices), kind="ask_grid")
        return grid
