"""社区派单: which worker a new ticket goes to, by the category's role and the open load in the grid."""

from __future__ import annotations

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from bot.config import Category, Config, Role, Worker
from bot.models import Ticket
from bot.workflow import OPEN_STATUSES


def candidates(config: Config, grid_id: str, category: Category) -> list[Worker]:
    """Workers of the grid holding the category's role; falls back up the ladder when none do."""
    ladder = [category.role, Role.GRID_WORKER, Role.GRID_LEADER, Role.SECRETARY, Role.ADMIN]
    for role in ladder:
        found = config.workers_of(grid_id, role)
        if found:
            return found
    return []


_OWNER = func.coalesce(Ticket.assignee_id, Ticket.suggested_id)
# Built once (every new ticket asks it): only the worker ids change.
OPEN_LOAD = (
    select(_OWNER, func.count())
    .where(Ticket.status.in_([s.value for s in OPEN_STATUSES]))
    .where(
        or_(
            Ticket.assignee_id.in_(bindparam("users", expanding=True)),
            Ticket.suggested_id.in_(bindparam("users", expanding=True)),
        )
    )
    .group_by(_OWNER)
)


def open_load(session: Session, user_ids: list[str]) -> dict[str, int]:
    rows = session.execute(OPEN_LOAD, {"users": list(user_ids)}).all()
    return {user_id: count for user_id, count in rows}


def choose_worker(session: Session, config: Config, grid_id: str, category: Category) -> Worker | None:
    """The candidate with the fewest open tickets; config order breaks ties so routing is predictable."""
    found = candidates(config, grid_id, category)
    if not found:
        return None
    load = open_load(session, [w.user_id for w in found])
    return min(found, key=lambda w: load.get(w.user_id, 0))


def leaders_of(config: Config, grid_id: str) -> list[Worker]:
    return config.workers_of(grid_id, Role.GRID_LEADER)


def secretaries(config: Config) -> list[Worker]:
    return config.with_roles(Role.SECRETARY)
