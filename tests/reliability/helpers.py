"""Shared pieces of the reliability tests: residents with distinct complaints, and what people saw."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

GROUP = -1001000000001  # grid dj-1 (桂花苑)
WANG, LI, ADMIN = 1001, 1002, 9001

# Clear complaints the classifier reads as requests (non-urgent, confident), one building each, so that
# none is folded into another as 附议 (same grid, category, place and matter) and every one opens its own ticket.
TEMPLATES = [
    "{n}栋楼道堆满杂物 好几天了没人管",
    "{n}栋门口垃圾堆成山 臭了好几天没人清理",
    "{n}栋电梯坏了 老人下不了楼 一直没人修",
    "{n}栋路灯坏了 晚上黑漆漆的 没人管",
    "{n}栋楼道灯不亮了 好几天没人修",
]


def complaint(n: int) -> str:
    return TEMPLATES[n % len(TEMPLATES)].format(n=n)


def residents(count: int, first_id: int = 601) -> list[tuple[int, str]]:
    return [(first_id + i, f"居民{i + 1:02d}") for i in range(count)]


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def acknowledged(sandbox, chat_id: int = GROUP) -> list[int]:
    """Ticket numbers the group was told are 已受理, in the order it saw them.

    One acknowledgement reads "已受理 #7｜环境卫生…"; when acknowledgements pile up behind a slow or
    rate-limited chat the outbox folds them into one line, "已受理 #7 #8 #9，共 3 条…": each number counts.
    """
    numbers = []
    for message in sandbox.bot_messages(chat_id):
        for line in text_of(message).splitlines():
            if line.startswith("已受理"):
                head = line.split("｜")[0].split("，")[0]
                numbers += [int(n) for n in re.findall(r"#(\d+)", head)]
    return numbers


def ticket_number(message: dict[str, Any]) -> int:
    match = re.search(r"#(\d+)", text_of(message))
    assert match, f"no ticket number in {text_of(message)!r}"
    return int(match.group(1))


def acks_per_resident(sandbox, reporters: dict[int, int], chat_id: int = GROUP) -> Counter:
    """How many acknowledgements each resident got, given {ticket number: reporter id}."""
    return Counter(reporters.get(n, f"unknown ticket #{n}") for n in acknowledged(sandbox, chat_id))


async def eventually(
    check: Callable[[], Any | Awaitable[Any]], timeout: float, what: Callable[[], str], interval: float = 0.05
) -> Any:
    """Poll `check` until it returns something truthy; fail with `what()` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() >= deadline:
            raise AssertionError(f"not within {timeout:.0f}s: {what()}")
        await asyncio.sleep(interval)
