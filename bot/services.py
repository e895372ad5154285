"""一次性告知: common service questions answered at once from the admin's service guide."""

from __future__ import annotations

import re

from bot import texts
from bot.config import Config, Grid, ServiceEntry
from bot.messages import Inbound
from bot.questions import remember_question
from bot.tickets import Context
from nlp.script import to_simplified

_ASKING = re.compile(
    r"问|咨询|怎么|如何|哪里|哪儿|在哪|去哪|到哪|找谁|咋|需要什么|要带|要什么|能不能办|可以办|流程|手续|[?？吗]"
)
# "孩子的身份证丢了 要补办", "想申请高龄补贴": a need to apply is answered by the guide as a question is
_NEEDING = re.compile(r"(?:要|想|得|需要|准备|打算)(?:去)?(?:补办|办理|办(?!法)|申请|认证)")
# "低保申请三个月了还没批下来 怎么回事", "高龄补贴这个月怎么没到账": a matter stuck on the way, or a payment that
# did not come, for a worker to chase, not a how-to question.
_STALLED = re.compile(
    r"(个月|多月|天|周|星期|年)了?[，,\s]*(还|都|也)?没|迟迟|一直没|拖了|没下文|没消息|怎么回事|咋回事"
    r"|没到账|没发下来|没有发|没发|没收到|停发"
)

# Where one matter ends and the next begins: "17栋路灯坏了，另外问下高龄补贴怎么申请", "问下低保？还有电梯又坏了"
_CLAUSE_BREAK = re.compile(r"[，。,.!！?？；;\s]+|另外|还有|顺便|再问")


def match_service(config: Config, text: str) -> ServiceEntry | None:
    """The guide entry a message asks about: the longest matching keyword wins."""
    text = to_simplified(text)  # 高齡補貼 is asked about as 高龄补贴
    best: tuple[int, ServiceEntry] | None = None
    for entry in config.services:
        for keyword in entry.keywords:
            if keyword in text and (best is None or len(keyword) > best[0]):
                best = (len(keyword), entry)
    return best[1] if best else None


def besides_service(text: str, entry: ServiceEntry) -> str:
    """The clauses of `text` that do not ask about `entry`: a problem reported in the same breath."""
    simplified = to_simplified(text)
    clauses = [c for c in _CLAUSE_BREAK.split(simplified) if c and not any(k in c for k in entry.keywords)]
    return " ".join(clauses)


def is_asking(text: str) -> bool:
    return bool(_ASKING.search(text))


def wants_guide(text: str, entry: ServiceEntry) -> bool:
    """A question about the entry, a need to apply for it, or its name alone ("高龄补贴", "暂住证？")."""
    if is_asking(text) or _NEEDING.search(text):
        return True
    bare = re.sub(r"[\s\W_]+", "", to_simplified(text))  # 高齡補貼 alone names 高龄补贴
    return bare in entry.keywords


def is_stalled(text: str) -> bool:
    """A complaint that an application is stuck: a ticket for a worker, not the guide's how-to answer."""
    return bool(_STALLED.search(text))


def answer_service(ctx: Context, entry: ServiceEntry, msg: Inbound, grid: Grid | None, category: str | None) -> None:
    """Answer in full at once; remember the question so that 需要帮助 can turn it into a ticket."""
    ctx.reply(
        texts.service_answer(
            entry.name, entry.materials, entry.where, entry.hours, entry.time_limit, entry.phone, entry.notes
        ),
        kind="service",
    )
    grid_id = grid.id if grid is not None else None  # asked in private before the resident named their grid
    remember_question(ctx, msg, "service", grid_id=grid_id, category=category, payload={"service": entry.name})
