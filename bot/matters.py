"""What a report is about, so that only reports of the same matter fold together as 附议.

A ticket keeps the classifier's words for its matter, strongest first (" 电梯 坏了 "). Sharing any one word is
not enough: 坏了, 不亮 or 楼道 are said of many different things, and "3栋门口的路灯坏了" was folded into
"3栋电梯坏了" that way. Two reports are about the same matter when what one is mainly about — its strongest
word — is among the other's words: "又停电了" and "停电了 电梯也停了" are one power cut, "路灯坏了" and
"电梯坏了" are two faults.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, or_

from bot.models import Ticket

# Words residents use for one fault, kept as one: "顶楼渗水" and "顶楼漏水了" are the same leak.
_ONE_FAULT = {
    "渗水": "漏水",
    "漏雨": "漏水",
    "滴水": "漏水",
    "断电": "停电",
    "没电": "停电",
    "断水": "停水",
    "没水": "停水",
    "堵塞": "堵了",
    "堵住": "堵了",
}


# What breaks, leaks, stops or overflows: a fault by itself, whatever it is of ("电梯停了", "垃圾桶满了")
_FAULT = re.compile(
    "|".join((*_ONE_FAULT, *dict.fromkeys(_ONE_FAULT.values()), "坏了", "坏掉", "不亮", "不通", "跳闸", "停了", "满了"))
)


def names_a_fault(text: str) -> bool:
    return _FAULT.search(text) is not None


def matter_of(keywords: Sequence[str]) -> str:
    """The matter words a ticket keeps: the classifier's keywords (strongest first), space-delimited."""
    words = list(dict.fromkeys(_ONE_FAULT.get(word, word) for word in keywords))
    return f" {' '.join(words[:3])} " if words else ""


def same_matter(matter: str) -> ColumnElement[bool]:
    """Where-clause: the ticket's main word is among `matter`'s words, or `matter`'s main word among its own."""
    words = matter.split()
    if not words:
        return false()
    return or_(
        Ticket.matter.contains(f" {words[0]} ", autoescape=True),
        *(Ticket.matter.startswith(f" {word} ", autoescape=True) for word in words),
    )


def is_same_matter(matter: str, ticket_matter: str) -> bool:
    """same_matter for one ticket's matter already read: the same test, in Python."""
    words = matter.split()
    return bool(words) and (
        f" {words[0]} " in ticket_matter or any(ticket_matter.startswith(f" {word} ") for word in words)
    )
