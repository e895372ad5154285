"""Residents' grids: learned from the group they post in, or asked for once when they write privately."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Grid
from bot.messages import Inbound
from bot.models import Resident
from bot.places import grids_with_building
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

    def remember(self, ctx: Context, msg: Inbound, grid: Grid | None, told: bool = False) -> None:
        """Record the grid a resident posts in, or the one a person `told` the bot (a worker of several too)."""
        if grid is None or (ctx.actor.is_staff and not told):
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
        """Whose grid a private message is for: the one listing the building it names, else the sender's (a
        worker's only grid; a resident's from the group they post in, or as told); None when not known."""
        known = None
        if ctx.actor.is_staff and len(ctx.actor.grids) == 1:
            known = ctx.config.grid(next(iter(ctx.actor.grids)))
        else:
            resident = ctx.session.execute(
                BY_USER, {"platform": msg.platform, "user": msg.user_id}
            ).scalar_one_or_none()
            known = ctx.config.grid(resident.grid_id) if resident and resident.grid_id else None
        named = grids_with_building(ctx.config.grids, msg.text)
        if len(named) > 1 and ctx.actor.is_staff:  # 3栋 in two estates: the one the worker serves
            named = [grid for grid in named if grid.id in ctx.actor.grids] or named
        # The building decides when it names one grid; when it names several (3栋 in two estates), or none,
        # the sender's own grid does.
        return named[0] if len(named) == 1 else known

    def ask_grid(self, ctx: Context, msg: Inbound) -> None:
        """Ask which grid, once per message, keeping the message to handle when the answer comes."""
        if not msg.text.strip():
            return
        remember_question(ctx, msg, "grid")
        # a worker serving two grids is offered those two, not the whole community's
        offered = [g for g in ctx.config.grids if g.id in ctx.actor.grids] if ctx.actor.is_staff else []
        offered = offered or ctx.config.grids
        choices = "；".join(f"{g.id}（{g.name}）" for g in offered)
        ctx.reply(texts.ask_grid(choices, offered[0].id, ctx.actor.is_staff), kind="ask_grid")
