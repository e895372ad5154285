"""一次性告知: common service questions answered at once from the admin's service guide."""

from __future__ import annotations

import re

from bot import texts
from bot.config import Config, Grid, ServiceEntry
from bot.messages import Inbound
from bot.questions import remember_question
from bot.tickets import Context

_ASKING = re.compile(
    r"问|咨询|怎么|如何|哪里|哪儿|在哪|去哪|到哪|找谁|咋|需要什么|要带|要什么|能不能办|可以办|流程|手续|[?？吗]"
)
# "低保申请三个月了还没批下来 怎么回事": a matter stuck on the way, for a worker to chase, not a how-to question.
_STALLED = re.compile(
    r"(个月|多月|天|周|星期|年)了?[，,\s]*(还|都|也)?没|迟迟|一直没|拖了|没下文|没消息|怎么回事|咋回事"
)


def match_service(config: Config, text: str) -> ServiceEntry | None:
    """The guide entry a message asks about: the longest matching keyword wins."""
    best: tuple[int, ServiceEntry] | None = None
    for entry in config.services:
        for keyword in entry.keywords:
            if keyword in text and (best is None or len(keyword) > best[0]):
                best = (len(keyword), entry)
    return best[1] if best else None


def is_asking(text: str) -> bool:
    return bool(_ASKING.search(text))


def is_stalled(text: str) -> bool:
    """A complaint that an application is stuck: a ticket for a worker, not the guide's how-to answer."""
    return bool(_STALLED.search(text))


def answer_service(ctx: Context, entry: ServiceEntry, msg: Inbound, grid: Grid, category: str | None) -> None:
    """Answer in full at once; remember the question so that 需要帮助 can turn it into a ticket."""
    ctx.reply(
        texts.service_answer(
            entry.name, entry.materials, entry.where, entry.hours, entry.time_limit, entry.phone, entry.notes
        ),
        kind="service",
    )
    remember_question(ctx, msg, "service", grid_id=grid.id, category=category, payload={"service": entry.name})
