"""Complaints about the grid's own staff ("网格员王芳态度太差", "你们网格员怎么回事"): a resident's grievance goes one
step up the ladder (网格员 → 网格长 → 社区书记 → 管理员), never to the person it is about.

A role word or a name is common as the addressee ("喂网格员 我想反映…", "@王芳 3栋漏水"); it counts only when a
complaint word follows it closely ("王芳态度太差", "网格员怎么回事") or 投诉 names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot import texts
from bot.config import Config, Grid, Role, Worker

_LADDER = (Role.GRID_WORKER, Role.GRID_LEADER, Role.SECRETARY, Role.ADMIN)
_ROLE_WORDS = {texts.ROLE_NAMES[role]: role for role in _LADDER[:3]} | {texts.SECRETARY_SHORT: Role.SECRETARY}
_GRIEVANCE = (
    r"(?:态度(?:太|很|极|特别|真|非常|也)?(?:差|不好|恶劣|生硬|冷漠|蛮横|有问题)|也不管|都不管|不管不问|爱理不理|"
    r"不理人|不理睬|敷衍|推诿|推来推去|踢皮球|不作为|不管事|甩脸|骂人|不耐烦|说话难听|"
    r"拖着不办|怎么回事|怎么搞的|干什么吃的|干啥吃的|不负责|一直不来|还不来|没来过|人影都没)"
)
_FILED = "投诉"  # "我要投诉网格员", "网格长…我要投诉"
_IN_CLAUSE = r"[^，。！？!?\s]"
_IN_SENTENCE = r"[^，。！？!?]"


@dataclass(frozen=True)
class Grievance:
    about: str  # who it is about, as the resident named them: "网格员王芳", "网格员"
    handler: Worker  # one step above them: who takes it


def grievance_in(config: Config, grid: Grid, text: str) -> Grievance | None:
    """The complaint about a member of staff in `text`, with who should take it, or None."""
    match = _pattern(config, grid.id).search(text)
    if match is None:
        return None
    said = match.group("staff") or match.group("staff2") or match.group("staff3")
    # "网格员王芳态度太差": the name inside the complaint says who, the role word only what they are
    named = next((w for w in _staff(config, grid.id) if w.name in match.group()), None)
    role = named.role if named is not None else _ROLE_WORDS[said]
    for above in _LADDER[_LADDER.index(role) + 1 :]:
        people = config.workers_of(grid.id, above) if above == Role.GRID_LEADER else config.with_roles(above)
        handler = next((w for w in people if w is not named), None)
        if handler is not None:
            about = f"{texts.ROLE_NAMES[role]}{named.name}" if named is not None else texts.ROLE_NAMES[role]
            return Grievance(about, handler)
    return None


def _staff(config: Config, grid_id: str) -> list[Worker]:
    return [*config.workers_of(grid_id), *config.with_roles(Role.SECRETARY)]


@lru_cache(maxsize=64)
def _pattern_for(names: tuple[str, ...]) -> re.Pattern[str]:
    staff = "|".join(re.escape(word) for word in sorted({*names, *_ROLE_WORDS}, key=len, reverse=True))
    return re.compile(
        rf"(?P<staff>{staff}){_IN_CLAUSE}{{0,8}}{_GRIEVANCE}"
        rf"|{_FILED}{_IN_SENTENCE}{{0,8}}(?P<staff2>{staff})"
        rf"|(?P<staff3>{staff}){_IN_SENTENCE}{{0,12}}{_FILED}"
    )


def _pattern(config: Config, grid_id: str) -> re.Pattern[str]:
    return _pattern_for(tuple(w.name for w in _staff(config, grid_id)))
