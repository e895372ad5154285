"""Where a report is about: the building, so that reports of the same place fold together (附议)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.config import Grid

_PLACE_RE = re.compile(r"([0-9一二三四五六七八九十]+)\s*(栋|号楼|幢|单元|号门)")
# Within or beside a building: its 单元, a numbered gate, a compass gate (东门, 西北门; not 西门子 the brand).
_SPOT_RE = re.compile(r"([0-9一二三四五六七八九十]+)\s*(单元|号门)|((?:东南|东北|西南|西北|东|西|南|北)门)(?!子)")
_CN_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")}


def place_of(text: str, grid: Grid) -> str:
    """The building named in a report ("3栋", "三号楼" → "3栋"), or one of the grid's configured buildings."""
    return numbered_place(text) or next((b for b in grid.buildings if b in text), "")


def numbered_place(text: str) -> str:
    """A numbered building, unit or door named in a message, written one way: "三号楼" → "3栋"; "" when none."""
    match = _PLACE_RE.search(text)
    if not match:
        return ""
    number = _number(match.group(1))
    return f"{number}栋" if match.group(2) in ("栋", "号楼", "幢") else f"{number}{match.group(2)}"


def grids_with_building(grids: Iterable[Grid], text: str) -> list[Grid]:
    """The grids listing the building a message names ("3栋的电梯坏了" → the grid whose buildings hold 3栋)."""
    place = numbered_place(text)
    return [grid for grid in grids if place in grid.buildings] if place else []


def _number(written: str) -> str:
    """"12" → "12", "三" → "3", "十" → "10", "十二" → "12", "二十" → "20", "二十三" → "23"."""
    if "十" not in written:
        return "".join(_CN_DIGITS.get(ch, ch) for ch in written)
    tens, _, ones = written.partition("十")
    tens_value = int(_number(tens)) if tens else 1
    ones_value = int(_number(ones)) if ones else 0
    return str(tens_value * 10 + ones_value)


def count_of(written: str) -> float | None:
    """"3" → 3, "两" → 2, "十五" → 15, "1.5" → 1.5: a count as people write it, or None."""
    written = written.replace("两", "二")
    if written and all(ch in _CN_DIGITS or ch == "十" for ch in written):
        written = _number(written)
    try:
        return float(written)
    except ValueError:
        return None


def is_building(place: str) -> bool:
    """A building ("3栋"), not a unit or a door within one: two different buildings are two places."""
    return place.endswith("栋")


def spots_of(text: str) -> frozenset[str]:
    """The finer places a report names within or beside a building, written one way: "3栋二单元" → {"2单元"},
    "小区东门" → {"东门"}; empty when it names none."""
    return frozenset(
        f"{_number(m.group(1))}{m.group(2)}" if m.group(1) else m.group(3) for m in _SPOT_RE.finditer(text)
    )


def other_spots(text: str, other: str) -> bool:
    """Both name a finer place, and no finer place is the same ("3栋2单元" and "3栋1单元", "东门" and "西门"): two
    places. One naming only the building ("3栋电梯坏了") may be about either, as vague residents often are."""
    spots, others = spots_of(text), spots_of(other)
    return bool(spots) and bool(others) and not spots & others
