"""Plain-text commands (WeChat groups have no buttons) and their slash aliases for Telegram."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.script import to_simplified

VERBS = {
    "认领": "claim",
    "接单": "claim",
    "办结": "resolve",
    "转交": "transfer",
    "进度": "progress",
    "查询": "progress",
    "我的工单": "mine",
    "评价": "rate",
    "延期": "extend",
    "改派": "reassign",
    "归档": "close",
    "撤销": "cancel",
    "备注": "note",
    "改类": "recategorize",
    "帮助": "help",
    "立案": "file",
    "不是": "dismiss",
    "议题": "topic",
    "决定": "decide",
    "需要帮助": "needhelp",
    "网格": "setgrid",
}
SLASH = {
    "claim": "claim",
    "done": "resolve",
    "transfer": "transfer",
    "status": "progress",
    "mine": "mine",
    "rate": "rate",
    "extend": "extend",
    "reassign": "reassign",
    "close": "close",
    "cancel": "cancel",
    "note": "note",
    "help": "help",
    "start": "help",
    "topic": "topic",
}
# Everyday words of praise that open plenty of chatter too ("很好，那周末一起去爬山"): a rating only alone, with
# thanks, or said of the work ("不错 师傅很利索")
_SOFT_RATINGS = ("很好", "挺好", "不错", "挺不错", "很不错", "还行", "还可以", "凑合")
_OF_THE_WORK = re.compile(r"^[#＃]?[0-9]|修|弄|处理|解决|换|清|亮|通|师傅|速度|及时|效率|服务|态度|负责|辛苦|谢")
RATINGS = {
    **dict.fromkeys(("满意", "非常满意", "很满意", "挺满意", "十分满意", "特别满意", "好评"), "good"),
    **dict.fromkeys(_SOFT_RATINGS[:5], "good"),
    **dict.fromkeys(("基本满意", *_SOFT_RATINGS[5:]), "fair"),
    # 差评 and 没解决 say what 不满意 says: they must reopen the ticket, not let it close as 默认满意
    **dict.fromkeys(("不满意", "不太满意", "很不满意", "非常不满意", "差评", "没解决", "还没解决"), "bad"),
    **dict.fromkeys(("没修好", "还没修好", "没弄好", "还没弄好", "没处理好", "还没处理"), "bad"),
}

_VERB_RE = re.compile(
    r"^(?P<verb>" + "|".join(sorted(VERBS, key=len, reverse=True)) + r")"
    # "认领 12", "认领#12", "认领：12", "认领 ＃ 12", "认领第12单", "认领 12号"
    r"(?:\s*[:：]?\s*第?\s*[#＃]?\s*(?P<number>\d{1,9})(?!\d)(?:号|单|号单)?)?"
    r"(?:(?P<sep>\s+|[:：,，、])(?P<rest>.*?))?[。.!！]?$",  # "认领 1。"
    re.DOTALL,
)
_SLASH_RE = re.compile(
    r"^/(?P<verb>[a-z]+)(?:@\w+)?(?:\s+[#＃]?(?P<number>\d{1,9})(?!\d))?(?:\s+(?P<rest>.*))?$", re.DOTALL
)
# the longest rating word first (很不满意 before 不满意 before 满意); a spoken 啊 / 呀 after it changes nothing
_RATING_RE = re.compile(
    r"^(?P<rating>" + "|".join(sorted(RATINGS, key=len, reverse=True)) + r")[啊呀哦呢嘛啦哈吧]*"
    r"(?:$|[\s,，:：。!！?？~～]+(?P<rest>.*)$)",
    re.DOTALL,
)
_PROPOSE_RE = re.compile(r"^(?:我|我们)?(?:想|要)?提(?:个|一个|一下|条)?议题\s*[:：，,]?\s*(?P<rest>.*)$", re.DOTALL)
_MENTION_RE = re.compile(r"^(?:@\S+\s*)+")
# "谢谢" "收到" "👍" "谢谢王姐！": a thank-you or an acknowledgement, not a report or a 附议 ("好的 我家也是" is one).
_ACKNOWLEDGEMENT_RE = re.compile(
    r"^(?:谢谢|感谢|多谢|谢啦|辛苦了?|收到|好的|好滴|嗯+|哦+|知道了|明白了?|ok|OK|👍|🙏|👌|\[强\]|\[抱拳\])+"
    r"(?P<rest>[^也同样还没不坏]{0,4})[\s!！。.~～,，]*$"
)
_CONTENT = re.compile(r"[\w\u3400-\u9fff]")


def is_acknowledgement(text: str) -> bool:
    """Thanks, "收到", or only emoji and punctuation: words that ask for nothing."""
    text = text.strip()
    return not _CONTENT.search(text) or bool(_ACKNOWLEDGEMENT_RE.match(text))


@dataclass(frozen=True)
class Command:
    name: str
    number: int | None = None
    args: str = ""


def strip_mentions(text: str) -> str:
    """Drop leading @-mentions (of the bot or of a worker) so that "@网格助手 认领 12" parses."""
    return _MENTION_RE.sub("", text.strip()).strip()


def parse(text: str) -> Command | None:
    """The command a message gives, or None for ordinary speech."""
    text = to_simplified(strip_mentions(text))  # 認領 12, 辦結 3 路燈已修好: the same commands
    if not text:
        return None
    slash = _SLASH_RE.match(text)
    if slash:
        name = SLASH.get(slash["verb"])
        if name is None:
            return Command("unknown", None, slash["verb"])
        return Command(name, _int(slash["number"]), (slash["rest"] or "").strip())
    rating = _rating(text)
    if rating:
        return Command("rate", None, f"{rating['rating']} {rating['rest'] or ''}".strip())
    if text.startswith("决定议题"):  # "决定议题1 下周施工", typed without a space
        return Command("decide", None, text.removeprefix("决定").strip())
    proposed = _PROPOSE_RE.match(text)
    if proposed:  # "我想提个议题：广场舞太吵了", as residents say it
        return Command("topic", None, proposed["rest"].strip())
    match = _VERB_RE.match(text)
    if not match:
        return None
    name = VERBS[match["verb"]]
    rest = (match["rest"] or "").strip()
    if name in ("topic", "setgrid"):  # no ticket number: a topic may start with one ("议题：3号楼门口…")
        return Command(name, None, text[len(match["verb"]) :].strip().lstrip(":：").strip())
    if match["number"] is None and match["sep"] is None and len(text) > len(match["verb"]):
        return None  # "认领一下吧" is speech, not a command
    if name == "mine" and rest:
        return None
    return Command(name, _int(match["number"]), rest)


def parse_rating(args: str) -> tuple[str, str] | None:
    """("bad", "还是没修好") from "不满意 还是没修好"; None when no rating word leads."""
    match = _rating(args.strip())
    if not match:
        return None
    return RATINGS[match["rating"]], (match["rest"] or "").strip()


def _rating(text: str) -> re.Match[str] | None:
    """A rating word leading `text`; a word of praise followed by talk of something else is none."""
    match = _RATING_RE.match(text)
    if match and match["rating"] in _SOFT_RATINGS and match["rest"] and not _OF_THE_WORK.search(match["rest"]):
        return None
    return match


# "认领 1 2 3", "认领2、3": more ticket numbers after the first, and nothing else.
_MORE_NUMBERS = re.compile(r"^(?:[\s、,，和]*[#＃]?\d{1,9}(?!\d))+[\s、,，]*$")


# "办结 1、2 都处理好了": standalone numbers first (not "2楼", "3栋"), then the note.
_NUMBERS_THEN_NOTE = re.compile(
    r"^(?P<numbers>(?:[\s、,，和]*[#＃]?\d{1,9}(?![\d楼栋号单元层室户天]))+)"
    r"(?:\s+(?P<note>.*))?$"
)


def more_numbers(args: str) -> list[int] | None:
    """The further ticket numbers of "认领 1 2 3" ([2, 3]); None when the rest is not only numbers."""
    return [int(n) for n in re.findall(r"\d{1,9}", args)] if _MORE_NUMBERS.match(args) else None


def numbers_then_note(args: str) -> tuple[list[int], str] | None:
    """([2], "都处理好了") from the rest of "办结 1 2 都处理好了"; None when no ticket number leads it."""
    match = _NUMBERS_THEN_NOTE.match(args.strip())
    if not match:
        return None
    return [int(n) for n in re.findall(r"\d{1,9}", match["numbers"])], (match["note"] or "").strip()


def _int(value: str | None) -> int | None:
    return int(value) if value else None
