"""The ticket state machine and who may move a ticket: 受理 → 接单 → 办结 → 评价/回访 → 归档."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.config import Config, Role, Worker
from bot.status import ACTIVE_STATUSES, OPEN_STATUSES, Status  # noqa: F401 - where callers import them from


class Action(StrEnum):
    CLAIM = "claim"
    RESOLVE = "resolve"
    TRANSFER = "transfer"
    RATE = "rate"
    REOPEN = "reopen"  # a bad rating or a failed 回访
    COMPLAIN = "complain"  # 不满意 while it is still in work (again, or before it was ever done)
    REASSIGN = "reassign"
    EXTEND = "extend"
    CLOSE = "close"
    CANCEL = "cancel"
    PROGRESS = "progress"
    NOTE = "note"
    RECATEGORIZE = "recategorize"


# Which statuses each action may start from.
ALLOWED_FROM: dict[Action, tuple[Status, ...]] = {
    Action.CLAIM: (Status.NEW, Status.REOPENED),
    Action.RESOLVE: (Status.CLAIMED, Status.REOPENED, Status.TRANSFERRED),
    Action.TRANSFER: (Status.NEW, Status.CLAIMED, Status.REOPENED),
    Action.RATE: (Status.RESOLVED,),
    Action.REOPEN: (Status.RESOLVED, Status.CLOSED),
    Action.COMPLAIN: (Status.NEW, Status.CLAIMED, Status.REOPENED),  # 不满意 before it is done: passed on
    Action.REASSIGN: (Status.NEW, Status.CLAIMED, Status.REOPENED, Status.TRANSFERRED),
    Action.EXTEND: (Status.NEW, Status.CLAIMED, Status.REOPENED, Status.TRANSFERRED),
    Action.CLOSE: (Status.NEW, Status.CLAIMED, Status.REOPENED, Status.TRANSFERRED, Status.RESOLVED),
    Action.CANCEL: (Status.NEW, Status.CLAIMED, Status.REOPENED),
    Action.PROGRESS: tuple(Status),
    Action.NOTE: (Status.NEW, Status.CLAIMED, Status.REOPENED, Status.TRANSFERRED, Status.RESOLVED),
    Action.RECATEGORIZE: (Status.NEW, Status.CLAIMED, Status.REOPENED),
}

RESIDENT = "resident"
STAFF_ROLES = (Role.GRID_WORKER, Role.GRID_LEADER, Role.SECRETARY, Role.ADMIN)
SUPERVISORS = (Role.GRID_LEADER, Role.SECRETARY, Role.ADMIN)


@dataclass(frozen=True)
class Actor:
    """Whoever acts: a configured worker, or a resident known only by platform id."""

    user_id: str
    name: str
    role: str
    grids: frozenset[str] = frozenset()
    is_bot: bool = False

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def serves(self, grid_id: str) -> bool:
        return self.role in (Role.SECRETARY, Role.ADMIN) or grid_id in self.grids

    def supervises(self, grid_id: str) -> bool:
        return self.role in SUPERVISORS and self.serves(grid_id)


def actor_for(config: Config, user_id: str, name: str, is_bot: bool = False) -> Actor:
    worker: Worker | None = config.worker(user_id)
    if worker is None:
        return Actor(user_id=user_id, name=name, role=RESIDENT, is_bot=is_bot)
    return Actor(user_id=user_id, name=worker.name, role=worker.role.value, grids=frozenset(worker.grids))


@dataclass(frozen=True)
class TicketView:
    """The facts about a ticket that permissions depend on."""

    grid_id: str
    status: str
    reporter_id: str
    assignee_id: str | None
    supporter_ids: frozenset[str] = frozenset()


class Refusal(Exception):
    """An action that is not allowed; the text says why, in Chinese, to the person who tried."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check(action: Action, actor: Actor, ticket: TicketView) -> str | None:
    """Return a refusal key when `actor` may not do `action` on `ticket`, else None."""
    if actor.is_bot:
        return "bot_actor"
    who = _who_may(action, actor, ticket)
    if who is not None:
        return who
    if ticket.status not in ALLOWED_FROM[action]:
        return "bad_status"
    return None


def _who_may(action: Action, actor: Actor, ticket: TicketView) -> str | None:
    is_reporter = actor.user_id == ticket.reporter_id
    involved = is_reporter or actor.user_id in ticket.supporter_ids
    if action is Action.PROGRESS:
        if involved or actor.serves(ticket.grid_id):
            return None
        return "other_grid" if actor.is_staff else "not_yours"
    if action in (Action.RATE, Action.REOPEN, Action.COMPLAIN):
        # Every resident who reported it (the first and each 附议) is asked to confirm, so each may rate.
        if involved or actor.role == Role.ADMIN:
            return None
        return "only_reporter"
    if action is Action.CANCEL:
        return None if is_reporter or actor.supervises(ticket.grid_id) else "only_reporter_or_leader"
    if action is Action.RECATEGORIZE:
        return None if is_reporter or actor.serves(ticket.grid_id) else "only_reporter_or_staff"
    if not actor.is_staff:
        return "residents_cannot"
    # 首问负责: whoever claimed it owns it to the end, even after the admin moved them to another grid
    holds = ticket.assignee_id == actor.user_id and action in (Action.RESOLVE, Action.TRANSFER, Action.NOTE)
    if not actor.serves(ticket.grid_id) and not holds:
        return "other_grid"
    if action in (Action.REASSIGN, Action.EXTEND, Action.CLOSE):
        return None if actor.supervises(ticket.grid_id) else "leaders_only"
    if action in (Action.RESOLVE, Action.TRANSFER):
        owns = ticket.assignee_id in (None, actor.user_id)
        if ticket.status == Status.NEW and action is Action.RESOLVE:
            return None if actor.supervises(ticket.grid_id) else "claim_first"
        return None if owns or actor.supervises(ticket.grid_id) else "owned_by_other"
    if action is Action.CLAIM:
        # 首问负责: a reopened ticket goes back to its owner; others need a leader's 改派.
        if ticket.status == Status.REOPENED and ticket.assignee_id not in (None, actor.user_id):
            return None if actor.supervises(ticket.grid_id) else "owned_by_other"
        return None
    return None
