"""A ticket's status: its own module so the command line can offer the choices without loading the config."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"  # 受理, awaiting a claim
    CLAIMED = "claimed"  # 已接单
    RESOLVED = "resolved"  # 已办结, awaiting the resident's rating
    CLOSED = "closed"  # 已归档
    REOPENED = "reopened"  # 不满意: back to the assignee, escalated
    TRANSFERRED = "transferred"  # 转交 to a department, clock paused
    CANCELLED = "cancelled"


OPEN_STATUSES = (Status.NEW, Status.CLAIMED, Status.REOPENED, Status.TRANSFERRED)
ACTIVE_STATUSES = (Status.NEW, Status.CLAIMED, Status.REOPENED)
